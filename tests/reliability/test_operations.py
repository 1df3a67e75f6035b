"""Abuse and operations: the submission limit, the audit view, secrets kept out of logs and
answers, and `secretariat db backup` of a live SQLite database."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.bodies import setup_body
from bot.clock import MovableClock
from bot.deps import Deps
from bot.localslack import LocalSlack
from bot.permissions import Actor
from bot.ratelimit import SUBMISSION_LIMIT, submissions_in_window
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import AgendaItem, AuditEntry, Body
from tests.e2e.conftest import BotProcess
from tests.harness import C_MAIN, U_MEMBER, U_OTHER, U_SEC, populate
from tests.reliability import figures
from tests.reliability.live import LiveBot, serve
from tests.reliability.state import seed
from tests.reliability.surfaces import has_surface
from tests.slackbench import payloads

# -- the submission limit ----------------------------------------------------------------


def test_submission_limit_is_per_user_shared_by_instances_and_says_when(
    live: LiveBot, deps: Deps, live_slack: LocalSlack
) -> None:
    if not has_surface("handlers.agenda"):
        pytest.skip("handlers.agenda not there yet")
    seed(live)
    other, served = serve(deps, live_slack)  # a second instance on the same database
    try:
        with live.deps.session_factory() as session:
            before = session.scalar(select(func.count()).select_from(AgendaItem)) or 0
            made = submissions_in_window(session, U_MEMBER, live.deps.clock.now())
        allowed = SUBMISSION_LIMIT - made  # the seed's item and material count too
        for n in range(allowed):
            bot = (live, other)[n % 2]
            answer = bot.command("/agenda", f"add 報告 連投{n}", user=U_MEMBER)
            assert re.search(r"A\d+", answer.text), answer.text
        refused = other.command("/agenda", "add 報告 多すぎる提出", user=U_MEMBER)
        assert refused.text == live.deps.t(
            "reliability.rate_limited", limit=SUBMISSION_LIMIT, window=10, minutes=10
        ), refused.text
        # Others are not held back by it, nor is the secretariat.
        assert re.search(r"A\d+", live.command("/agenda", "add 報告 別の人", user=U_OTHER).text)
        assert re.search(r"A\d+", live.command("/agenda", "add 報告 事務局", user=U_SEC).text)
        clock = live.deps.clock
        assert isinstance(clock, MovableClock)
        clock.advance(timedelta(minutes=10, seconds=1))
        later = live.command("/agenda", "add 報告 時間をおいて", user=U_MEMBER)
        assert re.search(r"A\d+", later.text), later.text
        with live.deps.session_factory() as session:
            after = session.scalar(select(func.count()).select_from(AgendaItem)) or 0
            titles = set(session.scalars(select(AgendaItem.title)))
        assert after - before == allowed + 3
        assert "多すぎる提出" not in titles
    finally:
        served.close()
        other.executor.shutdown(wait=True)


# -- the audit view ---------------------------------------------------------------------------


def test_secretariat_sees_who_did_what(live: LiveBot) -> None:
    seed(live)
    live.command("/meeting", "cancel M2 会場の都合")
    trail = live.command("/meeting", "audit 30").text
    assert "行政情報化推進本部の操作記録" in trail
    for expected in ("会議体を登録", "会議を登録", "会議を中止", "名簿を変更", "<@U0SEC>"):
        assert expected in trail, (expected, trail)
    if has_surface("handlers.agenda"):
        assert "議題を提出" in trail and "<@U0MEMBER>" in trail
    assert trail.index("会議を中止") < trail.index("会議体を登録")  # newest first
    three = live.command("/meeting", "audit 3").text
    assert three.count("\n•") == 3 or three.count("• ") == 3, three
    for user in (U_MEMBER, U_OTHER):
        refused = live.command("/meeting", "audit", user=user).text
        assert "事務局" in refused and "操作記録" in refused, refused
        assert "会議体を登録" not in refused
    wrong = live.command("/meeting", "audit 1000").text
    assert "1〜100" in wrong and "/meeting audit" in wrong, wrong


# -- secrets ----------------------------------------------------------------------------------

TOKEN = "xoxb-1111-2222-DISTINCTIVE3333token"
SECRET = "signing-SECRET-distinctive-9f8e7d6c5b4a"


def test_tokens_and_secrets_never_reach_logs_or_answers(tmp_path: Path) -> None:
    with LocalSlack(token=TOKEN) as slack:
        populate(slack)
        db = tmp_path / "secrets.sqlite3"
        bot = BotProcess(slack, f"sqlite:///{db}", tmp_path)
        bot.env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
        bot.http.signing_secret = SECRET
        bot.start()
        answers: list[str] = []
        try:

            def run(text: str, user: str = U_SEC) -> None:
                answers.append(
                    bot.command("/meeting", text, user=user, channel=C_MAIN, slack=slack)
                )

            run("setup 行政情報化推進本部")
            # Slack refusing the token after start-up (revoked): every post fails.
            slack.fail_next(None, status=200, error="invalid_auth", count=50)
            run("schedule 2027-06-24 11:00-12:00")
            run("schedule 2027-07-01 11:00-12:00", user=U_MEMBER)  # admin lookup refused too
            payload = payloads.slash_command("/meeting", "help", U_SEC, C_MAIN)
            for forged in ({"bad_signature": True}, {"stale": True}):
                response = bot.http.post(payload, **forged)
                answers.append(str(response.body))
                figures.add("rejected_requests")
            slack.wait_for(lambda: len(slack.failed_calls()) >= 1, timeout=15)
            figures.add("faults_injected", len(slack.failed_calls()))
        finally:
            bot.kill()
        # A revoked token at start-up: refused, said so, exit status 2.
        stale = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            env={**bot.env, "SLACK_BOT_TOKEN": "xoxb-9999-REVOKED-distinctive"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert stale.returncode == 2
    assert "invalid_auth" in stale.stderr and "REVOKED" not in stale.stderr
    log = bot.log.read_text(encoding="utf-8", errors="replace")
    assert "failed" in log or "invalid_auth" in log  # the errors were provoked and logged
    everything = "\n".join([log, stale.stderr, *answers, db.read_bytes().decode("latin-1")])
    for secret in (TOKEN, SECRET, "DISTINCTIVE3333", "distinctive-9f8e"):
        count = everything.count(secret)
        figures.add("records_leaked", count)
        assert count == 0, (secret, [line for line in log.splitlines() if secret in line][:3])


# -- backup of a live database ------------------------------------------------------------------


def test_backup_of_a_live_sqlite_database_is_consistent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    clock = MovableClock(datetime(2027, 5, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    stop = threading.Event()
    written = [0]

    def write() -> None:  # bodies and their audit entries, one unit of work each
        n = 0
        while not stop.is_set():
            n += 1
            with factory.begin() as session:
                setup_body(
                    session,
                    name=f"本部{n}" + "あ" * 150,
                    channel_id=C_MAIN,
                    actor=Actor(U_SEC),
                    now=clock.now(),
                    place="庁議室" * 50,
                )
            written[0] = n

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = []
        for k in range(3):
            target = tmp_path / f"copy{k}.sqlite3"
            before = written[0]
            done = subprocess.run(
                [sys.executable, "-m", "bot.cli", "db", "backup", str(target)],
                env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            copies.append((target, before, written[0]))
    finally:
        stop.set()
        writer.join()
    engine.dispose()
    assert written[0] > 0
    for target, before, after in copies:
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            bodies = copy.execute(f"SELECT count(*) FROM {Body.__tablename__}").fetchone()[0]
            audited = copy.execute(
                f"SELECT count(*) FROM {AuditEntry.__tablename__} WHERE action = 'body.setup'"
            ).fetchone()[0]
            roster = copy.execute("SELECT count(*) FROM roster_entries").fetchone()[0]
        # A snapshot between two units of work: every body with its roster and audit entry.
        assert bodies == audited == roster, (target, bodies, audited, roster)
        assert before <= bodies <= after + 1, (before, bodies, after)
