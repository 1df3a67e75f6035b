"""Where bolt runs listeners: a slash command on the request's own thread, the rest on a pool.

With ``process_before_response`` off (``secretariat run``), bolt hands every listener to its
executor (five threads by default) and the request's thread polls every 10 ms until ack()
has been called. A slash command does its Slack work after the ack on the runner's own pool
(``handlers/runner.py``), so its listener returns right after ack(): run on the request's
thread, it is answered as soon as it has acked, without the poll's delay and without waiting
for one of the five threads. Events, buttons and modals may still call Slack after their ack,
so they keep the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

_T = TypeVar("_T")
_inline = threading.local()


@contextmanager
def listeners_inline() -> Iterator[None]:
    """Within this block, this thread runs the listeners bolt submits itself."""
    _inline.active = True
    try:
        yield
    finally:
        _inline.active = False


class ListenerExecutor(Executor):
    """bolt's listener executor: inline inside :func:`listeners_inline`, else ``pool``."""

    def __init__(self, pool: Executor | None = None) -> None:
        self.pool = pool or ThreadPoolExecutor(max_workers=5, thread_name_prefix="listener")

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        if not getattr(_inline, "active", False):
            return self.pool.submit(fn, *args, **kwargs)
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # bolt's own wrapper already handles listener errors
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)
