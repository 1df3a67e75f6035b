"""The dispatcher: claim the due reminders, post them, record them as sent.

Exactly once, step by step:

* a row is posted only by the dispatcher holding its claim (``bot.reminders.claims``);
* before posting it is marked *in doubt*; if the process dies before the answer is recorded,
  the next dispatcher retakes the row when the lease runs out and first looks for the message
  in the conversation (each reminder's message carries its key in Slack message metadata), so
  a message that did reach Slack is recorded, not posted twice;
* a 429 gives the row back due again after Retry-After, and closes its channel that long
  (``bot.reminders.lanes``): the dispatcher's client never sleeps on a 429 itself, so the other
  channels go on; other transient failures (5xx, network) — after the client's own retry
  handlers gave up — give the row back with a backoff;
* posts go out concurrently across channels, each channel paced (``channel_interval``) so
  that Slack's per-channel limit is rarely hit;
* a permanent failure (``channel_not_found``, ``not_in_channel``, ``account_inactive`` …)
  fails the row and tells the body's secretariat once.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.reminders import claims, kinds
from bot.reminders.content import Due, FanOut, Outgoing, Perform, Skip, prepare
from bot.reminders.lanes import ChannelPacer, LaneSettings, dispatch_client, run_lanes
from bot.reminders.timing import ReminderPolicy
from bot.text import truncate

log = logging.getLogger(__name__)

METADATA_EVENT = "secretariat_reminder"
TEXT_LIMIT = 3900
# Slack errors that no retry will fix: the row fails and the secretariat is told.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_metadata_format",
    }
)
# Answers after which the message may have been posted all the same.
AMBIGUOUS_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout"})
# A reminder sent this long after its moment was missed (the bot was down): the log says so.
LATE_AFTER = timedelta(minutes=5)
# Slack's documented chat.postMessage limit: about one message per second per channel.
SLACK_CHANNEL_INTERVAL = 1.0


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher paces itself.

    Args:
        batch_size: rows claimed at once.
        lease: how long a claim lasts without news; a dead dispatcher's rows wait this long.
        backoff_base: seconds before the first retry; doubled each attempt.
        backoff_max: the longest wait between attempts, in seconds.
        max_attempts: attempts before a reminder that keeps failing is given up.
        max_rounds: claim rounds per call, so one call never runs forever.
        channel_interval: the least time between two posts to one channel, in seconds; 0 (the
            default) paces only after a 429; the scheduler uses ``SLACK_CHANNEL_INTERVAL``.
        concurrency: posts in flight at once, each to a different channel.
        hold: the longest a claimed reminder waits in memory for its busy channel; beyond
            that it is given back, due again when its channel is free.
    """

    batch_size: int = 50
    lease: timedelta = timedelta(minutes=5)
    backoff_base: float = 10.0
    backoff_max: float = 900.0
    max_attempts: int = 12
    max_rounds: int = 200
    channel_interval: float = 0.0
    concurrency: int = 8
    hold: float = 2.0


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
    pacer: ChannelPacer | None = None,
) -> DispatchReport:
    """Send every reminder that is due now; safe to run in any number of processes at once.

    Args:
        deps: configuration, database and clock.
        client: the Web API client (with slack_sdk's retry handlers, as the bot's is); its
            rate-limit handler is left out here (``lanes.dispatch_client``).
        settings: batch size, lease, backoff; the defaults suit production.
        worker: a name for this dispatcher in ``claimed_by``.
        pacer: the channels' next free moments, kept from one call to the next by the
            scheduler; a fresh one (``settings.channel_interval``) otherwise.

    Returns:
        What was sent, dropped, deferred, retried and failed.
    """
    settings = settings or DispatchSettings()
    pacer = pacer or ChannelPacer(settings.channel_interval)
    dispatcher = _Dispatcher(deps, client, settings, worker or worker_name(), pacer)

    def claim() -> list[Due]:
        token = f"{dispatcher.worker}:{uuid.uuid4().hex[:12]}"
        return claims.claim_due(
            deps.session_factory, deps.clock.now(), token, settings.batch_size, settings.lease
        )

    lanes = LaneSettings(
        concurrency=settings.concurrency,
        hold=settings.hold,
        max_rounds=settings.max_rounds,
        ready_low=max(settings.concurrency * 2, 1),
        held_max=max(settings.batch_size * 10, 1),
    )
    run_lanes(claim, dispatcher.handle, dispatcher.defer, pacer, lanes)
    return dispatcher.report


