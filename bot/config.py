"""Configuration, read once from the environment and passed in from there on."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


@dataclass(frozen=True)
class Config:
    """Every setting the bot reads from its environment."""

    # Secrets stay out of repr(), so a logged or printed Config shows none of them.
    slack_bot_token: str | None = field(repr=False)
    slack_app_token: str | None = field(repr=False)
    slack_signing_secret: str | None = field(repr=False)
    slack_api_url: str
    database_url: str
    tz: ZoneInfo
    lang: str
    fy_start_month: int
    port: int
    host: str
    templates_dir: Path | None
    holidays_country: str
    work_hours: tuple[int, int]
    dispatch_interval_seconds: float

    @property
    def socket_mode(self) -> bool:
        """Socket Mode when an app-level token is given, else HTTP."""
        return bool(self.slack_app_token)

    def require_slack(self) -> None:
        """Stop start-up with one clear line when a token or secret the mode needs is missing."""
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…).")
        if self.socket_mode:
            return
        if not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs the app's signing secret "
                "(or set SLACK_APP_TOKEN, xapp-…, for Socket Mode)."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Read the configuration from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        api_url = env.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.endswith("/"):
            api_url += "/"
        tz_name = env.get("SECRETARIAT_TZ") or "Asia/Tokyo"
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"SECRETARIAT_TZ={tz_name!r} is not a time zone: use an IANA name "
                "such as Asia/Tokyo."
            ) from exc
        lang = (env.get("SECRETARIAT_LANG") or "ja").strip().lower()
        if lang not in ("ja", "en"):
            raise ConfigError(f"SECRETARIAT_LANG={lang!r} is not supported: use ja or en.")
        fy_month = _int(env, "SECRETARIAT_FY_START_MONTH", 4, 1, 12)
        port = _int(env, "PORT", 3000, 1, 65535)
        templates = env.get("SECRETARIAT_TEMPLATES_DIR")
        hours = env.get("SECRETARIAT_WORK_HOURS") or "9-18"
        try:
            start_s, end_s = hours.split("-")
            work_hours = (int(start_s), int(end_s))
            if not 0 <= work_hours[0] < work_hours[1] <= 24:
                raise ValueError(hours)
        except ValueError as exc:
            raise ConfigError(
                f"SECRETARIAT_WORK_HOURS={hours!r} is malformed: use START-END hours, e.g. 9-18."
            ) from exc
        interval = env.get("SECRETARIAT_DISPATCH_INTERVAL") or "15"
        try:
            dispatch_interval = float(interval)
        except ValueError as exc:
            raise ConfigError(
                f"SECRETARIAT_DISPATCH_INTERVAL={interval!r} is not a number of seconds."
            ) from exc
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_api_url=api_url,
            database_url=env.get("DATABASE_URL") or default_database_url(),
            tz=tz,
            lang=lang,
            fy_start_month=fy_month,
            port=port,
            host=env.get("SECRETARIAT_HOST") or "0.0.0.0",
            templates_dir=Path(templates) if templates else None,
            holidays_country=env.get("SECRETARIAT_HOLIDAYS") or "JP",
            work_hours=work_hours,
            dispatch_interval_seconds=dispatch_interval,
        )


def default_database_url() -> str:
    """A SQLite file in the working directory: the embedded default."""
    return f"sqlite:///{Path.cwd() / 'secretariat.sqlite3'}"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is not valid: use a whole number from {low} to {high}.")
    return value
