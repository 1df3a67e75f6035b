"""Japanese and English search over titles, summaries, decisions and notes.

Importing the package installs the session hook that keeps the index current
(:func:`bot.search.index.install_index_hooks`).
"""

from __future__ import annotations

from bot.search.index import (
    install_index_hooks,
    reindex_decision,
    reindex_item,
    reindex_note,
)
from bot.search.query import SearchResult, search_decisions
from bot.search.terms import content_terms
from bot.search.titles import closest_titles

install_index_hooks()

__all__ = [
    "SearchResult",
    "closest_titles",
    "content_terms",
    "install_index_hooks",
    "reindex_decision",
    "reindex_item",
    "reindex_note",
    "search_decisions",
]
