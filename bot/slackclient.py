"""The Web API client: honours SLACK_API_URL and retries what Slack asks to be retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Config

RETRIES = 3


def make_web_client(config: Config, *, timeout: int = 30) -> WebClient:
    """A ``WebClient`` for the bot token that retries 429 (after Retry-After), 5xx and resets.

    Callers only use it after the request that caused the call has been acknowledged, so a
    retry never delays Slack's 3-second acknowledgement.
    """
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=timeout,
        # slack_sdk counts attempts across all handlers of a call, so each allowance is the
        # whole budget: a 429, then a 500, then a reset on one call still gets retried.
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=RETRIES),
            RateLimitErrorRetryHandler(max_retry_count=RETRIES),
            ServerErrorRetryHandler(max_retry_count=RETRIES),
        ],
    )
