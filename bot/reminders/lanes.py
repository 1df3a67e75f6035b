"""Posting claimed reminders across many channels at once, each channel at Slack's pace.

Slack allows about one ``chat.postMessage`` per second per channel and answers 429 with
Retry-After past it. Which dispatcher posts to a channel, and when it next may, is kept in
the database (``bot.reminders.channels``), so that several instances together keep each
channel's pace. Inside one dispatcher, :func:`run_lanes`:

* exchanges with the database in one transaction (records what was posted, gives back the
  channels it is done with, claims more) every ``claim_every`` seconds while it has work, and
  at once when it holds nothing or its last claim was full; on a thread of its own, so that
  posts never wait for the database;
* posts the reminders of each channel it holds one after the other, each once the channel is
  free (``interval`` after the previous answer), on a small thread pool, many channels side
  by side; a reminder is prepared (rendered) just before its turn, together with the others
  whose turn comes within ``prepare_ahead``;
* after a 429, gives the channel back closed until Retry-After, with its other claimed
  reminders, due when it opens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from copy import copy as shallow_copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.reminders.claims import ChannelClaim, ChannelRelease
from bot.reminders.content import Action, Due

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """One reminder's turn in its channel, planned for ``free_at`` (the database's clock);
    ``action`` is what it became when prepared, or why it could not be prepared."""

    due: Due
    action: Action | Exception
    free_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What a turn did to its channel.

    Args:
        free_at: the channel's next free moment; None when nothing was posted (unchanged).
        ready: the same moment in ``time.monotonic()`` seconds, taken when Slack answered
            (recording the reminder afterwards may wait for the database; the channel not).
        closed: Slack refused the post (429): the channel's other reminders wait too.
    """

    free_at: datetime | None = None
    ready: float = 0.0
    closed: bool = False


@dataclass(frozen=True)
class LaneSettings:
    """How :func:`run_lanes` shares the work out.

    Args:
        concurrency: threads posting at once (each to a different channel).
        batch_size: the most reminders one claim takes.
        claim_every: seconds between two exchanges with the database while work is held.
        max_rounds: claims per call, so that one call never runs forever.
        held_max: never hold more claimed reminders than this in memory.
        prepare_ahead: reminders whose turn comes within this many seconds are prepared
            together with those whose turn has come (fewer, larger reads).
    """

    concurrency: int = 8
    batch_size: int = 50
    claim_every: float = 0.2
    max_rounds: int = 1000
    held_max: int = 500
    prepare_ahead: float = 0.1


Exchange = Callable[[Sequence[ChannelRelease], bool], Sequence[ChannelClaim]]


def run_lanes(
    exchange: Exchange,
    prepare: Callable[[Sequence[Due]], Mapping[int, Action | Exception]],
    handle: Callable[[Turn], Outcome],
    now: Callable[[], datetime],
    settings: LaneSettings,
    stop: threading.Event | None = None,
) -> None:
    """Claim and post due reminders until none is left (or ``max_rounds`` claims).

    Args:
        exchange: gives channels back and, when asked, claims more (one transaction).
        prepare: what each of several reminders becomes now (by id).
        handle: sends one reminder; says what that did to its channel.
        now: the database's clock.
        settings: concurrency, batch size and claim limits.
        stop: once set, the posts under way finish and everything else is given back at
            once (the process is shutting down), instead of leaving it to the leases.
    """
    with (
        ThreadPoolExecutor(
            max_workers=max(settings.concurrency, 1), thread_name_prefix="reminders"
        ) as pool,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="reminders-claims") as exchanger,
    ):
        _Lanes(exchange, prepare, handle, now, settings, pool, exchanger, stop).run()


