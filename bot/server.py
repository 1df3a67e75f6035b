"""`secretariat run`: the bot as a service, over HTTP (waitress) or Socket Mode."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot.app import create_app
from bot.clock import SystemClock
from bot.config import Config, ConfigError
from bot.deps import Deps
from bot.logs import configure_logging
from bot.reminders.scheduler import start_scheduler
from bot.slackclient import make_web_client
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from apscheduler.schedulers.background import BackgroundScheduler
EVENTS_PATH = "/slack/events"
# An acknowledgement waits on sockets and the database many times, and each time it takes the
# GIL back it may wait a full switch interval (5 ms by default) behind a thread doing work
# after an earlier ack (a search, a render): a short interval keeps acks quick (bench: ack).
ACK_SWITCH_INTERVAL = 0.0005


def build(config: Config) -> tuple[Deps, App, WebClient]:
    """Migrate the database and build the app, as every instance does at start-up."""
    engine = make_engine(config.database_url)
    upgrade(engine)
    deps = Deps(config=config, session_factory=make_session_factory(engine), clock=SystemClock())
    client = make_web_client(config)
    return deps, create_app(deps, client=client), client


def wsgi_app(app: App, deps: Deps) -> WSGIApplication:
    """Slack's endpoint at /slack/events and a health check at /healthz."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return _healthz(deps, start_response)
        return slack(environ, start_response)

    return application


def _healthz(deps: Deps, start_response: StartResponse) -> Iterable[bytes]:
    try:
        with deps.session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"database unreachable\n"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]


def run(config: Config) -> int:
    """Start the bot; returns the exit status."""
    configure_logging(
        secrets=tuple(
            s
            for s in (config.slack_bot_token, config.slack_app_token, config.slack_signing_secret)
            if s
        )
    )
    try:
        config.require_slack()
    except ConfigError as exc:
        log.error("%s", exc)
        return 2
    deps, app, client = build(config)
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        log.error(
            "Slack refused the bot token (auth.test: %s): check SLACK_BOT_TOKEN.",
            exc.response.get("error"),
        )
        return 2
    log.info("connected as %s in %s", identity.get("user"), identity.get("team"))
    scheduler = start_background_work(deps, client)
    sys.setswitchinterval(ACK_SWITCH_INTERVAL)
    # What start-up loaded (libraries, the app, templates) stays for the life of the process:
    # out of the collector's reach, a full collection no longer walks all of it, pausing
    # every request while it does.
    gc.freeze()
    try:
        if config.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("Socket Mode")
            SocketModeHandler(app, config.slack_app_token).start()  # type: ignore[no-untyped-call]
        else:
            import waitress

            log.info("HTTP on port %s (%s, /healthz)", config.port, EVENTS_PATH)
            waitress.serve(
                wsgi_app(app, deps),
                host=config.host,
                port=config.port,
                threads=8,
                ident="secretariat-bot",
            )
    finally:
        scheduler.shutdown(wait=False)
    return 0


def start_background_work(deps: Deps, client: WebClient) -> BackgroundScheduler:
    """Start the reminder dispatcher (APScheduler drives it; the database holds the truth)."""
    return start_scheduler(deps, client)
