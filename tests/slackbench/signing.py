"""Talk to the bot the way Slack does: signed requests, encoded per payload kind.

- Slash commands: ``application/x-www-form-urlencoded``, one field per key.
- Interactivity (buttons, modals, shortcuts): form-encoded ``payload=<json>``.
- Events API (``event_callback``, ``url_verification``): ``application/json``.

Every request carries ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` (``v0=`` +
HMAC-SHA256 of ``v0:<timestamp>:<body>`` with the signing secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App
from slack_bolt.request import BoltRequest

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})
STALE_SECONDS = 10 * 60


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's signature headers for ``body`` (timestamp: now unless given)."""
    ts = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def encode(payload: Mapping[str, Any]) -> tuple[bytes, str]:
    """The body and Content-Type Slack uses for this payload."""
    if payload.get("type") in EVENT_TYPES:
        return json.dumps(payload, ensure_ascii=False).encode(), JSON
    if "command" in payload:
        return urlencode({k: "" if v is None else v for k, v in payload.items()}).encode(), FORM
    return urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode(), FORM


@dataclass(frozen=True)
class BotResponse:
    """The bot's answer: status, headers (first value of each) and body.

    ``body`` is the parsed JSON when the answer is JSON, else the text ("" when empty).
    """

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def json(self) -> dict[str, Any]:
        """The body as a JSON object (``{}`` when the answer was not one)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def text(self) -> str:
        """The ``text`` of a JSON answer, or the plain body."""
        if isinstance(self.body, dict):
            return str(self.body.get("text") or "")
        return str(self.body)


def _parse(raw: str, content_type: str) -> Any:
    if raw and ("json" in content_type.lower() or raw.lstrip().startswith(("{", "["))):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _headers(
    body: bytes,
    content_type: str,
    secret: str,
    *,
    now: float,
    timestamp: int | None,
    stale: bool,
    bad_signature: bool,
    retry_num: int | None,
    retry_reason: str | None,
    extra: Mapping[str, str] | None,
) -> dict[str, str]:
    ts = timestamp if timestamp is not None else int(now) - (STALE_SECONDS if stale else 0)
    headers = {"Content-Type": content_type, **sign(body, secret, ts)}
    if bad_signature:
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    headers.update(extra or {})
    return headers


class BotHTTP:
    """Sends signed Slack requests to a running bot over HTTP.

    Args:
        url: The bot's request URL, e.g. ``http://127.0.0.1:3000/slack/events``.
        signing_secret: The secret the bot verifies signatures with.
        timeout: Seconds to wait for each answer (Slack gives up after 3).
        clock: Source of the signature timestamp.
    """

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.clock = clock

    def post(
        self,
        payload: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
    ) -> BotResponse:
        """Encode ``payload`` as Slack does for its kind, sign it and POST it.

        Args:
            retry_num: Adds ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason`` (a redelivery).
            headers: Extra headers (override the computed ones).
            bad_signature: Send a wrong signature.
            stale: Sign with a timestamp ten minutes old (a replay).
            timestamp: Sign with exactly this timestamp.
        """
        body, content_type = encode(payload)
        return self.post_raw(
            body,
            content_type,
            retry_num=retry_num,
            retry_reason=retry_reason,
            headers=headers,
            bad_signature=bad_signature,
            stale=stale,
            timestamp=timestamp,
        )

    def post_raw(
        self,
        body: bytes,
        content_type: str = FORM,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        bad_signature: bool = False,
        stale: bool = False,
        timestamp: int | None = None,
    ) -> BotResponse:
        """Sign and POST an already encoded body (for malformed or hostile input)."""
        all_headers = _headers(
            body,
            content_type,
            self.signing_secret,
            now=self.clock(),
            timestamp=timestamp,
            stale=stale,
            bad_signature=bad_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
            extra=headers,
        )
        request = urllib.request.Request(self.url, data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw, answer_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, answer_headers = error.code, error.read(), error.headers
        answer = {name: value for name, value in answer_headers.items()}
        text = raw.decode("utf-8", errors="replace")
        return BotResponse(status, answer, _parse(text, answer.get("Content-Type", "")))


def dispatch_in_process(
    app: App,
    body: Mapping[str, Any] | bytes | str,
    headers: Mapping[str, str] | None = None,
    *,
    signing_secret: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
    bad_signature: bool = False,
    stale: bool = False,
) -> BotResponse:
    """Dispatch a request to ``app`` without sockets, as bolt's HTTP adapters do.

    A payload mapping is encoded and signed like ``BotHTTP.post``; a ready body is signed
    unless ``headers`` already carry a signature. ``signing_secret`` defaults to the app's.
    """
    if isinstance(body, Mapping):
        raw, content_type = encode(body)
    else:
        raw = body.encode() if isinstance(body, str) else body
        content_type = JSON if raw.lstrip().startswith(b"{") else FORM
    given = {k.lower(): v for k, v in (headers or {}).items()}
    secret = signing_secret or getattr(app, "_signing_secret", None) or ""
    all_headers = {
        k.lower(): v
        for k, v in _headers(
            raw,
            given.get("content-type", content_type),
            secret,
            now=time.time(),
            timestamp=None,
            stale=stale,
            bad_signature=bad_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
            extra=None,
        ).items()
    }
    all_headers.update(given)
    request = BoltRequest(body=raw.decode("utf-8"), headers=dict(all_headers))
    response = app.dispatch(request)
    answer = {name: values[0] for name, values in response.headers.items() if values}
    return BotResponse(
        response.status, answer, _parse(response.body, answer.get("content-type", ""))
    )
