"""Answers about decisions, worded in English and Japanese, with disclosure enforced."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.answers import Presenter, answer_question, pending_text
from bot.decisions import record_decision
from bot.deps import Deps
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting

TODAY = date(2027, 5, 10)


def presenter(lang: str, safe: bool) -> Presenter:
    return Presenter(
        lang=lang, tz=ZoneInfo("Asia/Tokyo"), today=TODAY, safe=safe, link_for=lambda m: None
    )


def test_english_answer_and_public_version(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        open_item = make_item(s, meeting, "Selecting the next phone system")
        secret = make_item(s, meeting, "Phone lines for the new HQ site", private=True)
        for item in (open_item, secret):
            record_decision(
                s,
                item,
                "reexamine",
                actor=SEC,
                now=NOW,
                today=TODAY,
                text="compare vendor costs",
                owner_dept="IT division",
                due=date(2027, 6, 30),
            )
        public = answer_question(
            s, "what was decided about the phone?", body=body, presenter=presenter("en", False)
        )
        assert "Proposal 1" in public and "Selecting the next phone system" in public
        assert "to be re-examined" in public and "2027-06-30 (Wed)" in public
        assert "FY2027 No. 1" in public or "FY2027" in public
        assert "HQ site" not in public and "（非公開）" in public and "non-public" in public
        assert "情報管理課" in public  # where to ask: the body's secretariat department
        private = answer_question(s, "phone", body=body, presenter=presenter("en", True))
        assert "HQ site" in private and "non-public" not in private
        listing = pending_text(s, body, presenter("ja", False))
        assert "Selecting the next phone system" in listing and "HQ site" not in listing


def test_no_match_suggestions_skip_non_public_titles(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        make_item(s, meeting, "電話交換機の保守", private=True)
        make_item(s, meeting, "電話帳の配布")
        text = answer_question(s, "システマ電話", body=body, presenter=presenter("ja", False))
        assert "電話帳の配布" in text and "電話交換機" not in text
