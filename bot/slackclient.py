"""The Web API client: honours SLACK_API_URL and retries what Slack asks to be retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Config


def make_web_client(config: Config, *, timeout: int = 30) -> WebClient:
    """A ``WebClient`` for the bot token that retries 429 (after Retry-After), 5xx and resets.

    Callers only use it after the request that caused the call has been acknowledged, so a
    retry never delays Slack's 3-second acknowledgement.
    """
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )
