"""``baton runs``, ``baton resume`` and ``baton replay``: what the journal holds, on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.teams import plan_answer, responder
from typer.testing import CliRunner

from supervisor import ScriptedModel
from supervisor.cli.app import app

PLAN = plan_answer(("s1", "Write the reply email about the refund", []), ("s2", "Review the draft", ["s1"]))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text('[models]\ndefault = "scripted/durable-cli"\n[team]\nfactory = "support.teams:make_team"\n')
    return path


def test_a_waiting_run_is_listed_answered_from_the_command_line_and_a_second_answer_is_refused(
    config: Path,
) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="durable-cli")
    outcome = CliRunner().invoke(app, ["run", "I was charged twice", "-c", str(config), "--json"])
    assert outcome.exit_code == 1
    run_id = json.loads(outcome.stdout)["run_id"]

    listed = CliRunner().invoke(app, ["runs", "-c", str(config), "--json"])
    assert listed.exit_code == 0
    assert [(r["run_id"], r["state"]) for r in json.loads(listed.stdout)] == [(run_id, "waiting_for_human")]

    resumed = CliRunner().invoke(app, ["resume", run_id, "-c", str(config), "--approve", "--json"])
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["status"] == "done"

    again = CliRunner().invoke(app, ["resume", run_id, "-c", str(config), "--approve"])
    assert again.exit_code == 2
    assert "is done" in again.output and "Traceback" not in again.output

    replayed = CliRunner().invoke(app, ["replay", run_id, "-c", str(config)])
    assert replayed.exit_code == 0, replayed.output
    assert "every decision reproduced" in replayed.output


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["resume", "no-such-run"], "no run 'no-such-run'"),
        (["replay", "no-such-run"], "no run 'no-such-run'"),
        (["resume", "x", "--approve", "--reject"], "give one of --approve"),
        (["submit", "Ship order 5531"], "needs a Postgres journal"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(config: Path, arguments: list[str], expected: str) -> None:
    ScriptedModel(respond=responder(PLAN), name="durable-cli")
    outcome = CliRunner().invoke(app, [*arguments, "-c", str(config)])
    assert outcome.exit_code == 2
    assert expected in outcome.output and "Traceback" not in outcome.output
