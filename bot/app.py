"""The bolt App, wired: dependencies in the context, retried events deduplicated, handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps
from bot.listeners import ListenerExecutor, listeners_inline
from bot.slackclient import make_web_client
from handlers import register_all
from storage.models import ProcessedEvent

log = logging.getLogger(__name__)


def create_app(
    deps: Deps,
    *,
    client: WebClient | None = None,
    token_verification: bool = False,
    process_before_response: bool = False,
) -> App:
    """Build the bolt ``App`` for ``deps``.

    Args:
        deps: configuration, database and clock.
        client: the Web API client; by default one that honours SLACK_API_URL and retries.
        token_verification: let bolt call auth.test while building the app.
        process_before_response: finish the listener before answering (in-process tests and
            the console, where nothing must run on after the answer).
    """
    config = deps.config
    app = App(
        token=None if client else config.slack_bot_token,
        signing_secret=config.slack_signing_secret or "unused-in-socket-mode",
        client=client or make_web_client(config),
        token_verification_enabled=token_verification,
        process_before_response=process_before_response,
        listener_executor=ListenerExecutor(),
        raise_error_for_unhandled_request=False,
        ignoring_self_events_enabled=True,
    )

    @app.middleware
    def inject_deps(context: Any, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["deps"] = deps
        return next()

    @app.middleware
    def commands_on_request_thread(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        # A command's listener returns at its ack (its Slack work goes to the runner's pool),
        # so it runs here rather than on bolt's pool; see bot/listeners.py.
        if body.get("command") is None:
            return next()
        with listeners_inline():
            return next()

    @app.middleware
    def drop_retried_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not _first_delivery(deps, str(event_id)):
            log.info("event %s already handled; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.middleware
    def submit_views_once(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        # A modal submitted twice (a double click, or a resubmission after a slow answer)
        # carries the same view id: the second one closes the modal and writes nothing.
        view = body.get("view") if body.get("type") == "view_submission" else None
        if not isinstance(view, dict) or not view.get("id"):
            return next()
        key = f"view:{view['id']}"
        if not _first_delivery(deps, key):
            log.info("%s already submitted; ignoring the second submission", key)
            return BoltResponse(status=200, body="")
        # Field errors leave the modal open: the corrected form must then be taken.
        context["ack"] = _SubmissionAck(lambda: _forget_delivery(deps, key))
        return next()

    @app.error
    def release_keys_on_failure(error: Exception, body: dict[str, Any]) -> BoltResponse:
        # A submission whose work failed (not a mistake of the user's: those are answered)
        # must not stay recorded as done, or the user's resubmission would be dropped.
        log.error("request failed: %s: %s", type(error).__name__, error)
        view = body.get("view") if body.get("type") == "view_submission" else None
        if isinstance(view, dict) and view.get("id"):
            _forget_delivery(deps, f"view:{view['id']}")
        return BoltResponse(status=500, body="")

    register_all(app)
    return app


def _first_delivery(deps: Deps, event_id: str) -> bool:
    """Record ``event_id``; False when another delivery (or instance) recorded it first."""
    try:
        with deps.unit_of_work() as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=deps.clock.now()))
    except IntegrityError:
        return False
    return True


class _SubmissionAck(Ack):
    """The ack of a view submission; answering with field errors frees the view id again."""

    def __init__(self, on_errors: Callable[[], None]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._on_errors = on_errors

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        if kwargs.get("response_action") == "errors":
            self._on_errors()
        return super().__call__(*args, **kwargs)


def _forget_delivery(deps: Deps, key: str) -> None:
    with deps.unit_of_work() as session:
        session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == key))


def handle_request(app: App, body: str, headers: dict[str, Any]) -> BoltResponse:
    """Dispatch one raw request to ``app`` in-process (the console uses this)."""
    return app.dispatch(BoltRequest(body=body, headers=headers))
