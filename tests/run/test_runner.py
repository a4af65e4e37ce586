"""The supervisor loop driven by ScriptedModel: plan, route, run, check, retry with feedback, answer."""

from __future__ import annotations

import asyncio
import json

import pytest
from support.teams import make_team, plan_answer, responder

from supervisor import (
    BatonConfig,
    PlanMade,
    RunFinished,
    ScriptedCall,
    ScriptedModel,
    SubtaskFailedError,
    Supervisor,
    UserError,
    VerdictGiven,
)
from supervisor.run.context import RunContext as _Run
from supervisor.run.context import StepKey

TWO_STEP_PLAN = plan_answer(
    ("s1", "Write the reply email about the refund", []),
    ("s2", "Review the draft for tone", ["s1"]),
)


def make_supervisor(model: ScriptedModel, **config: object) -> Supervisor:
    return Supervisor(make_team(), config=BatonConfig.model_validate(config), model=model)


def scripted(name: str, **kwargs: object) -> ScriptedModel:
    return ScriptedModel(respond=responder(TWO_STEP_PLAN, **kwargs), name=name)  # type: ignore[arg-type]


def test_run_plans_routes_runs_checks_and_answers() -> None:
    model = scripted("loop")
    team = make_team()
    supervisor = Supervisor(
        team, model=model, config=BatonConfig.model_validate({"models": {"default": "scripted/loop"}})
    )
    result = supervisor.run_sync("Customer was charged twice")

    assert result.status == "done", result.error
    assert [s.id for s in result.plan.subtasks] == ["s1", "s2"]  # type: ignore[union-attr]
    assert [step.agent for step in result.steps] == ["writer", "reviewer"]
    assert all(step.status == "accepted" for step in result.steps)
    assert result.output.startswith("Output for:")
    # the reviewer received the writer's accepted output, and only as data
    reviewer_prompt = next(c for c in model.calls if c.output_type is None and "Review the draft" in c.prompt)
    assert "<data>Output for:" in reviewer_prompt.prompt
    assert result.usage.calls == len(model.calls)
    assert set(result.usage_by_agent) == {"supervisor", "writer", "reviewer"}


def test_rejected_output_is_retried_with_the_feedback() -> None:
    model = scripted("retry", verdicts=["retry", "accept", "accept"])
    result = make_supervisor(model).run_sync("Refund the duplicate charge")

    first = result.steps[0]
    assert [a.verdict.decision for a in first.attempts] == ["retry", "accept"]  # type: ignore[union-attr]
    work_calls = [c for c in model.calls if c.output_type is None and "Your task: Write the reply email" in c.prompt]
    assert len(work_calls) == 2
    assert "Mention the refund amount." not in work_calls[0].prompt
    assert "Mention the refund amount." in work_calls[1].prompt


def test_a_subtask_rejected_on_every_attempt_fails_the_run_and_keeps_the_work() -> None:
    model = scripted("reject", verdicts=["accept", "retry", "retry"])
    result = make_supervisor(model, limits={"max_attempts": 2}).run_sync("Refund it")

    assert result.status == "failed"
    assert result.error_type == "SubtaskFailedError"
    assert result.steps[0].status == "accepted"  # earlier work is not lost
    assert result.steps[1].status == "rejected"
    assert len(result.steps[1].attempts) == 2
    with pytest.raises(SubtaskFailedError, match="rejected after 2 attempt"):  # the very error the run ended with
        result.raise_for_status()


def test_empty_output_is_rejected_by_code_without_asking_the_model() -> None:
    outputs = iter(["", "A complete answer about the refund policy."])
    model = ScriptedModel(
        respond=responder(
            plan_answer(("s1", "Write the reply email", [])),
            text=lambda c: next(outputs, "The final answer for the customer."),
        ),
        name="empty",
    )
    result = make_supervisor(model).run_sync("Refund it")

    attempts = result.steps[0].attempts
    assert attempts[0].verdict.decided_by == "code"  # type: ignore[union-attr]
    assert attempts[0].verdict.decision == "retry"  # type: ignore[union-attr]
    verdict_calls = [c for c in model.calls if c.output_type is not None and c.output_type.__name__ == "Verdict"]
    assert len(verdict_calls) == 1  # only the non-empty answer went to the model


