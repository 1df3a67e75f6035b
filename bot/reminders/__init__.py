"""Reminders: rows in ``reminders`` that the dispatcher posts exactly once.

``planning`` turns meetings and decisions into rows (called from the meeting and decision
services), ``dispatcher`` claims the due rows and posts them, ``scheduler`` drives the
dispatcher from APScheduler. This package's ``__init__`` imports nothing, so that the
meeting service can import ``bot.reminders.planning`` without an import cycle.
"""
