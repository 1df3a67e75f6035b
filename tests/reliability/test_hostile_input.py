"""Bad input: thousands of generated texts to every command, over HTTP.

Every answer is a 200 inside Slack's 3 seconds with a message (or an opened modal), never a
5xx, a traceback or the "please try again" of an unhandled error, and afterwards the
database holds no half-written record. The parsers have their own property tests
(tests/unit/test_parsing.py, test_dates.py, test_vocabulary.py); this one throws the same
kind of input at the whole stack.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import strip_invisible
from tests.reliability import figures
from tests.reliability.live import SLACK_DEADLINE, LiveBot
from tests.reliability.state import half_written, seed
from tests.reliability.surfaces import CHANNELS, USERS, CommandForm, forms
from tests.slackbench import payloads

# Wrong dates and times, unknown references, full/half-width mixes, emoji, zero-width and
# right-to-left characters, quotes left open, option syntax gone wrong, mrkdwn and templates.
FRAGMENTS = (
    "2027-02-30",
    "2027-13-01",
    "0000-00-00",
    "6/31",
    "13月40日",
    "令和0年2月30日",
    "R99.99.99",
    "平成31年5月1日",
    "25:00-26:00",
    "12:00-11:00",
    "11時-",
    "-12:00",
    "11:00〜",
    "11:00～12:00",
    "１１：００－１２：００",
    "２０２７年６月２４日",
    "M0",
    "M99999",
    "M-1",
    "A0",
    "A99999",
    "D99999",
    "議案0",
    "議案99",
    "proposal999",
    "報告-1",
    "next",
    "last",
    "M1",
    "A1",
    "D1",
    "議案1",
    "approved",
    "再検討",
    "close",
    "yes",
    "no",
    "private=yes",
    "private=maybe",
    "reference=ja",
    "to=M99",
    "to=",
    "body=",
    "body=存在しない本部",
    "meeting=M99",
    "owner=<@U0NOBODY>",
    "owner=",
    "due=2020-01-01",
    "due=明日",
    "fy=99999",
    "fy=all",
    "disclosure=secret",
    "reason=",
    "minutes=0",
    "minutes=-5",
    "minutes=99999999999",
    "agenda_deadline=999999bd",
    "reminders=1h,,",
    "template=../../etc/passwd",
    "=",
    "＝",
    "key=value=value",
    "title=",
    '"',
    "'",
    "「",
    "『未完",
    '"閉じない',
    "」",
    "“",
    "‘",
    "\u200b",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "مرحبا",
    "שלום",
    "\u202eevil\u202c",
    "👍🏽",
    "🎌",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "ｈｅｌｐ",
    "ＡＤＤ",
    "　",
    "\t",
    "\n",
    "\r\n",
    "<!channel>",
    "<!here>",
    "<@U0OTHER>",
    "<#C0MAIN>",
    "<https://evil.example|click>",
    "&amp;",
    "&lt;",
    "*bold*",
    "`code`",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{name}",
    "%s",
    "'; DROP TABLE agenda_items; --",
    "\\",
    "\x00",
    "\x07",
    "𠮷野家",
    "髙橋",
    "①②③",
    "Ⅻ",
)
LONG = ("あ" * 100_000, "a" * 100_000, "議案 " + "🎌" * 25_000, '"' + "x" * 100_000, "M1 " * 1400)

FORMS = forms()
words = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
)
hostile = st.lists(words, max_size=8).map(" ".join)
# The 100 kB strings travel as a short marker, so a failing example stays readable.
MARKERS = [f"<<LONG{i}>>" for i in range(len(LONG))]
texts = st.integers(0, 59).flatmap(lambda n: st.sampled_from(MARKERS) if n == 0 else hostile)


def expand(text: str) -> str:
    for marker, long in zip(MARKERS, LONG, strict=True):
        text = text.replace(marker, long)
    return text


FORBIDDEN_IN_ANSWERS = ("Traceback", 'File "', "sqlalchemy", "psycopg", "Error(", "Exception")

EXAMPLES = 800  # per backend; with the events below, over 1,000 inputs per backend


def _check_answer(live: LiveBot, form: CommandForm, text: str, answer: object) -> None:
    from tests.reliability.live import Timed

    assert isinstance(answer, Timed)
    figures.add("generated_inputs")
    assert answer.status == 200, (form, text, answer.response)
    if answer.seconds >= SLACK_DEADLINE:
        figures.add("answers_over_3s")
    assert answer.seconds < SLACK_DEADLINE, (form, text, answer.seconds)
    shown = answer.text
    for word in FORBIDDEN_IN_ANSWERS:
        assert word not in shown, (form, text, shown)
    assert shown != live.deps.t("error.internal"), (form, text, live.errors.describe())
    typed = strip_invisible(f"{form.first} {expand(text)}").strip()
    if not shown:
        # No message only when a modal opens instead (no arguments, or a modal subcommand).
        live.settle()
        assert live.slack.calls("views.open"), (form, text, "no message and no modal")
        assert len(typed.split()) <= 1, (form, text, "no message")


def test_every_command_answers_every_input(live: LiveBot) -> None:
    seed(live)
    opened_before = len(live.slack.calls("views.open"))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        form=st.sampled_from(FORMS),
        text=texts,
        user=st.sampled_from(USERS),
        channel=st.sampled_from(CHANNELS),
    )
    def one(form: CommandForm, text: str, user: str, channel: str) -> None:
        answer = live.command(
            form.command, f"{form.first} {text}".strip(), user=user, channel=channel
        )
        _check_answer(live, form, text, answer)
        assert not live.errors.records, (form, text, live.errors.describe())

    one()
    live.settle()
    assert not live.errors.records, live.errors.describe()
    assert len(live.slack.calls("views.open")) >= opened_before
    with live.deps.session_factory() as session:
        problems = half_written(session)
    assert not problems, problems


def test_events_with_hostile_text(live: LiveBot) -> None:
    """Mentions and thread replies carry free text too; they are answered or ignored cleanly."""
    from tests.harness import C_MAIN, U_MEMBER

    seed(live)
    live.command("/meeting", "start M1")
    live.settle()
    threads = [m.ts for m in live.slack.messages(C_MAIN)] or ["1700000000.000100"]

    @settings(
        max_examples=EXAMPLES // 3,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=texts, thread=st.sampled_from(threads), mention=st.booleans())
    def one(text: str, thread: str, mention: bool) -> None:
        if mention:
            event = payloads.app_mention(f"<@U0BOT> {expand(text)}", U_MEMBER, C_MAIN)
        else:
            event = payloads.message_event(expand(text), U_MEMBER, C_MAIN, thread_ts=thread)
        answer = live.event(event)
        figures.add("generated_inputs")
        assert answer.status == 200, answer.response
        assert answer.seconds < SLACK_DEADLINE
        live.settle()
        assert not live.errors.records, (text, live.errors.describe())

    one()
    with live.deps.session_factory() as session:
        problems = half_written(session)
    assert not problems, problems
