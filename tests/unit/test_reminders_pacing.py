"""Pacing per channel: a 429 never stalls the dispatcher, channels go out side by side, one
channel never gets two posts at once, and the channels' next free moments are shared through
the database, so that several dispatchers (several ``secretariat run`` instances) together
keep Slack's one message per second per channel."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select

from bot.clock import SystemClock
from bot.deps import Deps
from bot.localslack import Call, LocalSlack
from bot.reminders import claims
from bot.reminders.claims import ChannelClaim, ChannelRelease
from bot.reminders.content import Action, Due, Outgoing
from bot.reminders.dispatcher import dispatch_due
from bot.reminders.lanes import LaneSettings, Outcome, Turn, dispatch_client, run_lanes
from storage.models import ReminderChannel
from tests.unit.reminders_support import (
    FAST,
    MAIN,
    insert_due,
    jst,
    keys_posted,
    reminders,
    schedule,
)

PACED = replace(FAST, channel_interval=1.0)


def _due(i: int, channel: str) -> Due:
    return Due(
        i, f"k{i}", "agenda_preview", channel, datetime.now(UTC), None, None, {}, 0, False, "t"
    )


def _claim(channel: str, dues: Sequence[Due]) -> ChannelClaim:
    return ChannelClaim(channel, "t", datetime.now(UTC), tuple(dues))


class _Lanes:
    """``run_lanes``'s partners: one claim handed out, posts noted, releases kept."""

    def __init__(self, claimed: list[ChannelClaim], interval: float, closes: set[int]) -> None:
        self.claimed, self.interval, self.closes = claimed, interval, closes
        self.times: dict[str, list[float]] = {}
        self.active: set[str] = set()
        self.overlaps: list[str] = []
        self.releases: list[ChannelRelease] = []
        self.lock = threading.Lock()

    def exchange(self, releases: Sequence[ChannelRelease], claim: bool) -> list[ChannelClaim]:
        self.releases.extend(releases)
        handed, self.claimed = (self.claimed, []) if claim else ([], self.claimed)
        return handed

    def prepare(self, dues: Sequence[Due]) -> dict[int, Action | Exception]:
        return {d.id: Outgoing(d.target, d.key) for d in dues}

    def handle(self, turn: Turn) -> Outcome:
        channel = turn.due.target
        with self.lock:
            if channel in self.active:
                self.overlaps.append(channel)
            self.active.add(channel)
            self.times.setdefault(channel, []).append(time.monotonic())
        time.sleep(0.02)  # the round trip to Slack
        with self.lock:
            self.active.discard(channel)
        if turn.due.id in self.closes:
            return Outcome(datetime.now(UTC) + timedelta(seconds=30), time.monotonic() + 30, True)
        return Outcome(
            datetime.now(UTC) + timedelta(seconds=self.interval), time.monotonic() + self.interval
        )

    def run(self) -> None:
        settings = LaneSettings(concurrency=4, batch_size=50, claim_every=0.05)
        run_lanes(self.exchange, self.prepare, self.handle, lambda: datetime.now(UTC), settings)


def test_channels_go_out_side_by_side_each_at_its_own_pace() -> None:
    busy = _claim("CA", [_due(i, "CA") for i in range(4)])
    others = [_claim(f"C{i}", [_due(10 + i, f"C{i}")]) for i in range(6)]
    lanes = _Lanes([busy, *others], 0.2, set())
    start = time.monotonic()
    lanes.run()
    assert not lanes.overlaps
    posts = lanes.times["CA"]
    assert len(posts) == 4
    assert all(b - a >= 0.2 for a, b in zip(posts, posts[1:], strict=False))
    # The other channels did not wait behind the busy one.
    rest = [t for c, ts in lanes.times.items() if c != "CA" for t in ts]
    assert len(rest) == 6 and max(rest) - start < 0.5
    # Every channel was given back, with no reminder left over.
    assert sorted(r.channel for r in lanes.releases) == sorted(["CA", *(f"C{i}" for i in range(6))])
    assert not any(r.unsent for r in lanes.releases)


