"""Planned failures: what Slack does on a bad day (429s, 5xx, slow answers, dropped sockets).

Not thread-safe on its own: ``LocalSlack`` holds its lock around every use.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

from bot.localslack.models import RESPONSE_URL_CALL, UPLOAD_CALL

RATE_LIMITED_METHOD = "chat.postMessage"


@dataclass(frozen=True)
class Failure:
    """How to fail one request: an HTTP status with an error body, or a dropped connection."""

    status: int
    error: str
    retry_after: int | None
    drop: bool
    fault: str


@dataclass
class _Rule:
    method: str | None
    failure: Failure
    remaining: int


def _error_for(status: int) -> str:
    if status == 429:
        return "ratelimited"
    if status >= 500:
        return "internal_error"
    return "request_failed"


class Faults:
    """The failure plan of one server: one-shot rules, a random rate, latency, channel limit."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._rules: list[_Rule] = []
        self._rate = 0.0
        self._statuses: tuple[int, ...] = (429, 500)
        self._random_retry_after = 1
        self._random_methods: frozenset[str] | None = None
        self._rng = random.Random(0)
        self.latency = 0.0
        self.channel_rate: float | None = None
        self._posts: dict[str, deque[float]] = {}

    def fail_next(
        self,
        method: str | None,
        *,
        status: int,
        retry_after: int | None,
        error: str | None,
        count: int,
        drop: bool,
    ) -> None:
        failure = Failure(
            status=0 if drop else status,
            error=error or _error_for(status),
            retry_after=retry_after if status == 429 else None,
            drop=drop,
            fault="dropped" if drop else "injected",
        )
        self._rules.append(_Rule(method, failure, count))

    def set_failure_rate(
        self,
        rate: float,
        statuses: tuple[int, ...],
        seed: int | None,
        retry_after: int,
        methods: Collection[str] | None,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self._rate = rate
        self._statuses = statuses
        self._rng = random.Random(seed)
        self._random_retry_after = retry_after
        self._random_methods = None if methods is None else frozenset(methods)

    def pick(self, method: str) -> Failure | None:
        """The failure planned for this request, if any (consumes one-shot rules)."""
        pseudo = method in (UPLOAD_CALL, RESPONSE_URL_CALL)
        for rule in self._rules:
            if rule.method == method or (rule.method is None and not pseudo):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule.failure
        if self._rate and not pseudo:
            if self._random_methods is not None and method not in self._random_methods:
                return None
            if self._rng.random() < self._rate:
                status = self._rng.choice(self._statuses)
                retry_after = self._random_retry_after if status == 429 else None
                return Failure(status, _error_for(status), retry_after, False, "random")
        return None

    def channel_limited(self, method: str, channel: str, now: float) -> Failure | None:
        """A 429 when ``channel`` already had its share of posts in the last second.

        A post that is let through counts towards the window; a refused one does not.
        """
        if self.channel_rate is None or method != RATE_LIMITED_METHOD:
            return None
        window = self._posts.setdefault(channel, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.channel_rate:
            wait = max(1, math.ceil(1.0 - (now - window[0])))
            return Failure(429, "ratelimited", wait, False, "channel_rate_limit")
        window.append(now)
        return None
