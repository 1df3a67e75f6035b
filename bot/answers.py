"""Answers about decisions: "what was decided?", the pending list, and the decision posts.

Disclosure is enforced here, at the one place that turns decisions into message text: a
decision of a non-public item, or of a meeting (or minutes) that is 非公開 / 一部非公開, is shown
in full only where the place's :class:`bot.disclosure.Clearance` allows its body (a
private, unshared channel of that body, or the DM of someone on its roster or secretariat).
Elsewhere it reads 「（非公開）」 with its reference, item number, meeting and link.

A question never matches a decision the place may not show: such items are left out of the
search before anything is ranked, so no answer (not even a 「（非公開）」 line or a count)
depends on whether hidden text holds the words asked. Instead, whenever the bodies searched
have current decisions the place may not show, every answer ends with the same line — "non-public
decisions are not searched here; ask <the secretariat>" — whatever the question was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bodies import descendant_ids
from bot.calendar import format_date
from bot.decisions import (
    DecisionView,
    current_decision,
    decision_view,
    decision_views,
    get_decision,
    pending_decisions,
    resolve_item,
)
from bot.disclosure import Clearance, bodies_with_hidden_decisions
from bot.errors import UserError
from bot.i18n import t
from bot.meetings import MeetingView, meeting_view
from bot.present import meeting_title
from bot.render import render_slack
from bot.search import closest_titles, search_decisions
from bot.text import Mrkdwn, truncate, user_mention
from bot.vocabulary import parse_ref
from storage.models import AgendaItem, Body

LinkFor = Callable[[MeetingView], Mrkdwn | None]
TEXT_SHOWN = 300  # a decision's text is cut in answers; the register keeps it whole
PLACES_NAMED = 5  # where to ask: at most this many secretariats are named


@dataclass(frozen=True)
class Presenter:
    """How to word decisions for one place: language, time zone, today, disclosure, links."""

    lang: str
    tz: ZoneInfo
    today: date
    clearance: Clearance
    link_for: LinkFor

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)

    def item_label(self, kind: str, number: int | None, item_id: int) -> str:
        if number is None:
            return f"A{item_id}"
        return f"{self.t(f'decision.kind.{kind}')}{number}"

    def hides(self, view: DecisionView) -> bool:
        """Whether only the public version of ``view`` may be shown here."""
        return view.non_public and not self.clearance.allows(view.meeting.body_id)

    def line(self, view: DecisionView) -> dict[str, Any]:
        """The template context of one decision (the public version where it must be)."""
        meeting = view.meeting
        common = {
            "ref": view.ref,
            "item": self.item_label(view.item_kind, view.item_number, view.item_id),
            "meeting": meeting_title(meeting, self.lang),
            "date": format_date(meeting.starts_at.astimezone(self.tz).date(), self.lang),
            "link": self.link_for(meeting),
        }
        if self.hides(view):
            return {**common, "hidden": True, "title": self.t("decision.hidden")}
        owner: str | Mrkdwn | None = view.owner_dept
        if view.owner_user_id:
            owner = user_mention(view.owner_user_id)
        overdue = None
        if view.pending and view.due_date is not None:
            days = view.overdue_days(self.today)
            if days:
                overdue = self.t(f"search.overdue.{plural(days)}", days=days)
            elif view.due_date == self.today:
                overdue = self.t("search.due_today")
        return {
            **common,
            "hidden": False,
            "title": view.item_title,
            "outcome": self.t(f"decision.outcome.{view.outcome}"),
            "state": self.state(view),
            "owner": owner,
            "due": format_date(view.due_date, self.lang) if view.due_date else None,
            "overdue": overdue,
            "text": truncate(view.text, TEXT_SHOWN) if view.text else None,
            "resolution": truncate(view.resolution, TEXT_SHOWN) if view.resolution else None,
            "supersedes": f"D{view.supersedes_id}" if view.supersedes_id else None,
        }

    def state(self, view: DecisionView) -> str | None:
        """The status label: pending, closed or superseded. An open decision that is not
        pending (approved or noted, with no owner and due date) is simply decided: none."""
        if view.pending:
            return self.t("decision.state.pending")
        if view.status == "open":
            return None
        return self.t(f"decision.state.{view.status}")

    def hidden_note(
        self, views: Sequence[DecisionView], depts: dict[int, str | None]
    ) -> str | None:
        """For a list (the pending decisions): how many of its lines are hidden, and where to
        ask about them."""
        hidden = [v for v in views if self.hides(v)]
        if not hidden:
            return None
        places: list[str] = []
        for v in hidden:
            where = self.where_to_ask(v.meeting.body_name, depts.get(v.meeting.body_id))
            if where not in places:
                places.append(where)
        return self.t(
            f"search.hidden_note.{plural(len(hidden))}", count=len(hidden), where=self.join(places)
        )

    def join(self, places: Sequence[str]) -> str:
        shown = list(places[:PLACES_NAMED])
        if len(places) > PLACES_NAMED:
            shown.append(self.t("search.where_more", count=len(places) - PLACES_NAMED))
        return ("、" if self.lang == "ja" else "; ").join(shown)

    def where_to_ask(self, body: str, dept: str | None) -> str:
        if dept:
            return self.t("search.where", body=body, dept=dept)
        return self.t("search.where_no_dept", body=body)


def plural(count: int) -> str:
    """The catalog suffix for ``count`` things: ``one`` or ``many`` (English needs both)."""
    return "one" if count == 1 else "many"


def _departments(session: Session, views: Sequence[DecisionView]) -> dict[int, str | None]:
    """Each body's secretariat department, to say where to ask about hidden decisions."""
    found: dict[int, str | None] = {}
    for v in views:
        if v.meeting.body_id not in found:
            body = session.get(Body, v.meeting.body_id)
            found[v.meeting.body_id] = body.secretariat_dept if body else None
    return found


