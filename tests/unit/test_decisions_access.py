"""Search that cannot leak non-public decisions (the rule itself: tests/unit/test_disclosure.py)."""

from __future__ import annotations

import pytest

from bot.decisions import record_decision
from bot.deps import Deps
from bot.disclosure import NO_CLEARANCE, Clearance
from bot.search import closest_titles, search_decisions
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting


@pytest.mark.parametrize("hidden_as", ["ids", "subquery"])
def test_search_results_do_not_depend_on_excluded_text(
    deps: Deps, hidden_as: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An excluded item changes nothing: not the compound fallback, ranking or near titles;
    whether the hidden items are few (left out by id) or many (by a subquery)."""
    if hidden_as == "subquery":
        monkeypatch.setattr("bot.search.query.HIDDEN_AS_LIST", 0)
    with deps.unit_of_work() as s:
        body = make_body(s)
        meeting = make_meeting(s, body)
        repair = make_item(s, meeting, "庁舎の修繕計画")
        move = make_item(s, meeting, "書庫の移転")
        for item in (repair, move):
            record_decision(s, item, "approved", actor=SEC, now=NOW, today=NOW.date())
        before = search_decisions(s, "庁舎移転")
        near_before = closest_titles(s, "庁舎移転候補")
        assert {m.item_id for m in before.decisions} == {repair.id, move.id}  # by the parts
        secret = make_item(s, meeting, "庁舎移転の候補地について", private=True)
        record_decision(s, secret, "approved", actor=SEC, now=NOW, today=NOW.date())
        # Unfiltered, the compound now matches the secret item as a whole, and only it.
        assert [m.item_id for m in search_decisions(s, "庁舎移転").decisions] == [secret.id]
        hide = NO_CLEARANCE
        assert search_decisions(s, "庁舎移転", clearance=hide) == before
        assert closest_titles(s, "庁舎移転候補", clearance=hide) == near_before
        assert search_decisions(s, "候補地", clearance=hide).decisions == ()
        # A place the secret item's body allows finds it as before.
        allowed = Clearance(frozenset({body.id}))
        assert [
            m.item_id for m in search_decisions(s, "庁舎移転", clearance=allowed).decisions
        ] == [secret.id]
        assert search_decisions(s, "候補地", clearance=allowed).decisions != ()
