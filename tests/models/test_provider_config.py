"""Provider settings in baton.toml: typed, keys only by env-var reference, providers imported lazily."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.teams import make_team, plan_answer, responder

from supervisor import BatonConfig, ConfigError, ScriptedModel, Supervisor
from supervisor.errors import MissingCredentialError
from supervisor.models.openai import create_openai_model


def test_an_unknown_provider_table_is_a_config_error() -> None:
    config = BatonConfig.model_validate({"providers": {"opnai": {"base_url": "http://x"}}})
    with pytest.raises(ConfigError, match=r"providers\.opnai: no such provider"):
        Supervisor(make_team(), config=config, model=ScriptedModel(name="p1"))


def test_a_mistyped_provider_key_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"providers\.openai\.base_ulr: unknown key"):
        create_openai_model("m", {"base_ulr": "http://x"})


def test_a_key_written_in_the_file_is_refused_with_the_way_to_do_it() -> None:
    with pytest.raises(ConfigError, match="api_key_env"):
        create_openai_model("m", {"api_key": "sk-secret"})


def test_hosted_openai_without_its_key_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingCredentialError, match="OPENAI_API_KEY"):
        create_openai_model("gpt-4o-mini", {})
    monkeypatch.setenv("MY_KEY", "sk-test")
    model = create_openai_model("gpt-4o-mini", {"api_key_env": "MY_KEY"})
    assert model.name == "openai/gpt-4o-mini"


def test_resolving_http_models_imports_no_sdk() -> None:
    code = (
        "import sys; from supervisor import resolve_model; "
        "s = {'openai': {'base_url': 'http://127.0.0.1:9/v1'}, 'litellm': {'base_url': 'http://127.0.0.1:9/v1'}}; "
        "resolve_model('openai/m', s); resolve_model('litellm/openai/m', s); "
        "print(','.join(m for m in ('openai', 'litellm') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "BATON_BLOCK_REAL_MODELS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == ""


def test_costs_come_from_the_price_table_per_agent() -> None:
    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))
    model = ScriptedModel(respond=responder(plan), name="priced")
    config = BatonConfig.model_validate(
        {"prices": {"scripted/priced": {"input_per_mtok": 1_000_000, "output_per_mtok": 2_000_000}}}
    )
    result = Supervisor(make_team(), config=config, model=model).run_sync("Refund it")
    writer = result.usage_by_agent["writer"]
    assert writer.cost_usd == pytest.approx(writer.prompt_tokens * 1 + writer.completion_tokens * 2)
    assert result.usage.cost_usd == pytest.approx(sum(u.cost_usd for u in result.usage_by_agent.values()))
    assert result.usage.cost_usd > 0
