"""A transport fault on a structured call (the supervisor's plan, route and verdict) keeps its own type: the run
fails with the ``Provider*Error`` the provider raised, never a ``StructuredOutputError`` about invalid answers.
(A 500 through the real HTTP stack takes seconds of backoff; it is covered in tests/integration.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.fault_server import FaultServer, running_fault_server
from support.teams import make_team

from supervisor import (
    BatonConfig,
    ProviderAuthError,
    ProviderConnectionLostError,
    ProviderResponseError,
    ProviderServerError,
    ProviderUnreachableError,
    RunScript,
    ScriptedCall,
    Supervisor,
)
from supervisor.models import BLOCK_REAL_MODELS_ENV

GOAL = "Write a reply email to a customer about order 1042"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with running_fault_server() as running:
        yield running


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        ("auth", ProviderAuthError),
        ("nonjson", ProviderResponseError),
        ("drop", ProviderConnectionLostError),
        ("unreachable", ProviderUnreachableError),
    ],
)
def test_a_transport_fault_on_the_plan_call_keeps_its_provider_type(
    server: FaultServer, scenario: str, error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BLOCK_REAL_MODELS_ENV, raising=False)  # a loopback server, not a real provider
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    base_url = "http://127.0.0.1:9/v1" if scenario == "unreachable" else server.base_url(scenario)
    settings = {"base_url": base_url, "retry": {"attempts": 1}}
    config = BatonConfig.model_validate(
        {"audit": {"enabled": False}, "routing": {"similarity": "bm25"}, "providers": {"openai": settings}}
    )
    result = Supervisor(make_team(), config=config, model="openai/gpt-4o-mini").run_sync(GOAL)
    assert (result.status, result.error_type) == ("failed", error.__name__), result.error
    assert "no valid Plan" not in (result.error or "")
    with pytest.raises(error):
        result.raise_for_status()


@pytest.mark.parametrize("kind", ["plan", "route", "verdict"])
def test_a_provider_error_on_a_structured_supervisor_call_is_not_a_structured_output_error(kind: str) -> None:
    fault = ProviderServerError("openai", "gpt-4o", "http://127.0.0.1:1/v1", "HTTP 503: overloaded", 4)
    handlers: dict[str, Any] = {"plan": [("s1", "Write the reply email", []), ("s2", "Review the draft", ["s1"])]}
    handlers[kind] = lambda call: fault
    model = RunScript(**handlers).model("gpt-4o")
    config = BatonConfig.model_validate(
        {
            "audit": {"enabled": False},
            "routing": {"similarity": "bm25", "decide_gap": 1.0},
            "checking": {"judge": "model"},
        }
    )
    result = Supervisor(make_team(), config=config, model=model).run_sync(GOAL)
    assert (result.status, result.error_type) == ("failed", "ProviderServerError"), result.error
    calls = [c for c in model.calls if c.kind == kind]
    assert len(calls) == 1  # a transport fault is not re-asked as an invalid answer would be
    assert isinstance(calls[0], ScriptedCall)
