"""APScheduler drives the dispatcher; the ``reminders`` table is the store of truth.

APScheduler keeps no reminder: its only job is "run the dispatcher every N seconds" in this
process (a shared APScheduler job store duplicates and loses jobs across processes, as its
FAQ says). Every instance of ``secretariat run`` runs this same job; the claims in the
database make each reminder go out once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.deps import Deps
from bot.reminders.dispatcher import DispatchSettings, dispatch_due

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
        settings: dispatcher pacing (batch size, lease, backoff); defaults otherwise.

    Returns:
        The running scheduler; call ``shutdown()`` on exit.
    """
    # A pass that takes longer than the interval makes APScheduler skip a run and say so at
    # WARNING level on every tick; that is expected here, not a problem.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.ERROR)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        run_dispatch,
        "interval",
        seconds=max(deps.config.dispatch_interval_seconds, 0.05),
        args=(deps, client, settings),
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    log.info("reminder dispatcher every %ss", deps.config.dispatch_interval_seconds)
    return scheduler


def run_dispatch(deps: Deps, client: WebClient, settings: DispatchSettings | None) -> None:
    """One dispatcher pass; an error is logged and the next pass tries again."""
    try:
        report = dispatch_due(deps, client, settings)
    except Exception:
        log.exception("reminder dispatch failed; retrying on the next tick")
        return
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
