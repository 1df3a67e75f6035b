"""Running a slash command: parse, do the work in one transaction, answer in the ack.

The ack carries the ephemeral answer (confirmation or mistake), so the user hears back
within Slack's 3 seconds whatever the Web API is doing. Posting to channels, uploading and
opening DMs happen after the ack, in ``Reply.after_ack``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.deps import Deps, deps_of
from bot.errors import UserError
from bot.i18n import has, t
from bot.parsing import Args, check_length, parse_args
from bot.text import escape_mrkdwn, normalize, strip_invisible
from storage.db import background_writes

log = logging.getLogger(__name__)

AfterAck = Callable[[WebClient], None]

# Post-ack work waits on Slack, so it runs on threads of its own: on bolt's listener threads
# (five by default) it would hold the threads that acknowledge the next commands, and a slow
# Slack would delay every acknowledgement past Slack's 3 seconds (bench: ack).
_AFTER_ACK = ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-ack")
# Of those threads, one at a time computes (searches, renders, reads the database); the others
# wait for Slack, which they do without the turn. Python runs one thread at a time, and each
# thread computing beside the acknowledgements would take its share of the interpreter from
# them: with a backlog of searches, the next commands' acks waited behind all of them.
_COMPUTE_TURN = threading.Semaphore(1)


@dataclass
class Reply:
    """What a command answers: ephemeral text (and blocks), then work for after the ack."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    after_ack: list[AfterAck] = field(default_factory=list)


@dataclass(frozen=True)
class CommandContext:
    """A slash command as the services see it: who, where, and what they typed."""

    deps: Deps
    client: WebClient
    command: str
    text: str  # as typed, less invisible characters; parsers apply NFKC themselves
    user_id: str
    channel_id: str
    team_id: str | None
    trigger_id: str | None

    @property
    def lang(self) -> str:
        return self.deps.lang

    def t(self, key: str, **params: Any) -> str:
        """The catalog text with ``params`` escaped for mrkdwn (``Mrkdwn`` values as they are)."""
        return self.deps.t(key, **_escaped(params))


def command_args(text: str, allowed: tuple[str, ...], usage: str) -> Args:
    """``parse_args`` whose mistakes show ``usage`` as the right form."""
    try:
        return parse_args(text, allowed=allowed)
    except UserError as exc:
        raise exc.with_usage(usage) from None


def split_subcommand(text: str) -> tuple[str, str]:
    """The first word of a command's text, NFKC-normalised, and the rest as typed.

    Any whitespace ends the subcommand, the ideographic space a Japanese IME types included,
    and the subcommand reads through NFKC so ``ａｄｄ`` is ``add``; the rest keeps its
    full-width brackets and kana for the parsers and the titles they store.

    Returns:
        ``(subcommand, rest)``; both empty for blank text, ``rest`` stripped.
    """
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return normalize(parts[0]), parts[1].strip() if len(parts) > 1 else ""


LABELS = ("action.", "field.", "meeting.status_")


def _label(lang: str, key: str) -> str:
    return t(lang, key) if has(key) else key.rpartition(".")[2]


def error_text(lang: str, error: UserError) -> str:
    """The message for a mistake, followed by the right form when one is known."""
    # A parameter may itself name a catalog entry (an action's or a field's label), shown
    # translated; a field without a label shows its column name.
    params = {
        name: _label(lang, value) if isinstance(value, str) and value.startswith(LABELS) else value
        for name, value in error.params.items()
    }
    # The mistake is shown back as typed: escaped, so it cannot ping or link (<!channel>).
    message = t(lang, error.key, **_escaped(params))
    if error.usage:
        message += "\n" + t(lang, "error.right_form", usage=t(lang, error.usage))
    return message


def _escaped(params: dict[str, Any]) -> dict[str, Any]:
    """User text in message parameters, escaped for mrkdwn; trusted ``Mrkdwn`` is kept."""
    return {k: escape_mrkdwn(v) if isinstance(v, str) else v for k, v in params.items()}


