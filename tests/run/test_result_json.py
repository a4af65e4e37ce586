"""A ``RunResult`` round-trips through its JSON at every stage of a run, re-plans included, so a paused run can
be saved and resumed later from the saved text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from support.teams import make_team

from supervisor import BatonConfig, HumanDecision, RunResult, RunScript, ScriptedCall, Supervisor

GOAL = "Write a reply email to a customer about order 1042"
PLAN = [("s1", "Write the reply email", []), ("s2", "Review the draft", ["s1"])]
NO_AUDIT = {"audit": {"enabled": False}, "checking": {"judge": "model"}, "routing": {"similarity": "bm25"}}


def replan_then(after: str | tuple[str, str]) -> Any:
    """s2's first verdict asks for a re-plan; the re-planned work (ids r1.*) then gets ``after``."""
    asked: list[str] = []

    def verdict(call: ScriptedCall) -> Any:
        if call.subtask_id == "s2" and "s2" not in asked:
            asked.append("s2")
            return ("replan", "the plan misses a step")
        if call.subtask_id is not None and call.subtask_id.startswith("r1.s2"):
            return after
        return "accept"

    return verdict


def same_after_json(result: RunResult) -> RunResult:
    text = result.model_dump_json()
    loaded = RunResult.model_validate_json(text)
    assert loaded.model_dump_json() == text
    assert RunResult.model_validate(json.loads(json.dumps(result.to_json_dict()))).model_dump_json() == text
    return loaded


def run(verdict: Any = "accept", answer: Any = None, **limits: Any) -> RunResult:
    settings = NO_AUDIT | ({"limits": limits} if limits else {})
    model = RunScript(plan=PLAN, verdict=verdict, answer=answer).model("gpt-4o")
    return Supervisor(make_team(), config=BatonConfig.model_validate(settings), model=model).run_sync(GOAL)


@pytest.mark.parametrize(
    ("stage", "verdict", "answer", "limits"),
    [
        ("done", "accept", None, {}),
        ("done", replan_then("accept"), None, {}),
        ("failed", "accept", lambda call: KeyError("choices") if call.subtask_id == "s2" else None, {}),
        ("failed", replan_then("accept"), lambda call: RuntimeError("x") if call.subtask_id == "r1.s2" else None, {}),
        ("stopped", ("retry", "not yet"), None, {"max_steps": 2}),
        ("stopped", replan_then(("retry", "not yet")), None, {"max_steps": 4}),
        ("waiting_for_human", replan_then(("escalate", "a person decides")), None, {}),
    ],
)
def test_a_result_round_trips_through_its_json(stage: str, verdict: Any, answer: Any, limits: dict[str, Any]) -> None:
    result = run(
        verdict, (lambda call: answer(call) or "Done: the reply email, complete.") if answer else None, **limits
    )
    assert result.status == stage, result.error
    loaded = same_after_json(result)
    assert loaded.accepted == result.accepted


def test_a_re_planned_run_paused_for_a_person_resumes_from_its_saved_json() -> None:
    model = RunScript(plan=PLAN, verdict=replan_then(("escalate", "a person decides"))).model("gpt-4o")
    sup = Supervisor(make_team(), config=BatonConfig.model_validate(NO_AUDIT), model=model)
    waiting = sup.run_sync(GOAL)
    assert waiting.status == "waiting_for_human" and waiting.pending is not None
    assert waiting.pending.subtask_id.startswith("r1.")
    saved = waiting.model_dump_json()
    sup = Supervisor(make_team(), config=BatonConfig.model_validate(NO_AUDIT), model=model)
    done = sup.resume_sync(RunResult.model_validate_json(saved), HumanDecision(action="approve"))
    assert done.status == "done", done.error
    assert any(sid.startswith("r1.") for sid in done.accepted)
    same_after_json(done)


def test_a_cancelled_run_round_trips() -> None:
    model = RunScript(plan=PLAN).model("gpt-4o", latency_s=5)
    sup = Supervisor(make_team(), config=BatonConfig.model_validate(NO_AUDIT), model=model)
    seen: list[Any] = []

    async def main() -> None:
        task = asyncio.create_task(sup.run(GOAL, on_event=seen.append))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen[-1].result.status == "cancelled"
    same_after_json(seen[-1].result)
