"""The baseline server: a bare bolt App with no-op handlers, served exactly as
``secretariat run`` serves the bot (waitress, 8 threads, bolt's WSGI SlackRequestHandler).

``python -m bench.bare_app`` reads PORT, SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and
SLACK_API_URL, like the bot; ``/healthz`` answers once it listens.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def make_app() -> App:
    client = WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )

    def noop(ack: Ack, body: dict[str, Any]) -> None:
        ack()

    app.command("/agenda")(noop)
    app.command("/decisions")(noop)
    return app


def main() -> int:
    slack = SlackRequestHandler(make_app(), path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return slack(environ, start_response)

    port = int(os.environ.get("PORT", "3000"))
    server = waitress.create_server(
        application, host="127.0.0.1", port=port, threads=8, ident="bare-bolt"
    )
    server.run()  # until terminated, like `secretariat run`
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