def run_command(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    handle: Callable[[CommandContext], Reply],
) -> None:
    """Answer one slash command with ``handle``; never lets an exception reach the user."""
    deps = deps_of(context)
    ctx = CommandContext(
        deps=deps,
        client=client,
        command=str(body.get("command", "")),
        text=strip_invisible(str(body.get("text") or "")).strip(),
        user_id=str(body.get("user_id", "")),
        channel_id=str(body.get("channel_id", "")),
        team_id=body.get("team_id"),
        trigger_id=body.get("trigger_id"),
    )
    try:
        check_length(ctx.text)
        reply = handle(ctx)
    except UserError as exc:
        ack(text=error_text(deps.lang, exc))
        return
    except Exception:
        log.exception("command %s failed", ctx.command)
        ack(text=deps.t("error.internal"))
        return
    if reply.text or reply.blocks:
        ack(text=reply.text, blocks=reply.blocks)
    else:  # e.g. a modal opens: no message to show
        ack()
    response_url = body.get("response_url")
    on_failure = partial(_tell_failure, deps, str(response_url)) if response_url else None
    if reply.after_ack and _answered_at_ack(context):
        _AFTER_ACK.submit(_run_in_turn, reply.after_ack, client, on_failure)
    else:
        run_after_ack(reply.after_ack, client, on_failure=on_failure)


def _answered_at_ack(context: BoltContext) -> bool:
    """Whether Slack already has its answer (the servers), rather than waiting for the
    listener to return (``process_before_response``: in-process tests, the console)."""
    runner = context.get("listener_runner")
    return not getattr(runner, "process_before_response", True)


# A post-ack thread that had to wait this long for the turn after a Slack call goes on
# without it: it may hold a row lock (or SQLite's write lock) that the turn's holder waits for.
_RETAKE_TIMEOUT = 0.2
_FIRST_TURN_TIMEOUT = 1.0


class _Turn(threading.local):
    taking = False  # this thread runs post-ack work that takes turns
    held = False


_turn = _Turn()


class _TurnGivingClient(WebClient):
    """The post-ack work's Web API client: gives the compute turn up while Slack answers."""

    def api_call(self, *args: Any, **kwargs: Any) -> Any:
        if not _turn.taking:  # another thread was handed this client: it takes no turns
            return super().api_call(*args, **kwargs)
        if _turn.held:
            _turn.held = False
            _COMPUTE_TURN.release()
        try:
            return super().api_call(*args, **kwargs)
        finally:
            _turn.held = _COMPUTE_TURN.acquire(timeout=_RETAKE_TIMEOUT)


def _run_in_turn(
    actions: list[AfterAck], client: WebClient, on_failure: Callable[[], None] | None
) -> None:
    turn_giving = _TurnGivingClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        retry_handlers=client.retry_handlers,
    )
    turn_giving.default_params = dict(client.default_params)
    # Nothing is open yet; but a modal's trigger expires 3 s after the command, so work that
    # has waited a second goes on without the turn.
    _turn.taking, _turn.held = True, _COMPUTE_TURN.acquire(timeout=_FIRST_TURN_TIMEOUT)
    try:
        # Nobody waits on this work: its SQLite writes let the acknowledgements' go first.
        with background_writes():
            run_after_ack(actions, turn_giving, on_failure)
    finally:
        if _turn.held:
            _COMPUTE_TURN.release()
        _turn.taking = _turn.held = False


def run_after_ack(
    actions: list[AfterAck], client: WebClient, on_failure: Callable[[], None] | None = None
) -> None:
    """Run the post-ack work; one failing action does not stop the others.

    When one fails (Slack still refusing after the client's retries), ``on_failure`` tells
    the user, so nothing fails silently.
    """
    failed = False
    for action in actions:
        try:
            action(client)
        except Exception:
            failed = True
            # The name only: a partial's repr would spell out its arguments (deps, config).
            name = getattr(getattr(action, "func", action), "__name__", type(action).__name__)
            log.exception("post-ack action %s failed", name)
    if failed and on_failure is not None:
        try:
            on_failure()
        except Exception:
            log.exception("could not tell the user that the post-ack work failed")


def _tell_failure(deps: Deps, response_url: str) -> None:
    """An ephemeral "saved, but Slack could not be reached; try again" via the response_url."""
    WebhookClient(response_url, timeout=10).send(
        text=deps.t("reliability.after_ack_failed"), response_type="ephemeral"
    )
