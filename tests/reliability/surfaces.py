"""What the bot offers, read from the handlers that exist: the table every test runs over.

A command joins the tables as soon as its handler module is listed in
``handlers.SURFACES``; its subcommands come from the module's ``SUBCOMMANDS``. So the suite
grows with the bot instead of being edited for every feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import handlers
from tests.harness import (
    C_MAIN,
    C_PRIVATE,
    C_PT,
    C_SHARED,
    U_ADMIN,
    U_CHAIR,
    U_MEMBER,
    U_OTHER,
    U_SEC,
)

C_DM = "D0MEMBER"
USERS = (U_SEC, U_CHAIR, U_MEMBER, U_OTHER, U_ADMIN)
CHANNELS = (C_MAIN, C_PT, C_PRIVATE, C_SHARED, C_DM)

# command -> (handler module, extra first words besides the module's SUBCOMMANDS)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "/meeting": ("handlers.meeting", ()),
    "/agenda": ("handlers.agenda", ()),
    "/materials": ("handlers.materials", ()),
    "/minutes": ("handlers.minutes", ()),
    "/decision": ("handlers.decision", ("close", "A1", "議案1", "proposal1", "D1")),
    "/decisions": ("handlers.decision", ("電話システム", "what was decided")),
}
SUBCOMMANDS_OF = {"/decision": None, "/decisions": None}  # free text, no subcommand table
EVENT_SURFACES = {"app_mention": "handlers.mention", "message": "handlers.messages"}


@dataclass(frozen=True)
class CommandForm:
    """A command and the first word to put before the generated text ("" for none)."""

    command: str
    first: str


def has_surface(module: str) -> bool:
    return module in handlers.SURFACES


def commands() -> list[str]:
    """The slash commands the bot answers now."""
    return [c for c, (module, _) in COMMANDS.items() if has_surface(module)]


def forms() -> list[CommandForm]:
    """Every (command, subcommand) of every command the bot answers now, and a bare one."""
    out: list[CommandForm] = []
    for command in commands():
        module, extra = COMMANDS[command]
        words: list[str] = [""]
        if command not in SUBCOMMANDS_OF:
            words += list(getattr(import_module(module), "SUBCOMMANDS", {}))
        words += list(extra)
        out += [CommandForm(command, w) for w in dict.fromkeys(words)]
    return out
