"""A local Slack Web API: the workspace of tests, benchmarks and ``secretariat console``.

``LocalSlack`` serves the Web API methods a bot uses on 127.0.0.1; point a
``slack_sdk.WebClient`` (or ``SLACK_API_URL``) at ``LocalSlack.url``.
"""

from bot.localslack.models import (
    RESPONSE_URL_CALL,
    UPLOAD_CALL,
    Call,
    ChannelKind,
    Message,
    ResponsePost,
    SharedFile,
    View,
)
from bot.localslack.server import DEFAULT_TOKEN, LocalSlack

__all__ = [
    "DEFAULT_TOKEN",
    "RESPONSE_URL_CALL",
    "UPLOAD_CALL",
    "Call",
    "ChannelKind",
    "LocalSlack",
    "Message",
    "ResponsePost",
    "SharedFile",
    "View",
]
