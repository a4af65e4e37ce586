"""The ``baton`` command: output, JSON, and exit codes 0 (done), 1 (failed run), 2 (usage error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.teams import plan_answer, responder
from typer.testing import CliRunner

from supervisor import ScriptedModel
from supervisor.cli.app import app

PLAN = plan_answer(
    ("s1", "Write the reply email about the refund", []),
    ("s2", "Review the draft for tone", ["s1"]),
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text('[models]\ndefault = "scripted/cli"\n[team]\nfactory = "support.teams:make_team"\n')
    return path


def test_run_prints_plan_steps_verdicts_and_answer(config: Path) -> None:
    model = ScriptedModel(respond=responder(PLAN), name="cli")
    outcome = CliRunner().invoke(app, ["run", "I was charged twice", "--config", str(config)])
    assert outcome.exit_code == 0, outcome.output
    assert "Plan" in outcome.output and "Write the reply email about the refund" in outcome.output
    assert "s1 -> writer" in outcome.output and "s2 -> reviewer" in outcome.output
    assert "verdict accept" in outcome.output
    assert "Final answer" in outcome.output
    assert len(model.calls) > 0


def test_json_output_is_the_whole_result(config: Path) -> None:
    ScriptedModel(respond=responder(PLAN), name="cli")
    outcome = CliRunner().invoke(app, ["run", "I was charged twice", "-c", str(config), "--json"])
    assert outcome.exit_code == 0
    data = json.loads(outcome.stdout)
    assert data["status"] == "done"
    assert [s["route"]["agent"] for s in data["steps"]] == ["writer", "reviewer"]
    assert data["usage"]["calls"] > 0 and data["usage"]["total_tokens"] > 0


def test_failed_run_exits_1(config: Path) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["retry", "retry", "retry"]), name="cli")
    outcome = CliRunner().invoke(app, ["run", "I was charged twice", "-c", str(config)])
    assert outcome.exit_code == 1
    assert "run failed" in outcome.output


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[models]\ndefault = "nosuch/x"\n', "unknown model 'nosuch/x'"),
        ("[limits]\nmax_attempts = 0\n", "limits.max_attempts"),
        ("[limits\n", "line 1"),
        ('[team]\nfactory = "nosuch_module:team"\n', "team.factory"),
        ('[models.agents]\nnobody = "scripted/cli"\n', "unknown agent 'nobody'"),
    ],
)
def test_user_mistakes_exit_2_with_one_clear_message(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "baton.toml"
    path.write_text(toml)
    outcome = CliRunner().invoke(app, ["run", "goal", "-c", str(path)])
    assert outcome.exit_code == 2
    assert expected in outcome.output
    assert "Traceback" not in outcome.output


def test_missing_goal_is_a_usage_error() -> None:
    assert CliRunner().invoke(app, ["run"]).exit_code == 2


def test_an_escalation_waits_without_ask_and_is_answered_at_the_terminal_with_ask(config: Path) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="cli")
    waiting = CliRunner().invoke(app, ["run", "I was charged twice", "--config", str(config)])
    assert waiting.exit_code == 1
    assert "escalated to a person" in waiting.output and "waiting for a person" in waiting.output

    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="cli")
    answered = CliRunner().invoke(
        app, ["run", "I was charged twice", "--config", str(config), "--ask"], input="approve\n"
    )
    assert answered.exit_code == 0, answered.output
    assert "terminal decided: approve" in answered.output
    assert "Final answer" in answered.output
