"""The same goal through both HTTP provider paths against a real llama.cpp server, and the one-line swap."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.llama_server import LlamaServer
from typer.testing import CliRunner

from specialists import support_desk_team
from supervisor import Plan, Supervisor, load_config
from supervisor.cli.app import app

pytestmark = pytest.mark.integration

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."


def write_config(path: Path, model: str, server: LlamaServer) -> Path:
    # The 135M model judges close to chance, so code checks decide; everything else is the model's.
    path.write_text(
        f'[models]\ndefault = "{model}"\n'
        "[limits]\nmin_subtasks = 2\nmax_subtasks = 3\n"
        '[checking]\njudge = "code"\n'
        f'[providers.openai]\nbase_url = "{server.base_url}"\ntemperature = 0\n'
        f'[providers.litellm]\nbase_url = "{server.base_url}"\ntemperature = 0\n'
    )
    return path


@pytest.mark.parametrize("model", ["openai/smollm2", "litellm/openai/smollm2"])
def test_the_same_goal_runs_through_each_http_path(model: str, llama_server: LlamaServer, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "baton.toml", model, llama_server), env={})
    before = llama_server.completions_served()
    result = Supervisor(support_desk_team(), config=config).run_sync(TICKET)

    assert result.status == "done", result.error
    assert isinstance(result.plan, Plan) and 2 <= len(result.plan.subtasks) <= 3
    assert result.output.strip()
    assert llama_server.completions_served() - before == result.usage.calls  # every call went to the server
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


def test_changing_only_the_model_string_moves_the_run_to_the_server(llama_server: LlamaServer, tmp_path: Path) -> None:
    path = write_config(tmp_path / "baton.toml", "local/smollm2", llama_server)
    before = llama_server.completions_served()
    local = CliRunner().invoke(app, ["run", TICKET, "--config", str(path), "--json"])
    assert local.exit_code == 0, local.output
    assert llama_server.completions_served() == before  # in-process: the server saw nothing

    path.write_text(path.read_text().replace('"local/smollm2"', '"openai/smollm2"'))
    remote = CliRunner().invoke(app, ["run", TICKET, "--config", str(path), "--json"])
    assert remote.exit_code == 0, remote.output
    assert llama_server.completions_served() > before  # the same run now went to the server


def test_baton_models_reports_the_server_reachable(llama_server: LlamaServer, tmp_path: Path) -> None:
    path = write_config(tmp_path / "baton.toml", "openai/smollm2", llama_server)
    outcome = CliRunner().invoke(app, ["models", "--config", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert "openai/smollm2" in outcome.output and "reachable" in outcome.output


@pytest.mark.parametrize("mode", ["auto", "json_object_schema", "tools"])
def test_structured_output_works_in_each_mode_the_server_supports(mode: str, llama_server: LlamaServer) -> None:
    import asyncio

    from supervisor import Verdict, resolve_model
    from supervisor.models.chat_http import detect_mode

    settings = {"openai": {"base_url": llama_server.base_url, "temperature": 0, "structured_mode": mode}}
    model = resolve_model("openai/smollm2", settings)
    messages = [{"role": "user", "content": "Is 'Dear customer, your refund is on its way.' polite? Verdict:"}]

    async def ask() -> object:
        try:
            return await model.complete(messages, output_type=Verdict, max_tokens=256)  # type: ignore[arg-type]
        finally:
            await model.aclose()  # type: ignore[attr-defined]

    completion = asyncio.run(ask())
    assert isinstance(completion.output, Verdict)  # type: ignore[attr-defined]
    assert asyncio.run(detect_mode(llama_server.base_url)) == "json_object_schema"  # the probe knows llama.cpp