def test_a_429_gives_the_channel_back_with_its_other_reminders() -> None:
    crowded = _claim("CA", [_due(i, "CA") for i in range(4)])
    lanes = _Lanes([crowded, _claim("CB", [_due(9, "CB")])], 0.0, closes={0})
    lanes.run()
    assert len(lanes.times["CA"]) == 1  # nothing more there after the 429
    (release,) = [r for r in lanes.releases if r.channel == "CA"]
    assert [d.id for d in release.unsent] == [1, 2, 3]
    assert release.free_at > datetime.now(UTC) + timedelta(seconds=25)
    assert len(lanes.times["CB"]) == 1


def test_the_dispatcher_client_never_sleeps_on_a_429(slack: LocalSlack) -> None:
    client = slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
    assert not any(
        isinstance(h, RateLimitErrorRetryHandler) for h in dispatch_client(client).retry_handlers
    )
    assert client.retry_handlers and dispatch_client(client).base_url == client.base_url


def _free_at(deps: Deps, channel: str) -> datetime | None:
    with deps.unit_of_work() as s:
        return s.scalar(select(ReminderChannel.free_at).where(ReminderChannel.channel == channel))


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
        # The channel is closed that long for every dispatcher, not only this one.
        assert _free_at(deps, MAIN) == row.next_attempt_at
        deps.clock.set(row.next_attempt_at)  # type: ignore[attr-defined]
    # A rate limit is not the reminder's failure: past max_attempts it is still sent.
    assert dispatch_due(deps, client, settings).sent == 1
    assert keys_posted(slack).count(key) == 1
    assert reminders(deps)[key].attempts == 1


def test_a_429_closes_the_channel_to_another_dispatcher_too(deps: Deps, slack: LocalSlack) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    slack.add_channel("C0OTHER", "other", "public")
    first = insert_due(deps, mid, 1, prefix="a")
    slack.fail_next("chat.postMessage", status=429, retry_after=30)
    assert dispatch_due(deps, slack.client(), FAST, worker="one").retried == 1
    # Another instance, a moment later: one more reminder for that channel and one elsewhere.
    deps.clock.advance(timedelta(seconds=5))  # type: ignore[attr-defined]
    second = insert_due(deps, mid, 1, prefix="b")
    elsewhere = insert_due(deps, mid, 1, prefix="c", channels=["C0OTHER"])
    report = dispatch_due(deps, slack.client(), FAST, worker="two")
    assert report.sent == 1 and keys_posted(slack) == elsewhere
    assert len(slack.failed_calls("chat.postMessage")) == 1  # no second 429
    # Once Retry-After is over, the channel's reminders go out in their order.
    deps.clock.advance(timedelta(seconds=26))  # type: ignore[attr-defined]
    assert dispatch_due(deps, slack.client(), FAST, worker="two").sent == 2
    assert keys_posted(slack) == elsewhere + first + second


