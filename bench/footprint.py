"""Footprint: resident memory of an idle ``secretariat run`` against the bare bolt App.

Both are started as their own processes, served the same way (``bench.servers``), and their
VmRSS read once they are up and quiet; then again after the bot served one of each of its
main commands (which loads the Japanese tokenizer's dictionary and the templates) and the
bare app the same number of no-op commands.
"""

from __future__ import annotations

import time

from bench.ack import command, prepare_bot, settle
from bench.infra import BOT_TOKEN, Settings, rss_bytes
from bench.report import Row, Table, verdict
from bench.servers import U_MEMBER, serve, workspace
from bot.localslack import LocalSlack

LIMIT_MB = 100.0


def _mb(n: int) -> float:
    return n / 1024 / 1024


def run(settings: Settings) -> Table:
    table = Table("Footprint: resident memory, idle")
    quiet = 1.0 if settings.quick else 3.0
    db_url = f"sqlite:///{settings.workdir / 'footprint.sqlite3'}"
    with LocalSlack(token=BOT_TOKEN) as slack:
        workspace(slack)
        with (
            serve("bare", slack, settings.workdir, "sqlite://") as bare,
            serve("bot", slack, settings.workdir, db_url) as bot,
        ):
            time.sleep(quiet)
            idle = {s.name: rss_bytes(s.child.pid) for s in (bot, bare)}
            prepare_bot(bot, slack)
            for server in (bot, bare):
                http = server.http()
                for name, text in (
                    ("/agenda", "add 議案 電子決裁の導入"),
                    ("/decisions", "電話システムについて何が決まった？"),
                    ("/agenda", "list"),
                ):
                    http.post(command(slack, name, text, U_MEMBER))
            settle(slack)
            time.sleep(quiet)
            used = {s.name: rss_bytes(s.child.pid) for s in (bot, bare)}
    for label, figures in (("idle after start", idle), ("idle after serving commands", used)):
        bot_mb, bare_mb = _mb(figures["bot"]), _mb(figures["bare"])
        table.add(
            Row(f"RSS, {label}", f"{bot_mb:.1f} MB (bot)", f"{bare_mb:.1f} MB (bare)",
                bot_mb / bare_mb, f"difference < {LIMIT_MB:g} MB (is {bot_mb - bare_mb:.1f} MB)",
                verdict(bot_mb - bare_mb < LIMIT_MB))
        )  # fmt: skip
    table.note(
        "bot: `secretariat run` on SQLite (HTTP mode, its background work included); "
        "bare: bolt App with no-op handlers; both waitress + SlackRequestHandler; VmRSS"
    )
    return table
