"""Transport retries: the only module that imports ``tenacity``.

Only transport faults are retried here (429, 5xx, timeouts, dropped or refused connections), honouring a
server's ``Retry-After`` and bounded by attempts and by total time. Re-asking a model because its *answer* was
wrong is control flow in the supervisor, never here.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class RetryPolicy(BaseModel):
    """How hard to retry a transport fault."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=4, ge=1, le=20, description="tries in all, the first included")
    base_wait_s: float = Field(default=0.5, ge=0, description="first backoff; doubles each retry, with jitter")
    max_wait_s: float = Field(default=30.0, ge=0, description="longest single wait, Retry-After included")
    total_s: float = Field(default=120.0, gt=0, description="no retry starts after this much time in all")


@dataclass(frozen=True, slots=True)
class TransportFault:
    """How a provider classified an exception: retry it or not, and after how long the server asked."""

    retryable: bool
    retry_after_s: float | None = None


FaultClassifier = Callable[[BaseException], TransportFault | None]


class RetriesExhaustedError(Exception):
    """The last transport fault, once no retry is left; carries the number of attempts made."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(str(last))
        self.last = last
        self.attempts = attempts


async def with_transport_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    classify: FaultClassifier,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Await ``call()``, retrying the faults ``classify`` marks retryable; else re-raise at once.

    When the budget runs out, raises ``RetriesExhaustedError`` wrapping the last fault.
    """
    from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay

    def retryable(exc: BaseException) -> bool:
        fault = classify(exc)
        return fault is not None and fault.retryable

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        fault = classify(exc) if exc else None
        if fault and fault.retry_after_s is not None:
            delay = fault.retry_after_s
        else:
            delay = policy.base_wait_s * 2 ** (state.attempt_number - 1) * random.uniform(0.5, 1.0)
        remaining = policy.total_s - (state.seconds_since_start or 0.0)
        return max(0.0, min(delay, policy.max_wait_s, remaining))

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.total_s),
        wait=wait,
        retry=retry_if_exception(retryable),
        reraise=True,
        sleep=sleep,
    )
    attempts = 0
    try:
        async for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                return await call()
    except BaseException as exc:
        if retryable(exc):
            raise RetriesExhaustedError(exc, attempts) from exc
        raise
    raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover
