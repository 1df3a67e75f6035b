"""`secretariat console`: a Slack workspace in the terminal, with no Slack and no network.

The same bolt app, handlers and database as `secretariat run`: typed lines become signed
Slack requests dispatched to the app in-process, and the app's Web API calls go to a
LocalSlack server on 127.0.0.1, whose messages, files, DMs and modals are printed here.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TextIO
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.clock import SystemClock
from bot.config import Config
from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.reminders.scheduler import start_scheduler
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

USERS = {
    "U0SEC": "jimukyoku (事務局)",
    "U0CHAIR": "honbucho (本部長)",
    "U0MEMBER": "buin (部員)",
    "U0OTHER": "someone",
}
CHANNELS = {
    "C0MAIN": ("honbu", "public"),
    "C0PT": ("pt", "public"),
    "G0CLOSED": ("honbu-closed", "private"),
}
HELP = """\
Type as in Slack:
  /meeting setup 行政情報化推進本部 secretariat=情報管理課 place=庁議室（本庁舎5階）
  /meeting schedule 2027-06-24 11:00-12:00
  @bot 電話システムについて何が決まった？     a mention
  any other text                              a message (a reply when :thread is set)
  @buin, @honbucho …                          a person, anywhere in a line (<@U0MEMBER>)
Console commands:
  :press N        press button N shown above     :user NAME|ID    act as another user
  :channel NAME   move to a channel              :thread TS|last|off  reply in a thread
  :home           open the App Home tab          :users :channels :help :quit
  In a form, :cancel closes it without sending.
