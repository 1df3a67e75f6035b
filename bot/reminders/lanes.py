"""Posting claimed reminders across many channels at once, each channel at its own pace.

Slack allows about one ``chat.postMessage`` per second per channel and answers 429 with
Retry-After past it. Posting one reminder at a time, and sleeping Retry-After inside that one
thread, makes every channel wait for the busiest one. Here:

* a :class:`ChannelPacer` remembers per channel when it may next be posted to (the minimum
  interval after each post, or Retry-After after a 429);
* :func:`run_lanes` hands each claimed reminder to a small thread pool, never two of one
  channel at a time, and only once its channel is free; a reminder whose channel is busy for
  longer than ``hold`` seconds is given back to the database for later (``defer``), so that
  one crowded channel never holds up the others nor keeps a claim for long.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from copy import copy as shallow_copy
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.reminders.content import Due

log = logging.getLogger(__name__)

# Past this many remembered channels, the ones already free are forgotten.
_PRUNE_AT = 5000


class ChannelPacer:
    """When each channel may next be posted to; shared by threads (monotonic seconds).

    Args:
        interval: the least time between two posts to one channel, in seconds (0: no pacing).
        clock: the time source; real time, because Slack's limits are in real seconds.
    """

    def __init__(self, interval: float = 0.0, clock: Callable[[], float] = time.monotonic):
        self.interval = max(interval, 0.0)
        self._clock = clock
        self._free: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> float:
        """Seconds until ``channel`` may be posted to (0 when it may now)."""
        with self._lock:
            return max(self._free.get(channel, 0.0) - self._clock(), 0.0)

    def posted(self, channel: str) -> None:
        """A post to ``channel`` was just answered: the next one waits ``interval``."""
        self.block(channel, self.interval)

    def block(self, channel: str, seconds: float) -> None:
        """Keep ``channel`` closed for ``seconds`` from now (e.g. Retry-After)."""
        if seconds <= 0:
            return
        with self._lock:
            now = self._clock()
            self._free[channel] = max(self._free.get(channel, 0.0), now + seconds)
            if len(self._free) > _PRUNE_AT:
                self._free = {k: v for k, v in self._free.items() if v > now}


@dataclass(frozen=True)
class LaneSettings:
    """How :func:`run_lanes` shares the work out.

    Args:
        concurrency: threads posting at once (each to a different channel).
        hold: the longest a claimed reminder waits in memory for its channel, in seconds.
        max_rounds: claims per call, so that one call never runs forever.
        ready_low: claim more when fewer reminders than this can be posted right away.
        held_max: never hold more claimed reminders than this in memory.
    """

    concurrency: int = 8
    hold: float = 2.0
    max_rounds: int = 200
    ready_low: int = 16
    held_max: int = 500


def run_lanes(
    claim: Callable[[], Sequence[Due]],
    handle: Callable[[Due], None],
    defer: Callable[[Due, float], None],
    pacer: ChannelPacer,
    settings: LaneSettings,
) -> None:
    """Claim and handle due reminders until none is left (or ``max_rounds`` claims).

    Args:
        claim: claims the next batch of due reminders (empty when none is due).
        handle: sends one reminder; it tells ``pacer`` of each post and each 429.
        defer: gives a claimed reminder back to the database, due again in that many seconds.
        pacer: the channels' next free moments (kept across calls by the scheduler).
        settings: concurrency, hold time and claim limits.
    """
    with ThreadPoolExecutor(
        max_workers=max(settings.concurrency, 1), thread_name_prefix="reminders"
    ) as pool:
        _Lanes(claim, handle, defer, pacer, settings, pool).run()


def dispatch_client(client: WebClient) -> WebClient:
    """``client`` without its rate-limit retry handler: a 429 must come back to the
    dispatcher (which requeues the row and closes the channel), not sleep in a thread."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    copy = shallow_copy(client)  # the same token, URL, timeout, proxy and headers
    copy.retry_handlers = handlers
    return copy


class _Lanes:
    def __init__(
        self,
        claim: Callable[[], Sequence[Due]],
        handle: Callable[[Due], None],
        defer: Callable[[Due, float], None],
        pacer: ChannelPacer,
        settings: LaneSettings,
        pool: ThreadPoolExecutor,
    ) -> None:
        self.claim, self.handle, self.defer = claim, handle, defer
        self.pacer, self.settings, self.pool = pacer, settings, pool
        self.waiting: dict[str, deque[Due]] = {}
        self.running: dict[Future[None], str] = {}
        self.held = 0

    def run(self) -> None:
        rounds = 0
        # Claim again only after something finished since an empty claim: a reminder given
        # back for a retry may be due again at once.
        want = True
        while True:
            if want and rounds < self.settings.max_rounds and self._hungry():
                rounds += 1
                batch = self.claim()
                for due in batch:
                    self._add(due)
                want = bool(batch)
            self._launch()
            if not self.running and not self.waiting:
                if not want or rounds >= self.settings.max_rounds:
                    return
                continue
            timeout = self._next_free()
            if self.running:
                done, _ = wait(list(self.running), timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    self.running.pop(future)
                    want = True
                    if (exc := future.exception()) is not None:
                        log.error("reminder dispatch failed", exc_info=exc)
            elif timeout:
                time.sleep(timeout)

    def _hungry(self) -> bool:
        if self.held >= self.settings.held_max:
            return False
        ready = sum(
            len(q)
            for channel, q in self.waiting.items()
            if channel not in self.running.values() and not self.pacer.wait(channel)
        )
        return ready < self.settings.ready_low

    def _add(self, due: Due) -> None:
        channel = due.target
        queue = self.waiting.get(channel)
        ahead = len(queue) if queue else 0
        if channel in self.running.values():
            ahead += 1
        delay = self.pacer.wait(channel) + ahead * self.pacer.interval
        if delay > self.settings.hold:
            self.defer(due, delay)
            return
        self.waiting.setdefault(channel, deque()).append(due)
        self.held += 1

    def _launch(self) -> None:
        busy = set(self.running.values())
        for channel in list(self.waiting):
            if len(self.running) >= self.settings.concurrency:
                return
            if channel in busy or self.pacer.wait(channel):
                continue
            queue = self.waiting[channel]
            due = queue.popleft()
            if not queue:
                del self.waiting[channel]
            self.held -= 1
            self.running[self.pool.submit(self.handle, due)] = channel
            busy.add(channel)

    def _next_free(self) -> float | None:
        """Seconds until a waiting channel opens (None: wait for a post to finish)."""
        busy = set(self.running.values())
        waits = [self.pacer.wait(c) for c in self.waiting if c not in busy]
        if not waits:
            return None
        return max(min(waits), 0.001)