def dispatch_client(client: WebClient) -> WebClient:
    """``client`` without its rate-limit retry handler: a 429 must come back to the
    dispatcher (which requeues the row and closes the channel), not sleep in a thread."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    copy = shallow_copy(client)  # the same token, URL, timeout, proxy and headers
    copy.retry_handlers = handlers
    return copy


class _Held:
    """A channel this dispatcher holds: its claimed reminders and when the next may go."""

    def __init__(self, claim: ChannelClaim, ready: float) -> None:
        self.claim = claim
        self.queue: deque[Due] = deque(claim.dues)
        self.free_at = claim.free_at
        self.ready = ready  # time.monotonic() of free_at
        self.busy = False
        self.prepared: dict[int, Action | Exception] = {}

    def release(self, note: str = "", *, unsent: bool = False) -> ChannelRelease:
        rest = tuple(self.queue) if unsent else ()
        return ChannelRelease(self.claim.channel, self.claim.token, self.free_at, rest, note)


class _Lanes:
    def __init__(
        self,
        exchange: Exchange,
        prepare: Callable[[Sequence[Due]], Mapping[int, Action | Exception]],
        handle: Callable[[Turn], Outcome],
        now: Callable[[], datetime],
        settings: LaneSettings,
        pool: ThreadPoolExecutor,
        exchanger: ThreadPoolExecutor,
        stop: threading.Event | None,
    ) -> None:
        self.exchange, self.prepare, self.handle, self.now = exchange, prepare, handle, now
        self.settings, self.pool, self.exchanger = settings, pool, exchanger
        self.stop = stop or threading.Event()
        self.held: dict[str, _Held] = {}
        self.running: dict[Future[Outcome], _Held] = {}
        self.releases: list[ChannelRelease] = []
        # The exchange under way (on its own thread, so that posts go on meanwhile), and
        # what it was given: the releases, whether it claims, and the posts finished then.
        self.exchanging: Future[Sequence[ChannelClaim]] | None = None
        self.given: tuple[list[ChannelRelease], bool, int] = ([], False, 0)
        self.rounds = 0
        self.finishes = 0
        self.last_exchange = float("-inf")
        # Claim again only after something finished since an empty claim: a reminder given
        # back for a retry may be due again at once.
        self.want = True
        self.full = False  # the last claim took all it could: more may be waiting

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                if self.exchanging is None and self._exchange_due():
                    self._start_exchange()
                self._launch()
                if not self.running and not self.held and self.exchanging is None:
                    if self.releases or self._claiming():
                        continue
                    return
                pending: list[Future[Any]] = list(self.running)
                if self.exchanging is not None:
                    pending.append(self.exchanging)
                timeout = self._timeout()
                if not pending:
                    time.sleep(timeout or 0.001)
                    continue
                done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    if future is self.exchanging:
                        self._exchanged()
                    else:
                        self._finished(future)
        finally:
            self._give_everything_back()

    def _claiming(self) -> bool:
        queued = sum(len(h.queue) for h in self.held.values())
        return (
            self.want and self.rounds < self.settings.max_rounds and queued < self.settings.held_max
        )

    def _exchange_due(self) -> bool:
        if not (self.releases or self._claiming()):
            return False
        if not self.held or self.full:
            return True
        return time.monotonic() - self.last_exchange >= self.settings.claim_every

    def _start_exchange(self) -> None:
        releases, self.releases = self.releases, []
        claiming = self._claiming()
        self.given = (releases, claiming, self.finishes)
        self.last_exchange = time.monotonic()
        self.exchanging = self.exchanger.submit(self.exchange, releases, claiming)

    def _exchanged(self) -> None:
        assert self.exchanging is not None
        future, self.exchanging = self.exchanging, None
        releases, claiming, finishes = self.given
        try:
            claims = future.result()
        except Exception:
            self.releases = releases + self.releases  # still to give back, on the way out
            raise
        if not claiming:
            return
        self.rounds += 1
        self.want = bool(claims) or self.finishes > finishes
        self.full = sum(len(c.dues) for c in claims) >= self.settings.batch_size
        now, moment = self.now(), time.monotonic()
        for claim in claims:
            wait_s = max((claim.free_at - now).total_seconds(), 0.0)
            self.held[claim.channel] = _Held(claim, moment + wait_s)

    def _launch(self) -> None:
        slots = self.settings.concurrency - len(self.running)
        if slots <= 0:
            return
        moment = time.monotonic()
        waiting = [h for h in self.held.values() if not h.busy and h.queue]
        turn = sorted((h for h in waiting if h.ready <= moment), key=lambda h: h.ready)[:slots]
        if not turn:
            return
        if any(h.queue[0].id not in h.prepared for h in turn):
            soon = moment + self.settings.prepare_ahead
            unprepared = [h for h in waiting if h.ready <= soon and h.queue[0].id not in h.prepared]
            actions = self.prepare([h.queue[0] for h in unprepared])
            for held in unprepared:
                due = held.queue[0]
                held.prepared[due.id] = actions.get(due.id) or LookupError(
                    f"reminder {due.key} was not prepared"
                )
        for held in turn:
            due = held.queue.popleft()
            action = held.prepared.pop(due.id)
            held.busy = True
            self.running[self.pool.submit(self.handle, Turn(due, action, held.free_at))] = held

    def _finished(self, future: Future[Outcome]) -> None:
        held = self.running.pop(future)
        held.busy = False
        self.finishes += 1
        self.want = True
        try:
            outcome = future.result()
        except Exception:
            # The reminder stays claimed; its lease running out makes it due again.
            log.exception("reminder dispatch failed")
            outcome = Outcome()
        if outcome.free_at is not None:
            held.free_at, held.ready = outcome.free_at, outcome.ready
        if outcome.closed:
            self.releases.append(held.release("waiting for the channel's rate limit", unsent=True))
            del self.held[held.claim.channel]
        elif not held.queue:
            self.releases.append(held.release())
            del self.held[held.claim.channel]

    def _timeout(self) -> float | None:
        """Seconds until a held channel's next turn or the next exchange (None: until a post
        or the exchange under way finishes)."""
        moment = time.monotonic()
        waits = [h.ready - moment for h in self.held.values() if not h.busy and h.queue]
        if self.exchanging is None and (self.releases or self._claiming()):
            waits.append(self.last_exchange + self.settings.claim_every - moment)
        if not waits:
            return None
        return max(min(waits), 0.001)

    def _give_everything_back(self) -> None:
        """On the way out (the last claim round, or an error): nothing stays held."""
        if self.exchanging is not None:
            try:
                wait([self.exchanging])
                self._exchanged()
            except Exception:
                log.exception("could not claim reminders")
        for future in list(self.running):
            wait([future])
            try:
                self._finished(future)
            except Exception:
                log.exception("reminder dispatch failed")
        releases = self.releases + [h.release(unsent=True) for h in self.held.values()]
        self.releases, self.held = [], {}
        try:
            # Also the last word for whatever was posted since the previous exchange.
            self.exchange(releases, False)
        except Exception:
            # Their leases run out and the channels' holds lapse: nothing is lost.
            log.exception("could not give claimed reminders back")
