"""The Attend / Absent buttons on a meeting's announcement."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot.announce import ABSENT_ACTION, ATTEND_ACTION
from bot.deps import deps_of
from bot.errors import UserError
from bot.meetings import record_attendance

log = logging.getLogger(__name__)


def handle_attendance(
    ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Record the answer (a second press changes it, never doubles it) and confirm privately."""
    ack()
    deps = deps_of(context)
    action = body["actions"][0]
    status = "present" if action["action_id"] == ATTEND_ACTION else "absent"
    user_id = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")
    try:
        meeting_id = int(action.get("value", ""))
    except ValueError:
        log.warning("attendance button without a meeting id: %r", action.get("value"))
        return
    for attempt in range(2):
        try:
            with deps.unit_of_work() as s:
                status = record_attendance(
                    s, meeting_id, user_id, status, _pressed_at(action, deps.clock.now())
                )
            break
        except IntegrityError:
            if attempt:  # two presses raced twice: the other one holds the answer
                raise
        except UserError as exc:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user_id, text=deps.t(exc.key))
            return
        except Exception:  # the database is unreachable, say: the press must not vanish
            log.exception("attendance for M%s could not be recorded", meeting_id)
            if channel:
                client.chat_postEphemeral(
                    channel=channel, user=user_id, text=deps.t("error.internal")
                )
            return
    if channel:
        client.chat_postEphemeral(
            channel=channel, user=user_id, text=deps.t(f"meeting.attendance_{status}")
        )


def _pressed_at(action: dict[str, Any], now: datetime) -> datetime:
    """When the button was pressed, by Slack's ``action_ts`` (else now)."""
    try:
        return datetime.fromtimestamp(float(action["action_ts"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return now


def register(app: App) -> None:
    app.action(ATTEND_ACTION)(handle_attendance)
    app.action(ABSENT_ACTION)(handle_attendance)
