"""Faults are contained: whatever a model, tool, guard or handler raises ends the run ``failed`` with its real type
and message, every accepted output kept and the audit run sealed; cancellation stays cancellation; only the
goal's own deadline is a goal-timeout stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.teams import make_team

from supervisor import (
    BatonConfig,
    Card,
    GoalTimeoutError,
    ProviderServerError,
    RunError,
    RunResult,
    RunScript,
    ScriptedCall,
    Specialist,
    Supervisor,
    Team,
    Tool,
    WorkflowStep,
)
from supervisor.audit.keys import AuditKeys
from supervisor.audit.log import AuditLog
from supervisor.guards.pipeline import GuardedMessage, GuardResult
from supervisor.result import Escalation

GOAL = "Write a reply email to a customer about order 1042"
PLAN = [("s1", "Write the reply email", []), ("s2", "Review the draft", ["s1"])]
FAULTS: list[Callable[[], Exception]] = [
    lambda: RuntimeError("the model's process crashed"),
    lambda: KeyError("choices"),
    lambda: TimeoutError("read timed out"),
    lambda: ProviderServerError("openai", "gpt-4o-mini", "http://127.0.0.1:1/v1", "HTTP 500: server error", 3),
]
FAULT_IDS = ["RuntimeError", "KeyError", "TimeoutError", "ProviderServerError"]


def config(tmp_path: Path, **extra: Any) -> BatonConfig:
    settings = {
        "audit": {"path": str(tmp_path / "log" / "audit.sqlite3"), "key_dir": str(tmp_path / "keys")},
        "routing": {"similarity": "bm25", "decide_gap": 1.0},  # the supervisor's model routes every subtask
        "checking": {"judge": "model"},
    }
    return BatonConfig.model_validate(settings | extra)


def audited(tmp_path: Path, result: RunResult) -> tuple[bool, bool, str]:
    """(verifies, sealed, the status the log recorded) for the run."""
    with AuditLog(tmp_path / "log" / "audit.sqlite3", AuditKeys.load(tmp_path / "keys"), create=False) as log:
        report = log.verify(result.run_id)
        status = dict((run, status) for run, status, _ in log.runs())[result.run_id]
    return report.ok, report.sealed, status


def on_second(kind: str, fault: Exception) -> Callable[[ScriptedCall], Any]:
    """A handler that answers s1's calls and raises ``fault`` on s2's (or on the first call of its kind)."""

    def handler(call: ScriptedCall) -> Any:
        if call.subtask_id in (None, "s2"):
            return fault
        return {"route": "writer", "verdict": "accept"}.get(kind, f"Done: {kind} for the reply email, complete.")

    return handler


@pytest.mark.parametrize("make_fault", FAULTS, ids=FAULT_IDS)
@pytest.mark.parametrize("kind", ["plan", "route", "tool_choice", "answer", "verdict", "final_answer"])
def test_a_model_fault_on_any_call_fails_the_run_with_its_own_type_and_seals_it(
    tmp_path: Path, kind: str, make_fault: Callable[[], Exception]
) -> None:
    fault = make_fault()
    handlers: dict[str, Any] = {"plan": PLAN}
    handlers[kind] = (lambda call: fault) if kind in ("plan", "final_answer") else on_second(kind, fault)
    if kind == "tool_choice":
        handlers["tool_choice"] = lambda call: fault if call.subtask_id == "s2" else None
    model = RunScript(**handlers).model("capable-gpt-4o")
    team = make_team(with_tool=kind == "tool_choice")
    if kind == "tool_choice":
        team = Team([team["writer"], _with_tool(team["reviewer"])], workflow=team.workflow)
    result = Supervisor(team, config=config(tmp_path), model=model).run_sync(GOAL)

    assert result.status == "failed" and result.error_type == type(fault).__name__, result.error
    assert result.error is not None and str(fault) in result.error
    with pytest.raises(type(fault)) as raised:
        result.raise_for_status()
    assert raised.value is fault  # the very exception, not a wrapper
    if kind not in ("plan",):
        assert "s1" in result.accepted  # the work accepted before the fault is kept
    assert audited(tmp_path, result) == (True, True, "failed")


def _with_tool(specialist: Specialist) -> Specialist:
    card = specialist.card.model_copy(update={"tools": ("lookup",)})
    return Specialist(
        name=specialist.name,
        card=card,
        instructions=specialist.instructions,
        tools=(Tool("lookup", "look up facts", lambda q: f"facts about {q}"),),
    )


def tool_team(function: Callable[[str], str]) -> Team:
    writer = Specialist(
        name="writer",
        card=Card(
            name="writer",
            description="Writes text: emails, answers and articles.",
            skills=("write emails",),
            examples=("Write the reply email",),
            outputs=("a written text",),
            tools=("lookup",),
        ),
        instructions="You write.",
        tools=(Tool("lookup", "look up the order", function),),
    )
    return Team([writer], workflow=(WorkflowStep("writer"),))


@pytest.mark.parametrize("make_fault", FAULTS, ids=FAULT_IDS)
def test_a_tool_fault_keeps_its_type_and_names_the_tool(tmp_path: Path, make_fault: Callable[[], Exception]) -> None:
    fault = make_fault()

    def lookup(query: str) -> str:
        raise fault

    model = RunScript(plan=[("s1", "Write the reply email", [])], tool_choice=("lookup", "order 1042")).model("gpt-4o")
    result = Supervisor(tool_team(lookup), config=config(tmp_path), model=model).run_sync(GOAL)
    assert result.status == "failed" and result.error_type == type(fault).__name__
    assert "raised by tool 'lookup'" in (result.error or "")
    assert audited(tmp_path, result) == (True, True, "failed")


def test_a_guard_that_raises_fails_the_run_sealed(tmp_path: Path) -> None:
    def broken_guard(message: GuardedMessage) -> GuardResult:
        if message.channel == "output":
            raise ValueError("the guard's model file is missing")
        return GuardResult("pass", message.text, "broken")

    model = RunScript(plan=PLAN).model("gpt-4o")
    sup = Supervisor(make_team(), config=config(tmp_path), model=model, guards=[broken_guard])
    result = sup.run_sync(GOAL)
    assert (result.status, result.error_type) == ("failed", "ValueError")
    assert audited(tmp_path, result) == (True, True, "failed")


def test_an_escalation_handler_that_raises_fails_the_run_and_keeps_accepted_work(tmp_path: Path) -> None:
    def handler(escalation: Escalation) -> Any:
        raise LookupError("the ticket system is down")

    verdict = on_second("verdict", RuntimeError("unused"))
    model = RunScript(
        plan=PLAN, verdict=lambda call: ("escalate", "a person decides") if call.subtask_id == "s2" else verdict(call)
    ).model("gpt-4o")
    sup = Supervisor(make_team(), config=config(tmp_path), model=model, escalation_handler=handler)
    result = sup.run_sync(GOAL)
    assert (result.status, result.error_type) == ("failed", "LookupError")
    assert list(result.accepted) == ["s1"]
    assert audited(tmp_path, result) == (True, True, "failed")


def test_an_aggregator_that_raises_fails_the_run_with_every_output_kept(tmp_path: Path) -> None:
    def aggregate(goal: str, outputs: dict[str, str]) -> str:
        raise ZeroDivisionError("no outputs to average")

    model = RunScript(plan=PLAN).model("gpt-4o")
    result = Supervisor(make_team(), config=config(tmp_path), model=model, aggregate=aggregate).run_sync(GOAL)
    assert (result.status, result.error_type) == ("failed", "ZeroDivisionError")
    assert sorted(result.accepted) == ["s1", "s2"]


def test_a_timeout_error_from_a_model_is_a_failure_and_the_goal_deadline_a_stop(tmp_path: Path) -> None:
    quick = RunScript(plan=PLAN, answer=lambda call: TimeoutError("read timed out")).model("gpt-4o")
    cfg = config(tmp_path, limits={"goal_timeout_s": 30, "step_timeout_s": 30})
    failed = Supervisor(make_team(), config=cfg, model=quick).run_sync(GOAL)
    assert (failed.status, failed.error_type) == ("failed", "TimeoutError")
    assert "ran past" not in (failed.error or "")

    slow = RunScript(plan=PLAN).model("gpt-4o", latency_s=0.3)
    stopped = Supervisor(make_team(), config=config(tmp_path, limits={"goal_timeout_s": 0.5}), model=slow).run_sync(
        GOAL
    )
    assert (stopped.status, stopped.error_type) == ("stopped", "GoalTimeoutError")
    with pytest.raises(GoalTimeoutError, match=r"ran past 0\.5 s"):
        stopped.raise_for_status()


def test_cancellation_stays_cancellation_and_the_run_is_sealed(tmp_path: Path) -> None:
    model = RunScript(plan=PLAN).model("gpt-4o", latency_s=5)
    seen: list[Any] = []
    sup = Supervisor(make_team(), config=config(tmp_path), model=model)

    async def main() -> None:
        task = asyncio.create_task(sup.run(GOAL, on_event=seen.append))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await sup.aclose()

    asyncio.run(main())
    finished = seen[-1].result
    assert finished.status == "cancelled"
    assert audited(tmp_path, finished) == (True, True, "cancelled")


@pytest.mark.parametrize("make_fault", FAULTS, ids=FAULT_IDS)
def test_raise_for_status_rebuilds_the_type_from_a_result_loaded_from_json(
    tmp_path: Path, make_fault: Callable[[], Exception]
) -> None:
    fault = make_fault()
    model = RunScript(plan=PLAN, answer=lambda call: fault).model("gpt-4o")
    result = Supervisor(make_team(), config=config(tmp_path), model=model).run_sync(GOAL)
    loaded = RunResult.model_validate_json(result.model_dump_json())
    with pytest.raises(type(fault)) as raised:
        loaded.raise_for_status()
    assert str(fault) in str(raised.value)


def test_an_error_of_a_type_baton_does_not_know_is_rebuilt_as_a_run_error(tmp_path: Path) -> None:
    class QuotaExceededError(Exception):
        pass

    model = RunScript(plan=PLAN, answer=lambda call: QuotaExceededError("monthly quota")).model("gpt-4o")
    result = Supervisor(make_team(), config=config(tmp_path), model=model).run_sync(GOAL)
    assert result.error_type == "QuotaExceededError"
    with pytest.raises(QuotaExceededError):
        result.raise_for_status()
    with pytest.raises(RunError, match="monthly quota"):
        RunResult.model_validate_json(result.model_dump_json()).raise_for_status()


def test_an_event_sink_that_raises_on_the_first_event_fails_the_run_sealed(tmp_path: Path) -> None:
    def sink(event: object) -> None:
        raise OSError("the dashboard is unreachable")

    model = RunScript(plan=PLAN).model("gpt-4o")
    sup = Supervisor(make_team(), config=config(tmp_path), model=model)
    with pytest.raises(OSError, match="dashboard"):  # the sink fails again on the last event: the caller hears it
        sup.run_sync(GOAL, on_event=sink)
    with AuditLog(tmp_path / "log" / "audit.sqlite3", AuditKeys.load(tmp_path / "keys"), create=False) as log:
        (run_id, status, _), *_ = log.runs()
        assert status == "failed" and log.verify(run_id).sealed