def test_a_bad_plan_is_re_asked_with_the_validation_error() -> None:
    cyclic = plan_answer(("s1", "Write the reply", ["s2"]), ("s2", "Review it", ["s1"]))
    good = responder(TWO_STEP_PLAN)
    answers = iter([json.dumps(cyclic)])

    def respond(call: ScriptedCall) -> object:
        if call.output_type is not None and call.output_type.__name__ == "Plan":
            return next(answers, json.dumps(TWO_STEP_PLAN))
        return good(call)

    model = ScriptedModel(respond=respond, name="badplan")
    result = make_supervisor(model).run_sync("Refund it")

    assert result.status == "done"
    plan_calls = [c for c in model.calls if c.output_type is not None and c.output_type.__name__ == "Plan"]
    assert len(plan_calls) == 2
    assert "not an earlier subtask" in plan_calls[1].prompt  # the error was fed back


def test_a_plan_that_never_validates_fails_the_run_with_attempts_and_last_output() -> None:
    model = ScriptedModel(respond=lambda call: '{"subtasks": []}', name="neverplan")
    result = make_supervisor(model, limits={"max_reasks": 1}).run_sync("Refund it")

    assert result.status == "failed"
    assert result.error_type == "StructuredOutputError"
    assert "after 2 attempt(s)" in (result.error or "")
    assert '{"subtasks": []}' in (result.error or "")
    assert result.usage.calls == 2  # failed attempts are still counted


def test_events_arrive_in_order_and_end_with_the_result() -> None:
    events: list[object] = []
    result = make_supervisor(scripted("events")).run_sync("Refund it", on_event=events.append)

    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "RunStarted"
    assert kinds[1] == "PlanMade"
    assert kinds[-1] == "RunFinished"
    assert kinds.count("VerdictGiven") == 2
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # type: ignore[attr-defined]
    finished = events[-1]
    assert isinstance(finished, RunFinished) and finished.result is result


def test_stream_yields_the_same_events() -> None:
    async def collect() -> list[object]:
        supervisor = make_supervisor(scripted("stream"))
        return [event async for event in supervisor.stream("Refund it")]

    events = asyncio.run(collect())
    assert isinstance(events[1], PlanMade)
    assert sum(isinstance(e, VerdictGiven) for e in events) == 2
    assert isinstance(events[-1], RunFinished)


def test_every_model_and_tool_call_passes_through_the_step_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[StepKey] = []
    original = _Run.step

    async def spy(self: _Run, key: StepKey, action, codec=None, **options):  # type: ignore[no-untyped-def]
        seen.append(key)
        return await original(self, key, action, codec, **options)

    monkeypatch.setattr(_Run, "step", spy)
    model = scripted("seam", route="writer")
    supervisor = Supervisor(make_team(with_tool=True), model=model)
    result = supervisor.run_sync("Refund it")

    assert result.status == "done", result.error
    assert len([k for k in seen if not k.call.startswith("tool:")]) == len(model.calls)
    assert StepKey("s1", 1, "tool:lookup/1") in seen
    assert result.steps[0].attempts[0].tool_calls[0].output == "facts about refund policy"


def test_run_sync_inside_an_event_loop_is_a_clear_error() -> None:
    supervisor = make_supervisor(scripted("inloop"))

    async def inside() -> None:
        supervisor.run_sync("Refund it")

    with pytest.raises(UserError, match="await"):
        asyncio.run(inside())


def test_result_repr_is_short_and_informative() -> None:
    result = make_supervisor(scripted("repr")).run_sync("Refund it")
    text = repr(result)
    assert text.startswith("<RunResult done: 2 subtask(s)")
    assert "model call(s)" in text and len(text) < 200
