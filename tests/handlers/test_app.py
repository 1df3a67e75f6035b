"""App-wide delivery rules: a failed modal submission can be submitted again."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from tests.harness import Harness
from tests.slackbench import payloads


def test_a_submission_whose_work_failed_is_taken_when_sent_again(harness: Harness) -> None:
    attempts: list[int] = []

    def flaky(ack: Ack, body: dict[str, Any]) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        ack()

    harness.app.view("flaky_form")(flaky)
    view_id = "VFLAKY001"
    first = harness._send(_submission(view_id))
    assert first.status == 500
    second = harness._send(_submission(view_id))
    assert second.status == 200 and len(attempts) == 2
    third = harness._send(_submission(view_id))  # a double submission of the good one
    assert third.status == 200 and len(attempts) == 2


def _submission(view_id: str) -> dict[str, Any]:
    return payloads.view_submission("flaky_form", {}, "U0SEC", view_id=view_id)
