"""Message catalogs: every user-facing text in Japanese and English.

Each feature keeps its strings in ``bot/locales/<feature>.toml``::

    [meeting.scheduled]
    ja = "{name}を登録しました。"
    en = "Scheduled {name}."

Keys are unique across files; a duplicate is an error at load time, so two features cannot
silently overwrite each other.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("ja", "en")


@cache
def _catalog() -> Mapping[str, Mapping[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("bot") / "locales"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, texts in _flatten(data):
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice (again in {entry.name})")
            merged[key] = texts
    return merged


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping) and any(lang in value for lang in LANGS):
            out.append((key, {lang: str(value[lang]) for lang in LANGS if lang in value}))
        elif isinstance(value, Mapping):
            out.extend(_flatten(value, key + "."))
    return out


def has(key: str) -> bool:
    """Whether the catalogs define ``key``."""
    return key in _catalog()


def t(lang: str, key: str, **params: Any) -> str:
    """The text for ``key`` in ``lang`` with ``params`` substituted.

    Falls back to Japanese, then to the key itself, so a missing translation shows something
    useful rather than failing the request.
    """
    texts = _catalog().get(key)
    if texts is None:
        return key
    template = texts.get(lang) or texts.get("ja") or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


class Translator:
    """``t`` bound to one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "ja"

    def __call__(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)
