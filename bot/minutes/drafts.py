"""Minutes drafts: rendering a meeting's minutes, numbering the versions, publishing.

Every draft (full or public) is stored as a :class:`~storage.models.MinutesDraft` with the
next version number of its meeting, so what was circulated can be found again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.audit import record
from bot.meetings import meeting_view
from bot.minutes.context import build_context, protection
from bot.minutes.render import check_template_name, render_docx, render_markdown, template_lang
from bot.minutes.values import MinutesContext, Protection
from bot.permissions import Actor, require_secretariat
from bot.present import meeting_title
from storage.models import Meeting, MinutesDraft

_VERSION_ATTEMPTS = 5


@dataclass(frozen=True)
class DraftSettings:
    """What rendering needs from the configuration."""

    lang: str
    tz: ZoneInfo
    templates_dir: Path | None


@dataclass(frozen=True)
class Draft:
    """A rendered draft, ready to be posted: Markdown text and the .docx bytes."""

    id: int
    meeting_id: int
    meeting_ref: str
    title: str
    version: int
    template: str
    public: bool
    published: bool
    markdown: str
    docx: bytes
    items: int
    notes: int
    decisions: int
    announcement_channel: str | None
    announcement_ts: str | None

    @property
    def filename(self) -> str:
        """``minutes-M3-v2`` (``-public`` for the public version), without extension."""
        suffix = "-public" if self.public else ""
        return f"minutes-{self.meeting_ref}-v{self.version}{suffix}"


def full_draft_protection(session: Session, meeting: Meeting, lang: str) -> Protection:
    """Why the full draft of ``meeting`` may go only to a private, unshared channel."""
    return protection(session, meeting, lang)


def _next_version(session: Session, meeting_id: int) -> int:
    top = session.scalar(
        select(func.max(MinutesDraft.version)).where(MinutesDraft.meeting_id == meeting_id)
    )
    return int(top or 0) + 1


Rendered = tuple[MinutesContext, str, bytes]


def _store(
    session: Session, fields: dict[str, object], render: Callable[[int], Rendered]
) -> tuple[MinutesDraft, Rendered]:
    """Insert the draft with the next version of its meeting. Another instance taking the
    same number at the same moment makes this one retry with the following number."""
    meeting_id = int(str(fields["meeting_id"]))
    for attempt in range(_VERSION_ATTEMPTS):
        version = _next_version(session, meeting_id)
        rendered = render(version)
        row = MinutesDraft(**fields, version=version, markdown=rendered[1])
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            if attempt == _VERSION_ATTEMPTS - 1:
                raise
            continue
        return row, rendered
    raise AssertionError("unreachable")


def make_draft(
    session: Session,
    meeting: Meeting,
    *,
    actor: Actor,
    now: datetime,
    settings: DraftSettings,
    template: str | None = None,
    public: bool = False,
    publish: bool = False,
) -> Draft:
    """Render and store the next version of the minutes of ``meeting``.

    Args:
        session: the unit of work.
        meeting: whose minutes.
        actor: who asks; only the body's secretariat (or a workspace admin) may.
        now: the current time.
        settings: language, time zone and the operators' templates directory.
        template: a template name; default the body's (``/meeting config template=``),
            else the bot's language.
        public: render the public version (non-public items read 「（非公開）」).
        publish: record it as published (implies ``public``).

    Raises:
        Forbidden: not the secretariat. UserError: an unknown or broken template.
    """
    action = "minutes_publish" if publish else "minutes_draft"
    require_secretariat(session, meeting.body, actor, action=action)
    public = public or publish
    name = check_template_name(template or meeting.body.template or settings.lang)
    lang = template_lang(name, settings.lang)

    def render(version: int) -> Rendered:
        context = build_context(
            session, meeting, lang=lang, tz=settings.tz, now=now, public=public, version=version
        )
        markdown = render_markdown(context, name, settings.templates_dir)
        return context, markdown, render_docx(context, name, settings.templates_dir)

    fields: dict[str, object] = {
        "meeting_id": meeting.id,
        "template": name,
        "public": public,
        "published": publish,
        "created_by": actor.user_id,
        "created_at": now,
    }
    row, (context, markdown, docx) = _store(session, fields, render)
    verb = "minutes.publish" if publish else "minutes.draft"
    record(
        session,
        now,
        actor.user_id,
        verb,
        meeting.body_id,
        "minutes_draft",
        row.id,
        f"M{meeting.id} v{row.version} {name}{' public' if public else ''}",
    )
    view = meeting_view(session, meeting)
    return Draft(
        id=row.id,
        meeting_id=meeting.id,
        meeting_ref=view.ref,
        title=meeting_title(view, settings.lang),
        version=row.version,
        template=name,
        public=public,
        published=publish,
        markdown=markdown,
        docx=docx,
        items=len(context.items),
        notes=sum(len(i.notes) for i in context.items),
        decisions=sum(1 for i in context.items if i.decision is not None),
        announcement_channel=view.announcement_channel,
        announcement_ts=view.announcement_ts,
    )