def test_a_channel_held_by_a_dispatcher_that_died_is_free_again_after_a_minute(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    slack.add_channel("C0OTHER", "other", "public")
    keys = insert_due(deps, mid, 2, channels=[MAIN, "C0OTHER"])
    now = deps.clock.now()
    held = claims.claim_channels(
        deps.session_factory, now, "dead:1", claims.ClaimLimits(1, timedelta(minutes=2))
    )
    assert [c.channel for c in held] == [MAIN]
    later = insert_due(deps, mid, 1, prefix="late")  # due in the held channel too
    deps.clock.advance(timedelta(seconds=30))  # type: ignore[attr-defined]
    assert dispatch_due(deps, slack.client(), FAST).sent == 1
    assert keys_posted(slack) == keys[1:]
    # The hold lapsed; the dead dispatcher's own reminder waits for its lease.
    deps.clock.advance(timedelta(seconds=45))  # type: ignore[attr-defined]
    assert dispatch_due(deps, slack.client(), FAST).sent == 1
    assert keys_posted(slack) == [keys[1], *later]
    deps.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    assert dispatch_due(deps, slack.client(), FAST).sent == 1
    # Looked for in Slack first: it may have been posted before the dispatcher died.
    assert keys_posted(slack) == [keys[1], *later, keys[0]]
    assert slack.calls("conversations.history")


def test_one_dispatcher_paces_a_channel_and_leaves_the_rest_for_later(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 6)
    slack.set_channel_rate_limit(1)
    report = dispatch_due(deps, slack.client(), replace(PACED, hold=1.5))
    # All to one channel at 1 message/s: two fit in the hold (now and a second later); the
    # others are not even claimed, and nothing is posted into a 429.
    assert report.sent == 2 and keys_posted(slack) == keys[:2]
    assert not slack.failed_calls("chat.postMessage")
    rows = reminders(deps)
    assert {rows[k].state for k in keys[2:]} == {"pending"}
    assert {rows[k].attempts for k in keys[2:]} == {0}
    assert _free_at(deps, MAIN) == deps.clock.now() + timedelta(seconds=2)
    # Another dispatcher at this moment leaves the channel alone.
    assert dispatch_due(deps, slack.client(), replace(PACED, hold=1.5), worker="two").sent == 0


def _gaps(calls: list[Call]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for call in sorted(calls, key=lambda c: c.at):
        times.setdefault(str(call.params.get("channel")), []).append(call.at)
    return {c: [b - a for a, b in zip(ts, ts[1:], strict=False)] for c, ts in times.items()}


def test_two_dispatchers_never_post_to_one_channel_within_the_interval(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    # Real time: the pacing is in real seconds, across two dispatchers.
    live = Deps(config=deps.config, session_factory=deps.session_factory, clock=SystemClock())
    channels = [MAIN, "C0TWO", "C0THREE"]
    for channel in channels[1:]:
        slack.add_channel(channel, channel.lower(), "public")
    keys = insert_due(live, mid, 9, channels=channels)
    slack.set_channel_rate_limit(1)
    # Each claims one reminder of a channel at a time, so the two take turns in a channel.
    settings = replace(PACED, hold=0.5, claim_every=0.05)
    reports: dict[str, int] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def instance(name: str) -> None:
        try:
            start.wait()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(set(keys_posted(slack))) < len(keys):
                report = dispatch_due(live, slack.client(), settings, worker=name)
                reports[name] = reports.get(name, 0) + report.sent
                time.sleep(0.02)  # as the scheduler's pass polls
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=instance, args=(n,)) for n in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert Counter(keys_posted(slack)) == Counter(keys)
    assert sum(reports.values()) == len(keys)
    assert not slack.failed_calls("chat.postMessage")
    gaps = _gaps(slack.calls("chat.postMessage"))
    assert sorted(gaps) == sorted(channels)
    assert all(gap >= 1.0 for g in gaps.values() for gap in g), gaps


def test_claims_take_each_channel_s_first_reminders_in_order(deps: Deps) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 8, channels=[MAIN, "C0TWO"])
    limits = claims.ClaimLimits(10, timedelta(minutes=2), interval=1.0, horizon=2.0)
    held = claims.claim_channels(deps.session_factory, deps.clock.now(), "w:1", limits)
    # Three a channel fit in 2 s at one a second; in each channel, the first three.
    assert {c.channel: [d.key for d in c.dues] for c in held} == {
        MAIN: keys[0:6:2],
        "C0TWO": keys[1:7:2],
    }
    # Nobody else gets those channels while they are held.
    assert not claims.claim_channels(deps.session_factory, deps.clock.now(), "w:2", limits)


def test_a_dispatcher_stopping_gives_back_what_it_had_claimed(
    deps: Deps, slack: LocalSlack
) -> None:
    mid = schedule(deps, "2027-06-24")
    deps.clock.set(jst("2027-06-14 10:00"))  # type: ignore[attr-defined]
    keys = insert_due(deps, mid, 3)
    stop = threading.Event()
    # The process shuts down after the first post, while two more wait for the channel.
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    report = dispatch_due(deps, slack.client(), PACED, stop=stop)
    timer.join()
    assert report.sent == 1 and keys_posted(slack) == keys[:1]
    rows = reminders(deps)
    assert [rows[k].state for k in keys] == ["sent", "pending", "pending"]
    assert {rows[k].attempts for k in keys[1:]} == {0}
    with deps.unit_of_work() as s:
        row = s.get(ReminderChannel, MAIN)
        assert row is not None and row.held_by is None
        assert row.free_at == deps.clock.now() + timedelta(seconds=1)
    # Another instance takes them up where this one left off.
    deps.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
    assert dispatch_due(deps, slack.client(), FAST).sent == 2
    assert keys_posted(slack) == keys
