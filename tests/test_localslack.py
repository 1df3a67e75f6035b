"""The fake Slack Web API and the bench helpers, exercised with the real slack_sdk and bolt."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltResponse, Say
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.localslack import RESPONSE_URL_CALL, UPLOAD_CALL, LocalSlack
from tests.slackbench import payloads
from tests.slackbench.signing import BotHTTP, dispatch_in_process, encode, sign
from tests.slackbench.spec import SpecChecker, attach, load_methods

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NO_WAIT = FixedValueRetryIntervalCalculator(0.0)


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as local:
        local.add_user("U1", "taro", real_name="山田 太郎", display_name="山田")
        local.add_user("U2", "admin", is_admin=True, locale="en-US", tz="UTC")
        local.add_user("U3", "gone", deleted=True)
        local.add_channel("C1", "general", "public", members=["U1", "U2"])
        local.add_channel("C2", "secretariat", "private")
        local.add_channel("C3", "joint", "shared")
        local.add_channel("C4", "outside", "public", bot_member=False)
        local.add_channel("C5", "hidden", "private", bot_member=False)
        yield local


@pytest.fixture
def client(slack: LocalSlack) -> WebClient:
    return slack.client(
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=NO_WAIT),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=10, interval_calculator=NO_WAIT),
        ]
    )


def api_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call()
    return str(info.value.response["error"])


# -- Web API -----------------------------------------------------------------------------------


def test_auth_test_names_the_bot(slack: LocalSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["team_id"], answer["bot_id"]) == ("U0BOT", "T0001", "B0BOT")


def test_tokens_are_checked_like_slack(slack: LocalSlack) -> None:
    assert api_error(lambda: WebClient(base_url=slack.url).auth_test()) == "not_authed"
    assert api_error(slack.client(token="xoxb-wrong").auth_test) == "invalid_auth"
    form = f"token={slack.token}&channel=C1&text=hi".encode()
    request = urllib.request.Request(f"{slack.url}chat.postMessage", data=form)
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["ok"] is True


def test_unknown_method(client: WebClient) -> None:
    assert api_error(lambda: client.api_call("meetings.summon")) == "unknown_method"


def test_post_message_stores_text_blocks_and_thread(slack: LocalSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*第1回*"}}]
    parent = client.chat_postMessage(channel="C1", text="announcement", blocks=blocks)
    reply = client.chat_postMessage(channel="C1", text="item 1", thread_ts=parent["ts"])
    assert parent["channel"] == "C1"
    assert float(reply["ts"]) > float(parent["ts"])
    assert parent["ts"] == "1700000000.000100"
    first = slack.messages("C1")[0]
    assert (first.text, first.blocks, first.user) == ("announcement", blocks, "U0BOT")
    assert [m.text for m in slack.messages("C1", thread_ts=parent["ts"])] == ["item 1"]
    replies = client.conversations_replies(channel="C1", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["announcement", "item 1"]
    history = client.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["announcement"]
    assert history[0]["reply_count"] == 1


def test_where_the_bot_may_post(slack: LocalSlack, client: WebClient) -> None:
    assert api_error(lambda: client.chat_postMessage(channel="C404", text="x")) == (
        "channel_not_found"
    )
    assert api_error(lambda: client.chat_postMessage(channel="C4", text="x")) == "not_in_channel"
    assert api_error(lambda: client.chat_postMessage(channel="C5", text="x")) == (
        "channel_not_found"
    )
    with pytest.warns(UserWarning, match="text"):
        assert api_error(lambda: client.chat_postMessage(channel="C1")) == "no_text"
    client.conversations_join(channel="C4")
    client.chat_postMessage(channel="C4", text="joined")
    assert slack.messages("C4")[0].text == "joined"


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("C1", {"is_channel": True, "is_private": False, "is_ext_shared": False, "is_im": False}),
        ("C2", {"is_channel": True, "is_private": True, "is_ext_shared": False, "is_im": False}),
        ("C3", {"is_channel": True, "is_private": False, "is_ext_shared": True, "is_shared": True}),
        ("D1", {"is_channel": False, "is_im": True, "is_private": True, "user": "U1"}),
        ("G1", {"is_channel": False, "is_mpim": True, "is_private": True}),
    ],
)
def test_conversations_info_kinds(
    slack: LocalSlack, client: WebClient, channel: str, expected: dict[str, Any]
) -> None:
    slack.add_channel("D1", "", "im", user="U1")
    slack.add_channel("G1", "mpdm-taro--admin-1", "mpim", members=["U1", "U2"])
    info = client.conversations_info(channel=channel)["channel"]
    assert {key: info[key] for key in expected} == expected
    assert info["is_org_shared"] is False


def test_users_info_and_direct_messages(slack: LocalSlack, client: WebClient) -> None:
    user = client.users_info(user="U2", include_locale=True)["user"]
    assert (user["is_admin"], user["locale"], user["tz"]) == (True, "en-US", "UTC")
    taro = client.users_info(user="U1")["user"]
    assert taro["profile"]["display_name"] == "山田" and "locale" not in taro
    assert api_error(lambda: client.users_info(user="U404")) == "user_not_found"
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm.startswith("D")
    assert client.chat_postMessage(channel="U1", text="reminder")["channel"] == dm
    assert api_error(lambda: client.conversations_open(users="U3")) == "user_disabled"
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U2", "U0BOT"]


def test_update_delete_permalink_reaction_ephemeral(slack: LocalSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]
    client.chat_update(channel="C1", ts=ts, text="final")
    client.reactions_add(channel="C1", name="white_check_mark", timestamp=ts)
    message = slack.message("C1", ts)
    assert message is not None and (message.text, message.edits) == ("final", 1)
    assert message.reactions == ("white_check_mark",)
    assert client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"].endswith(
        "/archives/C1/p1700000000000100"
    )
    client.chat_delete(channel="C1", ts=ts)
    assert slack.messages("C1") == []
    assert api_error(lambda: client.chat_update(channel="C1", ts="1.2", text="x")) == (
        "message_not_found"
    )
    client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert [m.text for m in slack.ephemerals("C1", user="U1")] == ["only you"]
    assert api_error(lambda: client.chat_postEphemeral(channel="C1", user="U9", text="x")) == (
        "user_not_in_channel"
    )


def test_block_kit_limits_are_enforced(client: WebClient) -> None:
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    too_long: dict[str, Any] = {"channel": "C1", "text": "x", "blocks": long_section}
    assert api_error(lambda: client.chat_postMessage(**too_long)) == "invalid_blocks"
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "あ" * 25}, "blocks": []}
    assert api_error(lambda: client.views_open(trigger_id="1.2.3", view=modal)) == (
        "invalid_arguments"
    )


def test_views_modals_and_app_home(slack: LocalSlack, client: WebClient) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "議題"}, "blocks": []}
    opened = client.views_open(trigger_id="1.2.3", view=modal)["view"]
    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view={**modal, "callback_id": "agenda"}
    )["view"]
    assert updated["callback_id"] == "agenda"
    stale = {"view_id": opened["id"], "hash": opened["hash"], "view": modal}
    assert api_error(lambda: client.views_update(**stale)) == "hash_conflict"
    client.views_push(trigger_id="1.2.4", view=modal)
    assert len(slack.views()) == 2
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    client.views_publish(user_id="U1", view=home)
    client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert [v["blocks"] for v in slack.views_published("U1")] == [[{"type": "divider"}], []]
    assert api_error(lambda: client.views_publish(user_id="U404", view=home)) == "user_not_found"


def test_files_upload_v2(slack: LocalSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C2", text="minutes")["ts"]
    content = "# 議事録\n".encode()
    answer = client.files_upload_v2(
        channel="C2",
        content=content,
        filename="minutes.md",
        title="議事録（案）",
        thread_ts=parent,
        initial_comment="draft",
    )
    (stored,) = slack.files("C2")
    assert (stored.name, stored.title, stored.content) == ("minutes.md", "議事録（案）", content)
    assert (stored.thread_ts, stored.initial_comment) == (parent, "draft")
    assert answer["file"]["id"] == stored.id
    assert client.files_info(file=stored.id)["file"]["title"] == "議事録（案）"
    (share,) = slack.messages("C2", thread_ts=parent)
    assert (share.subtype, share.files, share.text) == ("file_share", (stored.id,), "draft")
    assert [c.method for c in slack.calls()][-4:-1] == [
        "files.getUploadURLExternal",
        UPLOAD_CALL,
        "files.completeUploadExternal",
    ]


def test_response_urls(slack: LocalSlack) -> None:
    url = slack.new_response_url(channel="C1", user="U1")
    assert WebhookClient(url).send(text="only you").status_code == 200
    WebhookClient(url).send(text="everyone", response_type="in_channel")
    assert [r.text for r in slack.responses(url)] == ["only you", "everyone"]
    assert [m.text for m in slack.messages("C1")] == ["everyone"]
    assert WebhookClient(f"{slack.root_url}response/R404").send(text="x").status_code == 404
    assert [c.method for c in slack.calls()] == [RESPONSE_URL_CALL] * 3


# -- faults ---------------------------------------------------------------------------------


def test_rate_limit_honours_retry_after(slack: LocalSlack, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    client.chat_postMessage(channel="C1", text="once")
    assert time.monotonic() - started >= 1.0
    assert len(slack.messages("C1")) == 1
    (failed,) = slack.failed_calls("chat.postMessage")
    assert (failed.status, failed.error, failed.fault) == (429, "ratelimited", "injected")
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(slack.calls("chat.postMessage", include_failed=True)) == 2


def test_channel_rate_limit(slack: LocalSlack, client: WebClient) -> None:
    slack.set_channel_rate_limit(1)
    for text in ("one", "two"):
        client.chat_postMessage(channel="C1", text=text)
    client.chat_postMessage(channel="C2", text="other channel")
    assert [m.text for m in slack.messages("C1")] == ["one", "two"]
    assert [c.fault for c in slack.failed_calls()] == ["channel_rate_limit"]


def test_dropped_connections_and_server_errors_are_retried(
    slack: LocalSlack, client: WebClient
) -> None:
    slack.drop_next("chat.postMessage")
    client.chat_postMessage(channel="C1", text="after a reset")
    slack.fail_next(status=500)
    client.chat_postMessage(channel="C1", text="after a 500")
    slack.fail_next("chat.postMessage", status=200, error="fatal_error")
    assert api_error(lambda: client.chat_postMessage(channel="C1", text="x")) == "fatal_error"
    assert [m.text for m in slack.messages("C1")] == ["after a reset", "after a 500"]
    assert [(c.status, c.fault) for c in slack.failed_calls()] == [
        (0, "dropped"),
        (500, "injected"),
        (200, "injected"),
    ]


def test_random_failures_still_deliver_each_message_once(
    slack: LocalSlack, client: WebClient
) -> None:
    # 5xx only: slack_sdk sleeps up to a second after any 429, whatever Retry-After says.
    slack.set_failure_rate(0.3, statuses=(500, 503), seed=7)
    sent = [f"m{i}" for i in range(20)]
    for text in sent:
        client.chat_postMessage(channel="C1", text=text)
    assert [m.text for m in slack.messages("C1")] == sent
    assert slack.failed_calls()


def test_latency(slack: LocalSlack, client: WebClient) -> None:
    slack.set_latency(0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


def test_concurrent_posts_get_unique_timestamps(slack: LocalSlack) -> None:
    def post(n: int) -> None:
        local = slack.client()
        for i in range(25):
            local.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timestamps = [m.ts for m in slack.messages("C1")]
    assert len(timestamps) == len(set(timestamps)) == 200


def test_wait_for_and_reset(slack: LocalSlack) -> None:
    timer = threading.Timer(0.1, lambda: slack.client().chat_postMessage(channel="C1", text="x"))
    timer.start()
    assert slack.wait_for(lambda: slack.messages("C1"), timeout=5)[0].text == "x"
    with pytest.raises(TimeoutError):
        slack.wait_for(lambda: slack.messages("C2"), timeout=0.2)
    slack.reset()
    assert slack.calls() == [] and slack.messages() == []
    assert slack.client().conversations_info(channel="C1")["ok"]


def test_on_call_hook_sees_every_call(slack: LocalSlack, client: WebClient) -> None:
    seen: list[str] = []
    slack.on_call = lambda call: seen.append(call.method)
    slack.fail_next("auth.test", retry_after=0)
    client.auth_test()
    assert seen == ["auth.test", "auth.test"]


# -- spec checker -----------------------------------------------------------------------------


def test_spec_checker_catches_missing_required_parameter(
    slack: LocalSlack, client: WebClient
) -> None:
    checker = attach(slack)
    client.chat_postMessage(channel="C1", text="fine")
    client.users_info(user="U1")
    client.files_upload_v2(channel="C1", content=b"x", filename="a.txt")
    checker.assert_clean()
    with pytest.raises(SlackApiError):
        client.api_call("chat.postMessage", json={"text": "no channel"})
    with pytest.raises(SlackApiError):
        client.api_call("meetings.summon")
    assert checker.problems == [
        "chat.postMessage: missing required parameter 'channel'",
        "meetings.summon: not a Web API method in the spec",
    ]
    with pytest.raises(AssertionError, match="missing required parameter 'channel'"):
        checker.assert_clean()


def test_spec_checker_requires_a_token(slack: LocalSlack) -> None:
    checker = attach(slack)
    with pytest.raises(SlackApiError):
        WebClient(base_url=slack.url).chat_postMessage(channel="C1", text="x")
    assert checker.problems == ["chat.postMessage: missing required parameter 'token'"]


def test_spec_is_loaded_from_the_shared_folder_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    methods = SpecChecker().methods
    assert methods["chat.postMessage"].required == ("token", "channel")
    monkeypatch.setenv("SLACK_OPENAPI_SPEC", str(tmp_path / "missing.json"))
    with pytest.raises(FileNotFoundError, match="SLACK_OPENAPI_SPEC"):
        SpecChecker()
    assert load_methods.cache_info().currsize >= 1


# -- signing, payloads and bolt ----------------------------------------------------------------


def test_signature_is_what_slack_sdk_verifies() -> None:
    body = encode(payloads.slash_command("/meeting", "list", "U1", "C1"))[0]
    now = int(time.time())
    headers = sign(body, SECRET, now)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, SECRET, now - 600)
    assert not verifier.is_valid_request(body, stale)


def test_payload_fixtures_are_valid_slack_shapes() -> None:
    fixtures = sorted(payloads.FIXTURES.glob("*.json"))
    assert len(fixtures) >= 10
    for path in fixtures:
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    first = payloads.event_callback(payloads.app_mention("<@U0BOT> hi", "U1", "C1"))
    second = payloads.event_callback(payloads.app_mention("<@U0BOT> hi", "U1", "C1"))
    assert first["event_id"] != second["event_id"]
    changed = payloads.message_event("new", "U1", "C1", "1.000001", subtype="message_changed")
    assert changed["message"]["ts"] == "1.000001" and changed["message"]["text"] == "new"
    deleted = payloads.message_event("gone", "U1", "D1", "1.000002", subtype="message_deleted")
    assert (deleted["deleted_ts"], deleted["channel_type"]) == ("1.000002", "im")
    shared = payloads.message_event(
        "", "U1", "C1", thread_ts="1.0", subtype="file_share", files=[{"id": "F1", "name": "a.pdf"}]
    )
    assert shared["files"][0]["name"] == "a.pdf" and shared["thread_ts"] == "1.0"
    submitted = payloads.view_submission("agenda", {"title": "電話システム"}, "U1")
    state = submitted["view"]["state"]["values"]
    assert state == {"title": {"title": {"type": "plain_text_input", "value": "電話システム"}}}


def make_app(slack: LocalSlack) -> App:
    app = App(signing_secret=SECRET, client=slack.client(), token=slack.token)

    @app.command("/meeting")
    def meeting(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"ok: {command['text']}")

    @app.action("attend")
    def attend(ack: Ack, body: dict[str, Any], say: Say) -> None:
        ack()
        say(f"{body['user']['id']} attends ({body['actions'][0]['value']})")

    @app.view("agenda")
    def agenda(ack: Ack, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["title"]["value"]
        ack(response_action="errors", errors={"title": f"seen {title}"})

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Say) -> None:
        say(text=f"answer to {event['text']}", thread_ts=event["ts"])

    return app


def test_dispatch_in_process(slack: LocalSlack) -> None:
    checker = attach(slack)
    app = make_app(slack)
    answer = dispatch_in_process(app, payloads.slash_command("/meeting", "list", "U1", "C1"))
    assert (answer.status, answer.text) == (200, "ok: list")
    clicked = payloads.block_actions("attend", "M12", "U1", "C1", "1700000000.000100")
    assert dispatch_in_process(app, clicked).status == 200
    slack.wait_for(lambda: slack.messages("C1"))
    assert slack.messages("C1")[0].text == "U1 attends (M12)"
    submitted = payloads.view_submission("agenda", {"title": "電話"}, "U1")
    errors = dispatch_in_process(app, submitted).json
    assert errors == {"response_action": "errors", "errors": {"title": "seen 電話"}}
    refused = dispatch_in_process(
        app, payloads.slash_command("/meeting", "x", "U1", "C1"), stale=True
    )
    assert refused.status == 401
    checker.assert_clean()


class _BoltHandler(BaseHTTPRequestHandler):
    app: App

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        response: BoltResponse = self.app.dispatch(
            BoltRequest(body=body, headers={k: v for k, v in self.headers.items()})
        )
        data = response.body.encode()
        self.send_response(response.status)
        for name, value in response.first_headers().items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bot_url(slack: LocalSlack) -> Iterator[str]:
    handler = type("Handler", (_BoltHandler,), {"app": make_app(slack)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    server.shutdown()
    server.server_close()


def test_bot_http_talks_to_a_bolt_app(slack: LocalSlack, bot_url: str) -> None:
    bot = BotHTTP(bot_url, SECRET)
    assert bot.post(payloads.url_verification("abc")).json == {"challenge": "abc"}
    command = bot.post(payloads.slash_command("/meeting", "help", "U1", "C1"))
    assert (command.status, command.text) == (200, "ok: help")
    mention = payloads.app_mention("<@U0BOT> 何が決まった？", "U1", "C1")
    assert bot.post(payloads.event_callback(mention), retry_num=1).status == 200
    reply = slack.wait_for(lambda: slack.messages("C1", thread_ts=mention["ts"]))
    assert reply[0].text == "answer to <@U0BOT> 何が決まった？"
    assert (
        bot.post(payloads.slash_command("/meeting", "x", "U1", "C1"), bad_signature=True).status
        == 401
    )
    assert bot.post(payloads.slash_command("/meeting", "x", "U1", "C1"), stale=True).status == 401


def test_upload_url_refuses_unknown_files(slack: LocalSlack) -> None:
    request = urllib.request.Request(f"{slack.root_url}upload/F404", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 404
