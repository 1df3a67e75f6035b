"""Sending a rendered draft to Slack: a short message, then the Markdown and Word files.

Runs after the command was acknowledged. Where a draft may go was decided before (see
``handlers/minutes.py``); a DM is always a safe place for the requester's own copy.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.minutes.drafts import Draft
from bot.render import render_slack


def summary_text(deps: Deps, draft: Draft) -> str:
    """The short message that goes with the files."""
    return render_slack(
        "minutes_draft",
        deps.lang,
        public=draft.public,
        version=draft.version,
        title=draft.title,
        ref=draft.meeting_ref,
        items=draft.items,
        notes=draft.notes,
        decisions=draft.decisions,
    )


def post_draft(
    deps: Deps, draft: Draft, client: WebClient, *, channel: str, thread_ts: str | None
) -> None:
    """Post the summary and upload both files to ``channel`` (in ``thread_ts`` if given)."""
    client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=summary_text(deps, draft), unfurl_links=False
    )
    key = "minutes.file_title_public" if draft.public else "minutes.file_title"
    title = deps.t(key, title=draft.title, version=draft.version)
    uploads: list[dict[str, Any]] = [
        {"content": draft.markdown, "filename": f"{draft.filename}.md", "title": f"{title}.md"},
        {"content": draft.docx, "filename": f"{draft.filename}.docx", "title": f"{title}.docx"},
    ]
    client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=thread_ts)


def send_draft_by_dm(deps: Deps, draft: Draft, client: WebClient, user_id: str) -> str:
    """Open a DM with ``user_id`` and send the draft there; returns the DM's channel id."""
    opened = client.conversations_open(users=user_id)
    channel = str(opened["channel"]["id"])
    post_draft(deps, draft, client, channel=channel, thread_ts=None)
    return channel
