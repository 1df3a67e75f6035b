"""Three dispatchers at once over 2,000 due reminders in 20 channels: each is posted exactly
once. (One channel is posted to by one dispatcher at a time, so the work is shared out by
channel.)

On PostgreSQL this is what several ``secretariat run`` instances on one database do (claims
with ``FOR UPDATE SKIP LOCKED``); on SQLite the three dispatchers are threads of one process
sharing the file (claims with a conditional ``UPDATE``).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders.dispatcher import DispatchReport, DispatchSettings, dispatch_due
from storage.models import Reminder
from tests.unit.reminders_support import insert_due, jst, keys_posted, schedule

COUNT = 2000
# A few channels per claim, so that each dispatcher gets channels of its own.
SETTINGS = DispatchSettings(batch_size=5, lease=timedelta(minutes=10), backoff_base=0.0)


def test_three_dispatchers_post_each_of_2000_reminders_once(deps: Deps, slack: LocalSlack) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    channels = [f"C0LANE{n:02d}" for n in range(20)]
    for channel in channels:
        slack.add_channel(channel, channel.lower(), "public")
    keys = insert_due(deps, mid, COUNT, channels=channels)
    start = threading.Barrier(3)
    reports: dict[str, DispatchReport] = {}
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        client = slack.client(retry_handlers=[])
        try:
            start.wait()
            reports[name] = dispatch_due(deps, client, SETTINGS, worker=name)
        except BaseException as exc:  # surfaced below, with the thread's name
            errors.append(exc)

    threads = [threading.Thread(target=dispatcher, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    posted = Counter(keys_posted(slack))
    assert len(posted) == COUNT and set(posted) == set(keys)
    assert max(posted.values()) == 1
    assert sum(r.sent for r in reports.values()) == COUNT
    assert sum(r.lost for r in reports.values()) == 0
    with deps.unit_of_work() as s:
        states = dict(
            s.execute(select(Reminder.state, func.count()).group_by(Reminder.state)).all()
        )
        workers = s.scalars(select(Reminder.claimed_by).where(Reminder.key.in_(keys[:1]))).all()
    assert states.get("sent", 0) >= COUNT
    assert workers[0] is not None and workers[0].split(":")[0] in reports
    # The work was shared out, not done by one dispatcher while the others waited.
    assert sum(1 for r in reports.values() if r.sent) >= 2
