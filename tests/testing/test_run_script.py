"""``supervisor.testing``: a whole run scripted by kind of call, as the README shows."""

from __future__ import annotations

import pytest

from supervisor import BatonConfig, Card, RunScript, Specialist, Supervisor, Team, Tool, UserError, WorkflowStep
from supervisor.testing import task_of


def desk() -> Team:
    lookup = Tool("lookup_order", "Look up an order by its number", lambda q: f"order {q}: 2 mugs, paid")
    clerk = Specialist(
        name="clerk",
        card=Card(description="Looks up orders and writes the reply", tools=("lookup_order",)),
        instructions="Answer the customer.",
        tools=(lookup,),
    )
    reviewer = Specialist(name="reviewer", card=Card(description="Reviews replies"), instructions="Review.")
    return Team([clerk, reviewer], workflow=(WorkflowStep("clerk"), WorkflowStep("reviewer", after=(1,))))


def test_a_team_scripted_by_kind_of_call_runs_to_the_end() -> None:
    script = RunScript(
        plan=[("s1", "Answer the customer about order 1042", []), ("s2", "Review the answer", ["s1"])],
        tool_choice=lambda call: ("lookup_order", "1042"),
        answer=lambda call: f"Order 1042 is two mugs and paid; this covers: {task_of(call)}.",
    )
    model = script.model("desk-script")
    result = Supervisor(desk(), model=model).run_sync("Where is order 1042?")
    assert result.status == "done", result.error
    kinds = [call.kind for call in model.calls]
    assert kinds[0] == "plan" and kinds[-1] == "final_answer"
    assert {"tool_choice", "answer"} <= set(kinds)
    assert result.steps[0].attempts[0].tool_calls[0].output == "order 1042: 2 mugs, paid"
    answers = [c for c in model.calls if c.kind == "answer"]
    assert [c.agent for c in answers] == ["clerk", "reviewer"]


def test_a_bug_in_a_handler_is_reported_as_a_script_error_not_as_a_bad_plan() -> None:
    def broken(call: object) -> object:
        return {}["missing"]

    result = Supervisor(desk(), model=RunScript(plan=broken).model("broken")).run_sync("Where is order 1042?")
    assert result.status == "failed"
    assert result.error_type == "ScriptError"
    assert "KeyError" in (result.error or "") and "plan call" in (result.error or "")


def test_a_plan_is_required_when_the_run_asks_for_one() -> None:
    result = Supervisor(desk(), model=RunScript().model("no-plan")).run_sync("Where is order 1042?")
    assert result.error_type == "ScriptError"
    assert "RunScript(plan=...)" in (result.error or "")


def test_the_sync_twins_plan_route_and_check_outside_an_event_loop() -> None:
    script = RunScript(plan=[("s1", "Answer the customer about order 1042", [])], verdict=("retry", "Say when."))
    sup = Supervisor(desk(), model=script.model("twins"), config=BatonConfig(checking={"judge": "model"}))
    plan = sup.plan_sync("Where is order 1042?")
    assert [s.id for s in plan.subtasks] == ["s1"]
    assert sup.route_sync(plan.subtasks[0]).agent in ("clerk", "reviewer")
    verdict = sup.check_sync(plan.subtasks[0], "Order 1042 is on its way to you, as planned.", agent="clerk")
    assert (verdict.decision, verdict.feedback, verdict.decided_by) == ("retry", "Say when.", "model")


def test_a_sync_twin_inside_an_event_loop_is_a_clear_error() -> None:
    import asyncio

    sup = Supervisor(desk(), model=RunScript().model("twins-loop"))

    async def inside() -> None:
        with pytest.raises(UserError, match=r"await supervisor\.plan"):
            sup.plan_sync("Where is order 1042?")

    asyncio.run(inside())


def test_the_readme_example_of_testing_a_team_runs_as_shown() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Testing your own team", 1)[1].split("\n## ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # the block asserts what it shows
    assert namespace["result"].status == "done"  # type: ignore[attr-defined]
