"""Every action a refusal names has a label in both languages.

A refusal reads 「「<action>」は…の事務局だけが行えます」: the action is looked up as
``action.<name>`` in the catalogs, and a missing entry showed the raw name to users
(「action./decision」). This scans the code for every ``action="…"`` / ``action=f"…"`` given to
``require_secretariat`` or ``Forbidden``, so a new feature cannot forget its label.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.i18n import _catalog, has, t

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("bot", "handlers")
CHECKERS = {"require_secretariat", "Forbidden"}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _pattern(value: ast.expr) -> str | None:
    """The action literal as a regex over catalog names (``{…}`` of an f-string: any name
    part), or None when the action is not written literally here."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return re.escape(value.value)
    if isinstance(value, ast.JoinedStr):
        parts = [
            re.escape(p.value) if isinstance(p, ast.Constant) else r"[^.]+" for p in value.values
        ]
        return "".join(parts)
    return None


def action_literals() -> list[tuple[str, str]]:
    """(where, catalog key pattern) of every literal action given to a permission check."""
    found: list[tuple[str, str]] = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _called_name(node) not in CHECKERS:
                    continue
                for keyword in node.keywords:
                    if keyword.arg != "action":
                        continue
                    pattern = _pattern(keyword.value)
                    if pattern is None:
                        continue
                    # require_secretariat takes the name; Forbidden the catalog key itself.
                    if _called_name(node) == "require_secretariat":
                        pattern = r"action\." + pattern
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, pattern))
    return found


def test_the_scan_sees_the_permission_checks() -> None:
    places = [where for where, _ in action_literals()]
    assert any(w.startswith("bot/decisions.py") for w in places), places
    assert any(w.startswith("bot/meetings.py") for w in places), places
    assert len(places) >= 10, places


def test_every_action_has_a_label_in_japanese_and_english() -> None:
    keys = list(_catalog())
    missing = []
    for where, pattern in action_literals():
        if r"[^.]+" in pattern:
            # action.{action} in the check itself, or an f-string name: some entry must fit.
            if not any(re.fullmatch(pattern, key) for key in keys):
                missing.append((where, pattern))
            continue
        key = pattern.replace("\\", "")
        if not has(key):
            missing.append((where, key))
            continue
        ja, en = t("ja", key), t("en", key)
        assert ja != key and en != key and ja != en, (where, key, ja, en)
    assert not missing, missing


def test_recording_a_decision_is_labelled() -> None:
    assert t("ja", "action.decision_record") == "決定の記録"
    assert t("en", "action.decision_record") == "record decisions"
