"""The two HTTP servers compared: ``secretariat run`` and the bare bolt App (same server,
same adapter), each a process of its own, against one fake Slack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.infra import BOT_TOKEN, SIGNING_SECRET, Child, free_port, start_child, wait_http
from bot.localslack import LocalSlack
from tests.slackbench.signing import BotHTTP

U_SEC = "U0SEC"
U_MEMBER = "U0MEMBER"
C_MAIN = "C0MAIN"


@dataclass(frozen=True)
class Server:
    name: str
    child: Child
    port: int

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def http(self, timeout: float = 15.0) -> BotHTTP:
        return BotHTTP(self.events_url, SIGNING_SECRET, timeout=timeout)


def workspace(slack: LocalSlack) -> None:
    """The people and the channel of the benchmark's workspace."""
    slack.add_user(U_SEC, "jimukyoku")
    slack.add_user(U_MEMBER, "buin")
    slack.add_channel(C_MAIN, "gyosei-joho", "public", members=[U_SEC, U_MEMBER])


@contextmanager
def serve(kind: str, slack: LocalSlack, workdir: Path, database_url: str) -> Iterator[Server]:
    """Start ``secretariat run`` (``kind="bot"``) or the bare app (``kind="bare"``)."""
    port = free_port()
    env = {
        "PORT": str(port),
        "SECRETARIAT_HOST": "127.0.0.1",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "SECRETARIAT_LANG": "ja",
    }
    module = "bot.cli" if kind == "bot" else "bench.bare_app"
    args = ["-m", module, "run"] if kind == "bot" else ["-m", module]
    child = start_child(args, env, workdir / f"{kind}_{port}.log", ready=None)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", process=child.process)
        yield Server(kind, child, port)
    finally:
        child.stop()
