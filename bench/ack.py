"""Acknowledgement: how fast Slack hears back from ``/agenda add`` and ``/decisions <query>``.

``secretariat run`` and a bare bolt App with no-op handlers are served the same way
(waitress, bolt's WSGI adapter, one process each); 20 clients send signed slash commands
over HTTP at once, each waiting for its answer before sending the next. Then the fake Slack
is made slow (1 s per Web API call) and the bot is measured again: nothing the user waits on
may wait for Slack.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.infra import BOT_TOKEN, Settings, database
from bench.report import Row, Table, ms, percentile, verdict
from bench.servers import C_MAIN, U_MEMBER, U_SEC, Server, serve, workspace
from bot.i18n import t
from bot.localslack import LocalSlack
from tests.slackbench import payloads

CLIENTS = 20
MEETINGS = 40  # the items of a full run (about 1,500) make agendas of about 37 items
P99_TARGET = 2.0  # × the bare app
SLOW_TARGET = 1.5  # × the bot's own p99 with a fast Slack
SLOW_SECONDS = 1.0


@dataclass(frozen=True)
class AckSize:
    per_client: int  # requests per client, fast Slack
    slow_per_client: int  # requests per client, slow Slack


FULL = AckSize(50, 20)
QUICK = AckSize(3, 1)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


Payload = Callable[[int, int], dict[str, Any]]


def load(
    server: Server,
    make: Payload,
    per_client: int,
    clients: int = CLIENTS,
    *,
    expect: str | None = None,
) -> Load:
    """``clients`` threads, each sending ``per_client`` requests one after another.

    ``expect``: a phrase every answer must contain (the command's confirmation); anything
    else, a refusal included, counts as a failure, so a run cannot time the wrong path.
    """
    result = Load()
    lock = threading.Lock()
    start = threading.Barrier(clients)
    bad = {t("ja", "error.internal")}

    def client(c: int) -> None:
        http = server.http()
        start.wait()
        for k in range(per_client):
            payload = make(c, k)
            began = time.perf_counter()
            try:
                answer = http.post(payload)
                problem = None
                if answer.status != 200:
                    problem = f"HTTP {answer.status}"
                elif answer.text in bad or (expect is not None and expect not in answer.text):
                    problem = answer.text[:80]
            except OSError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - began
            with lock:
                result.latencies.append(elapsed)
                if problem:
                    result.failures.append(problem)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return result


def command(slack: LocalSlack, name: str, text: str, user: str = U_SEC) -> dict[str, Any]:
    return payloads.slash_command(
        name, text, user, C_MAIN, response_url=slack.new_response_url(C_MAIN)
    )


def settle(slack: LocalSlack, quiet: float = 1.5, limit: float = 300.0) -> None:
    """Wait until the bot's post-ack work is done (no Web API call for ``quiet`` seconds)."""
    deadline = time.monotonic() + limit
    seen, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(slack.calls(include_failed=True))
        if count != seen:
            seen, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def prepare_bot(server: Server, slack: LocalSlack) -> list[int]:
    """A body in the channel, meetings to submit to and items to find; the meetings' ids."""
    http = server.http()
    first = dt.date.today() + dt.timedelta(days=28)
    setup = "setup 行政情報化推進本部 secretariat=情報管理課 place=庁議室"
    answer = http.post(command(slack, "/meeting", setup))
    if answer.status != 200:
        raise RuntimeError(f"/meeting setup: HTTP {answer.status}")
    meetings = []
    for n in range(MEETINGS):
        day = first + dt.timedelta(days=n)
        answer = http.post(command(slack, "/meeting", f"schedule {day.isoformat()} 10:00-12:00"))
        found = re.search(r"M(\d+)", answer.text)
        if answer.status != 200 or not found:
            raise RuntimeError(f"/meeting schedule: HTTP {answer.status} {answer.text[:80]!r}")
        meetings.append(int(found.group(1)))
    for title in ("電話システムの更新", "庁内ネットワークの見直し", "文書管理システムの導入"):
        http.post(command(slack, "/agenda", f"add 議案 {title}"))
    settle(slack)
    return meetings


def agenda_add(slack: LocalSlack, tag: str, meetings: Sequence[int]) -> Payload:
    # One submitter per request: anyone in the channel may submit, up to 20 items in 10
    # minutes each (bot/ratelimit.py), so one user sending them all would time refusals.
    # The items are spread over the meetings, so that no agenda grows past what one meeting
    # has (a few dozen items).
    def make(c: int, k: int) -> dict[str, Any]:
        meeting = meetings[(c * 7 + k) % len(meetings)]
        text = f"add meeting=M{meeting} 議案 議題{tag}{c}-{k}"
        return command(slack, "/agenda", text, f"U{tag.upper()}{c:02d}X{k:03d}")

    return make


# What each command's acknowledgement says when it did its work (the bot's, in Japanese).
EXPECTED = {
    "/agenda add": "受け付けました",
    "/decisions <query>": "決定事項をこのチャンネルでお答えします",
}


def decisions_query(slack: LocalSlack) -> Payload:
    questions = ("電話システム", "ネットワーク", "文書管理について何が決まった？")
    return lambda c, k: command(slack, "/decisions", questions[(c + k) % len(questions)], U_MEMBER)


def _measure_bot(
    settings: Settings, slack: LocalSlack, db_url: str, size: AckSize
) -> dict[tuple[str, str], Load]:
    results: dict[tuple[str, str], Load] = {}
    with serve("bot", slack, settings.workdir, db_url) as bot:
        meetings = prepare_bot(bot, slack)
        quiet = 0.5 if settings.quick else 1.5

        def adds(tag: str) -> Payload:
            return agenda_add(slack, tag, meetings)

        def queries(_tag: str) -> Payload:
            return decisions_query(slack)

        # Each run of /agenda add has submitters of its own (the tag is in their ids).
        for name, make in (("/agenda add", adds), ("/decisions <query>", queries)):
            expect = EXPECTED[name]
            load(bot, make("w"), 1, CLIENTS, expect=expect)  # warm-up
            settle(slack, quiet)
            results[("bot", name)] = load(bot, make("f"), size.per_client, expect=expect)
            settle(slack, quiet)
            results[("bot1", name)] = load(
                bot, make("o"), size.per_client, clients=1, expect=expect
            )
            settle(slack, quiet)
        slack.set_latency(SLOW_SECONDS)
        try:
            results[("slow", "/agenda add")] = load(
                bot, adds("s"), size.slow_per_client, expect=EXPECTED["/agenda add"]
            )
            # Let the first command's Web API backlog drain before measuring the second.
            settle(slack, quiet=SLOW_SECONDS * 2.5, limit=10 if settings.quick else 300)
            results[("slow", "/decisions <query>")] = load(
                bot,
                decisions_query(slack),
                size.slow_per_client,
                expect=EXPECTED["/decisions <query>"],
            )
        finally:
            slack.set_latency(0)
    return results


def run(settings: Settings, size: AckSize | None = None) -> Table:
    size = size or (QUICK if settings.quick else FULL)
    table = Table(f"Acknowledgement over HTTP, {CLIENTS} concurrent clients")
    with LocalSlack(token=BOT_TOKEN) as slack:
        workspace(slack)
        bare_results: dict[tuple[str, str], Load] = {}
        with serve("bare", slack, settings.workdir, "sqlite://") as bare:
            for name, make in (("/agenda add", agenda_add(slack, "b", [1])),
                               ("/decisions <query>", decisions_query(slack))):  # fmt: skip
                load(bare, make, 2, CLIENTS)  # warm-up
                bare_results[("bare", name)] = load(bare, make, size.per_client)
                bare_results[("bare1", name)] = load(bare, make, size.per_client, clients=1)
        # The quick run measures the bot on SQLite only (the smoke test must stay short).
        backends = ["sqlite"] if settings.quick else settings.backends()
        for backend in backends:
            if backend == "sqlite":
                db_url = f"sqlite:///{settings.workdir / 'ack.sqlite3'}"
                results = _measure_bot(settings, slack, db_url, size)
            else:
                with database(settings, backend) as db:
                    results = _measure_bot(settings, slack, db.url, size)
            _rows(table, backend, {**bare_results, **results})
    table.note(
        f"requests per client: {size.per_client} (fast Slack), {size.slow_per_client} "
        f"(slow Slack); each client waits for its answer before sending the next; "
        "time = from sending the signed request to reading the whole answer"
    )
    table.note(
        "servers: `secretariat run` (on SQLite, then on PostgreSQL) and a bare bolt App with a "
        "no-op ack, both waitress (8 threads) + slack_bolt.adapter.wsgi.SlackRequestHandler, "
        "one process each; the bare app's figures are the baseline of both"
    )
    return table


def _rows(table: Table, backend: str, results: dict[tuple[str, str], Load]) -> None:
    for command_name in ("/agenda add", "/decisions <query>"):
        name = f"{command_name} ({backend})"
        bot_l, bare_l, slow_l = (results[(k, command_name)] for k in ("bot", "bare", "slow"))
        b50, b99 = percentile(bot_l.latencies, 50), percentile(bot_l.latencies, 99)
        r50, r99 = percentile(bare_l.latencies, 50), percentile(bare_l.latencies, 99)
        s50, s99 = percentile(slow_l.latencies, 50), percentile(slow_l.latencies, 99)
        one, bare_one = results[("bot1", command_name)], results[("bare1", command_name)]
        o50, ob50 = percentile(one.latencies, 50), percentile(bare_one.latencies, 50)
        table.add(Row(f"{name}: p50, one client alone", ms(o50), f"{ms(ob50)} (bare)", o50 / ob50))
        table.add(Row(f"{name}: p50", ms(b50), f"{ms(r50)} (bare)", b50 / r50))
        table.add(Row(f"{name}: p99", ms(b99), f"{ms(r99)} (bare)", b99 / r99,
                      f"≤ {P99_TARGET:g}× bare", verdict(b99 <= P99_TARGET * r99)))  # fmt: skip
        table.add(Row(f"{name}: p50, Slack at 1 s/call", ms(s50), f"{ms(b50)} (fast Slack)",
                      s50 / b50))  # fmt: skip
        table.add(Row(f"{name}: p99, Slack at 1 s/call", ms(s99), f"{ms(b99)} (fast Slack)",
                      s99 / b99, f"unchanged (≤ {SLOW_TARGET:g}×)",
                      verdict(s99 <= SLOW_TARGET * b99)))  # fmt: skip
        for kind, result in (("bot", bot_l), ("bare", bare_l), ("bot, slow Slack", slow_l)):
            if result.failures:
                table.note(
                    f"{name} ({kind}): {len(result.failures)} of {len(result.latencies)} "
                    f"requests failed, e.g. {result.failures[0]!r}"
                )
