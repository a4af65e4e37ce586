"""The ``baton`` conventions and what a newcomer met: init, runs, resume, --json, -h, --version, clear messages."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from support.teams import plan_answer, responder
from typer.testing import CliRunner

from supervisor import RunScript, ScriptedModel
from supervisor.cli.app import app
from supervisor.cli.printer import EscalationHandlerOnTerminal
from supervisor.models import BLOCK_REAL_MODELS_ENV
from supervisor.result import Escalation

HOURS = "The shop is open Monday to Saturday, 9:00 to 18:00."
PLAN = plan_answer(("s1", "Write the reply email about the refund", []), ("s2", "Review the draft for tone", ["s1"]))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "baton.toml"
    path.write_text('[models]\ndefault = "scripted/cli"\n[team]\nfactory = "support.teams:make_team"\n')
    return path


def test_dash_h_and_version() -> None:
    runner = CliRunner()
    assert "Commands" in runner.invoke(app, ["-h"]).output
    assert "--json" in runner.invoke(app, ["run", "-h"]).output
    from supervisor import __version__

    assert runner.invoke(app, ["--version"]).output.strip() == __version__
    assert json.loads(runner.invoke(app, ["version", "--json"]).stdout) == {"version": __version__}


def test_every_command_is_listed() -> None:
    shown = CliRunner().invoke(app, ["--help"]).output
    for command in ("run", "repl", "resume", "runs", "audit", "models", "init", "version"):
        assert f" {command} " in shown, command


def test_init_then_run_in_an_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(app, ["init"])
    assert made.exit_code == 0, made.output
    assert (tmp_path / "baton.toml").is_file() and (tmp_path / "my_team.py").is_file()
    assert "# " in (tmp_path / "baton.toml").read_text()  # commented
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2 and "--force" in again.output  # never overwrites by surprise

    # The starter config names the embedded model; here a scripted one stands in (the environment overrides it).
    RunScript(
        plan=[("s1", "Look up the opening hours", []), ("s2", "Write the answer", ["s1"])],
        tool_choice=lambda call: ("look_up", "opening hours"),
        # The starter's answer formats: the researcher picks a fact, the writer frames it.
        answer=lambda call: (
            {"fact": HOURS}
            if "greeting" not in str(call.output_type.model_json_schema() if call.output_type else "")
            else {"greeting": "Hello,", "fact": HOURS, "closing": "Best regards, the shop."}
        ),
        final_answer=HOURS,
    ).model(name="init")
    monkeypatch.setenv("BATON_MODELS__DEFAULT", "scripted/init")
    ran = runner.invoke(app, ["run", "What are your opening hours?", "--json"])
    assert ran.exit_code == 0, ran.output
    result = json.loads(ran.stdout)
    assert result["status"] == "done"
    assert [s["route"]["agent"] for s in result["steps"]] == ["researcher", "writer"]  # my_team.py, from this folder
    assert [t["tool"] for s in result["steps"] for a in s["attempts"] for t in a["tool_calls"]] == ["look_up"]
    assert HOURS in result["output"]


def test_without_a_config_the_bundled_team_is_announced_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_MODELS__DEFAULT", "nosuch/model")  # stops the run early; the notice comes first
    shown = CliRunner().invoke(app, ["run", "a goal"])
    assert shown.output.count("using the bundled support desk team") == 1
    assert "baton init" in shown.output


def test_a_config_file_means_no_notice(config: Path) -> None:
    ScriptedModel(respond=responder(PLAN), name="cli")
    shown = CliRunner().invoke(app, ["run", "I was charged twice", "-c", str(config)])
    assert shown.exit_code == 0 and "bundled" not in shown.output


def test_runs_lists_and_resume_continues_a_run_waiting_for_a_person(config: Path) -> None:
    runner = CliRunner()
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="cli")
    waiting = runner.invoke(app, ["run", "I was charged twice", "-c", str(config), "--json"])
    assert waiting.exit_code == 1
    run_id = json.loads(waiting.stdout)["run_id"]

    listed = runner.invoke(app, ["runs", "-c", str(config)])
    assert run_id in listed.output and "waiting" in listed.output

    ScriptedModel(respond=responder(PLAN), name="cli")
    resumed = runner.invoke(app, ["resume", run_id, "--answer", "Refund sent.", "-c", str(config), "--json"])
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.stdout)
    assert data["status"] == "done" and data["run_id"] == run_id


def test_resume_mistakes_are_one_line(config: Path) -> None:
    outcome = CliRunner().invoke(app, ["resume", "nosuchrun", "-c", str(config)])
    assert outcome.exit_code == 2 and "no run 'nosuchrun' in the journal" in outcome.output
    assert len(outcome.output.strip().splitlines()) == 1
    assert "Traceback" not in outcome.output


def test_the_approval_panel_shows_the_tool_and_its_arguments() -> None:
    console = Console(record=True, width=100)
    escalation = Escalation(
        run_id="r",
        subtask_id="s2",
        agent="writer",
        task="Refund the customer",
        output="",
        reason="issue_refund has side effects",
        kind="tool_approval",
        tool="issue_refund",
        arguments="order 1042, 20 EUR",
    )
    from supervisor.cli import printer

    answers = iter(["approve"])
    original = printer.Prompt.ask
    printer.Prompt.ask = lambda *a, **k: next(answers)  # type: ignore[assignment,method-assign]
    try:
        decision = EscalationHandlerOnTerminal(console)(escalation)
    finally:
        printer.Prompt.ask = original  # type: ignore[method-assign]
    shown = console.export_text()
    assert decision.action == "approve"
    assert "issue_refund" in shown and "order 1042, 20 EUR" in shown and "(no output)" not in shown


def _a_recorded_run(config: Path) -> str:
    ScriptedModel(respond=responder(PLAN, text=lambda call: "Dear customer, " + "word " * 60 + "the end."), name="cli")
    ran = CliRunner().invoke(app, ["run", "I was charged twice for order 1042", "-c", str(config), "--json"])
    return str(json.loads(ran.stdout)["run_id"])


def test_audit_show_full_and_json_do_not_cut_entries(config: Path) -> None:
    run_id = _a_recorded_run(config)
    runner = CliRunner()
    story = runner.invoke(app, ["audit", "show", run_id, "-c", str(config)]).output
    assert "the end." not in story  # the story line is cut...
    full = runner.invoke(app, ["audit", "show", run_id, "-c", str(config), "--full"]).output
    assert "the end." in full  # ...the full view is not
    entries = json.loads(runner.invoke(app, ["audit", "show", run_id, "-c", str(config), "--json"]).stdout)
    produced = [e for e in entries if e["kind"] == "OutputProduced"]
    assert produced and produced[0]["data"]["output"].endswith("the end.")
    report = json.loads(runner.invoke(app, ["audit", "verify", run_id, "-c", str(config), "--json"]).stdout)
    assert report["ok"] is True and report["sealed"] is True


def test_audit_list_shows_time_and_goal_without_the_key_files(config: Path, tmp_path: Path) -> None:
    import os

    run_id = _a_recorded_run(config)
    shutil.rmtree(os.environ["BATON_KEY_DIR"])  # listing needs no keys (verifying does)
    runner = CliRunner()
    listed = runner.invoke(app, ["audit", "list", "-c", str(config)], env={"COLUMNS": "160"})
    assert listed.exit_code == 0, listed.output
    assert run_id in listed.output and "I was charged twice" in listed.output
    assert "started (UTC)" in listed.output
    [row] = json.loads(runner.invoke(app, ["audit", "list", "-c", str(config), "--json"]).stdout)
    assert row["run_id"] == run_id and row["goal"] == "I was charged twice for order 1042"
    assert row["started_at"][:2] == "20" and row["status"] in ("done", "failed", "waiting_for_human")


def test_models_tells_a_config_mistake_from_an_unreachable_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A closed port on this machine: nothing leaves it, so the real-model block can be lifted for this probe.
    monkeypatch.delenv(BLOCK_REAL_MODELS_ENV)
    monkeypatch.setenv("BATON_TEST_KEY", "sk-test-0000000000")
    path = tmp_path / "baton.toml"
    path.write_text(
        '[models]\ndefault = "openai/gpt-4o-mini"\n[models.agents]\nwriter = "nosuch/model"\n'
        '[team]\nfactory = "support.teams:make_team"\n'
        '[providers.openai]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "BATON_TEST_KEY"\n'
        "[providers.openai.retry]\nattempts = 1\n"
    )
    outcome = CliRunner().invoke(app, ["models", "-c", str(path), "--json", "--timeout", "5"])
    rows = {row["role"]: row for row in json.loads(outcome.stdout)}
    assert outcome.exit_code == 2  # a config mistake is the user's to fix
    assert rows["writer"]["status"] == "config error" and "nosuch" in rows["writer"]["detail"]
    assert "known provider prefixes" in rows["writer"]["detail"]  # the whole message
    assert rows["supervisor"]["status"] == "unreachable"
    table = CliRunner().invoke(app, ["models", "-c", str(path), "--timeout", "5"]).output
    assert "config error" in table and "unreachable" in table


def test_instructor_log_lines_do_not_reach_stderr(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    CliRunner().invoke(app, ["version"])
    logging.getLogger("instructor.v2.core.retry").error("API call failed on attempt 1: boom")
    assert "boom" not in capsys.readouterr().err


def test_a_long_final_answer_is_wrapped_in_its_panel_not_cut(config: Path) -> None:
    # Sixty different words, no figures (the final answer's checks would reject invented ones).
    words = " ".join(f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(60))
    RunScript(plan=PLAN, final_answer=f"Dear customer, {words} THE-LAST-WORD.").model(name="cli")
    shown = CliRunner().invoke(app, ["run", "I was charged twice", "-c", str(config)], terminal_width=80)
    assert shown.exit_code == 0, shown.output
    assert "THE-LAST-WORD." in shown.output and "whc" in shown.output


def test_no_color_is_respected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "baton.toml"
    path.write_text('[models]\ndefault = "nosuch/x"\n')
    monkeypatch.setenv("FORCE_COLOR", "1")  # as if on a terminal
    coloured = CliRunner().invoke(app, ["run", "goal", "-c", str(path)])
    assert "\x1b[31m" in coloured.output  # the red "error"
    monkeypatch.setenv("NO_COLOR", "1")
    plain = CliRunner().invoke(app, ["run", "goal", "-c", str(path)])
    assert plain.exit_code == 2 and "error" in plain.output and "\x1b[31m" not in plain.output
