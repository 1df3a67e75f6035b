"""HTTP plumbing of ``LocalSlack``: a threaded server that turns requests into ``Request``s
and writes back ``Reply``s (or drops the connection when the reply says so)."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """One HTTP request: path without query, query string, lower-cased headers, raw body."""

    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    """What to answer; ``drop`` closes the connection without any answer."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, body: dict[str, Any], status: int = 200, **headers: str) -> Reply:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return cls(status=status, body=data, headers=headers)

    @classmethod
    def text(cls, text: str, status: int = 200) -> Reply:
        return cls(status=status, body=text.encode("utf-8"), content_type="text/plain")


Serve = Callable[[Request], Reply]


class HttpServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` on 127.0.0.1 that hands each request to ``serve``."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, port: int, serve: Serve) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.serve = serve

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("localslack: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: HttpServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self.rfile.read(int(headers.get("content-length") or 0))
        reply = self.server.serve(Request(path, query, headers, body))
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


def parse_params(request: Request) -> tuple[dict[str, Any], bool]:
    """Query string and body merged, and whether the body was JSON.

    Accepts form-encoded, JSON and multipart bodies, as the Web API does.

    Raises:
        ValueError: The body is not valid for its content type.
    """
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";")[0].strip().lower()
    if not request.body:
        return params, False
    if kind == "application/json":
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("a JSON body must be an object")
        params.update(body)
        return params, True
    if kind == "multipart/form-data":
        params.update(multipart_fields(content_type, request.body))
        return params, False
    params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return params, False


def multipart_fields(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a multipart body: text fields as ``str``, file fields as ``bytes``."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            is_file = part.get_filename() is not None
            fields[name] = payload if is_file else payload.decode("utf-8")
    return fields
