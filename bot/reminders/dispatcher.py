"""The dispatcher: claim the due reminders, post them, record them as sent.

Exactly once, step by step:

* a row is posted only by the dispatcher holding its claim (``bot.reminders.claims``);
* from its claim until it is recorded as sent, a row may have reached Slack: if the process
  dies meanwhile, the next dispatcher retakes the row when the lease runs out and first looks
  for the message in the conversation (each reminder's message carries its key in Slack
  message metadata, ``bot.reminders.answers``), so a message that did reach Slack is
  recorded, not posted twice; posts are recorded in batches, by the next exchange with the
  database (a few a second);
* a 429 gives the row back due again after Retry-After, and closes its channel that long for
  every dispatcher (``bot.reminders.channels``): the dispatcher's client never sleeps on a 429
  itself, so the other channels go on; other transient failures (5xx, network) — after the
  client's own retry handlers gave up — give the row back with a backoff;
* posts go out concurrently across channels (``bot.reminders.lanes``), each channel held by
  one dispatcher at a time and paced (``channel_interval``) through the database, so that
  Slack's per-channel limit is not hit however many instances run;
* a permanent failure (``channel_not_found``, ``not_in_channel``, ``account_inactive`` …)
  fails the row and tells the body's secretariat once.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.reminders import answers, claims, kinds, records
from bot.reminders.content import Action, Due, FanOut, Outgoing, Perform, Skip, prepare_all
from bot.reminders.lanes import LaneSettings, Outcome, Turn, dispatch_client, run_lanes
from bot.reminders.timing import ReminderPolicy
from bot.text import truncate

log = logging.getLogger(__name__)

TEXT_LIMIT = 3900
# A reminder sent this long after its moment was missed (the bot was down): the log says so.
LATE_AFTER = timedelta(minutes=5)
# Slack's documented chat.postMessage limit: about one message per second per channel.
SLACK_CHANNEL_INTERVAL = 1.0


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher paces itself.

    Args:
        batch_size: the most reminders claimed at once.
        lease: how long a claim lasts without news; a dead dispatcher's rows wait this
            long (the channels it held, at most ``claims.CHANNEL_HOLD``).
        backoff_base: seconds before the first retry; doubled each attempt.
        backoff_max: the longest wait between attempts, in seconds.
        max_attempts: attempts before a reminder that keeps failing is given up.
        max_rounds: claim rounds per call, so one call never runs forever.
        channel_interval: the least time between two posts to one channel, in seconds, kept
            across every dispatcher; 0 (the default) paces only after a 429; the scheduler
            uses ``SLACK_CHANNEL_INTERVAL``.
        concurrency: posts in flight at once, each to a different channel.
        hold: how far ahead, in seconds, a channel's next free moment may be for its
            reminders to be claimed; they wait in memory until then (and as many are claimed
            as fit in this time at one per ``channel_interval``).
        claim_every: seconds between two claims while this dispatcher has work in hand.
    """

    batch_size: int = 150
    lease: timedelta = timedelta(minutes=5)
    backoff_base: float = 10.0
    backoff_max: float = 900.0
    max_attempts: int = 12
    max_rounds: int = 1000
    channel_interval: float = 0.0
    concurrency: int = 16
    hold: float = 2.0
    claim_every: float = 0.2


@dataclass
class DispatchReport:
    """What one call of :func:`dispatch_due` did."""

    sent: int = 0
    dropped: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    expanded: int = 0
    performed: int = 0
    lost: int = 0
    paced: int = 0
    keys_sent: list[str] = field(default_factory=list)


