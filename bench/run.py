"""``python -m bench [NAME …] [--quick]``: run benchmarks and print their tables.

Names: ack, fanout, search, growth, footprint, minutes (default: all, in that order).
The full sizes are the default (the search and growth loads take minutes); ``--quick`` runs
small versions of each in about a minute, for a smoke test.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.infra import DEFAULT_POSTGRES, Settings, machine, make_workdir, postgres_reachable
from bench.report import Table

NAMES = ("ack", "fanout", "search", "growth", "footprint", "minutes")


def _runner(name: str) -> Callable[[Settings], Table]:
    # Imported on demand: a benchmark's imports stay out of the others' measurements.
    if name == "ack":
        from bench.ack import run as ack

        return ack
    if name == "fanout":
        from bench.fanout import run as fanout

        return fanout
    if name == "search":
        from bench.search import run as search

        return search
    if name == "growth":
        from bench.growth import run as growth

        return growth
    if name == "footprint":
        from bench.footprint import run as footprint

        return footprint
    from bench.minutes import run as minutes

    return minutes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"{', '.join(NAMES)} (default: all of them)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="PostgreSQL server URL; a database is created per run and dropped "
        f"(default {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite figures only")
    parser.add_argument("--output", type=Path, help="also write the tables (Markdown) here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks; exit status 0 even when a target is missed (the tables
    say so), 2 when a benchmark could not run."""
    parser = _parser()
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(NAMES)}")
    logging.basicConfig(level=logging.ERROR)
    names = args.names or list(NAMES)
    postgres: str | None = None if args.no_postgres else args.postgres
    header = [f"# Benchmarks ({'quick' if args.quick else 'full'} run, "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", ""]  # fmt: skip
    if postgres and (problem := postgres_reachable(postgres)):
        header.append(f"PostgreSQL figures skipped: {problem}")
        postgres = None
    header.extend(f"- {line}" for line in machine(postgres))
    out = ["\n".join(header) + "\n"]
    print(out[0], flush=True)
    status = 0
    workdir = make_workdir()
    try:
        settings = Settings(quick=args.quick, postgres_url=postgres, workdir=workdir)
        for name in names:
            started = time.perf_counter()
            try:
                table = _runner(name)(settings)
            except Exception as exc:
                logging.getLogger("bench").exception("benchmark %s failed", name)
                table = Table(f"{name}: could not run")
                table.note(f"{type(exc).__name__}: {exc}")
                status = 2
            table.note(f"ran in {time.perf_counter() - started:.0f} s")
            text = table.markdown()
            out.append(text)
            print(text, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.output:
        args.output.write_text("\n".join(out), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
