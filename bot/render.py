"""The Slack-message Jinja2 environment: templates decide the words, user text is escaped.

Every value printed by ``{{ … }}`` passes ``finalize``, which escapes Slack's control
characters unless the value is ``Mrkdwn`` made by the bot. That is the one place where user
text is made safe for a message: ``<!channel>`` typed by a user shows literally.
Templates are data, never user input: users' text only ever arrives as context values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from bot.text import Mrkdwn, escape_mrkdwn


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, str):
        return escape_mrkdwn(value)
    return value


@cache
def slack_env() -> Environment:
    """The one environment for Slack message templates under ``templates/slack``."""
    env = Environment(
        loader=PackageLoader("templates", "slack"),
        autoescape=False,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return env


def render_slack(name: str, lang: str, **context: Any) -> str:
    """Render ``templates/slack/<name>.<lang>.j2`` (falling back to ``ja``)."""
    env = slack_env()
    try:
        template = env.get_template(f"{name}.{lang}.j2")
    except TemplateNotFound:
        template = env.get_template(f"{name}.ja.j2")
    # Rendered text is escaped mrkdwn already (typed as str): never escape it again.
    return Mrkdwn(template.render(**context).strip())
