"""The real embedded model (SmolLM2-135M, in-process): structure, not wording."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from specialists import support_desk_team
from supervisor import BatonConfig, Plan, Subtask, Supervisor, Verdict, resolve_model
from supervisor.decisions.prompts import render
from supervisor.models.local import LocalModel

pytestmark = pytest.mark.integration

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."


def supervisor(**config: object) -> Supervisor:
    return Supervisor(support_desk_team(), config=BatonConfig.model_validate(config))


@pytest.mark.parametrize("mode", ["free", "skeleton"])
def test_the_embedded_model_writes_a_plan_that_validates(mode: str) -> None:
    sup = supervisor(planning={"mode": mode}, limits={"max_subtasks": 4})
    plan = asyncio.run(sup.plan(TICKET))
    assert isinstance(plan, Plan)
    assert 2 <= len(plan.subtasks) <= 4
    ids = [s.id for s in plan.subtasks]
    for position, subtask in enumerate(plan.subtasks):
        assert all(ids.index(dep) < position for dep in subtask.depends_on)
        assert subtask.description.strip() and subtask.acceptance_criteria.strip()


def test_the_embedded_model_routes_to_a_real_agent() -> None:
    # A huge margin means similarity never decides alone: the model must choose.
    sup = supervisor(routing={"decide_gap": 1.0, "candidates": 4})
    subtask = Subtask(id="s1", description="Write a reply email to the customer", acceptance_criteria="polite")
    decision = asyncio.run(sup.route(subtask))
    assert decision.decided_by == "model"
    assert decision.agent in support_desk_team().names
    assert decision.reason.strip()


def test_the_embedded_model_gives_a_verdict_that_parses() -> None:
    model = resolve_model("local/smollm2")
    subtask = Subtask(id="s1", description="Write a reply email", acceptance_criteria="apologizes")
    messages = render(
        "check",
        subtask=subtask,
        output="Dear customer, we are sorry. Your refund is on its way.",
        agents=["a", "b"],
        refusals=[],
    )
    completion = asyncio.run(model.complete(messages, output_type=Verdict, max_tokens=256))
    assert isinstance(completion.output, Verdict)
    assert completion.output.decision in ("accept", "retry", "reroute", "replan", "escalate")
    assert completion.usage.completion_tokens > 0


def test_the_model_file_is_loaded_once_and_calls_do_not_block_the_event_loop() -> None:
    first, second = resolve_model("local/smollm2"), resolve_model("local/smollm2")
    assert isinstance(first, LocalModel) and isinstance(second, LocalModel)

    async def scenario() -> tuple[int, list[str]]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        answers = await asyncio.gather(
            first.complete([{"role": "user", "content": "Say hello."}], max_tokens=24),
            second.complete([{"role": "user", "content": "Say goodbye."}], max_tokens=24),
        )
        done.set()
        await ticking
        return ticks, [a.text for a in answers]

    ticks, texts = asyncio.run(scenario())
    from supervisor.models import local

    assert list(local._loaded) == [first.path]  # one shared llama.cpp instance
    assert ticks > 5  # the loop kept running while both calls were generating
    assert all(texts)


def test_baton_run_on_the_embedded_model_goes_end_to_end(tmp_path: Path) -> None:
    baton = Path(sys.executable).with_name("baton")
    done = subprocess.run(
        [str(baton), "run", TICKET], capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Plan" in out and "s1 ->" in out
    assert "verdict accept" in out
    assert "Final answer" in out


def test_the_embedded_model_steps_through_the_tool_union_with_values_from_the_goal() -> None:
    # A model without native tool calling answers the loop's JSON step; constrained decoding keeps the order id
    # to the ids the goal names (the tool's choices), so whatever it picks validates and comes from the goal.
    from supervisor import ChoiceContext, Tool
    from supervisor.decisions.schemas import Subtask as Task
    from supervisor.tools.offer import offer, requested, step_type

    def book(order_id: str, express: bool = False) -> str:
        """Book the shipment of an order.

        Args:
            order_id: the order's number
            express: ship overnight
        """
        return order_id

    def ids(given: ChoiceContext) -> dict[str, list[object]]:
        return {"order_id": ["5531", "6120"]}

    tool = Tool.from_function(book, choices=ids)
    goal = "Ship orders 5531 and 6120 today."
    spec = offer(tool, ChoiceContext(goal=goal)).spec
    messages = render(
        "tool_loop",
        instructions="You book shipments.",
        tools=[spec],
        goal=goal,
        subtask=Task(id="s1", description="Book the shipment", acceptance_criteria="booked"),
        inputs=[],
        calls=[],
        feedback="",
    )
    model = resolve_model("local/smollm2")
    completion = asyncio.run(model.complete(messages, output_type=step_type([spec]), max_tokens=128))
    for call in requested(completion.output):
        assert call.name == "book"
        assert isinstance(call.arguments, dict) and call.arguments["order_id"] in ("5531", "6120")
        assert tool.validate(call.arguments)["order_id"] in ("5531", "6120")
