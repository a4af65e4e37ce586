"""Sync tools run in a worker thread of their own, bounded by the step's deadline.

A tool past the deadline is abandoned: the step fails with ``StepTimeoutError`` at the deadline and the run goes
on. Python cannot kill a thread, so an abandoned tool keeps running until it returns on its own (its result is
then dropped); the thread is a daemon, so it never holds up the event loop's shutdown or the interpreter's exit.
A tool that must stop in time reads the deadline it is given: ``tool_time_left()`` inside the tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("baton_step_deadline", default=None)
"""The running step's deadline on ``time.monotonic()``'s clock, or None for a step without a time limit."""


@asynccontextmanager
async def step_deadline(when: float | None) -> AsyncIterator[None]:
    """Within the block, tools see ``when`` (an event-loop time, or None) as their deadline."""
    if when is not None:
        # The event loop's clock is time.monotonic() on every stock loop; a tool thread reads the latter.
        when = when - asyncio.get_running_loop().time() + time.monotonic()
    token = _deadline.set(when)
    try:
        yield
    finally:
        _deadline.reset(token)


def tool_time_left() -> float | None:
    """Seconds left before the running step's deadline (never below 0), or None when it has no time limit."""
    when = _deadline.get()
    return None if when is None else max(0.0, when - time.monotonic())


async def run_in_worker(function: Callable[..., T], *arguments: Any) -> T:
    """``function(*arguments)`` in a daemon thread; cancelling the await (the step's deadline) abandons it."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()  # the tool sees the step's deadline

    def settle(outcome: Callable[[], None]) -> None:
        if not done.done():  # abandoned: nobody waits for it any more
            outcome()

    def work() -> None:
        try:
            result = context.run(function, *arguments)
        except BaseException as exc:  # handed to the awaiting step, which decides what it means
            error = exc
            _call_soon(loop, lambda: settle(lambda: done.set_exception(error)))
            return
        _call_soon(loop, lambda: settle(lambda: done.set_result(result)))

    threading.Thread(target=work, name=f"baton-tool-{getattr(function, '__name__', 'tool')}", daemon=True).start()
    return await done


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    # The event loop may have closed while an abandoned tool ran: then nobody is left to tell.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback)
