"""Tables: one row per figure, with its baseline, the ratio, the target and the verdict."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

PASS, MISS, INFO, SKIP = "PASS", "MISS", "INFO", "SKIP"


@dataclass(frozen=True)
class Row:
    """One measured figure against its baseline."""

    measure: str
    figure: str
    baseline: str = "—"
    ratio: float | None = None
    target: str = "report"
    verdict: str = INFO


@dataclass
class Table:
    """A benchmark's result: rows, and notes saying what was measured and how."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def missed(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == MISS]

    def markdown(self) -> str:
        """The table as Markdown (also readable as plain text in a terminal)."""
        lines = [
            f"### {self.title}",
            "",
            "| measure | figure | baseline | ratio | target | result |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            ratio = "—" if r.ratio is None else f"{r.ratio:.2f}×"
            lines.append(
                f"| {r.measure} | {r.figure} | {r.baseline} | {ratio} | {r.target} | {r.verdict} |"
            )
        if self.notes:
            lines.append("")
            lines.extend(f"- {n}" for n in self.notes)
        return "\n".join(lines) + "\n"


def verdict(ok: bool) -> str:
    return PASS if ok else MISS


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100) by linear interpolation, as numpy's default."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    """Seconds as milliseconds, with sensible precision."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def ratio(figure: float, baseline: float) -> float | None:
    return figure / baseline if baseline > 0 else None
