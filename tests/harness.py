"""The handler-level test bench: the real bolt app, in-process, signed requests, fake Slack.

Requests are encoded and signed exactly as Slack sends them (tests/slackbench) and dispatched
through ``App.dispatch``; the app talks to a LocalSlack Web API over loopback HTTP with its
ordinary WebClient, and every call is checked against Slack's published OpenAPI spec.
The app is built with ``process_before_response=True`` so that when a method returns, the
post-ack work (announcements, uploads, DMs) has finished and can be asserted on directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.app import create_app
from bot.clock import MovableClock
from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.slackclient import make_web_client
from tests.slackbench import payloads
from tests.slackbench.signing import dispatch_in_process
from tests.slackbench.spec import SpecChecker, attach

U_SEC = "U0SEC"
U_CHAIR = "U0CHAIR"
U_MEMBER = "U0MEMBER"
U_OTHER = "U0OTHER"
U_ADMIN = "U0ADMIN"
C_MAIN = "C0MAIN"
C_PT = "C0PT"
C_PRIVATE = "G0PRIVATE"
C_SHARED = "C0SHARED"

BODY_NAME = "行政情報化推進本部"
SETUP_TEXT = f"setup {BODY_NAME} secretariat=情報管理課 place=庁議室（本庁舎5階）"


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer to one request."""

    status: int
    body: Any

    @property
    def text(self) -> str:
        """The ephemeral text of an acknowledged command ("" when there is none)."""
        if isinstance(self.body, Mapping):
            return str(self.body.get("text") or "")
        return str(self.body or "")


def populate(slack: LocalSlack) -> None:
    """The test workspace: people with roles, and one channel of each kind."""
    slack.add_user(U_SEC, "jimukyoku")
    slack.add_user(U_CHAIR, "honbucho")
    slack.add_user(U_MEMBER, "buin")
    slack.add_user(U_OTHER, "someone")
    slack.add_user(U_ADMIN, "admin", is_admin=True)
    slack.add_channel(C_MAIN, "gyosei-joho", "public")
    slack.add_channel(C_PT, "standardization-pt", "public")
    slack.add_channel(C_PRIVATE, "honbu-closed", "private")
    slack.add_channel(C_SHARED, "with-vendor", "shared")


class Harness:
    """Drive the app as Slack would and see what it sent back to Slack."""

    def __init__(self, app: App, slack: LocalSlack, deps: Deps, spec: SpecChecker) -> None:
        self.app = app
        self.slack = slack
        self.deps = deps
        self.spec = spec

    @property
    def clock(self) -> MovableClock:
        clock = self.deps.clock
        assert isinstance(clock, MovableClock)
        return clock

    def _send(self, payload: Mapping[str, Any], **kwargs: Any) -> Answer:
        response = dispatch_in_process(self.app, payload, **kwargs)
        return Answer(response.status, response.body)

    def command(
        self, command: str, text: str, *, user: str = U_SEC, channel: str = C_MAIN
    ) -> Answer:
        """Run a slash command; the answer's ``text`` is the ephemeral reply."""
        return self._send(
            payloads.slash_command(
                command, text, user, channel, response_url=self.slack.new_response_url(channel)
            )
        )

    def action(
        self,
        action_id: str,
        value: str | None,
        *,
        user: str = U_SEC,
        channel: str = C_MAIN,
        message_ts: str = "1700000000.000100",
        block_id: str = "actions",
    ) -> Answer:
        """Press a button in a message."""
        return self._send(
            payloads.block_actions(action_id, value, user, channel, message_ts, block_id=block_id)
        )

    def submit(
        self,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        user: str = U_SEC,
        private_metadata: str = "",
    ) -> Answer:
        """Submit a modal (values as ``{block_id: {action_id: value}}``)."""
        return self._send(payloads.view_submission(callback_id, values, user, private_metadata))

    def shortcut(
        self,
        callback_id: str,
        message: Mapping[str, Any],
        *,
        user: str = U_SEC,
        channel: str = C_MAIN,
    ) -> Answer:
        """Use a message shortcut on ``message``."""
        return self._send(payloads.message_action(callback_id, dict(message), channel, user))

    def event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> Answer:
        """Deliver an Events API event."""
        return self._send(payloads.event_callback(dict(event), event_id), retry_num=retry_num)

    # -- common set-up -------------------------------------------------------------------------

    def setup_body(self, text: str = SETUP_TEXT, *, channel: str = C_MAIN) -> Answer:
        answer = self.command("/meeting", text, channel=channel)
        assert answer.status == 200, answer
        return answer

    def schedule(
        self,
        day: str = "2027-06-24",
        times: str = "11:00-12:00",
        *,
        extra: str = "",
        channel: str = C_MAIN,
    ) -> int:
        """Schedule a meeting and return its id (M<id> in the confirmation)."""
        answer = self.command(
            "/meeting", f"schedule {day} {times} {extra}".strip(), channel=channel
        )
        found = re.search(r"M(\d+)", answer.text)
        assert found, answer.text
        return int(found.group(1))

    def client(self) -> WebClient:
        return self.app.client


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack(token="xoxb-test-token") as local:
        populate(local)
        yield local


@pytest.fixture
def harness(deps: Deps, slack: LocalSlack) -> Iterator[Harness]:
    """The app on ``deps``' database and clock, with SLACK_API_URL pointing at ``slack``."""
    config = replace(deps.config, slack_api_url=slack.url, slack_bot_token="xoxb-test-token")
    wired = Deps(config=config, session_factory=deps.session_factory, clock=deps.clock)
    spec = attach(slack)
    # The production client: it honours SLACK_API_URL and retries 429 and 5xx.
    app = create_app(wired, client=make_web_client(config), process_before_response=True)
    yield Harness(app, slack, wired, spec)
    spec.assert_clean()
