"""Pacing per channel: a 429 never stalls the dispatcher, channels go out side by side, one
channel never gets two posts at once, and a crowded channel's extra reminders are given back
for later instead of being posted into a 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders.content import Due
from bot.reminders.dispatcher import dispatch_due
from bot.reminders.lanes import ChannelPacer, LaneSettings, dispatch_client, run_lanes
from tests.unit.reminders_support import FAST, insert_due, jst, keys_posted, reminders, schedule


def _due(i: int, channel: str) -> Due:
    return Due(
        i, f"k{i}", "agenda_preview", channel, datetime.now(UTC), None, None, {}, 0, False, "t"
    )


class _Recorder:
    """A ``handle`` that notes when each channel was posted to, and any overlap."""

    def __init__(self, pacer: ChannelPacer, seconds: float = 0.02) -> None:
        self.pacer, self.seconds = pacer, seconds
        self.times: dict[str, list[float]] = {}
        self.active: set[str] = set()
        self.overlaps: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, due: Due) -> None:
        with self.lock:
            if due.target in self.active:
                self.overlaps.append(due.target)
            self.active.add(due.target)
            self.times.setdefault(due.target, []).append(time.monotonic())
        time.sleep(self.seconds)  # the round trip to Slack
        with self.lock:
            self.active.discard(due.target)
        self.pacer.posted(due.target)


def _batches(dues: list[Due], size: int) -> list[Sequence[Due]]:
    return [dues[i : i + size] for i in range(0, len(dues), size)]


def test_channels_go_out_side_by_side_each_at_its_own_pace() -> None:
    pacer = ChannelPacer(0.2)
    handle = _Recorder(pacer)
    dues = [_due(i, "CA") for i in range(4)] + [_due(10 + i, f"C{i}") for i in range(6)]
    batches = _batches(dues, 3)
    deferred: list[tuple[Due, float]] = []
    start = time.monotonic()
    run_lanes(
        lambda: batches.pop(0) if batches else [],
        handle,
        lambda due, seconds: deferred.append((due, seconds)),
        pacer,
        LaneSettings(concurrency=4, hold=1.0),
    )
    assert not deferred and not handle.overlaps
    posts = handle.times["CA"]
    assert len(posts) == 4
    assert all(b - a >= 0.2 for a, b in zip(posts, posts[1:], strict=False))
    # The other channels did not wait behind the busy one.
    others = [t for c, ts in handle.times.items() if c != "CA" for t in ts]
    assert len(others) == 6 and max(others) - start < 0.5


def test_a_crowded_channel_s_extra_reminders_are_given_back_for_later() -> None:
    pacer = ChannelPacer(0.5)
    handle = _Recorder(pacer, seconds=0.0)
    batches = [[_due(i, "CA") for i in range(8)]]
    deferred: list[tuple[Due, float]] = []
    run_lanes(
        lambda: batches.pop(0) if batches else [],
        handle,
        lambda due, seconds: deferred.append((due, seconds)),
        pacer,
        LaneSettings(concurrency=4, hold=1.0),
    )
    # Three fit in the hold (now, +0.5 s, +1 s); the rest wait in the database.
    assert len(handle.times["CA"]) == 3
    assert [d.key for d, _ in deferred] == [f"k{i}" for i in range(3, 8)]
    assert all(seconds > 1.0 for _, seconds in deferred)


def test_the_dispatcher_client_never_sleeps_on_a_429(slack: LocalSlack) -> None:
    client = slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
    assert not any(
        isinstance(h, RateLimitErrorRetryHandler) for h in dispatch_client(client).retry_handlers
    )
    assert client.retry_handlers and dispatch_client(client).base_url == client.base_url


def test_a_429_requeues_after_retry_after_without_sleeping_or_giving_up(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    (key,) = insert_due(deps, mid, 1)
    slack.fail_next("chat.postMessage", status=429, retry_after=30, count=3)
    # The production kind of client: its own rate-limit handler would sleep 30 s per 429.
    client = slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
    settings = replace(FAST, max_attempts=2)
    for _ in range(3):
        began = time.monotonic()
        report = dispatch_due(deps, client, settings)
        assert time.monotonic() - began < 10
        row = reminders(deps)[key]
        assert (report.retried, row.state, row.in_doubt) == (1, "pending", False)
        assert row.next_attempt_at is not None
        assert row.next_attempt_at >= deps.clock.now() + timedelta(seconds=30)
        deps.clock.set(row.next_attempt_at)  # type: ignore[attr-defined]
    # A rate limit is not the reminder's failure: past max_attempts it is still sent.
    assert dispatch_due(deps, client, settings).sent == 1
    assert keys_posted(slack).count(key) == 1


def test_paced_dispatch_gives_back_what_a_busy_channel_cannot_take(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 6)
    slack.set_channel_rate_limit(1)
    settings = replace(FAST, channel_interval=1.0, hold=1.5)
    report = dispatch_due(deps, slack.client(), settings)
    # All to one channel at 1 message/s: two go out now and a second later, the others are
    # given back (not posted into a 429), due again when the channel is free.
    assert report.sent == 2 and report.paced == 4
    assert not slack.failed_calls("chat.postMessage")
    rows = reminders(deps)
    waiting = [rows[k] for k in keys if rows[k].state == "pending"]
    assert waiting and all(
        r.next_attempt_at is not None and r.next_attempt_at > deps.clock.now() for r in waiting
    )
