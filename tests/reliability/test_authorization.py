"""The authorization matrix of PRODUCT.md "Who may do what", table-driven, over HTTP.

Roles: the body's secretariat, its chair and a member (no powers beyond anyone's), the
submitter of an agenda item, the owner of a decision, another user, and a workspace admin.
The secretariat and workspace admins may do everything for the body; anyone in the channel
may submit agenda items, add materials to their own items and withdraw their own items
(and read what the channel may read); a decision's owner may close it. Everything else is
refused with a clear message, writes nothing and posts nothing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import MovableClock
from tests.harness import C_MAIN, C_PT, U_ADMIN, U_CHAIR, U_MEMBER, U_OTHER, U_SEC
from tests.reliability import figures
from tests.reliability.live import LiveBot
from tests.reliability.state import counts
from tests.reliability.surfaces import has_surface

U_SUBMITTER = "U0SUBMIT"
U_OWNER = "U0OWNER"
ROLES = {
    "secretariat": U_SEC,
    "chair": U_CHAIR,
    "member": U_MEMBER,
    "submitter": U_SUBMITTER,
    "owner": U_OWNER,
    "other": U_OTHER,
    "admin": U_ADMIN,
}
ALL = frozenset(ROLES)
SECRETARIAT = frozenset({"secretariat", "admin"})
# On the roster or secretariat by the time these run ("other" is made a member above): may
# name the body's meetings from anywhere. The submitter and the owner are not.
ROSTER = ALL - {"submitter", "owner"}
TOKYO = ZoneInfo("Asia/Tokyo")
_n = itertools.count(1)

Prepare = Callable[[LiveBot], dict[str, object]]


@dataclass(frozen=True)
class Action:
    """One thing a user may try, who may do it, and what it needs to exist first."""

    surface: str
    command: str
    text: str
    allowed: frozenset[str]
    prepare: Prepare | None = None
    reads: bool = False  # answers without writing (the check is then the answer only)
    posts: bool = False  # its effect is a post in the channel, not a record
    channel: str = C_MAIN
    note: str = field(default="", compare=False)


def _id(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, text
    return int(found.group(1))


def _day() -> int:
    return 1 + next(_n) % 28


def new_meeting(live: LiveBot) -> dict[str, object]:
    answer = live.command("/meeting", f"schedule 2027-11-{_day():02d} 10:00-11:00", user=U_SEC)
    return {"m": _id(r"M(\d+)", answer.text), "n": next(_n), "day": _day()}


def started_meeting(live: LiveBot) -> dict[str, object]:
    made = new_meeting(live)
    live.command("/meeting", f"start M{made['m']}", user=U_SEC)
    return made


def submitted_item(live: LiveBot) -> dict[str, object]:
    clock = live.deps.clock
    assert isinstance(clock, MovableClock)
    clock.advance(timedelta(minutes=1))  # a steady pace, well inside the submission limit
    answer = live.command("/agenda", f"add 議案 提出された議題{next(_n)}", user=U_SUBMITTER)
    return {"a": _id(r"A(\d+)", answer.text), "n": next(_n)}


def owned_decision(live: LiveBot) -> dict[str, object]:
    answer = live.command(
        "/decision", f"A1 reexamine owner=<@{U_OWNER}> due=2027-06-30 再検討", user=U_SEC
    )
    return {"d": _id(r"D(\d+)", answer.text)}


def counter(live: LiveBot) -> dict[str, object]:
    return {"n": next(_n), "day": _day()}


M, A, D = "handlers.meeting", "handlers.agenda", "handlers.decision"
ACTIONS = [
    Action(M, "/meeting", "help", ALL, reads=True),
    Action(M, "/meeting", "list fy=2027", ALL, reads=True),
    Action(M, "/meeting", "show M1", ALL, reads=True),
    Action(M, "/meeting", "setup 自由な本部{n}", ALL, counter, channel=C_PT),
    Action(M, "/meeting", "setup 下部PT{n} parent=行政情報化推進本部", SECRETARIAT, counter),
    Action(M, "/meeting", f"member <@{U_OTHER}> member", SECRETARIAT),
    Action(M, "/meeting", "config reminders=1bd", SECRETARIAT),
    Action(M, "/meeting", "schedule 2027-12-{day:02d} 10:00-11:00", SECRETARIAT, counter),
    Action(M, "/meeting", "move M{m} 2028-01-{day:02d} 10:00-11:00", SECRETARIAT, new_meeting),
    Action(M, "/meeting", "cancel M{m} 都合により", SECRETARIAT, new_meeting),
    Action(M, "/meeting", "start M{m}", SECRETARIAT, new_meeting),
    Action(M, "/meeting", "end M{m}", SECRETARIAT, started_meeting),
    Action(M, "/meeting", "audit 5", SECRETARIAT, reads=True),
    Action(A, "/agenda", "add 議案 誰でも出せる議題{n}", ALL, counter),
    Action(A, "/agenda", "list M2", ALL, reads=True),
    Action(A, "/agenda", "withdraw A{a}", SECRETARIAT | {"submitter"}, submitted_item),
    Action(A, "/agenda", "accept A{a}", SECRETARIAT, submitted_item),
    Action(A, "/agenda", "reject A{a} 趣旨が異なる", SECRETARIAT, submitted_item),
    Action(
        A,
        "/agenda",
        "carry A{a} to=M{m}",
        SECRETARIAT,
        lambda live: {**submitted_item(live), **new_meeting(live)},
    ),
    Action(A, "/agenda", "move A{a} 1", SECRETARIAT, submitted_item),
    Action(A, "/agenda", "lock M{m}", SECRETARIAT, new_meeting),
    Action(A, "/agenda", "post M2", SECRETARIAT, posts=True),
    Action(
        "handlers.materials",
        "/materials",
        "add A{a} 説明資料{n}",
        SECRETARIAT | {"submitter"},
        submitted_item,
    ),
    Action("handlers.materials", "/materials", "list M2", ALL, reads=True),
    # A meeting named by number from a channel that is not the body's (C_PT is home to
    # unrelated bodies by now): only for its roster and secretariat.
    Action(A, "/agenda", "add 議案 よそからの議題{n} meeting=M2", ROSTER, counter, channel=C_PT),
    Action(A, "/agenda", "list M2", ROSTER, reads=True, channel=C_PT),
    Action("handlers.materials", "/materials", "list M2", ROSTER, reads=True, channel=C_PT),
    Action("handlers.minutes", "/minutes", "note A1 発言{n}", SECRETARIAT, counter),
    Action("handlers.minutes", "/minutes", "draft M1", SECRETARIAT),
    Action("handlers.minutes", "/minutes", "publish M1", SECRETARIAT),
    Action(D, "/decision", "A1 approved 案のとおり", SECRETARIAT),
    Action(D, "/decision", "close D{d} 対応済み", SECRETARIAT | {"owner"}, owned_decision),
    Action(D, "/decisions", "", ALL, reads=True),
    Action(D, "/decisions", "電話システム", ALL, reads=True),
]
REFUSAL = ("だけ",)  # every refusal says who only may do it (perm.* messages)


def seed_for_matrix(live: LiveBot) -> None:
    """A body with a held meeting M1 (items A1, A2, a decision) and a scheduled M2."""
    clock = live.deps.clock
    assert isinstance(clock, MovableClock)
    for user in (U_SUBMITTER, U_OWNER):
        live.slack.add_user(user, user.lower())
    live.setup_body()
    for text in (f"member <@{U_CHAIR}> chair", f"member <@{U_MEMBER}> member"):
        live.command("/meeting", text)
    live.command("/meeting", "schedule 2027-05-12 11:00-12:00")
    live.command("/meeting", "schedule 2027-06-24 11:00-12:00")
    if has_surface(A):
        live.command("/agenda", "add 議案 電話システムの更新", user=U_SUBMITTER)
        live.command("/agenda", "add 報告 庁内ネットワークの状況", user=U_SEC)
    clock.set(datetime(2027, 5, 12, 11, 0, tzinfo=TOKYO))
    live.command("/meeting", "start M1")
    clock.set(datetime(2027, 5, 12, 11, 58, tzinfo=TOKYO))
    live.command("/meeting", "end M1")
    live.settle()


def test_who_may_do_what(live: LiveBot) -> None:
    seed_for_matrix(live)
    checked: list[tuple[str, str, bool]] = []
    for action, (role, user) in itertools.product(ACTIONS, ROLES.items()):
        if not has_surface(action.surface):
            continue
        values = action.prepare(live) if action.prepare else {}
        live.settle()
        text = action.text.format(**values)
        with live.deps.session_factory() as session:
            before = counts(session)
        posts_before = len(live.slack.messages()) + len(live.slack.files())
        answer = live.command(action.command, text, user=user, channel=action.channel)
        live.settle()
        with live.deps.session_factory() as session:
            after = counts(session)
        posted = len(live.slack.messages()) + len(live.slack.files()) - posts_before
        where = (role, action.command, text, answer.text[:300])
        assert answer.status == 200, where
        assert answer.text != live.deps.t("error.internal"), where
        allowed = role in action.allowed
        checked.append((role, f"{action.command} {action.text}", allowed))
        if allowed:
            figures.add("allowed_pairs")
            assert not any(r in answer.text for r in REFUSAL), where
            if action.posts:
                assert posted > 0, ("allowed but nothing posted", where)
            elif not action.reads:
                assert after["audit"] > before["audit"], ("allowed but nothing done", where)
        else:
            figures.add("forbidden_pairs")
            assert any(r in answer.text for r in REFUSAL), ("not refused", where)
            assert after == before, ("refused but written", where, before, after)
            assert posted == 0, ("refused but posted", where)
    assert checked, "no commands to check"
