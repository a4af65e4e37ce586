"""The model's capabilities, not its provider, decide how Baton plans and judges."""

from __future__ import annotations

import pytest
from support.teams import make_team

from supervisor import BatonConfig, ModelCapabilities, ScriptedModel, Supervisor, Team
from supervisor.models.capabilities import infer_capabilities


@pytest.fixture
def real_models_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Resolving a model builds its client and finds its file; nothing here sends a request.
    monkeypatch.delenv("BATON_BLOCK_REAL_MODELS", raising=False)


def supervisor_on(model: str, **config: object) -> Supervisor:
    settings = {"providers": {"openai": {"base_url": "http://127.0.0.1:9/v1"}}, **config}
    return Supervisor(make_team(), model=model, config=BatonConfig.model_validate(settings))


@pytest.mark.usefixtures("real_models_allowed")
def test_the_same_model_behind_two_providers_plans_and_judges_the_same_way() -> None:
    local, served = supervisor_on("local/smollm2"), supervisor_on("openai/smollm2")
    assert (local.planning_mode, local.judged_by_model) == ("skeleton", False)
    assert (served.planning_mode, served.judged_by_model) == ("skeleton", False)


@pytest.mark.usefixtures("real_models_allowed")
def test_the_config_says_otherwise_for_one_model_string() -> None:
    served = supervisor_on("openai/smollm2", models={"capabilities": {"openai/smollm2": "capable"}})
    assert (served.planning_mode, served.judged_by_model) == ("free", True)
    strong = supervisor_on("openai/gpt-4o-mini")
    assert (strong.planning_mode, strong.judged_by_model) == ("free", True)


def test_a_model_may_declare_its_capabilities() -> None:
    small = ScriptedModel(name="cap-test", capabilities=ModelCapabilities.of_size("small"))
    sup = Supervisor(make_team(), model=small)
    assert (sup.planning_mode, sup.judged_by_model) == ("skeleton", False)


def test_a_pipeline_team_runs_its_pipeline_whatever_the_model() -> None:
    team = make_team()
    pipeline = Team(list(team), pipeline=("writer", "reviewer"))
    assert Supervisor(pipeline, model=ScriptedModel(name="gpt-4o")).planning_mode == "skeleton"
    assert Supervisor(team, model=ScriptedModel(name="gpt-4o")).planning_mode == "free"


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("local/smollm2", "small"),
        ("openai/SmolLM2-135M-Instruct", "small"),
        ("local/models/qwen2.5-0.5b-instruct-q4.gguf", "small"),
        ("litellm/ollama/tinyllama", "small"),
        ("openai/gpt-4o-mini", "capable"),
        ("litellm/anthropic/claude-sonnet", "capable"),
        ("openai/llama-3.1-70b", "capable"),
    ],
)
def test_capabilities_are_inferred_from_the_name_after_the_provider(name: str, size: str) -> None:
    assert infer_capabilities(name).size == size
