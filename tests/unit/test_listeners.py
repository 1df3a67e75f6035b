"""bolt's listener executor: a slash command runs on the request's thread, the rest on a pool."""

from __future__ import annotations

import threading

import pytest

from bot.listeners import ListenerExecutor, listeners_inline


def where_it_ran() -> int:
    return threading.get_ident()


def test_inside_a_command_listeners_run_on_the_calling_thread() -> None:
    executor = ListenerExecutor()
    try:
        with listeners_inline():
            future = executor.submit(where_it_ran)
            assert future.done()  # finished before submit returned
            assert future.result() == threading.get_ident()
        # The block is over: the next listener goes to the pool again.
        assert executor.submit(where_it_ran).result(timeout=5) != threading.get_ident()
    finally:
        executor.shutdown()


def test_an_inline_listener_failure_is_in_its_future() -> None:
    executor = ListenerExecutor()

    def fails() -> None:
        raise ValueError("boom")

    try:
        with listeners_inline():
            future = executor.submit(fails)
        with pytest.raises(ValueError, match="boom"):
            future.result()
    finally:
        executor.shutdown()


def test_inline_is_per_thread() -> None:
    executor = ListenerExecutor()
    seen: list[int] = []
    try:
        with listeners_inline():
            # Another thread submitting meanwhile is not inside a command of its own.
            other = threading.Thread(
                target=lambda: seen.append(executor.submit(where_it_ran).result(timeout=5))
            )
            other.start()
            other.join(timeout=5)
        assert seen and seen[0] != other.ident
    finally:
        executor.shutdown()
