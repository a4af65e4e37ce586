"""The full supervisor pattern with scripted models: DAG concurrency, pipelines, verdict kinds, policies,
escalation with and without a handler."""

from __future__ import annotations

import json

import pytest
from support.teams import make_team, on_topic_answer, plan_answer, task_of

from supervisor import BatonConfig, HumanDecision, Plan, ScriptedCall, ScriptedModel, Supervisor
from supervisor.result import Escalation

DIAMOND = plan_answer(
    ("s1", "Write the outline of the reply email", []),
    ("s2", "Write the first part of the reply email", ["s1"]),
    ("s3", "Write the second part of the reply email", ["s1"]),
    ("s4", "Review the draft for tone", ["s2", "s3"]),
)


def boss(plan: dict[str, object], verdicts: dict[str, list[dict[str, str]]] | None = None) -> ScriptedModel:
    """A supervisor model: the plan, then verdicts per task (default accept); the answer last."""
    queues = {task: list(v) for task, v in (verdicts or {}).items()}

    def respond(call: ScriptedCall) -> object:
        kind = call.output_type.__name__ if call.output_type else None
        if kind == "Plan":
            return json.dumps(plan)
        if kind == "Verdict":
            task = call.last_user.splitlines()[0].removeprefix("Task: ")
            queue = queues.get(task, [])
            return queue.pop(0) if queue else {"decision": "accept", "feedback": "", "agent": ""}
        return "The final answer."

    return ScriptedModel(respond=respond, name="boss")


def workers(latency_s: float = 0.0) -> ScriptedModel:
    return ScriptedModel(respond=on_topic_answer, name="workers", latency_s=latency_s)


def supervisor(plan: dict[str, object], verdicts=None, latency_s=0.0, handler=None, **config):  # type: ignore[no-untyped-def]
    settings = {
        "models": {"default": "scripted/workers", "supervisor": "scripted/boss"},
        "routing": {"similarity": "bm25"},
    }
    settings.update(config)
    sup_model, work_model = boss(plan, verdicts), workers(latency_s)
    sup = Supervisor(make_team(), config=BatonConfig.model_validate(settings), escalation_handler=handler)
    return sup, sup_model, work_model


def test_a_diamond_runs_its_two_middle_steps_concurrently() -> None:
    sup, _, work = supervisor(DIAMOND, latency_s=0.05)
    result = sup.run_sync("Refund order #1042")
    assert result.status == "done", result.error
    assert work.peak_in_flight == 2
    assert result.peak_concurrency == 2
    order = [task_of(c) for c in work.calls]
    assert order[0].startswith("Write the outline") and order[-1].startswith("Review")
    # s4 received exactly its two dependencies' outputs, not s1's
    review = work.calls[-1].prompt
    assert "earlier step s2" in review and "earlier step s3" in review and "earlier step s1" not in review


def test_a_pipeline_keeps_its_order_and_passes_each_output_on() -> None:
    sup, _, work = supervisor(DIAMOND)
    result = sup.run_sync("Refund order #1042", pipeline=["writer", "reviewer", "writer"])
    assert [s.agent for s in result.steps] == ["writer", "reviewer", "writer"]
    assert [s.route.decided_by for s in result.steps] == ["plan"] * 3
    assert "earlier step s1" in work.calls[1].prompt and "earlier step s2" in work.calls[2].prompt


def test_reroute_moves_the_subtask_to_the_named_agent() -> None:
    plan = plan_answer(("s1", "Write the reply email", []))
    verdicts = {"Write the reply email": [{"decision": "reroute", "feedback": "a reviewer fits", "agent": "reviewer"}]}
    sup, _, _ = supervisor(plan, verdicts)
    events: list[object] = []
    result = sup.run_sync("Refund order #1042", on_event=events.append)
    step = result.steps[0]
    assert [a.agent for a in step.attempts] == ["writer", "reviewer"]
    assert step.route.agent == "reviewer" and step.route.decided_by == "supervisor"
    assert any(type(e).__name__ == "Rerouted" for e in events)


def test_replan_rebuilds_the_remaining_work() -> None:
    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))
    verdicts = {
        "Review the draft for tone": [{"decision": "replan", "feedback": "the plan misses a step", "agent": ""}]
    }
    sup, _, _ = supervisor(plan, verdicts)
    result = sup.run_sync("Refund order #1042")
    assert result.status == "done", result.error
    assert len(result.replans) == 1
    assert result.steps[1].status == "replanned"
    assert [s.subtask.id for s in result.steps if s.status == "accepted"] == ["s1", "r1.s1", "r1.s2"]


def test_escalation_with_a_handler_takes_the_persons_answer() -> None:
    plan = plan_answer(("s1", "Write the reply email", []))
    verdicts = {"Write the reply email": [{"decision": "escalate", "feedback": "refund over the limit", "agent": ""}]}
    seen: list[Escalation] = []

    async def handler(escalation: Escalation) -> HumanDecision:
        seen.append(escalation)
        return HumanDecision(action="answer", text="Refund approved by the billing lead.", by="lead")

    sup, _, _ = supervisor(plan, verdicts, handler=handler)
    result = sup.run_sync("Refund order #1042")
    assert result.status == "done"
    assert seen[0].reason == "refund over the limit"
    assert result.steps[0].output == "Refund approved by the billing lead."
    assert result.steps[0].attempts[-1].verdict.decided_by == "person"  # type: ignore[union-attr]


