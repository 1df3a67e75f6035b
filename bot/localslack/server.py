"""``LocalSlack``: a Slack Web API on 127.0.0.1 for tests, benchmarks and ``secretariat console``.

The bot talks to it with its ordinary ``slack_sdk.WebClient`` (``base_url=local.url``), so
everything between the bot's code and the HTTP boundary runs for real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable
from types import TracebackType
from typing import Any, TypeVar

from slack_sdk import WebClient

from bot.localslack.faults import Faults
from bot.localslack.methods import WebApi
from bot.localslack.models import (
    Call,
    ChannelKind,
    Message,
    ResponsePost,
    SharedFile,
    View,
)
from bot.localslack.serving import Serving
from bot.localslack.transport import HttpServer
from bot.localslack.workspace import Channel, User, Workspace

DEFAULT_TOKEN = "xoxb-localslack"
T = TypeVar("T")


class LocalSlack(Serving):
    """A fake Slack Web API server with a configurable workspace, recording and faults.

    Use as a context manager, or call ``start()`` / ``stop()``::

        with LocalSlack() as slack:
            slack.add_channel("C1", "general", "public")
            WebClient(token=slack.token, base_url=slack.url).chat_postMessage(...)
            slack.wait_for(lambda: slack.messages("C1"))

    Args:
        token: The bot token to accept; None accepts any non-empty token.
        port: TCP port on 127.0.0.1; 0 picks a free one.
        team_id: Workspace id returned by ``auth.test`` and put in objects.
        bot_user_id: The bot's user id (``auth.test`` ``user_id``, message authors).
        bot_id: The bot's ``B…`` id.
        enforce_membership: Refuse posts to channels the bot is not in (``not_in_channel``).
        auto_channels: Create unknown ``C…``/``G…`` channels as public ones on first use
            (handy for the console); by default they are ``channel_not_found``.
        on_call: Called with every ``Call`` (failed ones too) before it is answered.
    """

    def __init__(
        self,
        *,
        token: str | None = DEFAULT_TOKEN,
        port: int = 0,
        team_id: str = "T0001",
        team_name: str = "Local Workspace",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0APP",
        enforce_membership: bool = True,
        auto_channels: bool = False,
        on_call: Callable[[Call], None] | None = None,
    ) -> None:
        self.token = token
        self.on_call = on_call
        self._port = port
        self._lock = threading.RLock()
        self._changed = threading.Condition()
        self._version = 0
        self._workspace = Workspace(
            team_id=team_id,
            team_name=team_name,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            enforce_membership=enforce_membership,
            auto_channels=auto_channels,
        )
        self._workspace.add_user(User(bot_user_id, "secretariat", is_bot=True))
        self._api = WebApi(self._workspace, lambda: self.root_url)
        self._faults = Faults()
        self._calls: list[Call] = []
        self._failed: list[Call] = []
        self._server: HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> LocalSlack:
        """Start serving in a daemon thread; returns self."""
        if self._server is None:
            self._server = HttpServer(self._port, self._serve)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="localslack",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (after ``start()``)."""
        if self._server is None:
            raise RuntimeError("LocalSlack is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)`` / ``SLACK_API_URL``."""
        return f"{self.root_url}api/"

    @property
    def bot_user_id(self) -> str:
        return self._workspace.bot_user_id

    @property
    def team_id(self) -> str:
        return self._workspace.team_id

    def client(self, **kwargs: Any) -> WebClient:
        """A ``WebClient`` with the accepted token, pointed at this server."""
        kwargs.setdefault("token", self.token or DEFAULT_TOKEN)
        return WebClient(base_url=self.url, **kwargs)

    # -- workspace ------------------------------------------------------------------------

    def add_channel(
        self,
        id: str,
        name: str,
        kind: ChannelKind = "public",
        *,
        members: Iterable[str] = (),
        bot_member: bool = True,
        private: bool | None = None,
        archived: bool = False,
        user: str | None = None,
    ) -> None:
        """Add a conversation.

        Args:
            id: Conversation id (``C…``, ``G…``, ``D…``).
            name: Channel name ("" for DMs).
            kind: ``public``, ``private``, ``shared`` (shared with another organisation),
                ``im`` or ``mpim``.
            members: Human members (``conversations.members``; ``chat.postEphemeral``
                checks them when given).
            bot_member: Whether the bot is in it.
            private: Override ``is_private`` (e.g. a private externally shared channel).
            archived: Archived channels refuse posts (``is_archived``).
            user: The other user of an ``im``.
        """
        channel = Channel(id, name, kind, list(members), bot_member, private, archived, user)
        with self._lock:
            self._workspace.add_channel(channel)

    def set_bot_member(self, channel: str, member: bool = True) -> None:
        """Invite the bot to (or remove it from) a channel."""
        with self._lock:
            self._workspace.channels[channel].bot_member = member

    def add_user(
        self,
        id: str,
        name: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        locale: str = "ja-JP",
        tz: str = "Asia/Tokyo",
        deleted: bool = False,
        real_name: str = "",
        display_name: str = "",
        email: str | None = None,
    ) -> None:
        """Add (or replace) a workspace member."""
        user = User(
            id, name, real_name, display_name, is_admin, is_owner, False, locale, tz, deleted, email
        )
        with self._lock:
            self._workspace.add_user(user)

    def new_response_url(self, channel: str | None = None, user: str | None = None) -> str:
        """A fresh response_url on this server; POSTs to it are kept in ``responses()``.

        An ``in_channel`` response to a URL with a ``channel`` is also posted as a message.
        """
        with self._lock:
            response_id = self._workspace.next_id("R")
            self._workspace.response_urls[response_id] = (channel, user)
        return f"{self.root_url}response/{response_id}"

    # -- recordings -------------------------------------------------------------------------

    def calls(self, method: str | None = None, *, include_failed: bool = False) -> list[Call]:
        """Calls the API handled (``ok`` or not), oldest first; failed attempts on request."""
        with self._lock:
            found = self._calls + self._failed if include_failed else list(self._calls)
        if include_failed:
            found.sort(key=lambda c: c.at)
        return [c for c in found if method is None or c.method == method]

    def failed_calls(self, method: str | None = None) -> list[Call]:
        """Attempts refused by fault injection or the channel rate limit (never delivered)."""
        with self._lock:
            return [c for c in self._failed if method is None or c.method == method]

    def messages(
        self, channel: str | None = None, thread_ts: str | None = None, *, deleted: bool = False
    ) -> list[Message]:
        """Messages in posting order; ``thread_ts`` selects the replies of one thread."""
        with self._lock:
            found = list(self._workspace.messages.values())
        return [
            m
            for m in found
            if (channel is None or m.channel == channel)
            and (thread_ts is None or (m.thread_ts == thread_ts and m.ts != thread_ts))
            and (deleted or not m.deleted)
        ]

    def user_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> Message:
        """A message a person wrote (it exists in Slack before its event reaches the bot, so
        calls about it, such as ``reactions.add``, find it)."""
        with self._lock:
            ts = self._workspace.next_ts()
            message = Message(channel=channel, ts=ts, text=text, thread_ts=thread_ts, user=user)
            self._workspace.add_message(message)
        return message

    def message(self, channel: str, ts: str) -> Message | None:
        """One message by its channel and ts (deleted ones too)."""
        with self._lock:
            return self._workspace.messages.get((channel, ts))

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        """Ephemeral messages (``chat.postEphemeral``), oldest first."""
        with self._lock:
            found = list(self._workspace.ephemerals)
        return [
            m
            for m in found
            if (channel is None or m.channel == channel) and (user is None or m.visible_to == user)
        ]

    def files(self, channel: str | None = None) -> list[SharedFile]:
        """Files whose upload was completed, optionally only those shared to ``channel``."""
        with self._lock:
            found = list(self._workspace.files.values())
        return [f for f in found if f.completed and (channel is None or channel in f.channels)]

    def views(self) -> list[View]:
        """Modals opened or pushed (latest version of each)."""
        with self._lock:
            return list(self._workspace.views.values())

    def views_published(self, user: str) -> list[dict[str, Any]]:
        """Home tab payloads published for ``user``, oldest first (the last one is shown)."""
        with self._lock:
            return [v.view for v in self._workspace.home.get(user, [])]

    def responses(self, response_url: str | None = None) -> list[ResponsePost]:
        """Bodies POSTed to response_urls, oldest first."""
        with self._lock:
            found = list(self._workspace.responses)
        return [r for r in found if response_url is None or r.url == response_url]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return its value.

        Bots call the Web API after acknowledging a request, in another thread; this waits
        for the result instead of sleeping a fixed time.

        Raises:
            TimeoutError: ``predicate()`` was still falsy after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._version
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                recent = ", ".join(f"{c.method}:{c.error or 'ok'}" for c in self.calls()[-10:])
                raise TimeoutError(f"not true after {timeout}s; last calls: {recent or 'none'}")
            with self._changed:
                if self._version == seen:
                    self._changed.wait(min(remaining, 0.1))

    def reset(self, *, directory: bool = False) -> None:
        """Forget calls, posts, files, views, responses and faults.

        Args:
            directory: Also forget users and channels (the bot user stays).
        """
        with self._lock:
            self._calls.clear()
            self._failed.clear()
            self._faults.clear()
            self._workspace.clear_activity()
            if directory:
                bot = self._workspace.users[self._workspace.bot_user_id]
                self._workspace.users = {bot.id: bot}
                self._workspace.channels = {}

    # -- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str | None = None,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        count: int = 1,
        *,
        drop: bool = False,
    ) -> None:
        """Fail the next ``count`` calls of ``method`` (None: any Web API method).

        Args:
            method: Web API method, ``UPLOAD_CALL``, ``RESPONSE_URL_CALL`` or None.
            status: HTTP status; 429 sends ``Retry-After: retry_after``. With 200 and an
                ``error``, the call is answered ``{"ok": false, "error": error}``.
            error: Error string of the body (default ``ratelimited`` / ``internal_error``).
            drop: Close the connection without answering instead.
        """
        with self._lock:
            self._faults.fail_next(
                method, status=status, retry_after=retry_after, error=error, count=count, drop=drop
            )

    def drop_next(self, method: str | None = None, count: int = 1) -> None:
        """Close the connection of the next ``count`` calls without answering."""
        self.fail_next(method, count=count, drop=True)

    def set_failure_rate(
        self,
        rate: float,
        statuses: tuple[int, ...] = (429, 500),
        seed: int | None = None,
        *,
        retry_after: int = 1,
        methods: Collection[str] | None = None,
    ) -> None:
        """Fail a random share of Web API calls with one of ``statuses`` (0 turns it off)."""
        with self._lock:
            self._faults.set_failure_rate(rate, statuses, seed, retry_after, methods)

    def set_latency(self, seconds: float) -> None:
        """Wait this long before answering each request."""
        with self._lock:
            self._faults.latency = seconds

    def set_channel_rate_limit(self, per_second: float | None) -> None:
        """Allow ``per_second`` ``chat.postMessage`` per channel; 429 past it (None: off)."""
        with self._lock:
            self._faults.channel_rate = per_second
