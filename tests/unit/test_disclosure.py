"""The one disclosure rule (bot.disclosure): which channels are a body's, who may read its
non-public content, which places may show it, and the queries that keep it out of answers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.decisions import record_decision
from bot.deps import Deps
from bot.disclosure import (
    NO_CLEARANCE,
    Clearance,
    belongs_to,
    bodies_with_hidden_decisions,
    cached_reader,
    channel_clearance,
    clearance_for_place,
    hidden_item_ids,
    is_non_public_item,
    may_act_for,
    may_see_non_public,
    reader_clearance,
    require_acting_for,
    safe_for_requester,
    safe_place,
)
from bot.errors import Forbidden
from bot.localslack import LocalSlack
from bot.permissions import Actor, secretariat_of
from storage.models import Body, RosterEntry, SlackUser
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


def reader(user_id: str, *, admin: bool = False) -> Actor:
    return Actor(user_id, admin_lookup=lambda: admin)


def test_a_channel_belongs_to_its_bodies_their_children_and_those_above(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        # The parent's channel belongs to its sub-bodies, not to their sub-bodies.
        assert channel_clearance(s, "C0MAIN").body_ids == {honbu.id, pt_a.id, pt_b.id}
        assert channel_clearance(s, "G0PTA").body_ids == {pt_a.id, wg.id, honbu.id}
        # A sub-body's channel belongs to every body above it, not to its siblings.
        assert channel_clearance(s, "G0WG").body_ids == {wg.id, pt_a.id, honbu.id}
        assert channel_clearance(s, "G0X").body_ids == {other.id}
        assert channel_clearance(s, "G0UNRELATED") == NO_CLEARANCE
        # The same relation seen from a body: its own, its parent's, every sub-body's.
        channels = ("C0MAIN", "G0PTA", "G0PTB", "G0WG", "G0X", "G0UNRELATED")
        expected = {
            honbu.id: {"C0MAIN", "G0PTA", "G0PTB", "G0WG"},
            pt_a.id: {"G0PTA", "C0MAIN", "G0WG"},
            pt_b.id: {"G0PTB", "C0MAIN"},
            wg.id: {"G0WG", "G0PTA"},  # not the grandparent's
            other.id: {"G0X"},
        }
        for body in (honbu, pt_a, pt_b, wg, other):
            assert {c for c in channels if belongs_to(s, body, c)} == expected[body.id], body.name


def test_readers_are_the_roster_and_the_secretariat_of_the_body_or_one_above(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.add(RosterEntry(body_id=honbu.id, user_id="U0CLERK", role="secretariat"))
        s.flush()
        assert reader_clearance(s, reader("U0MEMBER")).body_ids == {pt_a.id}
        assert reader_clearance(s, reader("U0CLERK")).body_ids == {
            honbu.id,
            pt_a.id,
            pt_b.id,
            wg.id,
        }
        # SEC set every body up: the secretariat of all of them.
        assert reader_clearance(s, reader(SEC.user_id)).allows(other.id)
        assert reader_clearance(s, reader("U0OTHER")) == NO_CLEARANCE
        assert reader_clearance(s, reader("U0OTHER", admin=True)).allows(other.id)
        # The one-body check is the same rule, and agrees with bot.permissions.
        for user in ("U0MEMBER", "U0CLERK", SEC.user_id, "U0OTHER"):
            cleared = reader_clearance(s, reader(user))
            for body in (honbu, pt_a, pt_b, wg, other):
                assert may_see_non_public(s, body, reader(user)) == cleared.allows(body.id)
                if secretariat_of(s, body, user):
                    assert cleared.allows(body.id)
        assert may_see_non_public(s, other, reader("U0OTHER", admin=True))


def test_the_admin_flag_is_asked_only_when_roster_and_secretariat_say_no(deps: Deps) -> None:
    asked: list[str] = []

    def lookup() -> bool:
        asked.append("asked")
        return False

    with deps.unit_of_work() as s:
        _, pt_a, *_ = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.flush()
        assert may_see_non_public(s, pt_a, Actor("U0MEMBER", admin_lookup=lookup))
        assert asked == []
        assert not may_see_non_public(s, pt_a, Actor("U0OTHER", admin_lookup=lookup))
        assert asked == ["asked"]
        # App Home's reader: the cached flag, never Slack; unknown users are not admins.
        assert not reader_clearance(s, cached_reader(s, "U0OTHER")).everything
        s.add(SlackUser(user_id="U0OTHER", name="x", is_admin=True, locale=None, fetched_at=NOW))
        s.flush()
        assert reader_clearance(s, cached_reader(s, "U0OTHER")).everything


def test_hidden_items_and_bodies_are_per_body(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, _, _, other = tree(s)
        closed_meeting = make_meeting(s, pt_a, disclosure="closed")
        in_closed = make_item(s, closed_meeting, "PTの検討状況")
        minutes_closed = make_item(
            s, make_meeting(s, other, minutes_disclosure="partial"), "議事録のみ非公開"
        )
        secret = make_item(s, make_meeting(s, honbu), "庁舎移転の候補地", private=True)
        public = make_item(s, make_meeting(s, other), "電話帳の配布")
        ids = [in_closed.id, minutes_closed.id, secret.id, public.id]
        assert [is_non_public_item(i) for i in (in_closed, minutes_closed, secret, public)] == [
            True,
            True,
            True,
            False,
        ]
        assert hidden_item_ids(s, ids, NO_CLEARANCE) == {in_closed.id, minutes_closed.id, secret.id}
        assert hidden_item_ids(s, ids, Clearance(frozenset({pt_a.id, other.id}))) == {secret.id}
        assert hidden_item_ids(s, ids, Clearance(everything=True)) == set()
        assert bodies_with_hidden_decisions(s, None, NO_CLEARANCE) == []  # nothing decided yet
        for item in (in_closed, secret, public):
            record_decision(s, item, "approved", actor=SEC, now=NOW, today=NOW.date())
        assert bodies_with_hidden_decisions(s, None, NO_CLEARANCE) == sorted([honbu.id, pt_a.id])
        assert bodies_with_hidden_decisions(s, [honbu.id], NO_CLEARANCE) == [honbu.id]
        assert bodies_with_hidden_decisions(s, None, Clearance(frozenset({honbu.id}))) == [pt_a.id]


def _places(slack: LocalSlack) -> None:
    slack.add_channel("G0PTA", "pt-a", "private")
    slack.add_channel("G0PTB", "pt-b", "shared", private=True)  # private, but shared outside
    slack.add_channel("G0WG", "wg", "private")
    slack.add_channel("G0X", "other", "private")
    slack.add_channel("G0GROUP", "", "mpim", members=["U0MEMBER", "U0OTHER"])
    slack.add_channel("D0MEMBER", "", "im", user="U0MEMBER")
    slack.add_channel("D0ADMIN", "", "im", user="U0ADMIN")


def test_places_safe_for_a_bodys_non_public_content(deps: Deps, slack: LocalSlack) -> None:
    _places(slack)
    client = slack.client()
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.flush()

        def safe(body: Body, channel: str, who: Actor | None = None) -> bool:
            return safe_place(s, client, body, channel, NOW, reader=who)

        everyone = (honbu, pt_a, pt_b, wg, other)
        # A public channel is never safe, not even the body's own.
        assert not safe(honbu, "C0MAIN")
        # Any private channel not shared outside is, whichever body's it is (or nobody's).
        for channel in ("G0PTA", "G0WG", "G0X", "G0PRIVATE"):
            assert all(safe(b, channel) for b in everyone), channel
        assert clearance_for_place(s, client, "G0X", NOW).everything
        # Private but shared with another organisation: never, even for its own body.
        assert not any(safe(b, "G0PTB") for b in everyone)
        # A DM: only for its own user, and only for the bodies that user may read.
        member = reader("U0MEMBER")
        assert safe(pt_a, "D0MEMBER", member)
        assert not safe(honbu, "D0MEMBER", member) and not safe(wg, "D0MEMBER", member)
        assert not safe(pt_a, "D0MEMBER")  # the bot's own post: no reader to trust
        assert not safe(pt_a, "D0MEMBER", reader(SEC.user_id))  # named by someone else
        assert clearance_for_place(s, client, "D0MEMBER", NOW, reader=member).body_ids == {pt_a.id}
        assert safe(other, "D0ADMIN", reader("U0ADMIN", admin=True))
        # A group DM not shared outside is a private place like any private channel.
        assert safe(pt_a, "G0GROUP", member) and safe(other, "G0GROUP")
        # Slack cannot say what the channel is: the public version.
        slack.fail_next("conversations.info", status=200, error="channel_not_found")
        assert not safe(pt_a, "G0PTA")
        # It is asked afresh each time: shared since the last post, no longer safe.
        slack.add_channel("G0PTA", "pt-a", "shared", private=True)
        assert not safe(pt_a, "G0PTA")


def test_a_group_dm_shared_outside_is_not_safe(deps: Deps, slack: LocalSlack) -> None:
    _places(slack)
    slack.add_channel("G0GROUP", "", "mpim", members=["U0MEMBER", "U0OTHER"])
    client = slack.client()
    with deps.unit_of_work() as s:
        _, pt_a, *_ = tree(s)
        assert safe_place(s, client, pt_a, "G0GROUP", NOW)
        slack.add_channel("G0GROUP", "", "shared", private=True)
        assert not safe_place(s, client, pt_a, "G0GROUP", NOW)


def test_answers_only_the_requester_sees(deps: Deps, slack: LocalSlack) -> None:
    _places(slack)
    client = slack.client()
    with deps.unit_of_work() as s:
        honbu, pt_a, *_ = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.flush()

        def shown(body: Body, channel: str, who: Actor) -> bool:
            return safe_for_requester(s, client, body, channel, who, NOW)

        member = reader("U0MEMBER")
        stranger = reader("U0OTHER")
        # Held to the rule of the place: any private channel not shared outside shows it, to
        # anyone there (it could be posted there for all of them anyway).
        for channel in ("G0PRIVATE", "G0X", "G0GROUP"):
            assert shown(pt_a, channel, member) and shown(honbu, channel, stranger), channel
        # A public or shared channel shows it to nobody, not even a member of the body.
        assert not shown(pt_a, "C0MAIN", member) and not shown(pt_a, "G0PTB", member)
        assert not shown(pt_a, "C0MAIN", reader("U0OTHER", admin=True))
        # The bot's DM: only to its own user, and only what that user may read.
        assert shown(pt_a, "D0MEMBER", member)
        assert not shown(honbu, "D0MEMBER", member)
        assert not shown(pt_a, "D0MEMBER", stranger)
        assert shown(honbu, "D0ADMIN", reader("U0ADMIN", admin=True))


def test_who_may_name_a_bodys_meeting(deps: Deps) -> None:
    with deps.unit_of_work() as s:
        honbu, pt_a, pt_b, wg, other = tree(s)
        s.add(RosterEntry(body_id=pt_a.id, user_id="U0MEMBER", role="member"))
        s.flush()
        stranger = reader("U0OTHER")
        # From one of the body's channels: anyone (its own, its parent's, a sub-body's).
        for channel in ("G0PTA", "C0MAIN", "G0WG"):
            assert may_act_for(s, pt_a, channel, stranger), channel
        # From a sibling's, an unrelated body's or nobody's channel: not a stranger…
        for channel in ("G0PTB", "G0X", "C0ELSEWHERE"):
            assert not may_act_for(s, pt_a, channel, stranger), channel
        with pytest.raises(Forbidden) as refused:
            require_acting_for(s, pt_a, "G0X", stranger, ref="M3")
        assert refused.value.key == "perm.meeting_of_other_body"
        assert refused.value.params["body"] == "PT-A"
        # …but its roster, its secretariat (SEC set it up) and a workspace admin, anywhere.
        assert may_act_for(s, pt_a, "G0X", reader("U0MEMBER"))
        assert may_act_for(s, pt_a, "G0X", reader(SEC.user_id))
        assert may_act_for(s, pt_a, "G0X", reader("U0OTHER", admin=True))
        assert not may_act_for(s, pt_b, "G0X", reader("U0MEMBER"))
