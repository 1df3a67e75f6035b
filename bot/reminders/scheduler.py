"""APScheduler drives the dispatcher; the ``reminders`` table is the store of truth.

APScheduler keeps no reminder: its only job is "run the dispatcher every N seconds" in this
process (a shared APScheduler job store duplicates and loses jobs across processes, as its
FAQ says). Every instance of ``secretariat run`` runs this same job; the claims in the
database make each reminder go out once.

A pass does not stop at the first empty claim when more is due soon: while the earliest
pending reminder is due within the interval (a row waiting for its channel's rate limit, a
retry after Retry-After), it sleeps until then and dispatches again, so a burst of reminders
drains at Slack's pace rather than one batch per tick. The channels' pacing lives in the
database (``bot.reminders.channels``), shared by every instance and kept from pass to pass.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.deps import Deps
from bot.reminders import claims
from bot.reminders.dispatcher import (
    SLACK_CHANNEL_INTERVAL,
    DispatchReport,
    DispatchSettings,
    dispatch_due,
)

log = logging.getLogger(__name__)

JOB_ID = "reminders.dispatch"


def start_scheduler(
    deps: Deps, client: WebClient, settings: DispatchSettings | None = None
) -> BackgroundScheduler:
    """Start a background scheduler that dispatches due reminders every
    ``config.dispatch_interval_seconds``, the first time right away.

    Args:
        deps: configuration, database and clock.
        client: the bot's Web API client.
        settings: dispatcher pacing (batch size, lease, backoff, per-channel interval); by
            default the defaults with Slack's one message per second per channel.

    Returns:
        The running scheduler; call ``shutdown()`` on exit.
    """
    # A pass that takes longer than the interval makes APScheduler skip a run and say so at
    # WARNING level on every tick; that is expected here, not a problem.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.ERROR)
    settings = settings or DispatchSettings(channel_interval=SLACK_CHANNEL_INTERVAL)
    pass_ = _Pass(deps, client, settings)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_listener(pass_.stop, EVENT_SCHEDULER_SHUTDOWN)
    scheduler.add_job(
        pass_.run,
        "interval",
        seconds=max(deps.config.dispatch_interval_seconds, 0.05),
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    log.info("reminder dispatcher every %ss", deps.config.dispatch_interval_seconds)
    return scheduler


class _Pass:
    """The scheduler's job: dispatch until nothing more is due within the interval."""

    def __init__(self, deps: Deps, client: WebClient, settings: DispatchSettings) -> None:
        self.deps, self.client, self.settings = deps, client, settings
        self.stopping = threading.Event()

    def stop(self, _event: Any = None) -> None:
        self.stopping.set()

    def run(self) -> None:
        interval = max(self.deps.config.dispatch_interval_seconds, 0.05)
        while not self.stopping.is_set():
            report = run_dispatch(self.deps, self.client, self.settings, self.stopping)
            try:
                upcoming = claims.next_due_at(self.deps.session_factory)
            except Exception:
                log.exception("could not read the next reminder's time")
                return
            if report is None or upcoming is None:
                return
            wait = (upcoming - self.deps.clock.now()).total_seconds()
            if wait >= interval:
                return  # the next tick is soon enough
            # Rows due now that this pass did not get are another instance's to claim: do
            # not spin on them.
            busy = report.sent or report.performed or report.retried or report.paced
            self.stopping.wait(max(wait, 0.0 if busy else 0.05, 0.001))


def run_dispatch(
    deps: Deps,
    client: WebClient,
    settings: DispatchSettings | None,
    stop: threading.Event | None = None,
) -> DispatchReport | None:
    """One dispatcher pass; an error is logged (None) and the next pass tries again."""
    try:
        report = dispatch_due(deps, client, settings, stop=stop)
    except Exception:
        log.exception("reminder dispatch failed; retrying on the next tick")
        return None
    if report.sent or report.performed or report.failed or report.dropped:
        log.info(
            "reminders: %d sent, %d done, %d dropped, %d deferred, %d retried, %d failed",
            report.sent,
            report.performed,
            report.dropped,
            report.deferred,
            report.retried,
            report.failed,
        )
    return report
