"""The figures the reliability suite reports: inputs tried, faults injected, pairs checked.

Tests add to ``FIGURES`` as they go. At the end of a session (or of an xdist worker) the
figures are merged into one JSON file per test run, ``$RELIABILITY_FIGURES`` or
``<tmp>/secretariat-reliability-figures.json``, and printed in the terminal summary of a
process that loads this module as a plugin (the reliability conftest does; an xdist
controller does when ``tests/conftest.py`` lists it in ``pytest_plugins``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

FIGURES: Counter[str] = Counter()

# The order and words of the summary; counters not listed here are printed after them.
LABELS = {
    "generated_inputs": "generated inputs tried (over HTTP)",
    "answers_over_3s": "answers slower than 3 s",
    "faults_injected": "faults injected (fake Slack + PostgreSQL restarts)",
    "postgres_restarts": "PostgreSQL restarts under load",
    "retries_sent": "retried deliveries sent (same event_id / X-Slack-Retry-Num)",
    "double_submissions": "double presses and double submissions sent",
    "rejected_requests": "bad-signature and stale requests (401)",
    "injection_payloads": "injection payloads sent",
    "forbidden_pairs": "forbidden (role, action) and (channel, disclosure) pairs checked",
    "allowed_pairs": "allowed pairs checked",
    "records_lost": "records lost",
    "records_doubled": "records doubled",
    "records_leaked": "records leaked",
}
ZERO_EXPECTED = ("records_lost", "records_doubled", "records_leaked", "answers_over_3s")


def add(name: str, n: int = 1) -> None:
    """Count ``n`` more of ``name``."""
    FIGURES[name] += n


def figures_path() -> Path:
    env = os.environ.get("RELIABILITY_FIGURES")
    return (
        Path(env) if env else Path(tempfile.gettempdir()) / "secretariat-reliability-figures.json"
    )


def _run_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return str(workerinput.get("testrunuid"))
    if not hasattr(config, "_reliability_run_id"):
        config._reliability_run_id = uuid.uuid4().hex  # type: ignore[attr-defined]
    return str(config._reliability_run_id)  # type: ignore[attr-defined]


def merge_into_file(run_id: str, figures: Counter[str]) -> dict[str, int]:
    """Add ``figures`` to the run's file (under a lock: xdist workers finish together)."""
    path = figures_path()
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            stored: dict[str, Any] = json.loads(handle.read() or "{}")
        except ValueError:
            stored = {}
        totals: Counter[str] = Counter()
        if stored.get("run") == run_id:
            totals.update(stored.get("figures", {}))
        totals.update(figures)
        handle.seek(0)
        handle.truncate()
        json.dump({"run": run_id, "figures": dict(totals)}, handle, indent=2, sort_keys=True)
        return dict(totals)


def summary_lines(figures: dict[str, int]) -> list[str]:
    lines = []
    for key, label in LABELS.items():
        if key in figures or key in ZERO_EXPECTED:
            lines.append(f"{figures.get(key, 0):>8}  {label}")
    for key in sorted(set(figures) - set(LABELS)):
        lines.append(f"{figures[key]:>8}  {key}")
    return lines


# -- hooks (registered by tests/reliability/conftest.py and, optionally, the root conftest) --

_controller_totals: Counter[str] = Counter()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    if not FIGURES:
        return
    totals = merge_into_file(_run_id(session.config), FIGURES)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["reliability_figures"] = json.dumps(dict(FIGURES))
    else:
        _controller_totals.clear()
        _controller_totals.update(totals)


def pytest_testnodedown(node: Any, error: Any) -> None:
    raw = getattr(node, "workeroutput", {}).get("reliability_figures")
    if raw:
        _controller_totals.update(json.loads(raw))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _controller_totals:
        return
    terminalreporter.section("reliability figures")
    for line in summary_lines(dict(_controller_totals)):
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(also in {figures_path()})")
