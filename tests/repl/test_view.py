"""The live view's picture of a run: every node state a run can reach, verdict reasons, tokens and cost so far."""

from __future__ import annotations

from types import SimpleNamespace

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from rich.console import Console

from supervisor.audit.redaction import Redactor
from supervisor.decisions.schemas import Plan, Subtask
from supervisor.events import (
    AttemptStarted,
    EscalationRaised,
    GuardTripped,
    HumanDecided,
    PlanMade,
    Rerouted,
    RunStarted,
    SubtaskRouted,
    VerdictGiven,
)
from supervisor.models import Usage
from supervisor.repl.view import RunView
from supervisor.result import CheckedVerdict, Escalation, HumanDecision, RouteDecision

PLAN = Plan(
    subtasks=[
        Subtask(id=i, description=f"Step {i} of the work", acceptance_criteria="done", depends_on=deps)
        for i, deps in (("s1", ()), ("s2", ("s1",)), ("s3", ("s1",)), ("s4", ("s2", "s3")))
    ]
)


def drawn(view: RunView, width: int = 80) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(view.render())
    return console.export_text()


def route(subtask: str, agent: str) -> SubtaskRouted:
    return SubtaskRouted(
        run_id="r", decision=RouteDecision(subtask_id=subtask, agent=agent, reason="x", decided_by="rule")
    )


def verdict(subtask: str, decision: str, feedback: str = "") -> VerdictGiven:
    checked = CheckedVerdict(decision=decision, feedback=feedback, decided_by="code")  # type: ignore[arg-type]
    return VerdictGiven(run_id="r", subtask_id=subtask, agent="writer", attempt=1, verdict=checked)


def test_each_node_shows_the_state_its_events_put_it_in() -> None:
    usage = Usage(prompt_tokens=1200, completion_tokens=34, calls=5, cost_usd=0.0123)
    view = RunView(usage_so_far=lambda run_id: usage if run_id == "r" else None)
    for event in (
        RunStarted(run_id="r", goal="Refund order 1042"),
        PlanMade(run_id="r", plan=PLAN),
        route("s1", "writer"),
        verdict("s1", "accept"),
        route("s2", "writer"),
        verdict("s2", "retry", "Mention the refund amount."),
        AttemptStarted(run_id="r", subtask_id="s2", agent="writer", attempt=2),
        route("s3", "research"),
        Rerouted(run_id="r", subtask_id="s3", from_agent="research", to_agent="writer", reason="better fit"),
        GuardTripped(
            run_id="r", subtask_id="s3", agent="writer", channel="output", guard="detector", status="blocked",
            reasons=("instruction override",),
        ),
    ):  # fmt: skip
        view(event)
    text = drawn(view)
    assert "Plan: Refund order 1042" in text
    assert "✓ s1 writer Step s1 of the work [accepted]" in text
    assert "↻ s2 writer Step s2 of the work [retried, attempt 2]" in text
    assert "s3 writer Step s3 of the work [held by a guard]" in text
    assert "· s4 Step s4 of the work [waiting]" in text
    assert "verdict s2 writer attempt 1: retry by code: Mention the refund amount." in text
    assert "guard detector blocked output: instruction override" in text
    assert "5 model call(s), 1234 tokens, $0.0123" in text  # so far, from the run in progress
    view.usage_so_far = lambda run_id: None  # the run ended by raising: no progress, no result
    assert "5 model call(s), 1234 tokens" in drawn(view)
    assert max(len(line) for line in text.splitlines()) <= 80

    escalation = Escalation(run_id="r", subtask_id="s2", agent="writer", task="t", output="o", reason="unsure")
    view(EscalationRaised(run_id="r", escalation=escalation))
    assert "? s2 writer Step s2 of the work [waiting for a person, attempt 2]" in drawn(view)
    view(HumanDecided(run_id="r", subtask_id="s2", decision=HumanDecision(action="approve")))
    assert "✓ s2 writer Step s2 of the work [accepted" in drawn(view)


def test_the_tree_follows_dependencies_and_stays_within_80_columns() -> None:
    view = RunView()
    view(RunStarted(run_id="r", goal="g " * 100))
    view(PlanMade(run_id="r", plan=PLAN))
    lines = drawn(view).splitlines()
    s2 = next(i for i, line in enumerate(lines) if "s2 Step" in line)
    s4 = next(i for i, line in enumerate(lines) if "s4 Step" in line)
    indent = lines[s4].index("s4") - lines[s2].index("s2")
    assert indent > 0  # s4 is drawn under its dependency
    assert max(len(line) for line in lines) <= 80


def test_secrets_in_outputs_are_redacted_on_screen() -> None:
    view = RunView(redactor=Redactor(["sk-secret-123456"]))
    view(RunStarted(run_id="r", goal="use sk-secret-123456"))
    view(PlanMade(run_id="r", plan=PLAN))
    view(verdict("s1", "retry", "the key sk-secret-123456 leaked"))
    text = drawn(view)
    assert "sk-secret-123456" not in text and "***" in text


def test_completion_offers_commands_agents_and_run_ids() -> None:
    from supervisor.repl.completion import ReplCompleter

    session = SimpleNamespace(
        supervisor=SimpleNamespace(team=SimpleNamespace(names=["writer", "reviewer"])),
        runs={"abe789": None},
        known_runs=["abd456", "abc123"],  # the journal's, most recent first
    )
    completer = ReplCompleter(session)  # type: ignore[arg-type]

    def offered(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert offered("/ag") == ["/agents"]
    assert "/resume" in offered("/re") and "/run" in offered("/r")
    assert offered("/card w") == ["writer"]
    assert offered("/model ") == ["default", "supervisor", "writer", "reviewer"]
    assert offered("/resume ab") == ["abe789", "abd456", "abc123"]
    assert offered("Refund order 1042") == []  # a goal: nothing to complete
