"""The reliability bench: the production app over real HTTP (see ``live.py``), on the test's
database (SQLite and PostgreSQL) and movable clock, against a LocalSlack fake Web API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.deps import Deps
from bot.localslack import LocalSlack
from tests.harness import populate
from tests.reliability import figures
from tests.reliability.live import TOKEN, LiveBot, serve


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(figures):
        config.pluginmanager.register(figures, "reliability-figures")


@pytest.fixture
def live_slack() -> Iterator[LocalSlack]:
    with LocalSlack(token=TOKEN) as local:
        populate(local)
        yield local


@pytest.fixture
def live(deps: Deps, live_slack: LocalSlack) -> Iterator[LiveBot]:
    """The app over HTTP on ``deps`` (runs once per database backend)."""
    bot, served = serve(deps, live_slack)
    root = logging.getLogger()
    root.addHandler(bot.errors)
    try:
        yield bot
        bot.settle()
    finally:
        root.removeHandler(bot.errors)
        served.close()
        bot.executor.shutdown(wait=True, cancel_futures=True)
