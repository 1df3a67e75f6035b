"""The benchmarks' quick mode runs and prints every table (timing targets are the
benchmarks' business, not the tests')."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.run import NAMES, main

pytestmark = pytest.mark.e2e


def test_quick_run_prints_every_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "results.md"

    status = main(["--quick", "--output", str(output)])

    printed = capsys.readouterr().out
    assert status == 0, printed
    written = output.read_text(encoding="utf-8")
    assert "could not run" not in written
    tables = re.findall(r"^### (.+)$", written, flags=re.M)
    assert len(tables) == len(NAMES), tables
    for title in ("Acknowledgement", "fan-out", "Search", "Growth", "Footprint", "Minutes"):
        assert any(title in t for t in tables), (title, tables)
    rows = [line for line in written.splitlines() if line.startswith("| ") and "---" not in line]
    body_rows = [r for r in rows if not r.startswith("| measure")]
    assert len(body_rows) >= 20
    for row in body_rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 6, row
        assert cells[5] in {"PASS", "MISS", "INFO", "SKIP"}, row
        assert cells[1] and cells[1] != "nan", row
    assert "CPU model:" in written and "SQLite:" in written


def test_unknown_benchmark_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["nosuch"])
    assert "choose from ack, fanout" in capsys.readouterr().err
