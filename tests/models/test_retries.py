"""Transport retries: bounded by attempts and time, honouring Retry-After, never retrying what is not transport."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest

from supervisor.models._http_faults import classify, retry_after_seconds
from supervisor.models.retries import RetriesExhaustedError, RetryPolicy, TransportFault, with_transport_retries


class Flaky:
    """Fails with the given faults in turn, then answers."""

    def __init__(self, *faults: BaseException) -> None:
        self.faults = list(faults)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.faults:
            raise self.faults.pop(0)
        return "ok"


def transient(exc: BaseException) -> TransportFault | None:
    if isinstance(exc, ConnectionError):
        return TransportFault(retryable=True, retry_after_s=getattr(exc, "retry_after", None))
    return None


def run(call: Flaky, policy: RetryPolicy, waits: list[float] | None = None) -> str:
    recorded = waits if waits is not None else []

    async def sleep(seconds: float) -> None:
        recorded.append(seconds)

    return asyncio.run(with_transport_retries(call, policy, transient, sleep=sleep))


def test_transient_faults_are_retried_until_success() -> None:
    call = Flaky(ConnectionError("reset"), ConnectionError("reset"))
    assert run(call, RetryPolicy(attempts=3)) == "ok"
    assert call.calls == 3


def test_attempts_are_bounded_and_the_last_fault_is_kept() -> None:
    call = Flaky(*(ConnectionError(f"reset {i}") for i in range(5)))
    with pytest.raises(RetriesExhaustedError) as info:
        run(call, RetryPolicy(attempts=2))
    assert call.calls == 2 and info.value.attempts == 2
    assert str(info.value.last) == "reset 1"


def test_what_is_not_transport_is_raised_at_once() -> None:
    call = Flaky(ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        run(call, RetryPolicy(attempts=5))
    assert call.calls == 1


def test_retry_after_sets_the_wait_within_the_bounds() -> None:
    slow = ConnectionError("429")
    slow.retry_after = 7.0  # type: ignore[attr-defined]
    longer = ConnectionError("429")
    longer.retry_after = 600.0  # type: ignore[attr-defined]
    waits: list[float] = []
    run(Flaky(slow, longer), RetryPolicy(attempts=3, max_wait_s=30, total_s=1000), waits)
    assert waits == [7.0, 30.0]  # the server's word, capped at max_wait_s


def test_no_wait_runs_past_the_total_budget() -> None:
    slow = ConnectionError("429")
    slow.retry_after = 50.0  # type: ignore[attr-defined]
    waits: list[float] = []
    run(Flaky(slow), RetryPolicy(attempts=3, max_wait_s=100, total_s=5), waits)
    assert len(waits) == 1 and waits[0] <= 5


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://x/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("failed", response=response, body=None)


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (503, True), (400, None), (401, None), (404, None)]
)
def test_http_statuses_are_classified(status: int, retryable: bool | None) -> None:
    fault = classify(status_error(status))
    assert (fault.retryable if fault else None) == retryable


def test_retry_after_is_read_as_seconds_date_or_milliseconds() -> None:
    assert retry_after_seconds(status_error(429, {"retry-after": "3"})) == 3.0
    assert retry_after_seconds(status_error(429, {"retry-after-ms": "1500"})) == 1.5
    dated = retry_after_seconds(status_error(429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert dated == 0.0  # a date in the past means "now"
    assert retry_after_seconds(status_error(429)) is None


def test_retry_after_is_found_on_the_exception_chain() -> None:
    try:
        try:
            raise status_error(429, {"retry-after": "2"})
        except openai.APIStatusError as inner:
            raise RuntimeError("wrapped by a client library") from inner
    except RuntimeError as outer:
        assert retry_after_seconds(outer) == 2.0
