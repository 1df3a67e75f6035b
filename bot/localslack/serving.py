"""How ``LocalSlack`` answers a request: planned failures, auth, the method, the record."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.localslack.faults import Failure, Faults
from bot.localslack.methods import WebApi
from bot.localslack.models import RESPONSE_URL_CALL, UPLOAD_CALL, Call
from bot.localslack.transport import Reply, Request, multipart_fields, parse_params

log = logging.getLogger(__name__)


class Serving:
    """The request side of ``LocalSlack`` (a mixin: ``LocalSlack`` sets these attributes)."""

    token: str | None
    on_call: Callable[[Call], None] | None
    _lock: threading.RLock
    _changed: threading.Condition
    _version: int
    _api: WebApi
    _faults: Faults
    _calls: list[Call]
    _failed: list[Call]

    @property
    def root_url(self) -> str:
        raise NotImplementedError

    def _serve(self, request: Request) -> Reply:
        at = time.time()
        path = request.path
        if path.startswith("/api/"):
            return self._serve_api(path[len("/api/") :], request, at)
        if path.startswith("/upload/"):
            return self._serve_upload(path.rsplit("/", 1)[-1], request, at)
        if path.startswith("/response/"):
            return self._serve_response(path.rsplit("/", 1)[-1], request, at)
        if path in ("/", "/healthz"):
            return Reply.text("ok")
        return Reply.text("not found", 404)

    def _serve_api(self, method: str, request: Request, at: float) -> Reply:
        try:
            params, is_json = parse_params(request)
            error = None
        except ValueError:
            params, is_json, error = {}, True, "invalid_json"
        call = Call(method, params, request.headers, at)
        if (failure := self._planned_failure(method)) is not None:
            return self._fail(call, failure)
        error = error or self._auth_error(params, request.headers, is_json)
        if error is not None:
            return self._answer(call, {"ok": False, "error": error})
        with self._lock:
            channel = str(params.get("channel") or "")
            failure = self._faults.channel_limited(method, channel, time.monotonic())
            if failure is None:
                body = self._api.handle(method, params)
        if failure is not None:
            return self._fail(call, failure)
        return self._answer(call, body)

    def _serve_upload(self, file_id: str, request: Request, at: float) -> Reply:
        content = request.body
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            parts = [
                v for v in multipart_fields(content_type, content).values() if isinstance(v, bytes)
            ]
            content = parts[0] if parts else b""
        call = Call(UPLOAD_CALL, {"file_id": file_id, "length": len(content)}, request.headers, at)
        if (failure := self._planned_failure(UPLOAD_CALL)) is not None:
            return self._fail(call, failure)
        with self._lock:
            stored = self._api.upload(file_id, content)
        reply = Reply.text(f"OK - {len(content)}") if stored else Reply.text("not found", 404)
        return self._record(call, reply, {"ok": stored})

    def _serve_response(self, response_id: str, request: Request, at: float) -> Reply:
        try:
            body = json.loads(request.body.decode("utf-8") or "{}")
        except ValueError:
            body = None
        params = body if isinstance(body, dict) else {}
        call = Call(RESPONSE_URL_CALL, {"id": response_id, **params}, request.headers, at)
        if (failure := self._planned_failure(RESPONSE_URL_CALL)) is not None:
            return self._fail(call, failure)
        if not isinstance(body, dict):
            return self._record(call, Reply.text("invalid_payload", 400), {"ok": False})
        url = f"{self.root_url}response/{response_id}"
        with self._lock:
            known = self._api.respond(response_id, url, body, at)
        if not known:
            return self._record(call, Reply.text("no_service", 404), {"ok": False})
        return self._record(call, Reply.text("ok"), {"ok": True})

    def _planned_failure(self, method: str) -> Failure | None:
        with self._lock:
            latency = self._faults.latency
        if latency:
            time.sleep(latency)
        with self._lock:
            return self._faults.pick(method)

    def _auth_error(
        self, params: dict[str, Any], headers: dict[str, str], is_json: bool
    ) -> str | None:
        authorization = headers.get("authorization", "")
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not token and not is_json:
            # Slack reads a token parameter only from form bodies and query strings.
            token = str(params.get("token") or "")
        if not token:
            return "not_authed"
        if self.token is not None and token != self.token:
            return "invalid_auth"
        return None

    def _answer(self, call: Call, body: dict[str, Any]) -> Reply:
        return self._record(call, Reply.json(body), body)

    def _fail(self, call: Call, failure: Failure) -> Reply:
        if failure.drop:
            reply = Reply(status=0, drop=True)
            self._record(call, reply, None, fault=failure.fault)
            return reply
        body = {"ok": False, "error": failure.error}
        headers = (
            {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        )
        reply = Reply.json(body, failure.status, **headers)
        return self._record(call, reply, body, fault=failure.fault)

    def _record(
        self, call: Call, reply: Reply, body: dict[str, Any] | None, *, fault: str | None = None
    ) -> Reply:
        done = Call(call.method, call.params, call.headers, call.at, reply.status, body, fault)
        # Planned failures are kept apart, so tests can count deliveries.
        with self._lock:
            (self._calls if fault is None else self._failed).append(done)
        if self.on_call is not None:
            try:
                self.on_call(done)
            except Exception:  # a broken hook must not break the server
                log.exception("localslack on_call hook failed")
        with self._changed:
            self._version += 1
            self._changed.notify_all()
        return reply
