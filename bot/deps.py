"""What every callback needs, handed to it through bolt's context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot import fieldlimits
from bot.calendar import BusinessCalendar
from bot.clock import Clock
from bot.config import Config
from bot.i18n import Translator
from storage.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    """Configuration, database and clock: the bot's only ways to the outside world."""

    config: Config
    session_factory: SessionFactory
    clock: Clock
    t: Translator = field(init=False)
    calendar: BusinessCalendar = field(init=False)

    def __post_init__(self) -> None:
        fieldlimits.install()
        object.__setattr__(self, "t", Translator(self.config.lang))
        object.__setattr__(
            self, "calendar", BusinessCalendar(country=self.config.holidays_country or None)
        )

    @property
    def lang(self) -> str:
        return self.t.lang

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: everything inside is written, or nothing is."""
        with self.session_factory.begin() as session:
            yield session


def deps_of(context: Any) -> Deps:
    """The ``Deps`` that ``bot.app.create_app`` put into bolt's context."""
    deps = context["deps"]
    if not isinstance(deps, Deps):
        raise TypeError("bolt context carries no Deps; build the app with bot.app.create_app")
    return deps