class _Dispatcher:
    def __init__(
        self,
        deps: Deps,
        client: WebClient,
        settings: DispatchSettings,
        worker: str,
        pacer: ChannelPacer,
    ) -> None:
        self.deps, self.settings, self.worker = deps, settings, worker
        self.client = dispatch_client(client)
        self.pacer = pacer
        self.factory = deps.session_factory
        self.policy = ReminderPolicy.of(deps)
        self.report = DispatchReport()
        # Reminders are handled on several threads; the counts are shared.
        self._lock = threading.Lock()

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self.report, name, getattr(self.report, name) + n)

    def defer(self, due: Due, seconds: float) -> None:
        """Give back a reminder whose channel is busy for ``seconds`` more (pacing)."""
        until = self.deps.clock.now() + timedelta(seconds=seconds)
        note = "waiting for the channel's rate limit"
        if claims.release(self.factory, due, until, note, in_doubt=due.in_doubt):
            self._count("paced")

    def handle(self, due: Due) -> None:
        now = self.deps.clock.now()
        try:
            with self.deps.unit_of_work() as session:
                action = prepare(session, due, self.policy, self.deps.lang, now)
        except Exception:
            log.exception("reminder %s could not be prepared; will retry", due.key)
            self._retry(due, "prepare", "could not be prepared", None, in_doubt=due.in_doubt)
            return
        if isinstance(action, Skip):
            if claims.drop(self.factory, due, action.reason):
                self._count("dropped")
                late = " (missed while the bot was down)" if now - due.due_at > LATE_AFTER else ""
                log.info(
                    "reminder %s (due %s) dropped%s: %s", due.key, due.due_at, late, action.reason
                )
            return
        if due.kind in kinds.TO_PEOPLE and not self.policy.in_work_hours(now):
            until = self.policy.next_work_moment(now)
            note = "waiting for business hours"
            if claims.release(self.factory, due, until, note, in_doubt=due.in_doubt):
                self._count("deferred")
                log.info("reminder %s deferred to %s (outside business hours)", due.key, until)
            return
        if isinstance(action, FanOut):
            if claims.fan_out(self.factory, due, now, action.specs):
                self._count("expanded", len(action.specs))
            return
        if isinstance(action, Perform):
            self._perform(due, action, now)
            return
        self._post(due, action, now)

    def _start(self, due: Due, now: datetime) -> bool:
        """Renew the claim for an attempt; False (and logged) when another dispatcher has it."""
        if not claims.start_attempt(self.factory, due, now, self.settings.lease):
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

    def _perform(self, due: Due, action: Perform, now: datetime) -> None:
        # The work keeps its own record of being done (``Meeting.items_posted_at``), which
        # ``prepare`` reads: a retry after a failure or a crash midway never repeats it.
        if not self._start(due, now):
            return
        try:
            count = action.work(self.deps, self.client)
        except SlackApiError as exc:
            self._slack_error(due, exc, in_doubt=True)
            return
        except Exception as exc:
            log.exception("reminder %s failed; will retry", due.key)
            self._retry(due, "error", repr(exc)[:200], None, in_doubt=True)
            return
        finally:
            self.pacer.posted(due.target)
        if claims.mark_sent(self.factory, due, self.deps.clock.now(), None):
            self._count("performed")
            log.info("reminder %s done: %d message(s) posted", due.key, count)
        else:
            log.warning("reminder %s was done but its claim had expired", due.key)

    def _post(self, due: Due, out: Outgoing, now: datetime) -> None:
        if not self._start(due, now):
            return
        posted: tuple[str, str] | None = None
        try:
            if due.in_doubt:
                posted = self._find_posted(due, out.channel)
        except SlackApiError as exc:
            self._slack_error(due, exc, in_doubt=True)
            return
        except Exception as exc:
            self._retry(due, "network", repr(exc)[:200], None, in_doubt=True)
            return
        if posted is not None:
            log.info("reminder %s had reached Slack before the interruption", due.key)
        else:
            try:
                answer = self.client.chat_postMessage(
                    channel=out.channel,
                    text=truncate(out.text, TEXT_LIMIT),
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata={"event_type": METADATA_EVENT, "event_payload": {"key": due.key}},
                )
            except SlackApiError as exc:
                # An earlier attempt in doubt was just looked for and not found.
                self._slack_error(due, exc, in_doubt=False)
                return
            except Exception as exc:  # network: the post may or may not have arrived
                self._retry(due, "network", repr(exc)[:200], None, in_doubt=True)
                return
            finally:
                self.pacer.posted(due.target)
            posted = (str(answer.get("channel") or out.channel), str(answer.get("ts") or ""))
        if claims.mark_sent(self.factory, due, self.deps.clock.now(), posted, out.follow_ups):
            with self._lock:
                self.report.sent += 1
                self.report.keys_sent.append(due.key)
        else:
            log.warning("reminder %s was posted but its claim had expired", due.key)

    def _find_posted(self, due: Due, channel: str) -> tuple[str, str] | None:
        """The message of an earlier attempt, if it reached Slack after all."""
        try:
            conversation = channel
            if channel[:1] in ("U", "W"):
                opened = self.client.conversations_open(users=channel)
                conversation = str((opened.get("channel") or {}).get("id") or channel)
            history = self.client.conversations_history(
                channel=conversation, limit=100, include_all_metadata=True
            )
        except SlackApiError as exc:
            if _transient(exc):
                raise
            log.warning(
                "reminder %s: cannot look for an earlier post (%s); posting",
                due.key,
                exc.response.get("error"),
            )
            return None
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == due.key
            ):
                return conversation, str(message.get("ts"))
        return None

    def _slack_error(self, due: Due, exc: SlackApiError, *, in_doubt: bool) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http_{status}")
        if error in PERMANENT_ERRORS:
            self._fail(due, self.deps.clock.now(), error)
            return
        retry_after = _retry_after(exc.response.headers)
        if status == 429 or error == "ratelimited":
            self._rate_limited(due, retry_after, in_doubt=in_doubt)
            return
        ambiguous = status >= 500 or error in AMBIGUOUS_ERRORS
        self._retry(
            due,
            error,
            f"{status} {error}",
            retry_after,
            in_doubt=in_doubt or ambiguous,
        )

    def _rate_limited(self, due: Due, retry_after: float | None, *, in_doubt: bool) -> None:
        # Not the reminder's failure, so no backoff and no giving up: the channel (and this
        # row) wait Retry-After, and the other channels go on meanwhile.
        wait = 1.0 if retry_after is None else retry_after
        self.pacer.block(due.target, wait)
        until = self.deps.clock.now() + timedelta(seconds=wait)
        if claims.release(
            self.factory, due, until, f"429 ratelimited ({wait:g} s)", in_doubt=in_doubt
        ):
            self._count("retried")
            log.info("reminder %s: rate limited; next attempt at %s", due.key, until)

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
        if claims.release(self.factory, due, until, note, in_doubt=in_doubt):
            self._count("retried")
            log.info("reminder %s: %s; next attempt at %s", due.key, note, until)

    def _fail(self, due: Due, now: datetime, error: str) -> None:
        if claims.fail(self.factory, due, now, error, self.policy):
            self._count("failed")
            log.warning(
                "reminder %s to %s failed for good (%s); the secretariat is told",
                due.key,
                due.target,
                error,
            )


def _transient(exc: SlackApiError) -> bool:
    status = exc.response.status_code
    return bool(status == 429 or status >= 500 or exc.response.get("error") == "ratelimited")


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(str(raw)), 0.0)
            except ValueError:
                return None
    return None
