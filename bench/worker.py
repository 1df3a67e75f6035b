"""A reminder worker: the background work of one ``secretariat run`` instance.

``python -m bench.worker`` reads the same environment as ``secretariat run``
(DATABASE_URL, SLACK_API_URL, SLACK_BOT_TOKEN, SECRETARIAT_DISPATCH_INTERVAL …), builds the
bot exactly as ``bot.server.build`` does and starts what ``bot.server.start_background_work``
starts (the reminder scheduler), without serving HTTP, so that the fan-out benchmark can run
one or several instances against one database. It prints ``ready`` and runs until its
standard input closes.
"""

from __future__ import annotations

import logging
import sys

from bot.config import Config
from bot.server import build, start_background_work


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    config = Config.from_env()
    deps, _app, client = build(config)
    scheduler = start_background_work(deps, client)
    wired = scheduler is not None
    if scheduler is None:
        # `secretariat run` does not start the dispatcher yet: start it the way it will.
        from bot.reminders.scheduler import start_scheduler

        scheduler = start_scheduler(deps, client)
    print("ready" if wired else "ready (scheduler started by bench.worker)", flush=True)
    try:
        sys.stdin.read()
    finally:
        scheduler.shutdown(wait=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