"""


class Console:
    """One terminal session: who you are, where you are, and what the bot said since."""

    def __init__(self, app: App, slack: LocalSlack, secret: str, out: TextIO) -> None:
        self.app, self.slack, self.secret, self.out = app, slack, secret, out
        self.user, self.channel = "U0SEC", "C0MAIN"
        self.thread: str | None = None
        self.buttons: list[tuple[str, dict[str, Any], str]] = []  # (channel, action, ts)
        self.last_post: dict[str, str] = {}  # channel -> ts of the bot's newest top-level post
        self._seen = 0
        self._ts = itertools.count(1)

    # -- sending, as Slack would -----------------------------------------------------------------

    def _dispatch(self, body: str, content_type: str) -> tuple[int, str]:
        ts = str(int(time.time()))
        signature = SignatureVerifier(self.secret).generate_signature(timestamp=ts, body=body)
        headers: dict[str, str | Sequence[str]] = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature or "",
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return response.status, response.body

    def _interactive(self, payload: dict[str, Any]) -> tuple[int, str]:
        form = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return self._dispatch(form, "application/x-www-form-urlencoded")

    def _event(self, event: dict[str, Any]) -> None:
        envelope = {
            "type": "event_callback",
            "team_id": self.slack.team_id,
            "api_app_id": "A0APP",
            "event": event,
            "event_id": f"Ev{secrets.token_hex(6)}",
            "event_time": int(time.time()),
        }
        self._dispatch(json.dumps(envelope, ensure_ascii=False), "application/json")

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def command(self, line: str) -> None:
        name, _, text = line.partition(" ")
        text = _people(text)
        form = urlencode(
            {
                "command": name,
                "text": text,
                "user_id": self.user,
                "user_name": self.user.lower(),
                "channel_id": self.channel,
                "channel_name": CHANNELS.get(self.channel, (self.channel,))[0],
                "team_id": self.slack.team_id,
                "response_url": self.slack.new_response_url(self.channel, self.user),
                "trigger_id": f"T{secrets.token_hex(8)}",
            }
        )
        status, body = self._dispatch(form, "application/x-www-form-urlencoded")
        if status == 404:
            self.say(f"(no such command: {name})")
        elif body:
            self.say(f"(only you) {_answer_text(body)}")

    def mention(self, text: str) -> None:
        ts = self._next_ts()
        event = {
            "type": "app_mention",
            "user": self.user,
            "text": f"<@{self.slack.bot_user_id}> {_people(text)}",
            "channel": self.channel,
            "ts": ts,
            "event_ts": ts,
        }
        if self.thread:
            event["thread_ts"] = self.thread
        self._event(event)

    def message(self, text: str) -> None:
        ts = self._next_ts()
        event = {
            "type": "message",
            "user": self.user,
            "text": _people(text),
            "channel": self.channel,
            "channel_type": "group" if self.channel.startswith("G") else "channel",
            "ts": ts,
            "event_ts": ts,
        }
        if self.thread:
            event["thread_ts"] = self.thread
        self._event(event)

    def press(self, number: str) -> None:
        if not number.isdigit() or not 1 <= int(number) <= len(self.buttons):
            self.say(f"(choose a button from 1 to {len(self.buttons)})")
            return
        channel, action, ts = self.buttons[int(number) - 1]
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "name": self.user.lower(), "team_id": self.slack.team_id},
            "team": {"id": self.slack.team_id},
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": ts, "channel_id": channel},
            "message": {"ts": ts, "type": "message"},
            "trigger_id": f"T{secrets.token_hex(8)}",
            "response_url": self.slack.new_response_url(channel, self.user),
            "actions": [{**action, "action_ts": self._next_ts()}],
        }
        self._interactive(payload)

    def home(self) -> None:
        self._event(
            {"type": "app_home_opened", "user": self.user, "channel": "D0HOME", "tab": "home"}
        )
        for view in self.slack.views_published(self.user)[-1:]:
            self.say("── App Home ──")
            self._print_blocks(view.get("blocks") or [], "home", "")

    # -- modals -------------------------------------------------------------------------------

    def fill_modal(self, view: dict[str, Any], ask: Callable[[str], str]) -> None:
        """Prompt for each input of a modal, submit it, and prompt again for fields in error."""
        values: dict[str, dict[str, Any]] = {}
        inputs = [b for b in view.get("blocks", []) if b.get("type") == "input"]
        self.say(f"── {view.get('title', {}).get('text', 'Form')} ── (empty line: leave blank)")
        pending = inputs
        while pending:
            for block in pending:
                label = block["label"]["text"]
                element = block["element"]
                answer = ask(f"{label}: ").strip()
                if answer == ":cancel":
                    self.say("(form closed; nothing was sent)")
                    return
                values[block["block_id"]] = {element["action_id"]: _element_state(element, answer)}
            payload = {
                "type": "view_submission",
                "user": {"id": self.user, "name": self.user.lower(), "team_id": self.slack.team_id},
                "team": {"id": self.slack.team_id},
                "view": {**view, "state": {"values": values}, "id": "VCONSOLE"},
            }
            _, body = self._interactive(payload)
            errors = json.loads(body).get("errors", {}) if body.strip().startswith("{") else {}
            for block_id, message in errors.items():
                self.say(f"  ! {block_id}: {message}")
            pending = [b for b in inputs if b["block_id"] in errors]

    # -- showing what the bot sent --------------------------------------------------------------

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def show_new(self, ask: Callable[[str], str]) -> None:
        calls = self.slack.calls()
        new, self._seen = calls[self._seen :], len(calls)
        for call in new:
            params = call.params
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
                where = _where(str(params.get("channel", "")), params.get("thread_ts"))
                if call.method == "chat.postEphemeral":
                    where += f" (only {params.get('user')})"
                if call.method == "chat.update":
                    where += " (edited)"
                ts = str((call.response or {}).get("ts") or params.get("ts") or "")
                blocks = params.get("blocks")
                blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
                if call.method == "chat.postMessage" and not params.get("thread_ts") and ts:
                    # Its ts is what :thread needs to reply under it.
                    self.last_post[str(params.get("channel", ""))] = ts
                    where += f" · ts {ts}"
                self.say(f"── {where} ──")
                if blocks:
                    self._print_blocks(blocks, str(params.get("channel", "")), ts)
                else:
                    self.say(str(params.get("text", "")))
            elif call.method == "files.completeUploadExternal":
                files = params.get("files")
                files = json.loads(files) if isinstance(files, str) else files or []
                names = ", ".join(str(f.get("title") or f.get("id")) for f in files)
                where = _where(str(params.get("channel_id", "")), params.get("thread_ts"))
                self.say(f"── {where} ── [file] {names}")
            elif call.method == "views.open":
                view = params.get("view")
                self.fill_modal(
                    json.loads(view) if isinstance(view, str) else dict(view or {}), ask
                )
                self.show_new(ask)
                return

    def _print_blocks(self, blocks: list[dict[str, Any]], channel: str, ts: str) -> None:
        for block in blocks:
            kind = block.get("type")
            if kind in ("section", "header") and block.get("text"):
                self.say(block["text"].get("text", ""))
            elif kind == "context":
                self.say("  " + " ".join(e.get("text", "") for e in block.get("elements", [])))
            elif kind == "actions":
                labels = []
                for element in block.get("elements", []):
                    if element.get("type") != "button":
                        continue
                    self.buttons.append(
                        (channel, {**element, "block_id": block.get("block_id")}, ts)
                    )
                    labels.append(f"[{len(self.buttons)}] {element['text']['text']}")
                self.say("  " + "  ".join(labels) + "   (:press N)")
            elif kind == "divider":
                self.say("  ────")

    # -- the loop -------------------------------------------------------------------------------

    def handle(self, line: str, ask: Callable[[str], str]) -> bool:
        """Act on one typed line; False when the user quits."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line.startswith("/"):
            self.command(line)
        elif line.startswith("@"):
            self.mention(line.partition(" ")[2])
        elif line.startswith(":"):
            self._console_command(line)
        else:
            self.message(line)
        self.show_new(ask)
        return True

    def _console_command(self, line: str) -> None:
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        if name == "press":
            self.press(arg)
        elif name == "user":
            found = _find(arg, {k: v for k, v in USERS.items()})
            if found:
                self.user = found
        elif name == "channel":
            found = _find(arg.lstrip("#"), {k: v[0] for k, v in CHANNELS.items()})
            if found:
                self.channel, self.thread = found, None
        elif name == "thread" and arg == "last":
            if self.channel not in self.last_post:
                self.say("(no post of the bot in this channel yet)")
                return
            self.thread = self.last_post[self.channel]
        elif name == "thread":
            self.thread = None if arg in ("", "off") else arg
        elif name == "users":
            self.say("\n".join(f"{k}  {v}" for k, v in USERS.items()))
        elif name == "channels":
            self.say("\n".join(f"{k}  #{n} ({kind})" for k, (n, kind) in CHANNELS.items()))
        elif name == "home":
            self.home()
        else:
            self.say(HELP)
            return
        if name in ("user", "channel", "thread"):
            thread = f" thread {self.thread}" if self.thread else ""
            self.say(f"(you are {self.user} in {self.channel}{thread})")