def worker_name() -> str:
    """``host:pid``: who claimed a row, for the record."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def dispatch_due(
    deps: Deps,
    client: WebClient,
    settings: DispatchSettings | None = None,
    worker: str | None = None,
    stop: threading.Event | None = None,
) -> DispatchReport:
    """Send every reminder that is due now; safe to run in any number of processes at once.

    Args:
        deps: configuration, database and clock.
        client: the Web API client (with slack_sdk's retry handlers, as the bot's is); its
            rate-limit handler is left out here (``lanes.dispatch_client``).
        settings: batch size, lease, backoff, pacing; the defaults suit production.
        worker: a name for this dispatcher in ``claimed_by``.
        stop: set when the process shuts down: the posts under way finish, and the
            reminders and channels claimed are given back at once.

    Returns:
        What was sent, dropped, deferred, retried and failed.
    """
    settings = settings or DispatchSettings()
    dispatcher = _Dispatcher(deps, client, settings, worker or worker_name())
    lanes = LaneSettings(
        concurrency=settings.concurrency,
        batch_size=settings.batch_size,
        claim_every=settings.claim_every,
        max_rounds=settings.max_rounds,
        held_max=max(settings.batch_size * 10, 1),
    )
    run_lanes(
        dispatcher.exchange, dispatcher.prepare, dispatcher.handle, deps.clock.now, lanes, stop
    )
    return dispatcher.report


class _Dispatcher:
    def __init__(
        self, deps: Deps, client: WebClient, settings: DispatchSettings, worker: str
    ) -> None:
        self.deps, self.settings, self.worker = deps, settings, worker
        self.client = dispatch_client(client)
        self.factory = deps.session_factory
        self.policy = ReminderPolicy.of(deps)
        self.limits = claims.ClaimLimits(
            settings.batch_size, settings.lease, settings.channel_interval, settings.hold
        )
        self.report = DispatchReport()
        # Reminders are handled on several threads; the counts are shared.
        self._lock = threading.Lock()
        # Posted since the last exchange, recorded as sent by the next one.
        self._posted: list[records.Posted] = []

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.report, name, getattr(self.report, name) + n)

    def exchange(
        self, releases: Sequence[claims.ChannelRelease], claim: bool
    ) -> Sequence[claims.ChannelClaim]:
        """Record what was posted, give channels back and (``claim``) take more, with a
        fresh claim token."""
        with self._lock:
            posted, self._posted = self._posted, []
        if not (releases or claim or posted):
            return []
        token = f"{self.worker}:{uuid.uuid4().hex[:12]}"
        limits = self.limits if claim else None
        try:
            now = self.deps.clock.now()
            done = claims.exchange(self.factory, now, token, limits, releases, posted)
        except Exception:
            with self._lock:  # for the next exchange to record
                self._posted[:0] = posted
            raise
        with self._lock:
            self.report.sent += len(done.recorded)
            self.report.keys_sent.extend(p.due.key for p in done.recorded)
            self.report.paced += sum(len(r.unsent) for r in releases)
        for lost in done.lost:
            log.warning("reminder %s was posted but its claim had expired", lost.due.key)
        return done.claimed

    def prepare(self, dues: Sequence[Due]) -> dict[int, Action | Exception]:
        """What each reminder becomes now; read together, one by one if that fails."""
        now = self.deps.clock.now()
        try:
            with self.factory() as session:
                return dict(prepare_all(session, dues, self.policy, self.deps.lang, now))
        except Exception:
            if len(dues) == 1:
                log.exception("reminder %s could not be prepared; will retry", dues[0].key)
                return {dues[0].id: RuntimeError("could not be prepared")}
        # One of them broke the batch: each alone, so that only that one waits.
        actions: dict[int, Action | Exception] = {}
        for due in dues:
            actions.update(self.prepare([due]))
        return actions

    def handle(self, turn: Turn) -> Outcome:
        due, action = turn.due, turn.action
        now = self.deps.clock.now()
        if isinstance(action, Exception):
            self._retry(due, "prepare", "could not be prepared", None, in_doubt=due.in_doubt)
            return Outcome()
        if isinstance(action, Skip):
            if records.drop(self.factory, due, action.reason):
                self._count("dropped")
                late = " (missed while the bot was down)" if now - due.due_at > LATE_AFTER else ""
                log.info(
                    "reminder %s (due %s) dropped%s: %s", due.key, due.due_at, late, action.reason
                )
            return Outcome()
        if due.kind in kinds.TO_PEOPLE and not self.policy.in_work_hours(now):
            until = self.policy.next_work_moment(now)
            note = "waiting for business hours"
            if records.release(
                self.factory, due, until, note, in_doubt=due.in_doubt, attempted=False
            ):
                self._count("deferred")
                log.info("reminder %s deferred to %s (outside business hours)", due.key, until)
            return Outcome()
        if isinstance(action, FanOut):
            if records.fan_out(self.factory, due, now, action.specs):
                self._count("expanded", len(action.specs))
            return Outcome()
        if isinstance(action, Perform):
            return self._perform(due, action, now, turn.free_at)
        return self._post(due, action, now, turn.free_at)

    def _paced(self, planned: datetime) -> Outcome:
        """A post to the channel was just answered: the next one waits the interval."""
        interval = self.settings.channel_interval
        # Never before the moment this post was planned for, even on a clock that stands
        # still (tests), so that each post moves the channel on by the interval.
        free_at = max(self.deps.clock.now(), planned) + timedelta(seconds=interval)
        return Outcome(free_at, time.monotonic() + interval)

    def _start(self, due: Due, now: datetime) -> bool:
        """Make sure the claim holds for the post; False (and logged) when another dispatcher
        has it. The claim's lease is renewed only when half of it is gone."""
        lease = self.settings.lease
        fresh = due.held_until is not None and now < due.held_until - lease / 2
        if not fresh and not records.renew(self.factory, due, now, lease):
            self._count("lost")
            log.warning(
                "reminder %s: claim lost before posting; another dispatcher has it", due.key
            )
            return False
        if now - due.due_at > LATE_AFTER:
            log.info(
                "reminder %s was due at %s and missed while the bot was down; "
                "it still applies, sending it now",
                due.key,
                due.due_at,
            )
        return True

    def _perform(self, due: Due, action: Perform, now: datetime, planned: datetime) -> Outcome:
        # The work keeps its own record of being done (``Meeting.items_posted_at``), which
        # ``prepare`` reads: a retry after a failure or a crash midway never repeats it.
        if not self._start(due, now):
            return Outcome()
        try:
            count = action.work(self.deps, self.client)
        except SlackApiError as exc:
            return self._slack_error(due, exc, in_doubt=True) or self._paced(planned)
        except Exception as exc:
            log.exception("reminder %s failed; will retry", due.key)
            self._retry(due, "error", repr(exc)[:200], None, in_doubt=True)
            return self._paced(planned)
        if records.mark_sent(self.factory, due, self.deps.clock.now(), None):
            self._count("performed")
            log.info("reminder %s done: %d message(s) posted", due.key, count)
        else:
            log.warning("reminder %s was done but its claim had expired", due.key)
        return self._paced(planned)

    def _post(self, due: Due, out: Outgoing, now: datetime, planned: datetime) -> Outcome:
        if not self._start(due, now):
            return Outcome()
        posted: tuple[str, str] | None = None
        try:
            if due.in_doubt:
                posted = answers.find_posted(self.client, due.key, out.channel)
        except SlackApiError as exc:
            return self._slack_error(due, exc, in_doubt=True) or Outcome()
        except Exception as exc:
            self._retry(due, "network", repr(exc)[:200], None, in_doubt=True)
            return Outcome()
        if posted is not None:
            log.info("reminder %s had reached Slack before the interruption", due.key)
        else:
            try:
                answer = self.client.chat_postMessage(
                    channel=out.channel,
                    text=truncate(out.text, TEXT_LIMIT),
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=answers.metadata(due.key),
                )
            except SlackApiError as exc:
                # An earlier attempt in doubt was just looked for and not found.
                return self._slack_error(due, exc, in_doubt=False) or self._paced(planned)
            except Exception as exc:  # network: the post may or may not have arrived
                self._retry(due, "network", repr(exc)[:200], None, in_doubt=True)
                return self._paced(planned)
            posted = (str(answer.get("channel") or out.channel), str(answer.get("ts") or ""))
        outcome = self._paced(planned)
        # Recorded by the next exchange, with the others posted meanwhile; were the process
        # to die first, the row's claim runs out and the next dispatcher finds the message.
        record = records.Posted(due, *posted, self.deps.clock.now(), out.follow_ups)
        with self._lock:
            self._posted.append(record)
        return outcome

    def _slack_error(self, due: Due, exc: SlackApiError, *, in_doubt: bool) -> Outcome | None:
        """Record what Slack's refusal means for the reminder; an outcome closing the
        channel after a 429, else None."""
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if error in answers.PERMANENT_ERRORS:
            self._fail(due, self.deps.clock.now(), error)
            return None
        retry_after = answers.retry_after(exc.response.headers)
        if status == 429 or error == "ratelimited":
            return self._rate_limited(due, retry_after, in_doubt=in_doubt)
        ambiguous = status >= 500 or error in answers.AMBIGUOUS_ERRORS
        self._retry(
            due,
            error,
            f"{status} {error}",
            retry_after,
            in_doubt=in_doubt or ambiguous,
        )
        return None

    def _rate_limited(self, due: Due, retry_after: float | None, *, in_doubt: bool) -> Outcome:
        # Not the reminder's failure, so no backoff and no giving up: the channel (for every
        # dispatcher) and this row wait Retry-After, and the other channels go on meanwhile.
        wait = 1.0 if retry_after is None else retry_after
        until = self.deps.clock.now() + timedelta(seconds=wait)
        note = f"429 ratelimited ({wait:g} s)"
        if records.release(self.factory, due, until, note, in_doubt=in_doubt, attempted=False):
            self._count("retried")
            log.info("reminder %s: rate limited; next attempt at %s", due.key, until)
        return Outcome(until, time.monotonic() + wait, closed=True)

    def _retry(
        self, due: Due, code: str, note: str, retry_after: float | None, *, in_doubt: bool
    ) -> None:
        now = self.deps.clock.now()
        attempt = due.attempts + 1
        if attempt >= self.settings.max_attempts:
            self._fail(due, now, f"{code}: gave up after {attempt} attempts")
            return
        delay = min(self.settings.backoff_base * 2 ** (attempt - 1), self.settings.backoff_max)
        # A little jitter, so that instances retrying together do not collide again.
        delay = max(delay * random.uniform(1.0, 1.2), retry_after or 0.0)
        until = now + timedelta(seconds=delay)
        if records.release(self.factory, due, until, note, in_doubt=in_doubt):
            self._count("retried")
            log.info("reminder %s: %s; next attempt at %s", due.key, note, until)

    def _fail(self, due: Due, now: datetime, error: str) -> None:
        if records.fail(self.factory, due, now, error, self.policy):
            self._count("failed")
            log.warning(
                "reminder %s to %s failed for good (%s); the secretariat is told",
                due.key,
                due.target,
                error,
            )
