"""Transport faults against a real loopback HTTP server: retries, Retry-After, typed errors, both HTTP paths."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from support.fault_server import FaultServer, running_fault_server

from supervisor import resolve_model
from supervisor.errors import (
    ProviderAuthError,
    ProviderConnectionLostError,
    ProviderError,
    ProviderModelNotFoundError,
    ProviderResponseError,
    ProviderServerError,
    ProviderTimeoutError,
    ProviderUnreachableError,
)

pytestmark = pytest.mark.integration

PATHS = ["openai/fake", "litellm/openai/fake"]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running_fault_server() as running:
        yield running


def ask(spec: str, base_url: str, **settings: Any) -> Any:
    retry = {"attempts": 3, "base_wait_s": 0.0, "max_wait_s": 5.0, "total_s": 20.0} | settings.pop("retry", {})
    prefix = spec.split("/", maxsplit=1)[0]
    model = resolve_model(spec, {prefix: {"base_url": base_url, "retry": retry, **settings}})

    async def call() -> Any:
        try:
            return await model.complete([{"role": "user", "content": "ping"}], max_tokens=4)
        finally:
            await model.aclose()  # type: ignore[attr-defined]

    return asyncio.run(call())


@pytest.mark.parametrize("spec", PATHS)
def test_a_healthy_endpoint_answers_with_usage(server: FaultServer, spec: str) -> None:
    completion = ask(spec, server.base_url("ok"))
    assert completion.text == "pong"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (3, 1)


@pytest.mark.parametrize("spec", PATHS)
def test_429_with_retry_after_is_waited_out_then_succeeds(server: FaultServer, spec: str) -> None:
    scenario = "ratelimit-retry-after"
    server.arrivals[scenario].clear()
    completion = ask(spec, server.base_url(scenario))
    assert completion.text == "pong"
    first, second = server.arrivals[scenario]
    assert second - first >= 0.9  # base_wait_s is 0: only Retry-After: 1 explains the gap


@pytest.mark.parametrize("spec", PATHS)
def test_500_every_time_gives_up_after_the_budget_with_a_typed_error(server: FaultServer, spec: str) -> None:
    scenario = "500-always"
    server.arrivals[scenario].clear()
    with pytest.raises(ProviderServerError) as info:
        ask(spec, server.base_url(scenario))
    assert server.count(scenario) == 3
    assert info.value.attempts == 3
    message = str(info.value)
    assert spec.split("/", 1)[1] in message and server.base_url(scenario) in message


@pytest.mark.parametrize("spec", PATHS)
def test_a_connection_dropped_mid_response_is_a_typed_error(server: FaultServer, spec: str) -> None:
    with pytest.raises(ProviderConnectionLostError, match="dropped"):
        ask(spec, server.base_url("drop"), retry={"attempts": 2})


@pytest.mark.parametrize("spec", PATHS)
def test_a_body_that_is_not_json_is_a_typed_error(server: FaultServer, spec: str) -> None:
    with pytest.raises(ProviderResponseError):
        ask(spec, server.base_url("nonjson"))


@pytest.mark.parametrize("spec", PATHS)
def test_a_hung_request_hits_the_timeout(server: FaultServer, spec: str) -> None:
    with pytest.raises(ProviderTimeoutError) as info:
        ask(spec, server.base_url("hang"), timeout_s=0.5, retry={"attempts": 2})
    assert info.value.attempts == 2


@pytest.mark.parametrize("spec", PATHS)
@pytest.mark.parametrize(("scenario", "error"), [("auth", ProviderAuthError), ("notfound", ProviderModelNotFoundError)])
def test_client_errors_are_not_retried(server: FaultServer, spec: str, scenario: str, error: type) -> None:
    server.arrivals[scenario].clear()
    with pytest.raises(error):
        ask(spec, server.base_url(scenario))
    assert server.count(scenario) == 1


@pytest.mark.parametrize("spec", PATHS)
def test_an_unreachable_host_is_a_typed_error(spec: str) -> None:
    with pytest.raises(ProviderUnreachableError):
        ask(spec, "http://127.0.0.1:9/v1", retry={"attempts": 1})


def test_every_provider_error_names_provider_model_and_endpoint(server: FaultServer) -> None:
    with pytest.raises(ProviderError) as info:
        ask("openai/fake", server.base_url("auth"))
    assert info.value.provider == "openai"
    assert info.value.model == "fake"
    assert info.value.endpoint == server.base_url("auth")


def test_a_provider_failure_mid_run_is_recorded_and_loses_no_accepted_work(server: FaultServer) -> None:
    from support.teams import make_team, plan_answer, responder

    from supervisor import BatonConfig, ScriptedModel, Supervisor

    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))
    ScriptedModel(respond=responder(plan), name="faults-boss")
    config = BatonConfig.model_validate(
        {
            "models": {"default": "scripted/faults-boss", "agents": {"reviewer": "openai/fake"}},
            "providers": {
                "openai": {"base_url": server.base_url("500-always"), "retry": {"attempts": 2, "base_wait_s": 0}}
            },
        }
    )
    result = Supervisor(make_team(), config=config).run_sync("Refund the duplicate charge")
    assert result.status == "failed"
    assert result.error_type == "ProviderServerError"
    assert "openai model 'fake'" in (result.error or "")
    assert result.steps[0].status == "accepted" and result.steps[0].output
    assert result.steps[1].agent == "reviewer"
