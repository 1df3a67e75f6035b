"""Answers about decisions, worded in English and Japanese, with disclosure enforced."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.answers import Presenter, answer_question, pending_text
from bot.decisions import record_decision
from bot.deps import Deps
from bot.disclosure import NO_CLEARANCE, Clearance
from storage.models import AgendaItem, Body
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)


def presenter(lang: str, clearance: Clearance = NO_CLEARANCE) -> Presenter:
    return Presenter(
        lang=lang,
        tz=ZoneInfo("Asia/Tokyo"),
        today=TODAY,
        clearance=clearance,
        link_for=lambda m: None,
    )


def decide(s: Session, item: AgendaItem, due: date = date(2027, 6, 30)) -> None:
    record_decision(
        s,
        item,
        "reexamine",
        actor=SEC,
        now=NOW,
        today=TODAY,
        text="compare vendor costs",
        owner_dept="IT division",
        due=due,
    )


def phone_records(s: Session) -> Body:
    body = make_body(s)
    meeting = make_meeting(s, body)
    decide(s, make_item(s, meeting, "Selecting the next phone system"))
    decide(s, make_item(s, meeting, "Phone lines for the new HQ site", private=True))
    return body


def test_english_answer_shows_only_what_the_place_may(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = phone_records(s)
        public = answer_question(
            s, "what was decided about the phone?", body=body, presenter=presenter("en")
        )
        assert "Proposal 1" in public and "Selecting the next phone system" in public
        assert "to be re-examined" in public and "2027-06-30 (Wed)" in public
        assert "FY2027" in public
        # The hidden decision is not matched at all: no 「（非公開）」 line, no count.
        assert "HQ site" not in public and "（非公開）" not in public and "D2" not in public
        assert "not searched" in public and "情報管理課" in public  # where to ask
        cleared = presenter("en", Clearance(frozenset({body.id})))
        private = answer_question(s, "phone", body=body, presenter=cleared)
        assert "HQ site" in private and "not searched" not in private
        elsewhere = presenter("en", Clearance(frozenset({body.id + 100})))
        other = answer_question(s, "phone", body=body, presenter=elsewhere)
        assert "HQ site" not in other and "not searched" in other


def test_questions_about_hidden_text_get_the_answer_of_a_miss(deps: Deps) -> None:
    """Asking for a closed item's words must read exactly like asking for nonsense."""
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        decide(s, make_item(s, meeting, "Selecting the next phone system"))
        before = answer_question(s, "phone", body=body, presenter=presenter("ja"))
        decide(s, make_item(s, meeting, "Phone lines for the new HQ site", private=True))
        after = answer_question(s, "phone", body=body, presenter=presenter("ja"))
        # The hidden decision adds the query-independent note, and nothing else.
        assert after.split("\n\n")[0] == before.split("\n\n")[0]
        assert "非公開の決定は" in after and "非公開の決定は" not in before
        for lang in ("ja", "en"):
            hidden = answer_question(s, "HQ site", body=body, presenter=presenter(lang))
            nonsense = answer_question(s, "lunar base", body=body, presenter=presenter(lang))
            assert hidden.replace("HQ site", "Q") == nonsense.replace("lunar base", "Q")
            assert "HQ" not in hidden.replace("HQ site", "") and "D2" not in hidden


def test_pending_list_puts_hidden_lines_last_without_details(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        decide(s, make_item(s, meeting, "電話交換機の更新", private=True), due=date(2027, 5, 20))
        decide(s, make_item(s, meeting, "電話帳の配布"), due=date(2027, 6, 30))
        listing = pending_text(s, body, presenter("ja"))
        assert "電話交換機" not in listing and listing.count("IT division") == 1
        assert listing.index("電話帳の配布") < listing.index("（非公開）")
        assert "非公開の決定が1件" in listing
        full = pending_text(s, body, presenter("ja", Clearance(frozenset({body.id}))))
        assert full.index("電話交換機の更新") < full.index("電話帳の配布")  # oldest due first


def test_no_match_suggestions_skip_non_public_titles(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        make_item(s, meeting, "電話交換機の保守", private=True)
        make_item(s, meeting, "電話帳の配布")
        text = answer_question(s, "システマ電話", body=body, presenter=presenter("ja"))
        assert "電話帳の配布" in text and "電話交換機" not in text
        cleared = presenter("ja", Clearance(frozenset({body.id})))
        assert "電話交換機" in answer_question(s, "システマ電話", body=body, presenter=cleared)