def scope_ids(session: Session, body: Body | None) -> list[int] | None:
    """The body and its sub-bodies, or None (every body) when the channel has no body."""
    return descendant_ids(session, body) if body is not None else None


def not_searched_note(
    session: Session, scope: list[int] | None, presenter: Presenter
) -> str | None:
    """The line every answer in ``scope`` ends with when some of its bodies have current
    decisions this place may not show: they were not searched, and whom to ask. It depends
    on the records and the place only, never on the question."""
    body_ids = bodies_with_hidden_decisions(session, scope, presenter.clearance)
    if not body_ids:
        return None
    places = []
    for body in session.scalars(select(Body).where(Body.id.in_(body_ids)).order_by(Body.id)):
        places.append(presenter.where_to_ask(body.name, body.secretariat_dept))
    return presenter.t("search.not_searched_note", where=presenter.join(places))


def answer_question(
    session: Session, question: str, *, body: Body | None, presenter: Presenter
) -> str:
    """The message that answers ``question`` about decisions, best matches first.

    With no match it says so and offers the closest titles (public ones only where details
    may not be shown).
    """
    shown_query = truncate(question.strip(), 80)
    scope = scope_ids(session, body)
    result = search_decisions(session, question, body_ids=scope, clearance=presenter.clearance)
    if not result.terms:
        return presenter.t("search.no_terms")
    note = not_searched_note(session, scope, presenter)
    if result.decisions:
        ids = [m.decision_id for m in result.decisions if m.decision_id is not None]
        views_by_id = decision_views(session, ids)
        # Hidden items were never matched; the filter here only guards against a change
        # between the search and this read.
        views = [views_by_id[i] for i in ids if i in views_by_id]
        return render_slack(
            "answer",
            presenter.lang,
            language=presenter.lang,
            heading=presenter.t("search.heading", query=shown_query),
            decisions=[presenter.line(v) for v in views if not presenter.hides(v)],
            hidden_note=note,
        )
    return _no_match(session, question, shown_query, scope, result.undecided, presenter, note)