def _people(text: str) -> str:
    """``@buin`` (a console user's name or id) as Slack writes a mention: ``<@U0MEMBER>``."""

    def mention(match: re.Match[str]) -> str:
        word = match.group(1)
        found = next(
            (uid for uid, name in USERS.items() if word in (uid, name.split(" ")[0])), None
        )
        return f"<@{found}>" if found else match.group(0)

    return re.sub(r"(?<![<\w])@([\w.-]+)", mention, text)


def _find(arg: str, names: dict[str, str]) -> str | None:
    for key, name in names.items():
        if arg in (key, name) or name.startswith(arg) and arg:
            return key
    return None


def _where(channel: str, thread_ts: Any) -> str:
    name = CHANNELS.get(channel, (channel,))[0]
    where = f"#{name}" if channel in CHANNELS else f"DM {channel}"
    return f"{where} thread {thread_ts}" if thread_ts else where


def _answer_text(body: str) -> str:
    if body.strip().startswith("{"):
        return str(json.loads(body).get("text", ""))
    return body


def _element_state(element: dict[str, Any], answer: str) -> dict[str, Any]:
    kind = element.get("type", "plain_text_input")
    if kind in ("static_select", "radio_buttons"):
        options = element.get("options", [])
        chosen = next(
            (o for o in options if answer in (o["value"], o["text"]["text"])),
            None,
        )
        return {"type": kind, "selected_option": chosen}
    if kind == "checkboxes":
        options = element.get("options", [])
        picked = [o for o in options if answer and answer in (o["value"], o["text"]["text"])]
        return {"type": kind, "selected_options": picked}
    return {"type": kind, "value": answer or None}


def run_console(config: Config, *, user: str | None = None, channel: str | None = None) -> int:
    """Run the console until `:quit` or end of input."""
    secret = secrets.token_hex(16)
    with LocalSlack(token="xoxb-console", auto_channels=True) as slack:
        for user_id, name in USERS.items():
            slack.add_user(user_id, name.split(" ")[0], is_admin=user_id == "U0SEC")
        for channel_id, (name, kind) in CHANNELS.items():
            slack.add_channel(channel_id, name, kind)  # type: ignore[arg-type]
        console_config = replace(
            config,
            slack_bot_token="xoxb-console",
            slack_app_token=None,
            slack_signing_secret=secret,
            slack_api_url=slack.url,
        )
        engine = make_engine(console_config.database_url)
        upgrade(engine)
        deps = Deps(console_config, make_session_factory(engine), SystemClock())
        client = WebClient(token="xoxb-console", base_url=slack.url)
        app = create_app(deps, client=client, process_before_response=True)
        # Reminders fall due here too; they show with the output of the next typed line.
        scheduler = start_scheduler(deps, client)
        console = Console(app, slack, secret, sys.stdout)
        console.user = user or console.user
        console.channel = channel or console.channel
        console.say("secretariat console — a local workspace; :help for help, :quit to leave.")
        console.say(f"(you are {console.user} in {console.channel})")

        def ask(prompt: str) -> str:
            print(prompt, end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\n")

        try:
            while console.handle(ask(f"{console.user}@{console.channel}> "), ask):
                pass
        except (EOFError, KeyboardInterrupt):
            console.say("")
        scheduler.shutdown(wait=False)
        engine.dispose()
    return 0
