"""End-to-end fixtures: `secretariat run` as a real subprocess, talking HTTP both ways."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.localslack import LocalSlack
from tests.harness import populate
from tests.slackbench.signing import BotHTTP

SECRET = "e2e-signing-secret-0123456789abcdef"
TOKEN = "xoxb-e2e-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """One `secretariat run` process, restartable on the same database and port."""

    def __init__(self, slack: LocalSlack, database_url: str, workdir: Path, **env: str) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "SECRETARIAT_HOST": "127.0.0.1",
            "SECRETARIAT_LANG": "ja",
            **env,
        }
        self.env.pop("SLACK_APP_TOKEN", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = BotHTTP(f"http://127.0.0.1:{self.port}/slack/events", SECRET)
        self.log = workdir / "bot.log"

    def start(self, timeout: float = 30.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=1
                ) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"bot did not become healthy:\n{self.log.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.proc = None

    def command(
        self, command: str, text: str, *, user: str, channel: str, slack: LocalSlack
    ) -> str:
        from tests.slackbench import payloads

        response = self.http.post(
            payloads.slash_command(
                command, text, user, channel, response_url=slack.new_response_url(channel)
            )
        )
        assert response.status == 200, response
        body = response.body
        return str(body.get("text", "")) if isinstance(body, dict) else str(body)


@pytest.fixture
def e2e_slack() -> Iterator[LocalSlack]:
    with LocalSlack(token=TOKEN) as local:
        populate(local)
        yield local


@pytest.fixture
def bot_process(e2e_slack: LocalSlack, tmp_path: Path) -> Iterator[BotProcess]:
    """A started bot on a fresh SQLite file; killed at the end."""
    bot = BotProcess(e2e_slack, f"sqlite:///{tmp_path / 'e2e.sqlite3'}", tmp_path)
    bot.start()
    yield bot
    bot.kill(signal.SIGTERM)
