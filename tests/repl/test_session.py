"""The REPL driven through prompt_toolkit's pipe input: no terminal, the keys a person would type."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console
from support.teams import plan_answer, responder

from supervisor import BatonConfig, HumanDecision, RunScript, ScriptedModel, Supervisor, UserError
from supervisor.audit.log import open_audit_log
from supervisor.repl import Repl
from supervisor.repl.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
CRASHING_RUN = """
import os, signal
from support.teams import plan_answer, responder
from supervisor import BatonConfig, ScriptedModel, Supervisor

PLAN = plan_answer(("s1", "Write the reply email about the refund", []), ("s2", "Review the draft for tone", ["s1"]))
ScriptedModel(respond=responder(PLAN), name="repl")
TEAM = {"factory": "support.teams:make_team"}
config = BatonConfig.model_validate({"models": {"default": "scripted/repl"}, "team": TEAM})

def sink(event):
    if type(event).__name__ == "AttemptStarted" and event.subtask_id == "s2":
        os.kill(os.getpid(), signal.SIGKILL)  # s1 is done and committed; the process dies mid-run

Supervisor(config=config).run_sync("I was charged twice", on_event=sink)
"""
PLAN = plan_answer(("s1", "Write the reply email about the refund", []), ("s2", "Review the draft for tone", ["s1"]))
TEAM = "support.teams:make_team"
CTRL_C = "\x03"


def config(model: str = "scripted/repl") -> BatonConfig:
    return BatonConfig.model_validate({"models": {"default": model}, "team": {"factory": TEAM}})


@dataclass
class Session:
    repl: Repl
    keys: PipeInput
    screen: io.StringIO

    @property
    def text(self) -> str:
        return self.screen.getvalue()

    def run(self, typed: str) -> str:
        """Type ``typed`` (then end the input, as Ctrl-D does) and run the session to its end."""
        self.keys.send_text(typed)
        self.keys.close()
        asyncio.run(self.repl.main())
        return self.text


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as keys:
        yield keys


def open_session(keys: PipeInput, cfg: BatonConfig | None = None, home: Path | None = None) -> Session:
    screen = io.StringIO()
    console = Console(file=screen, width=80, color_system=None)
    repl = Repl(cfg or config(), console=console, input=keys, output=DummyOutput(), home=home)
    return Session(repl, keys, screen)


def test_a_goal_runs_with_the_plan_tree_and_the_final_answer_as_markdown(pipe: PipeInput, baton_home: Path) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    session = open_session(pipe, home=baton_home)
    text = session.run("I was charged twice for order 1042\r")
    assert "Plan: I was charged twice for order 1042" in text
    assert "✓ s1 writer Write the reply email about the refund [accepted]" in text
    assert "✓ s2 reviewer Review the draft for tone [accepted]" in text
    assert "verdict s1 writer attempt 1: accept by model" in text
    assert "Final answer" in text
    assert "tokens" in text and "model call(s)" in text
    [result] = session.repl.runs.values()
    assert (result.status == "done" and result.output in " ".join(text.split())) or result.output[:30] in text
    # In the journal for /runs and /resume after the session (as for 'baton run'), and in the audit log.
    row = asyncio.run(Supervisor(config=config()).recorded_run(result.run_id))
    assert row.state == "done" and row.result is not None and row.result["output"] == result.output
    with open_audit_log(session.repl.config.audit, create=False) as log:  # type: ignore[union-attr]
        assert log.verify(result.run_id).ok


def test_the_final_answer_is_rendered_as_markdown(pipe: PipeInput) -> None:
    RunScript(plan=PLAN, final_answer="# Refund\n\n* **Refund** for order 1042: on its way").model(name="repl")
    session = open_session(pipe)
    text = session.run("I was charged twice for order 1042\r")
    assert "**Refund**" not in text and "# Refund" not in text  # rendered, not shown as source
    assert "Refund for order 1042: on its way" in text


def test_help_lists_every_command(pipe: PipeInput) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    text = open_session(pipe).run("/help\r")
    for command in COMMANDS:
        assert command.name in text
    assert "/agents" in text and "/model [ROLE] NAME" in text


def test_an_escalation_is_answered_with_an_edit_in_the_editor_and_the_run_goes_on(
    pipe: PipeInput, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "path.write_text(path.read_text().replace('Output for', 'EDITED by the operator:'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="repl")
    session = open_session(pipe)
    text = session.run("I was charged twice\re\r")
    assert "A person must decide" in text and "s1 · writer · output" in text
    assert "Output for: Write the reply email about the refund" in text  # the output shown before deciding
    [result] = session.repl.runs.values()
    assert result.status == "done"
    s1 = next(step for step in result.steps if step.subtask.id == "s1")
    assert s1.output is not None and s1.output.startswith("EDITED by the operator:")
    assert s1.attempts[-1].verdict is not None and s1.attempts[-1].verdict.decided_by == "person"
    with open_audit_log(session.repl.config.audit, create=False) as log:  # type: ignore[union-attr]
        decided = [e.data for e in log.entries(result.run_id) if e.kind == "HumanDecided"]
    assert decided and decided[0]["decision"]["action"] == "edit" and decided[0]["decision"]["by"] == "repl"
    assert "EDITED by the operator" in decided[0]["decision"]["text"]


def test_an_escalation_is_answered_in_place_with_a_multi_line_answer(
    pipe: PipeInput, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="repl")
    session = open_session(pipe)
    # "x" is no choice (asked again); "n" answers; the inline editor takes two lines, Esc then Enter ends it.
    session.run("I was charged twice\rx\rn\rDear customer,\rthe refund is on its way.\x1b\r")
    assert "please type one of" in session.text
    [result] = session.repl.runs.values()
    assert result.status == "done"
    assert result.accepted["s1"] == "Dear customer,\nthe refund is on its way."


def test_model_swaps_the_model_for_the_session(pipe: PipeInput) -> None:
    first = ScriptedModel(respond=responder(PLAN), name="repl")
    second = ScriptedModel(respond=responder(PLAN), name="other")
    session = open_session(pipe)
    session.run("/model scripted/other\rI was charged twice\r/model writer scripted/repl\r/agents\r")
    assert "default now uses scripted/other" in session.text
    assert first.calls == [] and len(second.calls) > 0  # the goal ran on the swapped model only
    assert session.repl.config.models.default == "scripted/other"
    assert session.repl.supervisor.model_for("writer").name == "scripted/repl"
    assert "writer now uses scripted/repl" in session.text


class HangingModel(ScriptedModel):
    """Hangs in the first specialist call on ``task`` after typing Ctrl-C there, as a person would mid-run."""

    def __init__(self, keys: PipeInput, name: str, task: str = "Your task:") -> None:
        super().__init__(respond=responder(PLAN), name=name)
        self.keys, self.task = keys, task
        self.hung = 0

    async def complete(self, messages: Any, **options: Any) -> Any:
        prompt = "\n".join(m["content"] for m in messages)
        if "Your task:" in prompt and self.task in prompt and self.hung == 0:
            self.hung += 1
            self.keys.send_text(CTRL_C)
            await asyncio.Event().wait()  # never set: only cancelling the run ends this call
        return await super().complete(messages, **options)


def test_ctrl_c_cancels_the_run_and_the_session_goes_on(pipe: PipeInput) -> None:
    hanging = HangingModel(pipe, "repl")
    ScriptedModel(respond=responder(PLAN), name="after")
    session = open_session(pipe)
    # Typed ahead: the session reads it once the cancelled run has given the prompt back.
    pipe.send_text("I was charged twice\r/runs\r/model scripted/after\rA second goal\r/quit\r")
    asyncio.run(session.repl.main())
    assert hanging.hung == 1
    first, second = session.repl.runs.values()
    assert first.status == "cancelled" and first.error_type == "CancelledError"
    assert f"run {first.run_id} cancelled" in session.text and f"/resume {first.run_id}" in session.text
    assert "■ s1 writer Write the reply email about the refund [cancelled]" in session.text
    assert second.status == "done"  # the session went on to the next goal
    with open_audit_log(session.repl.config.audit, create=False) as log:  # type: ignore[union-attr]
        finished = [e.data for e in log.entries(first.run_id) if e.kind == "RunFinished"]
    assert finished and finished[0]["status"] == "cancelled"  # recorded


def test_a_cancelled_run_is_resumed_in_a_later_session_from_its_accepted_work(
    pipe: PipeInput, baton_home: Path
) -> None:
    model = HangingModel(pipe, "repl", task="Review the draft")
    first = open_session(pipe, home=baton_home)
    first.keys.send_text("I was charged twice\r/quit\r")  # the pipe stays open: the model types Ctrl-C into it
    asyncio.run(first.repl.main())
    [cancelled] = first.repl.runs.values()
    assert cancelled.status == "cancelled" and list(cancelled.accepted) == ["s1"]
    calls_before = len(model.calls)
    with create_pipe_input() as keys:
        later = open_session(keys, home=baton_home)
        later.run(f"/resume {cancelled.run_id[:6]}\r")
    resumed = later.repl.runs[cancelled.run_id]
    assert resumed.status == "done" and set(resumed.accepted) == {"s1", "s2"}
    assert resumed.accepted["s1"] == cancelled.accepted["s1"]
    assert [c.kind for c in model.calls[calls_before:] if c.kind == "plan"] == []  # went on, not started over
    assert "Plan: I was charged twice" in later.text  # the tree is drawn from the run being resumed
    assert "✓ s2 reviewer Review the draft for tone [accepted]" in later.text


def test_a_run_waiting_for_a_person_is_answered_with_resume(pipe: PipeInput, baton_home: Path) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="repl")
    waiting = Supervisor(config=config()).run_sync("I was charged twice")  # no handler: it waits, as 'baton run' does
    assert waiting.status == "waiting_for_human"
    session = open_session(pipe, home=baton_home)
    session.run(f"/resume {waiting.run_id}\ra\r")
    assert "A person must decide" in session.text
    resumed = session.repl.runs[waiting.run_id]
    assert resumed.status == "done"
    row = asyncio.run(Supervisor(config=config()).recorded_run(waiting.run_id))
    assert row.state == "done"
    # The answer is the journal's, once: it cannot be given again, from the REPL or from 'baton resume'.
    assert row.pending_key is None
    with pytest.raises(UserError, match="is done"):
        Supervisor(config=config()).resume_sync(waiting.run_id, HumanDecision(action="approve"))


def test_a_run_stopped_by_a_crash_in_another_process_is_listed_and_resumed_from_the_journal(
    pipe: PipeInput, baton_home: Path
) -> None:
    # A run that got as far as its plan and its first step, then its process was killed (its row says "running").
    killed = subprocess.run(
        [sys.executable, "-c", CRASHING_RUN],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    ScriptedModel(respond=responder(PLAN), name="repl")
    session = open_session(pipe, home=baton_home)
    run_id = asyncio.run(Supervisor(config=config()).runs())[0].run_id
    session = open_session(pipe, home=baton_home)
    text = session.run(f"/runs\r/resume {run_id[:5]}\r")
    assert run_id in text and "running" in text  # listed from the journal, as it was left
    resumed = session.repl.runs[run_id]
    assert resumed.status == "done" and set(resumed.accepted) == {"s1", "s2"}


def test_resume_with_the_journal_off_says_it_cannot(pipe: PipeInput) -> None:
    HangingModel(pipe, "repl")
    off = BatonConfig.model_validate(
        {"models": {"default": "scripted/repl"}, "team": {"factory": TEAM}, "journal": {"enabled": False}}
    )
    session = open_session(pipe, off)
    pipe.send_text("I was charged twice\r/runs\r/resume 12\r/quit\r")  # typed ahead of the cancel
    asyncio.run(session.repl.main())
    text = " ".join(session.text.split())
    [cancelled] = session.repl.runs.values()
    assert cancelled.status == "cancelled"
    assert f"run {cancelled.run_id} cancelled (the journal is off ([journal] enabled = false): it cannot be" in text
    assert "Runs of this session (the journal is off)" in text and cancelled.run_id in text
    assert "error: /resume needs the journal ([journal] enabled = true)" in text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/nosuch\r", "error: unknown command /nosuch"),
        ("/modle x\r", "did you mean /model?"),
        ("/model nosuch/x\r", "error: unknown model 'nosuch/x'"),
        ("/model scripted/nobody-made-this\r", "error: unknown model 'scripted/nobody-made-this'"),
        ("/card nobody\r", "error: unknown agent 'nobody'"),
        ("/team nosuch_module:team\r", "error: invalid configuration in team.factory"),
        ("/run\r", "error: missing argument: /run ID"),
    ],
)
def test_a_mistake_is_one_line_with_a_hint_and_the_session_goes_on(pipe: PipeInput, typed: str, expected: str) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    session = open_session(pipe)
    text = session.run(typed + "/agents\r")
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0]
    assert "(" in errors[0]  # the hint
    assert "Traceback" not in text
    assert "Team" in text  # the next command ran
    assert session.repl.config.models.default == "scripted/repl"  # a bad model name changed nothing


def test_a_failing_run_is_one_line_not_a_traceback(pipe: PipeInput) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["retry"] * 9), name="repl")
    text = open_session(pipe).run("I was charged twice\r")
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "failed" in errors[0] and "/run " in errors[0]
    assert "Traceback" not in text


def test_an_unexpected_error_shows_a_traceback_only_with_debug(pipe: PipeInput) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    session = open_session(pipe)

    async def broken(args: str) -> None:
        raise RuntimeError("a bug")

    session.repl.commands.do_plan = broken  # type: ignore[method-assign]
    assert "Traceback" not in session.run("/plan\r")
    with create_pipe_input() as keys:
        debugging = open_session(keys)
        debugging.repl.debug = True
        debugging.repl.commands.do_plan = broken  # type: ignore[method-assign]
        text = debugging.run("/plan\r")
    assert "error: RuntimeError: a bug" in text and "Traceback" in text


def test_commands_show_the_team_cards_config_policy_cost_and_runs(pipe: PipeInput) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    session = open_session(pipe)
    text = session.run("/agents\r/card writer\r/config\r/policy\r/plan\rA goal\r/plan\r/runs\r/cost\r")
    assert "writer" in text and "reviewer" in text and "scripted/repl" in text
    assert "Card of writer" in text and "write emails" in text
    assert 'models.default = "scripted/repl"' in text and "limits.max_attempts" in text
    assert "no plan yet" in text
    [result] = session.repl.runs.values()
    assert result.run_id in text and "this session: 1 run(s)" in text


def test_config_redacts_secrets(pipe: PipeInput, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_PROVIDER_API_KEY", "sk-very-secret-value")
    ScriptedModel(respond=responder(PLAN), name="repl")
    cfg = BatonConfig.model_validate(
        {
            "models": {"default": "scripted/repl"},
            "team": {"factory": TEAM},
            "providers": {
                "openai": {"api_key_env": "MY_PROVIDER_API_KEY", "base_url": "http://x/sk-very-secret-value"}
            },
        }
    )
    text = open_session(pipe, cfg).run("/config\r")
    assert "sk-very-secret-value" not in text and "providers.openai.api_key_env" in text


def test_history_is_kept_under_the_baton_home(pipe: PipeInput, baton_home: Path) -> None:
    ScriptedModel(respond=responder(PLAN), name="repl")
    open_session(pipe, home=baton_home).run("/agents\r")
    assert "/agents" in (baton_home / "repl_history").read_text()


def test_in_a_pipe_the_session_reads_plain_lines_and_prints_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    ScriptedModel(respond=responder(PLAN, verdicts=["escalate"]), name="repl")
    typed = "I was charged twice\nn\nDear customer,\nthe refund is on its way.\n.\n/runs\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    screen = io.StringIO()
    repl = Repl(config(), console=Console(file=screen, width=80))  # no terminal: stdin is not one
    asyncio.run(repl.main())
    text = screen.getvalue()
    assert "\x1b" not in text  # no colour, no cursor movement
    assert "baton> I was charged twice" in text  # each line echoed after its prompt, so the log reads in order
    assert "plan: s1 Write the reply email about the refund; s2 Review the draft for tone" in text
    assert "a line with only '.' to finish" in text
    [result] = repl.runs.values()
    assert result.status == "done" and result.accepted["s1"] == "Dear customer,\nthe refund is on its way."
    assert "✓ s2 reviewer Review the draft for tone [accepted]" in text and result.run_id in text
