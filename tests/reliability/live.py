"""The production app served over real HTTP by waitress, and a client that talks like Slack.

``serve`` builds the app as ``secretariat run`` does (``process_before_response`` off: the ack
goes out first, Web API work follows on bolt's thread pool or the runner's post-ack pool) and
serves ``bot.server.wsgi_app`` (the very WSGI stack of ``secretariat run``) on 127.0.0.1 in a
thread. Requests are signed and encoded exactly as Slack sends them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import waitress
from slack_bolt import App

from bot.app import create_app
from bot.deps import Deps
from bot.listeners import ListenerExecutor
from bot.localslack import LocalSlack
from bot.server import wsgi_app
from bot.slackclient import make_web_client
from handlers import runner as runner_module
from tests.harness import C_MAIN, SETUP_TEXT, U_SEC
from tests.slackbench import payloads
from tests.slackbench.signing import BotHTTP, BotResponse

TOKEN = "xoxb-test-token"
SLACK_DEADLINE = 3.0


class TrackingExecutor(ThreadPoolExecutor):
    """bolt's listener pool, which can tell when all work after the acks has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="listener")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def wait_idle(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._pending:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("listener work still running after the acks")
            time.sleep(0.01)


class ErrorLog(logging.Handler):
    """Keeps the bot's error records (a logged exception is an unhandled failure)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> str:
        out = []
        for r in self.records:
            exc = logging.Formatter().formatException(r.exc_info) if r.exc_info else ""
            out.append(f"{r.name}: {r.getMessage()}\n{exc}")
        return "\n".join(out)


@dataclass(frozen=True)
class Timed:
    """An answer and how long it took."""

    response: BotResponse
    seconds: float

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def text(self) -> str:
        return self.response.text


class LiveBot:
    """Drive the served app over HTTP as Slack would."""

    def __init__(
        self, deps: Deps, slack: LocalSlack, app: App, executor: TrackingExecutor, url: str
    ) -> None:
        self.deps = deps
        self.slack = slack
        self.app = app
        self.executor = executor
        self.http = BotHTTP(url, deps.config.slack_signing_secret or "", timeout=15)
        self.errors = ErrorLog()
        self.after_ack = track_after_ack()

    def post(self, payload: Mapping[str, Any], **kwargs: Any) -> Timed:
        started = time.monotonic()
        response = self.http.post(payload, **kwargs)
        return Timed(response, time.monotonic() - started)

    def command(
        self, command: str, text: str, *, user: str = U_SEC, channel: str = C_MAIN, **kwargs: Any
    ) -> Timed:
        return self.post(
            payloads.slash_command(
                command, text, user, channel, response_url=self.slack.new_response_url(channel)
            ),
            **kwargs,
        )

    def action(
        self, action_id: str, value: str | None, *, user: str, channel: str = C_MAIN, **kw: Any
    ) -> Timed:
        return self.post(
            payloads.block_actions(action_id, value, user, channel, kw.pop("message_ts", "1.1")),
            **kw,
        )

    def submit(
        self,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        user: str = U_SEC,
        private_metadata: str = "",
        view_id: str | None = None,
    ) -> Timed:
        return self.post(
            payloads.view_submission(callback_id, values, user, private_metadata, view_id=view_id)
        )

    def event(self, event: Mapping[str, Any], *, event_id: str | None = None, **kw: Any) -> Timed:
        return self.post(payloads.event_callback(dict(event), event_id), **kw)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the work after every ack so far has finished (bolt's listener threads
        and the runner's own post-ack threads, which either may hand work to the other)."""
        pools = [self.executor, *([self.after_ack] if self.after_ack else [])]
        deadline = time.monotonic() + timeout
        while True:
            for pool in pools:
                pool.wait_idle(max(0.1, deadline - time.monotonic()))
            if all(pool.idle() for pool in pools):
                return

    def setup_body(self) -> None:
        answer = self.command("/meeting", SETUP_TEXT)
        assert answer.status == 200 and "行政情報化推進本部" in answer.text, answer


def track_after_ack() -> TrackingExecutor | None:
    """Swap the runner's post-ack pool (when it has one) for one that reports idleness."""
    pool = getattr(runner_module, "_AFTER_ACK", None)
    if pool is None:
        return None
    if not isinstance(pool, TrackingExecutor):
        pool = TrackingExecutor()
        runner_module._AFTER_ACK = pool
    return pool


class Served:
    """waitress serving a WSGI app on 127.0.0.1 in a thread."""

    def __init__(self, application: Any) -> None:
        self.server = waitress.create_server(
            application, host="127.0.0.1", port=0, threads=8, asyncore_loop_timeout=0.05
        )
        self.port = int(self.server.effective_port)
        self.thread = threading.Thread(target=self.server.run, name="waitress", daemon=True)
        self.thread.start()

    def close(self) -> None:
        server = self.server

        def close_all() -> None:  # inside the loop's thread: the loop ends with its map empty
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        self.thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=5)


def serve(deps: Deps, slack: LocalSlack) -> tuple[LiveBot, Served]:
    """Build the production app on ``deps`` against ``slack`` and serve it."""
    config = replace(deps.config, slack_api_url=slack.url, slack_bot_token=TOKEN)
    wired = Deps(config=config, session_factory=deps.session_factory, clock=deps.clock)
    executor = TrackingExecutor()
    app = create_app(wired, client=make_web_client(config))
    # bolt takes its thread pool at construction; swap in one that can report idleness
    # (slash commands still run on the request's thread, as in production).
    runner = app._listener_runner
    runner.listener_executor = ListenerExecutor(executor)
    runner.lazy_listener_runner.executor = executor  # type: ignore[attr-defined]
    served = Served(wsgi_app(app, wired))
    bot = LiveBot(wired, slack, app, executor, f"http://127.0.0.1:{served.port}/slack/events")
    return bot, served
