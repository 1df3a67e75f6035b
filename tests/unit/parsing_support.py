"""What the parser tests share: a fixed today, fuzzing settings, and the error-key check."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from bot.errors import UserError
from bot.i18n import has, t

TODAY = date(2025, 3, 1)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def error_key(fn: Callable[..., Any], *args: Any) -> str:
    """The message key of the :class:`UserError` ``fn(*args)`` raises, checked in both catalogs."""
    with pytest.raises(UserError) as info:
        fn(*args)
    key = info.value.key
    assert has(key), f"message key {key} is not in the catalogs"
    for lang in ("ja", "en"):  # every placeholder is filled
        assert not re.search(r"\{[a-z_]+\}", t(lang, key, **info.value.params))
    return key
