"""The Web API methods, answered from a ``Workspace`` the way Slack answers them.

Each method takes the merged request parameters and returns the body of an ``ok`` answer, or
raises ``ApiError`` with Slack's error string.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from bot.localslack.blockkit import block_problems, view_problems
from bot.localslack.models import Message, ResponsePost, SharedFile, View
from bot.localslack.workspace import Channel, Workspace

Params = dict[str, Any]
Body = dict[str, Any]
MAX_TEXT = 40_000


class ApiError(Exception):
    """An ``{"ok": false}`` answer: Slack's error string and optional detail messages."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> Body:
        out: Body = {"ok": False, "error": self.error}
        if self.messages:
            out["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return out


def _arg(params: Params, name: str, error: str = "invalid_arguments") -> str:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(error, [f"missing required field: {name}"])
    return str(value)


def _opt(params: Params, name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value == "" else str(value)


def _flag(params: Params, name: str) -> bool:
    return params.get(name) in (True, 1, "1", "true", "True")


def _json(params: Params, name: str, error: str = "invalid_arguments") -> Any:
    value = params.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(error, [f"{name} is not valid JSON"]) from exc
    return value


class WebApi:
    """Slack Web API methods over one workspace.

    Args:
        workspace: The state to read and change (the caller holds its lock).
        root_url: Base URL of the server (``http://127.0.0.1:PORT/``), for upload URLs.
    """

    def __init__(self, workspace: Workspace, root_url: Callable[[], str]) -> None:
        self.ws = workspace
        self.root_url = root_url
        self.methods: dict[str, Callable[[Params], Body]] = {
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.getPermalink": self.chat_get_permalink,
            "conversations.info": self.conversations_info,
            "conversations.open": self.conversations_open,
            "conversations.join": self.conversations_join,
            "conversations.members": self.conversations_members,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
            "reactions.add": self.reactions_add,
            "files.getUploadURLExternal": self.files_get_upload_url_external,
            "files.completeUploadExternal": self.files_complete_upload_external,
            "files.info": self.files_info,
        }

    def handle(self, method: str, params: Params) -> Body:
        """The JSON answer to one call (``ok`` or not); never raises ``ApiError``."""
        implementation = self.methods.get(method)
        if implementation is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            return {"ok": True, **implementation(params)}
        except ApiError as exc:
            return exc.body()

    # -- conversations access -------------------------------------------------------------

    def _visible(self, channel_id: str | None) -> Channel:
        channel = self.ws.channel(channel_id) if channel_id else None
        if channel is None:
            raise ApiError("channel_not_found")
        # A private channel the bot is not in does not exist for the bot.
        if channel.kind in ("private", "mpim") and not channel.bot_member:
            raise ApiError("channel_not_found")
        return channel

    def _postable(self, channel_id: str | None) -> Channel:
        channel = self._visible(channel_id)
        if channel.archived:
            raise ApiError("is_archived")
        if channel.kind == "im":
            user = self.ws.users.get(channel.user or "")
            if user is not None and user.deleted:
                raise ApiError("user_disabled")
        elif self.ws.enforce_membership and not channel.bot_member:
            raise ApiError("not_in_channel")
        return channel

    def _message(self, channel: Channel, ts: str | None) -> Message:
        message = self.ws.messages.get((channel.id, ts or ""))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        return message

    def _content(self, params: Params) -> tuple[str, Any, Any]:
        text = str(params.get("text") or "")
        blocks = _json(params, "blocks", "invalid_blocks_format")
        attachments = _json(params, "attachments", "invalid_attachments")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        if blocks is not None and (problems := block_problems(blocks)):
            raise ApiError("invalid_blocks", problems)
        return text, blocks, attachments

    # -- auth, chat ---------------------------------------------------------------------

    def auth_test(self, params: Params) -> Body:
        ws = self.ws
        return {
            "url": "https://localslack.example/",
            "team": ws.team_name,
            "user": "secretariat",
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": ws.app_id,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, params: Params) -> Body:
        channel = self._postable(_arg(params, "channel", "channel_not_found"))
        text, blocks, attachments = self._content(params)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        message = Message(
            channel=channel.id,
            ts=self.ws.next_ts(),
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=_opt(params, "thread_ts"),
            user=self.ws.bot_user_id,
            bot_id=self.ws.bot_id,
            reply_broadcast=_flag(params, "reply_broadcast"),
            metadata=_json(params, "metadata"),
            params=dict(params),
        )
        self.ws.add_message(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}

    def chat_post_ephemeral(self, params: Params) -> Body:
        channel = self._postable(_arg(params, "channel", "channel_not_found"))
        user_id = _arg(params, "user", "user_not_found")
        if user_id in self.ws.users and self.ws.users[user_id].deleted:
            raise ApiError("user_not_found")
        if channel.members and user_id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks, attachments = self._content(params)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        message = Message(
            channel=channel.id,
            ts=self.ws.next_ts(),
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=_opt(params, "thread_ts"),
            user=self.ws.bot_user_id,
            bot_id=self.ws.bot_id,
            visible_to=user_id,
            params=dict(params),
        )
        self.ws.ephemerals.append(message)
        return {"message_ts": message.ts}

    def chat_update(self, params: Params) -> Body:
        channel = self._postable(_arg(params, "channel", "channel_not_found"))
        old = self._message(channel, _opt(params, "ts"))
        if old.user != self.ws.bot_user_id:
            raise ApiError("cant_update_message")
        text, blocks, attachments = self._content(params)
        new = dataclasses.replace(
            old,
            text=text if "text" in params else old.text,
            blocks=blocks if "blocks" in params else old.blocks,
            attachments=attachments if "attachments" in params else old.attachments,
            edits=old.edits + 1,
        )
        self.ws.replace_message(new)
        return {"channel": channel.id, "ts": new.ts, "text": new.text, "message": new.to_slack()}

    def chat_delete(self, params: Params) -> Body:
        channel = self._postable(_arg(params, "channel", "channel_not_found"))
        old = self._message(channel, _opt(params, "ts"))
        self.ws.replace_message(dataclasses.replace(old, deleted=True))
        return {"channel": channel.id, "ts": old.ts}

    def chat_get_permalink(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        message = self._message(channel, _opt(params, "message_ts"))
        link = f"https://localslack.example/archives/{channel.id}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # -- conversations --------------------------------------------------------------------

    def conversations_info(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        return {"channel": channel.to_slack(self.ws.team_id, self.ws.bot_user_id)}

    def conversations_open(self, params: Params) -> Body:
        if "channel" in params and params["channel"]:
            channel = self._visible(str(params["channel"]))
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in _arg(params, "users", "users_list_not_supplied").split(",")]
        for user_id in user_ids:
            user = self.ws.users.get(user_id)
            if user is None:
                raise ApiError("user_not_found")
            if user.deleted:
                raise ApiError("user_disabled")
        if len(user_ids) == 1:
            already = any(
                c.kind == "im" and c.user == user_ids[0] for c in self.ws.channels.values()
            )
            channel = self.ws.dm_with(user_ids[0])
        else:
            names = "--".join(self.ws.users[u].name for u in user_ids)
            channel = Channel(self.ws.next_id("G"), f"mpdm-{names}-1", "mpim", members=user_ids)
            self.ws.add_channel(channel)
            already = False
        body: Body = {"channel": {"id": channel.id}}
        if _flag(params, "return_im"):
            body["channel"] = channel.to_slack(self.ws.team_id, self.ws.bot_user_id)
        if already:
            body.update(no_op=True, already_open=True)
        return body

    def conversations_join(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        if channel.kind not in ("public", "shared"):
            raise ApiError("method_not_supported_for_channel_type")
        channel.bot_member = True
        return {"channel": channel.to_slack(self.ws.team_id, self.ws.bot_user_id)}

    def conversations_members(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        members = list(channel.members)
        if channel.bot_member and channel.kind != "im":
            members.append(self.ws.bot_user_id)
        start = int(_opt(params, "cursor") or 0)
        limit = int(_opt(params, "limit") or 100)
        page = members[start : start + limit]
        more = start + limit < len(members)
        next_cursor = str(start + limit) if more else ""
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        oldest, latest = _opt(params, "oldest"), _opt(params, "latest")
        limit = int(_opt(params, "limit") or 100)
        found = [
            m
            for m in self.ws.messages.values()
            if m.channel == channel.id
            and not m.deleted
            and (m.thread_ts in (None, m.ts) or m.reply_broadcast)
            and (oldest is None or float(m.ts) > float(oldest))
            and (latest is None or float(m.ts) < float(latest))
        ]
        found.sort(key=lambda m: float(m.ts), reverse=True)
        return {
            "messages": [self._with_replies(m) for m in found[:limit]],
            "has_more": len(found) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def _with_replies(self, parent: Message) -> Body:
        out = parent.to_slack()
        count = sum(
            1
            for m in self.ws.messages.values()
            if m.channel == parent.channel and m.thread_ts == parent.ts and m.ts != parent.ts
        )
        if count:
            out.update(thread_ts=parent.ts, reply_count=count)
        return out

    def conversations_replies(self, params: Params) -> Body:
        channel = self._visible(_arg(params, "channel", "channel_not_found"))
        ts = _arg(params, "ts", "thread_not_found")
        parent = self.ws.messages.get((channel.id, ts))
        if parent is None or parent.deleted:
            raise ApiError("thread_not_found")
        replies = sorted(
            (
                m
                for m in self.ws.messages.values()
                if m.channel == channel.id and m.thread_ts == ts and m.ts != ts and not m.deleted
            ),
            key=lambda m: float(m.ts),
        )
        messages = [self._with_replies(parent), *(m.to_slack() for m in replies)]
        return {"messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}

    # -- users, reactions, files ------------------------------------------------------------

    def users_info(self, params: Params) -> Body:
        user = self.ws.users.get(_arg(params, "user", "user_not_found"))
        if user is None:
            raise ApiError("user_not_found")
        locale = _flag(params, "include_locale")
        return {"user": user.to_slack(self.ws.team_id, include_locale=locale)}

    def reactions_add(self, params: Params) -> Body:
        channel = self._postable(_arg(params, "channel", "channel_not_found"))
        name = _arg(params, "name", "invalid_name")
        message = self._message(channel, _opt(params, "timestamp"))
        if name in message.reactions:
            raise ApiError("already_reacted")
        self.ws.replace_message(dataclasses.replace(message, reactions=(*message.reactions, name)))
        return {}

    def files_get_upload_url_external(self, params: Params) -> Body:
        filename = _arg(params, "filename")
        length = int(_arg(params, "length"))
        file = SharedFile(
            id=self.ws.next_id("F"),
            name=filename,
            title=filename,
            length=length,
            user=self.ws.bot_user_id,
            created=int(float(self.ws.next_ts())),
        )
        self.ws.files[file.id] = file
        return {"upload_url": f"{self.root_url()}upload/{file.id}", "file_id": file.id}

    def upload(self, file_id: str, content: bytes) -> bool:
        """Store the bytes POSTed to an upload URL; False when the URL is unknown."""
        file = self.ws.files.get(file_id)
        if file is None or file.completed:
            return False
        self.ws.files[file_id] = dataclasses.replace(file, content=content, uploaded=True)
        return True

    def files_complete_upload_external(self, params: Params) -> Body:
        entries = _json(params, "files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments", ["files must be a non-empty array"])
        targets = [c for c in (_opt(params, "channels") or "").split(",") if c]
        if channel_id := _opt(params, "channel_id"):
            targets.insert(0, channel_id)
        channels = [self._postable(c).id for c in targets]
        thread_ts = _opt(params, "thread_ts")
        comment = _opt(params, "initial_comment")
        done: list[SharedFile] = []
        for entry in entries:
            file = self.ws.files.get(str(entry.get("id", ""))) if isinstance(entry, dict) else None
            if file is None or not file.uploaded or file.completed:
                raise ApiError("file_not_found")
            done.append(
                dataclasses.replace(
                    file,
                    title=str(entry.get("title") or file.name),
                    channels=tuple(channels),
                    thread_ts=thread_ts,
                    initial_comment=comment,
                    completed=True,
                )
            )
        for file in done:
            self.ws.files[file.id] = file
        for channel in channels:
            share = Message(
                channel=channel,
                ts=self.ws.next_ts(),
                text=comment or "",
                thread_ts=thread_ts,
                user=self.ws.bot_user_id,
                bot_id=self.ws.bot_id,
                subtype="file_share",
                files=tuple(f.id for f in done),
                params=dict(params),
            )
            self.ws.add_message(share)
        return {"files": [f.to_slack() for f in done]}

    def files_info(self, params: Params) -> Body:
        file = self.ws.files.get(_arg(params, "file", "file_not_found"))
        if file is None or not file.completed:
            raise ApiError("file_not_found")
        return {"file": file.to_slack(), "comments": [], "response_metadata": {"next_cursor": ""}}

    # -- views ----------------------------------------------------------------------------

    def _view_arg(self, params: Params, expected: str) -> dict[str, Any]:
        view = _json(params, "view")
        if view is None:
            raise ApiError("invalid_arguments", ["missing required field: view"])
        problems = view_problems(view)
        if not problems and view.get("type") != expected:
            problems = [f"view type must be {expected}"]
        if problems:
            raise ApiError("invalid_arguments", problems)
        return dict(view)

    def _new_view(self, view: dict[str, Any], **fields: Any) -> View:
        view_id = self.ws.next_id("V")
        return View(
            id=view_id,
            type=str(view["type"]),
            view=view,
            hash=self.ws.next_ts(),
            external_id=view.get("external_id"),
            **fields,
        )

    def _out(self, view: View) -> Body:
        return {"view": view.to_slack(self.ws.team_id, self.ws.bot_id, self.ws.app_id)}

    def views_open(self, params: Params) -> Body:
        trigger_id = _arg(params, "trigger_id")
        view = self._new_view(self._view_arg(params, "modal"), trigger_id=trigger_id)
        self.ws.views[view.id] = view
        return self._out(view)

    def views_push(self, params: Params) -> Body:
        trigger_id = _arg(params, "trigger_id")
        view = self._new_view(self._view_arg(params, "modal"), trigger_id=trigger_id)
        self.ws.views[view.id] = view
        return self._out(view)

    def views_update(self, params: Params) -> Body:
        view_id, external_id = _opt(params, "view_id"), _opt(params, "external_id")
        if view_id is None and external_id is None:
            raise ApiError("invalid_arguments", ["view_id or external_id is required"])
        old = next(
            (
                v
                for v in self.ws.views.values()
                if (view_id and v.id == view_id) or (external_id and v.external_id == external_id)
            ),
            None,
        )
        if old is None:
            raise ApiError("not_found")
        if (given := _opt(params, "hash")) is not None and given != old.hash:
            raise ApiError("hash_conflict")
        payload = self._view_arg(params, old.type)
        new = dataclasses.replace(old, view=payload, hash=self.ws.next_ts())
        self.ws.views[new.id] = new
        return self._out(new)

    def views_publish(self, params: Params) -> Body:
        user_id = _arg(params, "user_id")
        if user_id not in self.ws.users:
            raise ApiError("user_not_found")
        payload = self._view_arg(params, "home")
        history = self.ws.home.setdefault(user_id, [])
        if history and (given := _opt(params, "hash")) is not None and given != history[-1].hash:
            raise ApiError("hash_conflict")
        view_id = history[-1].id if history else self.ws.next_id("V")
        view = View(id=view_id, type="home", view=payload, user=user_id, hash=self.ws.next_ts())
        history.append(view)
        return self._out(view)

    # -- response_url ---------------------------------------------------------------------

    def respond(self, response_id: str, url: str, body: Body, at: float) -> bool:
        """Record a POST to a response_url; False when the URL was never handed out."""
        if response_id not in self.ws.response_urls:
            return False
        channel, user = self.ws.response_urls[response_id]
        post = ResponsePost(response_id, url, body, channel=channel, user=user, at=at)
        self.ws.responses.append(post)
        if post.in_channel and channel and self.ws.channel(channel) is not None:
            blocks = body.get("blocks")
            message = Message(
                channel=channel,
                ts=self.ws.next_ts(),
                text=post.text,
                blocks=blocks if isinstance(blocks, list) else None,
                thread_ts=body.get("thread_ts"),
                user=self.ws.bot_user_id,
                bot_id=self.ws.bot_id,
                params=dict(body),
            )
            self.ws.add_message(message)
        return True
