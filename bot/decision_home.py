"""App Home: "my pending decisions", a section of :data:`bot.home.HOME_SECTIONS`.

The Home tab is seen only by its user, so it follows the rule of the user's DM
(:func:`bot.disclosure.reader_clearance`): a non-public decision is shown in full only
if the user is on its body's roster or secretariat; an owner from outside reads 「（非公開）」
with the reference, and asks the secretariat. Links to the meetings' threads are built from
the ids: a Home is built without calling the Web API for each meeting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.answers import Presenter
from bot.decisions import pending_for_user
from bot.disclosure import cached_reader, reader_clearance
from bot.meetings import MeetingView
from bot.render import render_slack
from bot.text import Mrkdwn, escape_mrkdwn, truncate

if TYPE_CHECKING:
    from bot.home import HomeContext

MAX_SHOWN = 15
SECTION_LIMIT = 3000


def archive_link(label: str) -> Any:
    """Links to meetings' threads made from channel and ts (no Web API call)."""

    def link_for(meeting: MeetingView) -> Mrkdwn | None:
        channel, ts = meeting.announcement_channel, meeting.announcement_ts
        if not channel or not ts:
            return None
        url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return Mrkdwn(f"<{escape_mrkdwn(url)}|{escape_mrkdwn(label)}>")

    return link_for


def my_pending_decisions_section(session: Session, ctx: HomeContext) -> list[dict[str, Any]]:
    """The pending decisions the user owns, oldest due date first, with how overdue."""
    deps = ctx.deps
    presenter = Presenter(
        lang=deps.lang,
        tz=deps.config.tz,
        today=ctx.now.astimezone(deps.config.tz).date(),
        clearance=reader_clearance(session, cached_reader(session, ctx.user_id)),
        link_for=archive_link(deps.t("search.thread_link")),
    )
    views = pending_for_user(session, ctx.user_id)[:MAX_SHOWN]
    heading = {
        "type": "header",
        "text": {"type": "plain_text", "text": deps.t("decision.home_heading")},
    }
    texts = [
        render_slack("decision_line", deps.lang, language=deps.lang, d=presenter.line(view))
        for view in views
    ] or [deps.t("decision.home_none")]
    return [
        heading,
        *(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}
            for text in texts
        ),
    ]