def test_escalation_without_a_handler_waits_and_resumes() -> None:
    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))
    verdicts = {"Write the reply email": [{"decision": "escalate", "feedback": "needs approval", "agent": ""}]}
    sup, _, _ = supervisor(plan, verdicts)
    waiting = sup.run_sync("Refund order #1042")
    assert waiting.status == "waiting_for_human"
    assert waiting.pending is not None and waiting.pending.subtask_id == "s1"
    assert len(waiting.steps) == 1  # nothing after the escalated step ran
    done = sup.resume_sync(waiting, HumanDecision(action="approve"))
    assert done.status == "done", done.error
    assert [s.status for s in done.steps] == ["accepted", "accepted"]


def test_a_person_rejecting_fails_the_run_with_the_work_kept() -> None:
    plan = plan_answer(("s1", "Write the reply email", []))
    verdicts = {"Write the reply email": [{"decision": "escalate", "feedback": "?", "agent": ""}]}
    sup, _, _ = supervisor(plan, verdicts, handler=lambda e: HumanDecision(action="reject", by="lead"))
    result = sup.run_sync("Refund order #1042")
    assert result.status == "failed" and "rejected by lead" in (result.error or "")


@pytest.mark.parametrize(
    ("limits", "error"),
    [
        ({"max_agent_runs": 1}, "AgentRunLimitError"),
        ({"max_steps": 2}, "StepLimitError"),
        ({"token_budget": 400}, "TokenBudgetError"),
        ({"max_replans": 0}, "ReplanLimitError"),
    ],
)
def test_each_policy_stops_the_run_with_its_typed_error_and_keeps_accepted_work(
    limits: dict[str, int], error: str
) -> None:
    plan = plan_answer(
        ("s1", "Write the reply email", []),
        ("s2", "Write the follow-up email", ["s1"]),
        ("s3", "Review the draft for tone", ["s2"]),
    )
    verdicts = {"Review the draft for tone": [{"decision": "replan", "feedback": "x", "agent": ""}]}
    sup, _, _ = supervisor(plan, verdicts, limits=limits)
    result = sup.run_sync("Refund order #1042")
    assert result.status == "stopped"
    assert result.error_type == error
    assert result.steps[0].status == "accepted" and result.accepted["s1"]


def test_cost_budget_and_timeouts_stop_the_run() -> None:
    plan = plan_answer(("s1", "Write the reply email", []), ("s2", "Review the draft for tone", ["s1"]))
    sup, _, _ = supervisor(
        plan,
        prices={"scripted/workers": {"input_per_mtok": 1e6, "output_per_mtok": 1e6}},
        limits={"cost_budget_usd": 1.0},
    )
    assert sup.run_sync("Refund order #1042").error_type == "CostBudgetError"
    slow, _, _ = supervisor(plan, latency_s=0.5, limits={"step_timeout_s": 0.05})
    timed_out = slow.run_sync("Refund order #1042")
    assert timed_out.status == "stopped" and timed_out.error_type == "StepTimeoutError"
    slow_goal, _, _ = supervisor(plan, latency_s=0.2, limits={"goal_timeout_s": 0.3})
    assert slow_goal.run_sync("Refund order #1042").error_type == "GoalTimeoutError"


def test_a_given_plan_is_followed_and_an_aggregator_writes_the_answer() -> None:
    plan = Plan.model_validate(plan_answer(("s1", "Write the reply email", [])))
    sup, boss_model, _ = supervisor(DIAMOND)
    sup._loop.aggregate = lambda goal, outputs: f"{goal}: {len(outputs)} output(s)"
    result = sup.run_sync("Refund order #1042", plan=plan)
    assert result.output == "Refund order #1042: 1 output(s)"
    assert not any(c.output_type and c.output_type.__name__ == "Plan" for c in boss_model.calls)


def test_a_cancelled_run_is_recorded_consistently_and_sealed_in_the_audit_log() -> None:
    import asyncio

    from supervisor import RunFinished, SubtaskRouted, VerdictGiven
    from supervisor.audit.log import open_audit_log

    sup, _, _ = supervisor(DIAMOND, latency_s=0.2)
    finished: list[RunFinished] = []
    seen: list[object] = []

    def sink(event: object) -> None:
        seen.append(event)
        if isinstance(event, RunFinished):
            finished.append(event)

    async def cancel_after_first_verdict() -> None:
        task = asyncio.create_task(sup.run("Refund order #1042", on_event=sink))
        while not any(isinstance(e, VerdictGiven) for e in seen):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # the middle steps are now running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await sup.aclose()

    asyncio.run(cancel_after_first_verdict())
    result = finished[0].result
    assert result.status == "cancelled"
    statuses = {s.subtask.id: s.status for s in result.steps}
    assert statuses["s1"] == "accepted"
    assert "running" not in statuses.values()
    assert {"cancelled"} == {v for k, v in statuses.items() if k != "s1"}
    assert sum(isinstance(e, SubtaskRouted) for e in seen) == 3
    log = open_audit_log(sup.config.audit, create=False)
    assert log is not None
    with log:
        assert log.verify(result.run_id).ok
        assert log.entries(result.run_id)[-1].data["status"] == "cancelled"


def test_a_pipeline_of_500_steps_runs_whole() -> None:
    # The caller's pipeline is the work asked for: no constant caps its length; limits (policies) bound the run.
    limits = {"max_steps": 1000, "max_agent_runs": 1000}
    sup, _, work = supervisor(DIAMOND, checking={"judge": "code", "min_relevance": 0}, limits=limits)
    result = sup.run_sync("Refund order #1042", pipeline=["writer"] * 500)
    assert result.status == "done", result.error
    assert result.plan is not None and len(result.plan.subtasks) == 500
    assert len([c for c in work.calls if c.kind == "answer"]) == 500