def _no_match(
    session: Session,
    question: str,
    shown_query: str,
    scope: list[int] | None,
    undecided: Sequence[Any],
    presenter: Presenter,
    note: str | None,
) -> str:
    item_ids = [m.item_id for m in undecided]
    near = closest_titles(session, question, body_ids=scope, limit=5, clearance=presenter.clearance)
    for extra in near:
        if extra not in item_ids:
            item_ids.append(extra)
    suggestions = []
    for item_id in item_ids:
        item = session.get(AgendaItem, item_id)
        if item is None:
            continue
        meeting = meeting_view(session, item.meeting)
        if (item.private or meeting.is_non_public) and not presenter.clearance.allows(
            meeting.body_id
        ):
            continue  # excluded by the search already; kept as a second guard
        suggestions.append(
            {
                "item": presenter.item_label(item.kind, item.number, item.id),
                "title": item.title,
                "meeting": meeting_title(meeting, presenter.lang),
                "undecided": (
                    presenter.t("search.undecided")
                    if current_decision(session, item_id) is None
                    else ""
                ),
            }
        )
        if len(suggestions) == 3:
            break
    return render_slack(
        "answer_none",
        presenter.lang,
        message=presenter.t("search.no_match", query=shown_query),
        suggest_label=presenter.t("search.suggest"),
        suggestions=suggestions,
        hidden_note=note,
    )


def answer_reference(
    session: Session, question: str, *, body: Body | None, presenter: Presenter, now: datetime
) -> str | None:
    """The answer to a question that is a reference: ``D5`` that decision, ``A34`` or ``議案2``
    (in the current meeting of ``body``: in progress, else the last held) that item's current
    decision. None when the question is no such reference (it is searched as words then).

    A non-public decision or item reads 「（非公開）」 where the place may not show it, as in
    the pending list: a reference names no words, so nothing depends on hidden text.
    """
    try:
        ref = parse_ref(question)
    except UserError:
        return None
    if ref.kind not in ("decision", "item", "item_in_meeting") or ref.number is None:
        return None
    shown_query = truncate(question.strip(), 80)
    view: DecisionView | None = None
    item: AgendaItem | None = None
    try:
        if ref.kind == "decision":
            view = decision_view(session, get_decision(session, ref.number))
        elif ref.kind == "item":
            item = session.get(AgendaItem, ref.number)
        elif body is not None:
            item = resolve_item(session, body, ref, now)
    except UserError:
        pass
    if view is None and item is not None:
        current = current_decision(session, item.id)
        if current is None:
            return _undecided_item(session, item, presenter)
        view = decision_view(session, current)
    if view is None:
        return render_slack(
            "answer_none",
            presenter.lang,
            message=presenter.t("search.ref_not_found", query=shown_query),
            suggestions=[],
            hidden_note=None,
        )
    heading = (
        presenter.t("search.ref_heading_decision", ref=view.ref)
        if ref.kind == "decision"
        else presenter.t(
            "search.ref_heading_item",
            item=presenter.item_label(view.item_kind, view.item_number, view.item_id),
        )
    )
    return render_slack(
        "answer",
        presenter.lang,
        language=presenter.lang,
        heading=heading,
        decisions=[presenter.line(view)],
        hidden_note=presenter.hidden_note([view], _departments(session, [view])),
    )


def _undecided_item(session: Session, item: AgendaItem, presenter: Presenter) -> str:
    meeting = meeting_view(session, item.meeting)
    hidden = (item.private or meeting.is_non_public) and not presenter.clearance.allows(
        meeting.body_id
    )
    message = presenter.t(
        "search.ref_undecided",
        item=presenter.item_label(item.kind, item.number, item.id),
        title=presenter.t("decision.hidden") if hidden else item.title,
        meeting=meeting_title(meeting, presenter.lang),
    )
    return render_slack(
        "answer_none", presenter.lang, message=message, suggestions=[], hidden_note=None
    )


def pending_text(session: Session, body: Body, presenter: Presenter) -> str:
    """The pending decisions of ``body`` and its sub-bodies, oldest due date first; those
    shown as 「（非公開）」 come last, by reference, so their order tells nothing of their due
    dates."""
    listed = pending_decisions(session, body)
    views = [v for v in listed if not presenter.hides(v)]
    views += sorted((v for v in listed if presenter.hides(v)), key=lambda v: v.id)
    return render_slack(
        "decision_pending",
        presenter.lang,
        language=presenter.lang,
        heading=presenter.t("search.pending_heading", body=body.name),
        none_text=presenter.t("search.pending_none", body=body.name),
        decisions=[presenter.line(v) for v in views],
        hidden_note=presenter.hidden_note(views, _departments(session, views)),
    )


def posted_text(view: DecisionView, presenter: Presenter) -> str:
    """The decision as posted in the meeting's thread (public version where it must be)."""
    return render_slack(
        "decision_posted", presenter.lang, language=presenter.lang, d=presenter.line(view)
    )
