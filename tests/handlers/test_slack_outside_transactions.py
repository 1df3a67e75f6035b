"""Answering a question asks Slack (the channel's kind, thread permalinks) with no database
transaction open: on SQLite one that has written holds the only write lock, so every other
request would wait for Slack too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import Database
from tests.handlers.test_decision import PHONE, held_meeting_with_items, last_post
from tests.harness import C_MAIN, U_OTHER, U_SEC, Harness

WATCHED = ("conversations.info", "chat.getPermalink", "chat.postMessage")


def open_transactions(db: Database) -> int:
    """Transactions of the bot open right now (not this probe's own)."""
    if db.backend == "postgresql":
        with db.engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    # A write lock held elsewhere makes BEGIN IMMEDIATE fail at once (no busy wait).
    probe = sqlite3.connect(str(make_url(db.url).database), timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return 0
    except sqlite3.OperationalError:
        return 1
    finally:
        probe.close()


@pytest.fixture
def calls_in_transaction(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The watched Web API calls made while a transaction was open (bolt makes a client per
    request, so every client is watched)."""
    original: Callable[..., Any] = WebClient.api_call
    seen: list[str] = []

    def api_call(self: WebClient, api_method: str, *args: Any, **kwargs: Any) -> Any:
        if api_method in WATCHED and open_transactions(db):
            seen.append(api_method)
        return original(self, api_method, *args, **kwargs)

    monkeypatch.setattr(WebClient, "api_call", api_call)
    return seen


def test_a_question_is_answered_without_a_transaction_open_while_slack_answers(
    harness: Harness, calls_in_transaction: list[str]
) -> None:
    meeting_id = held_meeting_with_items(harness)
    harness.command("/decision", "議案2 承認")
    calls_in_transaction.clear()

    harness.command("/decisions", "電話", user=U_OTHER)

    answer = last_post(harness, C_MAIN)
    assert PHONE in answer
    # The link is Slack's permalink of the meeting's thread, asked for after the search.
    assert "https://localslack.example/archives/" in answer and "\ue000" not in answer
    assert harness.slack.calls("chat.getPermalink"), "the thread link was not asked of Slack"
    assert calls_in_transaction == [], calls_in_transaction
    assert meeting_id


def test_a_question_in_a_dm_asks_slack_outside_any_writing_transaction(
    harness: Harness, calls_in_transaction: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.handlers.test_decision_disclosure import D_SEC, SECRET, secret_decided

    secret_decided(harness)
    watched = (*WATCHED, "users.info")
    monkeypatch.setattr(__name__ + ".WATCHED", watched)
    calls_in_transaction.clear()
    asked = len(harness.slack.calls("conversations.info"))

    harness.command("/decisions", "庁舎移転", channel=D_SEC, user=U_SEC)

    # The secretariat's own DM shows the non-public decision in full.
    assert SECRET in last_post(harness, D_SEC)
    assert calls_in_transaction == [], calls_in_transaction
    # Slack was asked once what the DM is (its partner came with that answer).
    assert len(harness.slack.calls("conversations.info")) - asked == 1


def test_agenda_list_in_a_dm_asks_slack_once_and_outside_any_transaction(
    harness: Harness, calls_in_transaction: list[str]
) -> None:
    from tests.handlers.test_decision_disclosure import D_SEC, SECRET, secret_decided

    meeting_id = secret_decided(harness)
    calls_in_transaction.clear()
    asked = len(harness.slack.calls("conversations.info"))

    listed = harness.command("/agenda", f"list M{meeting_id}", channel=D_SEC, user=U_SEC).text

    assert SECRET in listed  # the secretariat's own DM shows the non-public item
    assert calls_in_transaction == [], calls_in_transaction
    assert len(harness.slack.calls("conversations.info")) - asked == 1
