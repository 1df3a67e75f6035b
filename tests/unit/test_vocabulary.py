"""References and vocabulary as users type them: accepted forms and rejected forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.vocabulary import (
    Ref,
    looks_like_ref,
    parse_disclosure,
    parse_kind,
    parse_outcome,
    parse_ref,
    parse_role,
    parse_user_mention,
    parse_yes_no,
)
from tests.unit.parsing_support import error_key

# --- references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M12", Ref("meeting", 12)),
        ("m12", Ref("meeting", 12)),
        ("Ｍ１２", Ref("meeting", 12)),
        ("#M12", Ref("meeting", 12)),
        ("A34", Ref("item", 34)),
        ("D5", Ref("decision", 5)),
        ("next", Ref("next")),
        ("Next", Ref("next")),
        ("次回", Ref("next")),
        ("last", Ref("last")),
        ("前回", Ref("last")),
        ("議案2", Ref("item_in_meeting", 2, "proposal")),
        ("議案(2)", Ref("item_in_meeting", 2, "proposal")),
        ("議案（２）", Ref("item_in_meeting", 2, "proposal")),
        ("議案②", Ref("item_in_meeting", 2, "proposal")),
        ("proposal2", Ref("item_in_meeting", 2, "proposal")),
        ("proposal 2", Ref("item_in_meeting", 2, "proposal")),
        ("Proposal2", Ref("item_in_meeting", 2, "proposal")),
        ("報告1", Ref("item_in_meeting", 1, "report")),
        ("報告事項1", Ref("item_in_meeting", 1, "report")),
        ("report1", Ref("item_in_meeting", 1, "report")),
        ("確認1", Ref("item_in_meeting", 1, "confirm")),
        ("確認事項1", Ref("item_in_meeting", 1, "confirm")),
        ("confirm1", Ref("item_in_meeting", 1, "confirm")),
    ],
)
def test_parse_ref(text: str, expected: Ref) -> None:
    assert parse_ref(text) == expected
    assert looks_like_ref(text)
    assert parse_ref(str(expected)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "M",
        "M0",
        "A-1",
        "X12",
        "12",
        "議案",
        "議案0",
        "議題2",
        "agenda2",
        "M1.5",
        "next2",
        "議案(2",
    ],
)
def test_parse_ref_rejects(text: str) -> None:
    assert error_key(parse_ref, text) == "parse.bad_ref"
    assert not looks_like_ref(text)


# --- vocabulary --------------------------------------------------------------------------------

VOCABULARY: list[tuple[Callable[[str], object], str, object]] = [
    *[(parse_kind, s, "confirm") for s in ("confirm", "CONFIRM", "確認", "確認事項")],
    *[(parse_kind, s, "proposal") for s in ("proposal", "議案")],
    *[(parse_kind, s, "report") for s in ("report", "報告", "報告事項")],
    *[(parse_outcome, s, "approved") for s in ("approved", "approve", "承認", "可決")],
    *[(parse_outcome, s, "amended") for s in ("amended", "修正承認")],
    *[(parse_outcome, s, "rejected") for s in ("rejected", "否決")],
    *[(parse_outcome, s, "reexamine") for s in ("reexamine", "re-examine", "再検討")],
    *[(parse_outcome, s, "deferred") for s in ("deferred", "継続審議")],
    *[(parse_outcome, s, "noted") for s in ("noted", "Noted", "了承")],
    *[(parse_disclosure, s, "public") for s in ("public", "公開")],
    *[(parse_disclosure, s, "closed") for s in ("closed", "private", "非公開")],
    *[(parse_disclosure, s, "partial") for s in ("partial", "一部非公開")],
    *[(parse_yes_no, s, True) for s in ("yes", "YES", "true", "1", "on", "はい", "１")],
    *[(parse_yes_no, s, False) for s in ("no", "false", "0", "off", "いいえ")],
    *[(parse_role, s, "chair") for s in ("chair", "本部長", "委員長", "議長")],
    *[(parse_role, s, "vice_chair") for s in ("vice_chair", "vice-chair", "副本部長", "副委員長")],
    *[(parse_role, s, "member") for s in ("member", "部員", "委員")],
    *[(parse_role, s, "secretariat") for s in ("secretariat", "事務局")],
]


@pytest.mark.parametrize(("fn", "text", "expected"), VOCABULARY)
def test_vocabulary(fn: Callable[[str], object], text: str, expected: object) -> None:
    assert fn(text) == expected


@pytest.mark.parametrize(
    ("fn", "key"),
    [
        (parse_kind, "parse.bad_kind"),
        (parse_outcome, "parse.bad_outcome"),
        (parse_disclosure, "parse.bad_disclosure"),
        (parse_yes_no, "parse.bad_yes_no"),
        (parse_role, "parse.bad_role"),
        (parse_user_mention, "parse.bad_mention"),
    ],
)
@pytest.mark.parametrize("text", ["", "maybe", "議題", "承認済み", "<@U1", "yes please"])
def test_vocabulary_rejects(fn: Callable[[str], object], key: str, text: str) -> None:
    assert error_key(fn, text) == key


@pytest.mark.parametrize(
    ("text", "user"),
    [("<@U123ABC>", "U123ABC"), ("<@U123ABC|taro>", "U123ABC"), (" <@W9Z> ", "W9Z")],
)
def test_parse_user_mention(text: str, user: str) -> None:
    assert parse_user_mention(text) == user


@pytest.mark.parametrize("text", ["@taro", "U123ABC", "<@u123>", "<#C123>", "<@U1><@U2>", "<@>"])
def test_parse_user_mention_rejects(text: str) -> None:
    assert error_key(parse_user_mention, text) == "parse.bad_mention"
