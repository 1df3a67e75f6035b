"""File methods: the v2 upload flow (get an upload URL, POST the bytes, complete) and info."""

from __future__ import annotations

import dataclasses

from bot.localslack.access import ApiError, Body, MethodsBase, Params, arg, json_arg, opt
from bot.localslack.models import Message, SharedFile


class FileMethods(MethodsBase):
    """``files.getUploadURLExternal``, the upload URL, ``files.completeUploadExternal`` and
    ``files.info``.
    """

    def files_get_upload_url_external(self, params: Params) -> Body:
        filename = arg(params, "filename")
        length = int(arg(params, "length"))
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
        entries = json_arg(params, "files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments", ["files must be a non-empty array"])
        targets = [c for c in (opt(params, "channels") or "").split(",") if c]
        if channel_id := opt(params, "channel_id"):
            targets.insert(0, channel_id)
        channels = [self._postable(c).id for c in targets]
        thread_ts = opt(params, "thread_ts")
        comment = opt(params, "initial_comment")
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
        file = self.ws.files.get(arg(params, "file", "file_not_found"))
        if file is None or not file.completed:
            raise ApiError("file_not_found")
        return {"file": file.to_slack(), "comments": [], "response_metadata": {"next_cursor": ""}}
