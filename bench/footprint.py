"""Footprint: resident memory of an idle ``secretariat run`` against the bare bolt App.

Both are started as their own processes, served the same way (``bench.servers``), and their
VmRSS read once they are up and quiet; then again after the bot served one of each of its
main commands (which loads the Japanese tokenizer's dictionary and the templates) and the
bare app the same number of no-op commands.

The bot starts on a database that is already migrated (``secretariat db upgrade`` first), as
every start but the first does; resident memory is also split into private (anonymous) memory
and pages mapped from files, which the kernel shares between processes and can drop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.ack import command, prepare_bot, settle
from bench.infra import BOT_TOKEN, Settings, rss_bytes
from bench.report import Row, Table, verdict
from bench.servers import U_MEMBER, serve, workspace
from bot.localslack import LocalSlack

LIMIT_MB = 100.0


def _mb(n: int) -> float:
    return n / 1024 / 1024


def _anonymous_bytes(pid: int) -> int:
    """Private memory of a process (RssAnon): the part no other process could share."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no RssAnon for {pid}")


def _upgrade(db_url: str) -> None:
    """Migrate the bot's database before it starts, as it is on every start but the first."""
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": "x"}  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, check=True, capture_output=True
    )


def run(settings: Settings) -> Table:
    table = Table("Footprint: resident memory, idle")
    quiet = 1.0 if settings.quick else 3.0
    db_url = f"sqlite:///{settings.workdir / 'footprint.sqlite3'}"
    _upgrade(db_url)
    with LocalSlack(token=BOT_TOKEN) as slack:
        workspace(slack)
        with (
            serve("bare", slack, settings.workdir, "sqlite://") as bare,
            serve("bot", slack, settings.workdir, db_url) as bot,
        ):
            time.sleep(quiet)
            idle = {s.name: rss_bytes(s.child.pid) for s in (bot, bare)}
            idle_private = {s.name: _anonymous_bytes(s.child.pid) for s in (bot, bare)}
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
            used_private = {s.name: _anonymous_bytes(s.child.pid) for s in (bot, bare)}
    for label, figures in (("idle after start", idle), ("idle after serving commands", used)):
        bot_mb, bare_mb = _mb(figures["bot"]), _mb(figures["bare"])
        table.add(
            Row(f"RSS, {label}", f"{bot_mb:.1f} MB (bot)", f"{bare_mb:.1f} MB (bare)",
                bot_mb / bare_mb, f"difference < {LIMIT_MB:g} MB (is {bot_mb - bare_mb:.1f} MB)",
                verdict(bot_mb - bare_mb < LIMIT_MB))
        )  # fmt: skip
    for label, figures in (("idle after start", idle_private),
                           ("idle after serving commands", used_private)):  # fmt: skip
        bot_mb, bare_mb = _mb(figures["bot"]), _mb(figures["bare"])
        table.add(
            Row(f"private memory (RssAnon), {label}", f"{bot_mb:.1f} MB (bot)",
                f"{bare_mb:.1f} MB (bare)", bot_mb / bare_mb,
                f"report (difference {bot_mb - bare_mb:.1f} MB)")
        )  # fmt: skip
    table.note(
        "the rest of the resident memory is pages mapped from files: after serving commands "
        "mostly SudachiPy's dictionary (system.dic, mapped, not read into memory)"
    )
    table.note(
        "bot: `secretariat run` on SQLite (HTTP mode, its background work included); "
        "bare: bolt App with no-op handlers; both waitress + SlackRequestHandler; VmRSS"
    )
    return table
