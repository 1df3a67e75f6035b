"""Slack surfaces. Each module registers its own listeners with ``register(app)``."""

from __future__ import annotations

from importlib import import_module

from slack_bolt import App

# One module per surface; bot/app.py only calls register_all.
SURFACES: tuple[str, ...] = (
    "handlers.meeting",
    "handlers.meeting_modal",
    "handlers.attendance",
    "handlers.agenda",
    "handlers.agenda_modal",
    "handlers.agenda_actions",
    "handlers.materials",
    "handlers.home",
    "handlers.minutes",
    "handlers.messages",
    "handlers.decision",
    "handlers.decision_modal",
    "handlers.mention",
)


def register_all(app: App) -> None:
    """Register every surface's listeners on ``app``."""
    for name in SURFACES:
        import_module(name).register(app)
