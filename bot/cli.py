"""The `secretariat` command: run, console, manifest, db upgrade, db backup."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.config import Config, ConfigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secretariat", description="A Slack bot for a meeting secretariat (事務局)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)")
    console = sub.add_parser("console", help="a local workspace in the terminal; no Slack needed")
    console.add_argument("--user", default=None, help="start as this user id")
    console.add_argument("--channel", default=None, help="start in this channel id")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (JSON)")
    manifest.add_argument("--url", help="public base URL of `secretariat run` (HTTP mode)")
    manifest.add_argument("--socket", action="store_true", help="a Socket Mode manifest")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    backup = db_sub.add_parser("backup", help="consistent copy of a live SQLite database")
    backup.add_argument("file", help="where to write the copy")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = Config.from_env()
    except ConfigError as exc:
        print(f"secretariat: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        from bot.server import run

        return run(config)
    if args.command == "console":
        from bot.console import run_console

        return run_console(config, user=args.user, channel=args.channel)
    if args.command == "manifest":
        from bot.manifest import manifest_json

        print(manifest_json(args.url, socket_mode=args.socket))
        return 0
    if args.command == "db":
        from bot.dbtools import backup, upgrade_database

        if args.db_command == "upgrade":
            return upgrade_database(config)
        return backup(config, args.file)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
