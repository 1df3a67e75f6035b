"""Reminder fan-out: many reminders due at once, Slack allowing one message per second per
channel (and answering 429 past it).

The lower bound is physics: the busiest channel's count of messages, in seconds. The
dispatcher runs as ``secretariat run`` runs it (``bench.worker``: the bot built by
``bot.server.build`` with its reminder scheduler), one process on SQLite and three on
PostgreSQL, all against one fake Slack. The reminders are inserted due *now* in one
transaction while the workers are already running; the figure is the time from that commit to
the last message Slack accepted. Every reminder must be posted exactly once: each message
carries its reminder's key in Slack message metadata, so losses and doubles are counted.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from bench import seed
from bench.infra import BOT_TOKEN, Settings, database, spawn_child, wait_ready
from bench.report import INFO, Row, Table, verdict
from bot.localslack import LocalSlack
from bot.reminders import kinds
from storage.models import Reminder

TARGET = 1.2


@dataclass(frozen=True)
class FanoutSize:
    reminders: int
    channels: int


FULL = FanoutSize(5000, 200)
QUICK = FanoutSize(40, 20)


def run(settings: Settings, size: FanoutSize | None = None) -> Table:
    size = size or (QUICK if settings.quick else FULL)
    table = Table(
        f"Reminder fan-out: {size.reminders:,} reminders due at once across "
        f"{size.channels} channels, 1 message/s/channel"
    )
    for backend in settings.backends():
        processes = 1 if backend == "sqlite" else 3
        table.add(_one(settings, backend, processes, size, table))
    table.note(
        "figure: seconds from the commit that made the reminders due to the last message "
        "Slack accepted; baseline: the lower bound (busiest channel's count × 1 s)"
    )
    table.note(
        "reminders are created in random channel order (as meetings are scheduled over "
        "time); the fake Slack answers 429 with Retry-After past 1 message/s in a channel"
    )
    return table


def _one(settings: Settings, backend: str, processes: int, size: FanoutSize, table: Table) -> Row:
    label = f"{backend}, {processes} process{'es' if processes > 1 else ''}"
    rng = random.Random(8)
    now = datetime.now(UTC)
    with LocalSlack(token=BOT_TOKEN) as slack, database(settings, backend) as db:
        bodies = seed.add_bodies(db.engine, size.channels, now)
        for _body, channel in bodies:
            slack.add_channel(channel, channel.lower(), "public")
        per_body = -(-size.reminders // size.channels)
        meetings = seed.add_meetings(db.engine, bodies, per_body, now + timedelta(days=7), now)
        channel_of = dict(bodies)
        targets = [(m, b, s, channel_of[b]) for m, b, s in meetings][: size.reminders]
        rng.shuffle(targets)
        busiest = max(Counter(t[3] for t in targets).values())
        slack.set_channel_rate_limit(1)
        env = {
            "DATABASE_URL": db.url,
            "SLACK_API_URL": slack.url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "unused",
            "SECRETARIAT_DISPATCH_INTERVAL": "0.5",
            "SECRETARIAT_LANG": "ja",
        }
        workers = [
            spawn_child(["-m", "bench.worker"], env, settings.workdir / f"fanout_{backend}_{i}.log")
            for i in range(processes)
        ]
        try:
            for w in workers:
                wait_ready(w)
            if (
                not workers[0].ready_line.startswith("ready")
                or "bench.worker" in workers[0].ready_line
            ):
                table.note(
                    "`secretariat run` did not start the reminder dispatcher "
                    "(bot.server.start_background_work returned None): bench.worker started "
                    "bot.reminders.scheduler.start_scheduler itself"
                )
            due = datetime.now(UTC) - timedelta(seconds=1)
            rows = seed.meeting_reminder_rows(targets, due, now, 1)
            loading = time.time()
            with db.engine.begin() as conn:
                conn.execute(insert(Reminder), list(rows))
            # The clock starts at the commit: generating and inserting the rows is the bench's
            # work, not the bot's.
            t0 = time.time()
            loaded_in = t0 - loading
            waited = 0.0
            bound = float(busiest)
            deadline = time.monotonic() + bound * 15 + 60
            while time.monotonic() < deadline:
                if len(slack.calls("chat.postMessage")) >= size.reminders:
                    break
                time.sleep(0.2)
            waited = time.time() - t0
            # A moment more, so that a late double would be seen.
            time.sleep(0.5 if settings.quick else 2.0)
        finally:
            for w in workers:
                w.stop()
        posts = slack.calls("chat.postMessage")
        refused = len(slack.failed_calls("chat.postMessage"))
        keys = Counter(
            str(((c.params.get("metadata") or {}).get("event_payload") or {}).get("key"))
            for c in posts
        )
        with db.engine.connect() as conn:
            states = dict(
                conn.execute(select(Reminder.state, func.count()).group_by(Reminder.state)).all()
            )
    delivered = len(keys)
    doubled = sum(n - 1 for n in keys.values() if n > 1)
    # Not posted: lost if every row says sent (or failed); else simply not yet sent when the
    # wait ended.
    missing = size.reminders - delivered
    open_rows = states.get(kinds.PENDING, 0) + states.get(kinds.CLAIMED, 0)
    lost = max(missing - open_rows, 0)
    sent_rows = states.get(kinds.SENT, 0)
    elapsed = float("inf") if delivered < size.reminders else max(c.at for c in posts) - t0
    ok = elapsed <= TARGET * bound and lost == 0 and doubled == 0 and sent_rows == size.reminders
    table.note(
        f"{label}: reminders inserted in {loaded_in:.1f} s (before the clock starts); "
        f"{delivered:,}/{size.reminders:,} delivered (waited {waited:.0f} s), {doubled} "
        f"doubled, {lost} lost, {missing - lost} still to send, "
        f"{refused:,} posts refused with 429, reminder rows by state: "
        f"{dict(sorted(states.items()))}"
    )
    figure = f"{elapsed:.1f} s" if elapsed != float("inf") else f"unfinished ({delivered:,} sent)"
    return Row(
        f"all delivered ({label})",
        figure,
        f"{bound:.0f} s (bound)",
        None if elapsed == float("inf") else elapsed / bound,
        f"≤ {TARGET}× bound, none lost or doubled",
        verdict(ok) if backend else INFO,
    )
