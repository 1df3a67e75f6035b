"""Disclosure by channel: every (channel kind, disclosure, output) pair.

A closed meeting's minutes draft, its non-public agenda items and the decisions on them may
appear only in a private channel not shared with another organisation (or the requester's
DM). In a public channel or one shared with another organisation the bot posts nothing of
them: the minutes are refused with the reason, agendas and decision answers show the public
version (「（非公開）」).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import MovableClock
from tests.harness import C_MAIN, C_PRIVATE, C_SHARED, U_SEC
from tests.reliability import figures
from tests.reliability.live import LiveBot
from tests.reliability.outputs import mrkdwn_in
from tests.reliability.surfaces import has_surface

TOKYO = ZoneInfo("Asia/Tokyo")
SECRET_ITEM = "職員の懲戒処分について"
SECRET_DECISION = "停職三か月とする"
SECRET_NOTE = "本人の事情聴取の結果"
C_DM = "D0SECDM"
C_ELSEWHERE = "G0ELSEWHERE"  # private, not shared outside, and not the body's


@dataclass(frozen=True)
class Where:
    kind: str
    channel: str
    safe: bool  # private and not shared with another organisation (any body's), or the DM


CHANNELS = [
    Where("public", C_MAIN, False),
    Where("shared", C_SHARED, False),
    Where("private", C_PRIVATE, True),
    Where("private elsewhere", C_ELSEWHERE, True),
    Where("dm", C_DM, True),
]


@dataclass(frozen=True)
class Output:
    name: str
    surface: str
    command: str
    text: str
    secrets: tuple[str, ...]


OUTPUTS = [
    Output("minutes draft", "handlers.minutes", "/minutes", "draft M1", (SECRET_ITEM, SECRET_NOTE)),
    Output("agenda", "handlers.agenda", "/agenda", "list M1", (SECRET_ITEM,)),
    Output("materials", "handlers.materials", "/materials", "list M1", (SECRET_ITEM,)),
    Output("decision answer", "handlers.decision", "/decisions", "懲戒処分", (SECRET_DECISION,)),
    Output("pending decisions", "handlers.decision", "/decisions", "", (SECRET_DECISION,)),
]


def seed_closed_meeting(live: LiveBot) -> None:
    """A body at home in a private channel; M1 is closed (非公開) with a private item."""
    clock = live.deps.clock
    assert isinstance(clock, MovableClock)
    live.slack.add_channel(C_DM, "", "im", user=U_SEC)
    live.command("/meeting", "setup 人事審査会 place=第1会議室", channel=C_PRIVATE)
    live.command(
        "/meeting",
        "schedule 2027-05-12 11:00-12:00 disclosure=closed reason=「個人に関する情報を含むため」",
        channel=C_PRIVATE,
    )
    live.command("/agenda", f"add 議案 {SECRET_ITEM} private=yes", channel=C_PRIVATE)
    live.command("/agenda", "add 報告 研修計画", channel=C_PRIVATE)
    live.command("/materials", "add 議案1 処分案", channel=C_PRIVATE)
    clock.set(datetime(2027, 5, 12, 11, 0, tzinfo=TOKYO))
    live.command("/meeting", "start M1", channel=C_PRIVATE)
    live.command("/minutes", f"note 議案1 {SECRET_NOTE}", channel=C_PRIVATE)
    live.command(
        "/decision",
        f"議案1 approved owner=<@{U_SEC}> due=2027-06-30 {SECRET_DECISION}",
        channel=C_PRIVATE,
    )
    clock.set(datetime(2027, 5, 12, 11, 58, tzinfo=TOKYO))
    live.command("/meeting", "end M1", channel=C_PRIVATE)
    live.settle()


def _seen_in(live: LiveBot, channel: str, since: int, ack: str) -> str:
    """Everything the bot showed in ``channel`` after message ``since``, and the ack."""
    parts = [ack]
    for m in live.slack.messages(channel)[since:]:
        parts += [m.text, *mrkdwn_in(m.blocks or [])]
    for f in live.slack.files(channel):
        parts.append(f.content.decode("utf-8", errors="ignore"))
        parts.append(f.title or "")
    for e in live.slack.ephemerals(channel):
        parts.append(e.text)
    return "\n".join(parts)


def test_non_public_content_stays_in_safe_channels(live: LiveBot) -> None:
    if not (has_surface("handlers.agenda") and has_surface("handlers.decision")):
        pytest.skip("agenda and decisions not there yet")
    seed_closed_meeting(live)
    live.slack.add_channel(C_ELSEWHERE, "another-team", "private")
    checked = 0
    for output in OUTPUTS:
        if not has_surface(output.surface):
            continue
        for where in CHANNELS:
            files_before = {f.id for f in live.slack.files()}
            since = len(live.slack.messages(where.channel))
            answer = live.command(output.command, output.text, channel=where.channel, user=U_SEC)
            live.settle()
            assert answer.status == 200
            assert answer.text, (output.name, where.kind, "no message")
            new_files = [f for f in live.slack.files(where.channel) if f.id not in files_before]
            seen = _seen_in(live, where.channel, since, answer.text)
            seen += "".join(f.content.decode("utf-8", errors="ignore") for f in new_files)
            leaked = [s for s in output.secrets if s in seen]
            label = (output.name, where.kind, answer.text[:300])
            if where.safe:
                figures.add("allowed_pairs")
                if output.name != "pending decisions":  # a list may be answered briefly
                    assert leaked, ("a safe channel gets the full version", label)
            else:
                figures.add("forbidden_pairs")
                figures.add("records_leaked", len(leaked))
                assert not leaked, ("leaked", leaked, label)
            checked += 1
    assert checked >= 10
