"""App Home: a page per user built from sections, published with views.publish.

Each section is a function ``(session, HomeContext) -> list of blocks``, listed in
``HOME_SECTIONS`` in the order shown. A feature adds its own section (such as "my pending
decisions") by appending its builder there; nothing else has to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.agenda import items_by_submitter
from bot.agenda_deadlines import deadlines_for
from bot.agenda_view import pack_messages
from bot.decision_home import my_pending_decisions_section
from bot.deps import Deps
from bot.i18n import t
from bot.materials import count_by_item
from bot.meetings import meeting_view
from bot.present import local_date_time, meeting_title, meeting_when
from bot.render import render_slack
from storage.models import AgendaItem, Body, Meeting, RosterEntry

VIEW_BLOCK_LIMIT = 100
MAX_MEETINGS = 10
MAX_ITEMS = 30


@dataclass(frozen=True)
class HomeContext:
    """Whose Home is being built, and when."""

    deps: Deps
    user_id: str
    now: datetime
    body_ids: tuple[int, ...]

    @property
    def lang(self) -> str:
        return self.deps.lang


SectionBuilder = Callable[[Session, HomeContext], list[dict[str, Any]]]


def user_body_ids(session: Session, user_id: str) -> tuple[int, ...]:
    """The bodies whose roster includes ``user_id``, that they set up, or to whose meetings
    they submitted items; none when there are none (never every body: a stranger's Home
    does not list other bodies' meetings)."""
    on_roster = select(Body.id).outerjoin(RosterEntry, RosterEntry.body_id == Body.id)
    on_roster = on_roster.where(or_(RosterEntry.user_id == user_id, Body.created_by == user_id))
    submitted = (
        select(Meeting.body_id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.submitter_id == user_id)
    )
    mine = set(session.scalars(on_roster).all()) | set(session.scalars(submitted).all())
    return tuple(sorted(mine))


def _heading(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _sections(chunks: list[str]) -> list[dict[str, Any]]:
    return [block for message in pack_messages(chunks) for block in message.blocks]


def _upcoming(session: Session, ctx: HomeContext) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id.in_(ctx.body_ids),
                Meeting.status == "scheduled",
                Meeting.ends_at > ctx.now,
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(MAX_MEETINGS)
        )
    )


def upcoming_meetings_section(session: Session, ctx: HomeContext) -> list[dict[str, Any]]:
    """The next meetings of the user's bodies."""
    lang, tz = ctx.lang, ctx.deps.config.tz
    rows = []
    for meeting in _upcoming(session, ctx):
        view = meeting_view(session, meeting)
        rows.append(
            render_slack(
                "home_meeting",
                lang,
                title=meeting_title(view, lang),
                when=meeting_when(view, lang, tz),
                place=view.place,
                ref=view.ref,
            )
        )
    empty = t(lang, "home.no_meetings" if ctx.body_ids else "home.no_bodies")
    return [_heading(t(lang, "home.upcoming_heading")), *_sections(rows or [empty])]


def my_items_section(session: Session, ctx: HomeContext) -> list[dict[str, Any]]:
    """The user's live items in meetings still to come, and which still lack materials."""
    lang, tz, cal = ctx.lang, ctx.deps.config.tz, ctx.deps.calendar
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.status == "scheduled", Meeting.ends_at > ctx.now)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    by_id = {m.id: m for m in meetings}
    items = items_by_submitter(session, ctx.user_id, list(by_id))[:MAX_ITEMS]
    counts = count_by_item(session, [i.id for i in items])
    rows = []
    for item in items:
        meeting = by_id[item.meeting_id]
        due = deadlines_for(meeting.body, meeting.starts_at, cal, tz).materials
        rows.append(
            render_slack(
                "home_item",
                lang,
                kind=t(lang, f"agenda.kind_one.{item.kind}"),
                number=item.number,
                title=item.title,
                ref=item.ref,
                meeting=meeting_title(meeting_view(session, meeting), lang),
                status_label=t(lang, f"agenda.status.{item.status}"),
                materials=counts.get(item.id, 0),
                lacks=t(lang, "home.lacks_materials", deadline=local_date_time(due, lang, tz)),
                has=t(lang, "home.has_materials", count=counts.get(item.id, 0)),
            )
        )
    return [
        _heading(t(lang, "home.my_items_heading")),
        *_sections(rows or [t(lang, "home.no_items")]),
    ]


# The Home's sections, in order. Another feature appends its builder, e.g.
# ``HOME_SECTIONS.append(my_pending_decisions_section)``.
HOME_SECTIONS: list[SectionBuilder] = [
    upcoming_meetings_section,
    my_items_section,
    my_pending_decisions_section,
]


def home_view(deps: Deps, session: Session, user_id: str) -> dict[str, Any]:
    """The user's Home tab: every section of ``HOME_SECTIONS``, within 100 blocks."""
    now = deps.clock.now()
    ctx = HomeContext(deps=deps, user_id=user_id, now=now, body_ids=user_body_ids(session, user_id))
    blocks: list[dict[str, Any]] = []
    for build in HOME_SECTIONS:
        section = build(session, ctx)
        if not section:
            continue
        if blocks:
            blocks.append({"type": "divider"})
        blocks.extend(section)
    footer = {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": t(
                    deps.lang, "home.updated", time=local_date_time(now, deps.lang, deps.config.tz)
                ),
            }
        ],
    }
    return {"type": "home", "blocks": [*blocks[: VIEW_BLOCK_LIMIT - 1], footer]}
