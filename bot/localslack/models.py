"""What the local workspace records: calls, messages, files, views and response_url posts.

Every record is a frozen dataclass handed out as a snapshot, so a test can keep one while the
server goes on changing its state in other threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChannelKind = Literal["public", "private", "shared", "im", "mpim"]

UPLOAD_CALL = "@upload"
"""Pseudo method name of a POST to an upload URL from ``files.getUploadURLExternal``."""

RESPONSE_URL_CALL = "@response_url"
"""Pseudo method name of a POST to a ``response_url`` made by ``new_response_url()``."""


@dataclass(frozen=True)
class Call:
    """One HTTP request the server answered (or refused to answer).

    Attributes:
        method: Web API method (``chat.postMessage``), or ``UPLOAD_CALL`` /
            ``RESPONSE_URL_CALL`` for the non-API endpoints.
        params: Query string and body merged; JSON bodies keep their types, form values are
            strings. ``token`` is present only when the caller sent it as a parameter.
        headers: Request headers, names lower-cased.
        at: Wall-clock time (``time.time()``) when the request arrived.
        status: HTTP status answered; 0 when the connection was dropped.
        response: JSON body answered, if any.
        fault: Why the call failed on purpose (``"injected"``, ``"random"``,
            ``"channel_rate_limit"``, ``"dropped"``), or None for a call the API handled.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int = 200
    response: dict[str, Any] | None = None
    fault: str | None = None

    @property
    def ok(self) -> bool:
        """True when the API answered ``{"ok": true}`` with status 200."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The ``error`` string of the answer, if any."""
        return None if self.response is None else self.response.get("error")


@dataclass(frozen=True)
class Message:
    """A message posted by the bot (``chat.postMessage``, a file share, an in-channel response).

    Attributes:
        channel: Conversation id (a DM posted to a user id is stored under its ``D…`` id).
        ts: Unique, increasing message timestamp (``"1700000000.000100"``).
        text: The ``text`` argument ("" when absent).
        blocks: Parsed Block Kit blocks, or None.
        thread_ts: Parent ts for a thread reply, else None.
        user: Author (the bot user for bot posts).
        subtype: None for plain messages, ``"file_share"`` for file shares.
        files: Ids of files shared with this message.
        reactions: Reaction names added with ``reactions.add``.
        edits: How many times ``chat.update`` changed it.
        deleted: True after ``chat.delete``.
        visible_to: For ephemeral messages, the only user who sees it.
        params: The raw parameters of the call that created it.
    """

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    user: str = ""
    bot_id: str | None = None
    subtype: str | None = None
    files: tuple[str, ...] = ()
    reply_broadcast: bool = False
    metadata: dict[str, Any] | None = None
    reactions: tuple[str, ...] = ()
    edits: int = 0
    deleted: bool = False
    visible_to: str | None = None
    params: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_slack(self) -> dict[str, Any]:
        """The message object as the Web API returns it (history, replies, postMessage)."""
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user:
            out["user"] = self.user
        if self.bot_id:
            out["bot_id"] = self.bot_id
        if self.subtype:
            out["subtype"] = self.subtype
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.attachments is not None:
            out["attachments"] = self.attachments
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.files:
            out["files"] = [{"id": file_id} for file_id in self.files]
        if self.reactions:
            out["reactions"] = [{"name": name, "count": 1} for name in self.reactions]
        if self.edits:
            out["edited"] = {"user": self.user, "ts": self.ts}
        return out


@dataclass(frozen=True)
class SharedFile:
    """A file uploaded with the v2 flow (``files.getUploadURLExternal`` + upload + complete).

    Attributes:
        id: ``F…`` file id.
        name: File name given to ``files.getUploadURLExternal``.
        title: Title given to ``files.completeUploadExternal`` (defaults to the name).
        content: The uploaded bytes.
        length: The length announced in ``files.getUploadURLExternal``.
        channels: Conversations it was shared to.
        thread_ts: Thread it was shared into, if any.
        initial_comment: The comment posted with it.
        completed: True once ``files.completeUploadExternal`` accepted it.
    """

    id: str
    name: str
    title: str
    content: bytes = b""
    length: int = 0
    channels: tuple[str, ...] = ()
    thread_ts: str | None = None
    initial_comment: str | None = None
    uploaded: bool = False
    completed: bool = False
    user: str = ""
    created: int = 0

    def to_slack(self) -> dict[str, Any]:
        """The file object as ``files.info`` / ``files.completeUploadExternal`` return it."""
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": _mimetype(self.name),
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "text",
            "user": self.user,
            "size": len(self.content),
            "is_external": False,
            "is_public": False,
            "channels": list(self.channels),
            "url_private": f"https://files.localslack.example/files-pri/{self.id}/{self.name}",
            "permalink": f"https://localslack.example/files/{self.user}/{self.id}/{self.name}",
        }


@dataclass(frozen=True)
class View:
    """A modal (``views.open`` / ``views.push`` / ``views.update``) or an App Home tab.

    Attributes:
        id: ``V…`` view id.
        type: ``"modal"`` or ``"home"``.
        view: The view payload as sent (parsed), latest version.
        user: Owner for Home tabs; None for modals (the trigger decides who sees it).
        trigger_id: Trigger that opened or pushed it.
        root_view_id: First view of the modal stack.
        previous_view_id: View it was pushed on top of.
        hash: Current hash (changes on every update).
        external_id: ``external_id`` of the view, if any.
    """

    id: str
    type: str
    view: dict[str, Any]
    user: str | None = None
    trigger_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    hash: str = ""
    external_id: str | None = None

    def to_slack(self, team_id: str, bot_id: str, app_id: str) -> dict[str, Any]:
        """The view object as the ``views.*`` methods return it."""
        out: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.view.get("blocks", []),
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self.hash,
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "external_id": self.external_id or "",
            "bot_id": bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in self.view:
                out[key] = self.view[key]
        return out


@dataclass(frozen=True)
class ResponsePost:
    """A JSON body POSTed to a ``response_url`` (``respond()`` in bolt).

    Attributes:
        id: The id in the URL path.
        url: The full response_url.
        body: The parsed JSON body.
        channel: Channel the response_url belongs to, if given to ``new_response_url``.
        user: User the response_url belongs to, if given.
        at: Wall-clock time of the POST.
    """

    id: str
    url: str
    body: dict[str, Any]
    channel: str | None = None
    user: str | None = None
    at: float = 0.0

    @property
    def text(self) -> str:
        """The ``text`` of the response ("" when absent)."""
        return str(self.body.get("text") or "")

    @property
    def in_channel(self) -> bool:
        """True when the response is visible to the whole channel."""
        return self.body.get("response_type") == "in_channel"


def _mimetype(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {
        "md": "text/markdown",
        "txt": "text/plain",
        "ics": "text/calendar",
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv": "text/csv",
        "json": "application/json",
    }.get(ext, "application/octet-stream")
