"""Configuration: read once, and a missing or malformed setting says which and how."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import Config, ConfigError


def test_defaults() -> None:
    config = Config.from_env({})
    assert config.lang == "ja" and config.fy_start_month == 4 and config.port == 3000
    assert str(config.tz) == "Asia/Tokyo"
    assert config.database_url.startswith("sqlite:///")
    assert config.slack_api_url == "https://slack.com/api/"
    assert not config.socket_mode


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRETARIAT_TZ": "Mars/Olympus"}, "SECRETARIAT_TZ"),
        ({"SECRETARIAT_LANG": "fr"}, "SECRETARIAT_LANG"),
        ({"SECRETARIAT_FY_START_MONTH": "13"}, "SECRETARIAT_FY_START_MONTH"),
        ({"PORT": "http"}, "PORT"),
        ({"SECRETARIAT_WORK_HOURS": "18-9"}, "SECRETARIAT_WORK_HOURS"),
    ],
)
def test_malformed_settings_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Config.from_env(env)


def test_missing_slack_credentials_are_named() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        Config.from_env({}).require_slack()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_slack()
    # Socket Mode needs no signing secret.
    Config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).require_slack()


def test_run_without_token_stops_with_one_clear_line(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "SLACK_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr
