"""Injection: user text is shown literally, never as markup, template code or SQL.

Mentions, channel pings and disguised links typed into every free-text field come out
escaped in every message the fake Slack received (and in every ack); ``{{ 7*7 }}`` stays
literal text; SQL metacharacters are stored as typed.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import MovableClock
from storage.models import AgendaItem, Body, Meeting, Note
from tests.harness import C_MAIN, C_PRIVATE, U_MEMBER, U_SEC
from tests.reliability import figures
from tests.reliability.live import LiveBot, Timed
from tests.reliability.outputs import said
from tests.reliability.state import seed
from tests.reliability.surfaces import has_surface
from tests.slackbench import payloads

EVIL = "<!channel> <@U0EVIL> <https://evil.example|click> {{ 7*7 }} '; DROP TABLE agenda_items; --"
Q = f"「{EVIL}」"
RAW_MARKUP = ("<!channel>", "<@U0EVIL>", "<https://evil", "<!here>")
TOKYO = ZoneInfo("Asia/Tokyo")

# (surface, command, text, user, channel): every free-text field of every command.
STEPS = [
    (
        "handlers.meeting",
        "/meeting",
        f"setup 注入試験本部 secretariat={Q} place={Q}",
        U_SEC,
        C_PRIVATE,
    ),
    (
        "handlers.meeting",
        "/meeting",
        f"schedule 2027-08-05 10:00-11:00 place={Q} disclosure=partial reason={Q}",
        U_SEC,
        C_PRIVATE,
    ),
    ("handlers.meeting", "/meeting", f"config reason={Q} place={Q} secretariat={Q}", U_SEC, C_MAIN),
    ("handlers.meeting", "/meeting", f"schedule 2027-08-19 10:00-11:00 place={Q}", U_SEC, C_MAIN),
    ("handlers.meeting", "/meeting", f"cancel M{{last}} {Q}", U_SEC, C_MAIN),
    ("handlers.meeting", "/meeting", f"show {EVIL}", U_MEMBER, C_MAIN),
    ("handlers.agenda", "/agenda", f"add 議案 {Q} presenter={Q} summary={Q}", U_MEMBER, C_MAIN),
    ("handlers.agenda", "/agenda", f"add 報告 {Q}", U_MEMBER, C_MAIN),
    ("handlers.agenda", "/agenda", "list", U_MEMBER, C_MAIN),
    ("handlers.agenda", "/agenda", f"reject 報告2 {EVIL}", U_SEC, C_MAIN),
    ("handlers.agenda", "/agenda", "post", U_SEC, C_MAIN),
    ("handlers.materials", "/materials", f"add 議案2 {Q}", U_MEMBER, C_MAIN),
    ("handlers.materials", "/materials", "list", U_MEMBER, C_MAIN),
    ("handlers.meeting", "/meeting", "start M1", U_SEC, C_MAIN),
    ("handlers.minutes", "/minutes", f"note 議案2 {EVIL}", U_SEC, C_MAIN),
    (
        "handlers.decision",
        "/decision",
        f"議案2 reexamine owner={Q} due=2027-07-30 {EVIL}",
        U_SEC,
        C_MAIN,
    ),
    ("handlers.meeting", "/meeting", "end M1", U_SEC, C_MAIN),
    ("handlers.minutes", "/minutes", "draft", U_SEC, C_MAIN),
    ("handlers.minutes", "/minutes", "publish", U_SEC, C_MAIN),
    ("handlers.decision", "/decisions", EVIL, U_MEMBER, C_MAIN),
    ("handlers.decision", "/decisions", "", U_MEMBER, C_MAIN),
    ("handlers.meeting", "/meeting", "audit", U_SEC, C_MAIN),
    ("handlers.meeting", "/meeting", f"schedule {EVIL} 10:00-11:00", U_SEC, C_MAIN),
    ("handlers.meeting", "/meeting", f"list fy={Q}", U_SEC, C_MAIN),
]


def test_user_text_is_never_markup_template_or_sql(live: LiveBot) -> None:
    clock = live.deps.clock
    assert isinstance(clock, MovableClock)
    ids = seed(live)
    acks: list[object] = []
    for surface, command, text, user, channel in STEPS:
        if not has_surface(surface):
            continue
        if text.startswith("start"):
            clock.set(datetime(2027, 6, 24, 11, 0, tzinfo=TOKYO))
            _reply_in_item_thread(live, acks)
        if text.startswith("end"):
            clock.set(datetime(2027, 6, 24, 11, 58, tzinfo=TOKYO))
        text = text.replace("{last}", str(_last_meeting(live)))
        answer: Timed = live.command(command, text, user=user, channel=channel)
        figures.add("injection_payloads")
        assert answer.status == 200, (command, text, answer.response)
        assert answer.text != live.deps.t("error.internal"), (command, text)
        acks.append(answer.response.body)
        live.settle()
    if has_surface("handlers.mention"):
        live.event(payloads.app_mention(f"<@U0BOT> {EVIL}", U_MEMBER, C_MAIN))
        figures.add("injection_payloads")
    if has_surface("handlers.agenda_modal"):
        live.submit(
            "agenda_submit",
            {
                "meeting": {"value": _select(str(ids["M2"]))},
                "kind": {"value": _select("report")},
                "title": {"value": EVIL},
                "summary": {"value": EVIL},
            },
            user=U_MEMBER,
            private_metadata=json.dumps({"channel": C_MAIN}),
        )
        figures.add("injection_payloads")
    live.settle()
    assert not live.errors.records, live.errors.describe()

    texts = said(live.slack, acks)
    leaks = [(where, text) for where, text in texts for raw in RAW_MARKUP if raw in text]
    figures.add("records_leaked", len(leaks))
    assert not leaks, leaks
    shown = "\n".join(text for _, text in texts)
    assert "&lt;!channel&gt;" in shown  # the text arrived, escaped
    assert "{{ 7*7 }}" in shown  # never rendered as a template
    for file in live.slack.files():  # minutes drafts (Markdown, Word): the text, literally
        content = _document_text(file.name, file.content)
        if "DROP TABLE" in content:
            assert "{{ 7*7 }}" in content, file.name

    with live.deps.session_factory() as session:
        body = session.scalar(select(Body).where(Body.name == "注入試験本部"))
        assert body is not None and body.default_place == EVIL and body.secretariat_dept == EVIL
        if has_surface("handlers.agenda"):
            titles = set(session.scalars(select(AgendaItem.title)))
            assert EVIL in titles  # stored as typed: quotes, semicolons, dashes and all
        if has_surface("handlers.minutes"):
            # Notes keep Slack markup as plain words (for the minutes), the rest as typed.
            notes = list(session.scalars(select(Note.text)))
            assert any("{{ 7*7 }} '; DROP TABLE agenda_items; --" in n for n in notes), notes


def _document_text(name: str, content: bytes) -> str:
    if name.endswith(".docx"):
        with zipfile.ZipFile(io.BytesIO(content)) as docx:
            return docx.read("word/document.xml").decode("utf-8")
    return content.decode("utf-8", errors="replace")


def _select(value: str) -> dict[str, object]:
    return {"type": "static_select", "selected_option": {"value": value}}


def _last_meeting(live: LiveBot) -> int:
    with live.deps.session_factory() as session:
        return int(session.scalar(select(Meeting.id).order_by(Meeting.id.desc())) or 0)


def _reply_in_item_thread(live: LiveBot, acks: list[object]) -> None:
    """After the start, a reply in an item's thread is a note: send one with the payload."""
    if not has_surface("handlers.messages"):
        return
    live.command("/meeting", "start M1")
    live.settle()
    with live.deps.session_factory() as session:
        ts = session.scalar(select(AgendaItem.thread_ts).where(AgendaItem.thread_ts.is_not(None)))
    if ts:
        live.event(payloads.message_event(EVIL, U_MEMBER, C_MAIN, thread_ts=str(ts)))
        figures.add("injection_payloads")
