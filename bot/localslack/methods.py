"""The Web API methods, answered from a ``Workspace`` the way Slack answers them.

Each method takes the merged request parameters and returns the body of an ``ok`` answer, or
raises ``ApiError`` with Slack's error string.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.localslack.access import ApiError, Body, Params, arg, flag, json_arg, opt
from bot.localslack.modals import ViewMethods
from bot.localslack.models import Message, ResponsePost
from bot.localslack.uploads import FileMethods
from bot.localslack.workspace import Channel, Workspace


class WebApi(FileMethods, ViewMethods):
    """Slack Web API methods over one workspace.

    Args:
        workspace: The state to read and change (the caller holds its lock).
        root_url: Base URL of the server (``http://127.0.0.1:PORT/``), for upload URLs.
    """

    def __init__(self, workspace: Workspace, root_url: Callable[[], str]) -> None:
        super().__init__(workspace, root_url)
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
        channel = self._postable(arg(params, "channel", "channel_not_found"))
        text, blocks, attachments = self._content(params)
        if not text and not blocks and not attachments:
            raise ApiError("no_text")
        message = Message(
            channel=channel.id,
            ts=self.ws.next_ts(),
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=opt(params, "thread_ts"),
            user=self.ws.bot_user_id,
            bot_id=self.ws.bot_id,
            reply_broadcast=flag(params, "reply_broadcast"),
            metadata=json_arg(params, "metadata"),
            params=dict(params),
        )
        self.ws.add_message(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}

    def chat_post_ephemeral(self, params: Params) -> Body:
        channel = self._postable(arg(params, "channel", "channel_not_found"))
        user_id = arg(params, "user", "user_not_found")
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
            thread_ts=opt(params, "thread_ts"),
            user=self.ws.bot_user_id,
            bot_id=self.ws.bot_id,
            visible_to=user_id,
            params=dict(params),
        )
        self.ws.ephemerals.append(message)
        return {"message_ts": message.ts}

    def chat_update(self, params: Params) -> Body:
        channel = self._postable(arg(params, "channel", "channel_not_found"))
        old = self._message(channel, opt(params, "ts"))
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
        channel = self._postable(arg(params, "channel", "channel_not_found"))
        old = self._message(channel, opt(params, "ts"))
        self.ws.replace_message(dataclasses.replace(old, deleted=True))
        return {"channel": channel.id, "ts": old.ts}

    def chat_get_permalink(self, params: Params) -> Body:
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        message = self._message(channel, opt(params, "message_ts"))
        link = f"https://localslack.example/archives/{channel.id}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    # -- conversations --------------------------------------------------------------------

    def conversations_info(self, params: Params) -> Body:
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        return {"channel": channel.to_slack(self.ws.team_id, self.ws.bot_user_id)}

    def conversations_open(self, params: Params) -> Body:
        if "channel" in params and params["channel"]:
            channel = self._visible(str(params["channel"]))
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        user_ids = [u.strip() for u in arg(params, "users", "users_list_not_supplied").split(",")]
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
        if flag(params, "return_im"):
            body["channel"] = channel.to_slack(self.ws.team_id, self.ws.bot_user_id)
        if already:
            body.update(no_op=True, already_open=True)
        return body

    def conversations_join(self, params: Params) -> Body:
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        if channel.kind not in ("public", "shared"):
            raise ApiError("method_not_supported_for_channel_type")
        channel.bot_member = True
        return {"channel": channel.to_slack(self.ws.team_id, self.ws.bot_user_id)}

    def conversations_members(self, params: Params) -> Body:
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        members = list(channel.members)
        if channel.bot_member and channel.kind != "im":
            members.append(self.ws.bot_user_id)
        start = int(opt(params, "cursor") or 0)
        limit = int(opt(params, "limit") or 100)
        page = members[start : start + limit]
        more = start + limit < len(members)
        next_cursor = str(start + limit) if more else ""
        return {"members": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, params: Params) -> Body:
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        oldest, latest = opt(params, "oldest"), opt(params, "latest")
        limit = int(opt(params, "limit") or 100)
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
        channel = self._visible(arg(params, "channel", "channel_not_found"))
        ts = arg(params, "ts", "thread_not_found")
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

    # -- users, reactions ------------------------------------------------------------------

    def users_info(self, params: Params) -> Body:
        user = self.ws.users.get(arg(params, "user", "user_not_found"))
        if user is None:
            raise ApiError("user_not_found")
        locale = flag(params, "include_locale")
        return {"user": user.to_slack(self.ws.team_id, include_locale=locale)}

    def reactions_add(self, params: Params) -> Body:
        channel = self._postable(arg(params, "channel", "channel_not_found"))
        name = arg(params, "name", "invalid_name")
        message = self._message(channel, opt(params, "timestamp"))
        if name in message.reactions:
            raise ApiError("already_reacted")
        self.ws.replace_message(dataclasses.replace(message, reactions=(*message.reactions, name)))
        return {}

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
