"""References (``M12``, ``A34``, ``D5``, ``next``, ``議案2``) and the fixed vocabulary users type.

Item kinds, decision outcomes, disclosure levels, yes/no, roster roles and user mentions, each
read in English or Japanese. Like every parser of user input (see :mod:`bot.parsing`), these
NFKC-normalise first and report each mistake as a :class:`~bot.errors.UserError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from bot.errors import UserError
from bot.parsing import prepare_input, shown_value

Kind = Literal["confirm", "proposal", "report"]
Outcome = Literal["approved", "amended", "rejected", "reexamine", "deferred", "noted"]
Disclosure = Literal["public", "closed", "partial"]
Role = Literal["chair", "vice_chair", "member", "secretariat"]
RefKind = Literal["meeting", "item", "decision", "next", "last", "item_in_meeting"]

_T = TypeVar("_T")


# --- references --------------------------------------------------------------------------------

_KINDS: dict[str, Kind] = {
    "confirm": "confirm",
    "確認": "confirm",
    "確認事項": "confirm",
    "proposal": "proposal",
    "議案": "proposal",
    "report": "report",
    "報告": "report",
    "報告事項": "report",
}
_REF_LETTERS: dict[str, RefKind] = {"m": "meeting", "a": "item", "d": "decision"}
_REF_WORDS: dict[str, RefKind] = {
    "next": "next",
    "次回": "next",
    "last": "last",
    "previous": "last",
    "前回": "last",
}
_REF_ID = re.compile(r"#?(?P<letter>[MADmad])(?P<n>\d{1,9})")
_REF_IN_MEETING = re.compile(
    r"(?P<kind>[a-zA-Z]+|確認事項|確認|議案|報告事項|報告)(?:(?P<n>\d{1,9})|\((?P<p>\d{1,9})\))"
)


@dataclass(frozen=True)
class Ref:
    """What a user points at: ``M12``, ``A34``, ``D5``, ``next``/``last``, or ``議案2``."""

    kind: RefKind
    number: int | None = None
    item_kind: Kind | None = None

    def __str__(self) -> str:
        if self.kind in ("next", "last"):
            return self.kind
        if self.kind == "item_in_meeting":
            return f"{self.item_kind}{self.number}"
        letter = {"meeting": "M", "item": "A", "decision": "D"}[self.kind]
        return f"{letter}{self.number}"


def parse_ref(s: str) -> Ref:
    """A reference to a meeting, agenda item or decision.

    Raises:
        UserError: ``parse.bad_ref``.
    """
    raw = prepare_input(s)
    value = re.sub(r"\s+", "", raw)
    if value.lower() in _REF_WORDS:
        return Ref(_REF_WORDS[value.lower()])
    m = _REF_ID.fullmatch(value)
    if m is not None and int(m.group("n")) > 0:
        return Ref(_REF_LETTERS[m.group("letter").lower()], int(m.group("n")))
    m = _REF_IN_MEETING.fullmatch(value)
    if m is not None:
        item_kind = _KINDS.get(m.group("kind").lower())
        number = int(m.group("n") or m.group("p"))
        if item_kind is not None and number > 0:
            return Ref("item_in_meeting", number, item_kind)
    raise UserError("parse.bad_ref", value=shown_value(raw))


def looks_like_ref(s: str) -> bool:
    """Whether ``s`` reads as a reference (so a command can tell it from a title)."""
    try:
        parse_ref(s)
    except UserError:
        return False
    return True


# --- vocabulary --------------------------------------------------------------------------------


def _lookup(table: Mapping[str, _T], s: str, key: str) -> _T:
    raw = prepare_input(s)
    found = table.get(re.sub(r"[\s-]+", "_", raw.lower()))
    if found is None:
        raise UserError(key, value=shown_value(raw))
    return found


def parse_kind(s: str) -> Kind:
    """``confirm``/``確認事項``, ``proposal``/``議案``, ``report``/``報告事項``."""
    return _lookup(_KINDS, s, "parse.bad_kind")


_OUTCOMES: dict[str, Outcome] = {
    **dict.fromkeys(("approved", "approve", "承認", "可決", "原案承認"), "approved"),
    **dict.fromkeys(("amended", "amend", "修正承認", "修正可決"), "amended"),
    **dict.fromkeys(("rejected", "reject", "否決", "不承認"), "rejected"),
    **dict.fromkeys(("reexamine", "re_examine", "再検討"), "reexamine"),
    **dict.fromkeys(("deferred", "defer", "継続審議", "継続"), "deferred"),
    **dict.fromkeys(("noted", "note", "了承"), "noted"),
}


def parse_outcome(s: str) -> Outcome:
    """``approved`` 承認, ``amended`` 修正承認, ``rejected`` 否決, ``reexamine`` 再検討,
    ``deferred`` 継続審議, ``noted`` 了承."""
    return _lookup(_OUTCOMES, s, "parse.bad_outcome")


_DISCLOSURES: dict[str, Disclosure] = {
    **dict.fromkeys(("public", "open", "公開"), "public"),
    **dict.fromkeys(("closed", "private", "非公開"), "closed"),
    **dict.fromkeys(("partial", "partially_closed", "一部非公開", "一部公開"), "partial"),
}


def parse_disclosure(s: str) -> Disclosure:
    """``public`` 公開, ``closed`` 非公開, ``partial`` 一部非公開."""
    return _lookup(_DISCLOSURES, s, "parse.bad_disclosure")


_YES_NO: dict[str, bool] = {
    **dict.fromkeys(("yes", "y", "true", "1", "on", "はい", "する", "あり"), True),
    **dict.fromkeys(("no", "n", "false", "0", "off", "いいえ", "しない", "なし"), False),
}


def parse_yes_no(s: str) -> bool:
    """``yes``/``no``, ``true``/``false``, ``1``/``0``, ``on``/``off``, ``はい``/``いいえ``."""
    return _lookup(_YES_NO, s, "parse.bad_yes_no")


_ROLES: dict[str, Role] = {
    **dict.fromkeys(("chair", "本部長", "委員長", "議長", "会長", "部会長"), "chair"),
    **dict.fromkeys(
        ("vice_chair", "vicechair", "副本部長", "副委員長", "副議長", "副会長"), "vice_chair"
    ),
    **dict.fromkeys(("member", "部員", "委員", "構成員"), "member"),
    **dict.fromkeys(("secretariat", "事務局"), "secretariat"),
}


def parse_role(s: str) -> Role:
    """``chair`` 本部長/委員長/議長, ``vice_chair`` 副本部長/副委員長, ``member`` 部員/委員,
    ``secretariat`` 事務局."""
    return _lookup(_ROLES, s, "parse.bad_role")


_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^<>]*)?>")


def parse_user_mention(s: str) -> str:
    """The user id of a Slack mention ``<@U123ABC>`` or ``<@U123ABC|name>``.

    Raises:
        UserError: ``parse.bad_mention``.
    """
    value = prepare_input(s)
    m = _MENTION.fullmatch(value)
    if m is None:
        raise UserError("parse.bad_mention", value=shown_value(value))
    return m.group("id")
