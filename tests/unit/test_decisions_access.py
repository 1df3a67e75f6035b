"""Which places may show which bodies' non-public decisions, and search that cannot leak them."""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from bot.decision_access import (
    NO_CLEARANCE,
    Clearance,
    bodies_with_hidden_decisions,
    clearance_for_channel,
    clearance_for_user,
    hidden_item_ids,
)
from bot.decisions import record_decision
from bot.deps import Deps
from bot.search import closest_titles, search_decisions
from storage.models import Body, RosterEntry
from tests.unit.decision_records import NOW, SEC, make_body, make_item, make_meeting


def tree(s: Session) -> tuple[Body, Body, Body, Body, Body]:
    """本部 (C0MAIN) with PTs A (G0PTA) and B (G0PTB) under it, a WG (G0WG) under PT-A, and an
    unrelated body (G0X)."""
    honbu = make_body(s, "本部")
    pt_a = make_body(s, "PT-A", parent="本部")
    pt_b = make_body(s, "PT-B", parent="本部")
    wg = make_body(s, "WG", parent="PT-A")
    other = make_body(s, "別の委員会")
    pt_a.channel_id, pt_b.channel_id, wg.channel_id, other.channel_id = (
        "G0PTA",
        "G0PTB",
        "G0WG",
        "G0X",
    )
    s.flush()
    return honbu, pt_a, pt_b, wg, other


def test_a_channel_clears_its_bodies_their_children_and_those_above(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        # The parent's channel sees its sub-bodies, not their sub-bodies.
        assert clearance_for_channel(s, "C0MAIN").body_ids == {honbu.id, pt_a.id, pt_b.id}
        assert clearance_for_channel(s, "G0PTA").body_ids == {pt_a.id, wg.id, honbu.id}
        # A sub-body's channel sees every body above it, not its siblings.
        assert clearance_for_channel(s, "G0WG").body_ids == {wg.id, pt_a.id, honbu.id}
        assert clearance_for_channel(s, "G0X").body_ids == {other.id}
        assert clearance_for_channel(s, "G0UNRELATED") == NO_CLEARANCE


def test_a_dm_clears_the_bodies_of_the_users_roster_and_secretariat(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.add(RosterEntry(body_id=honbu.id, user_id="U0CLERK", role="secretariat"))
        s.flush()
        assert clearance_for_user(s, "U0MEMBER", is_admin=False).body_ids == {pt_a.id}
        assert clearance_for_user(s, "U0CLERK", is_admin=False).body_ids == {
            honbu.id,
            pt_a.id,
            pt_b.id,
            wg.id,
        }
        # SEC set every body up: the secretariat of all of them.
        assert clearance_for_user(s, SEC.user_id, is_admin=False).allows(other.id)
        assert clearance_for_user(s, "U0OTHER", is_admin=False) == NO_CLEARANCE
        assert clearance_for_user(s, "U0OTHER", is_admin=True).allows(other.id)


def test_hidden_items_and_bodies_are_per_body(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, _, _, other = tree(s)
        closed_meeting = make_meeting(s, pt_a, disclosure="closed")
        in_closed = make_item(s, closed_meeting, "PTの検討状況")
        secret = make_item(s, make_meeting(s, honbu), "庁舎移転の候補地", private=True)
        public = make_item(s, make_meeting(s, other), "電話帳の配布")
        ids = [in_closed.id, secret.id, public.id]
        assert hidden_item_ids(s, ids, NO_CLEARANCE) == {in_closed.id, secret.id}
        assert hidden_item_ids(s, ids, Clearance(frozenset({pt_a.id}))) == {secret.id}
        assert hidden_item_ids(s, ids, Clearance(everything=True)) == set()
        assert bodies_with_hidden_decisions(s, None, NO_CLEARANCE) == []  # nothing decided yet
        for item in (in_closed, secret, public):
            record_decision(s, item, "approved", actor=SEC, now=NOW, today=NOW.date())
        assert bodies_with_hidden_decisions(s, None, NO_CLEARANCE) == sorted([honbu.id, pt_a.id])
        assert bodies_with_hidden_decisions(s, [honbu.id], NO_CLEARANCE) == [honbu.id]
        assert bodies_with_hidden_decisions(s, None, Clearance(frozenset({honbu.id}))) == [pt_a.id]


def test_search_results_do_not_depend_on_excluded_text(deps: Deps) -> None:
    """An excluded item changes nothing: not the compound fallback, ranking or near titles."""
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
        exclude = partial(hidden_item_ids, s, clearance=NO_CLEARANCE)
        assert search_decisions(s, "庁舎移転", exclude=exclude) == before
        assert closest_titles(s, "庁舎移転候補", exclude=exclude) == near_before
        assert search_decisions(s, "候補地", exclude=exclude).decisions == ()
