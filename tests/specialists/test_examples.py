"""The four example workloads (examples/<name>/baton.toml with their real teams) on scripted models.

Each test proves the shape of the work: the order of the specialists (dependencies respected, pipelines strictly in
order), how many steps ran at once, what each step was given, and what the answer is. The desks answer under
grounded formats, so a scripted specialist picks the first value its format offers wherever it has a choice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from specialists.order_desk import Carrier
from supervisor import BatonConfig, RunScript, ScriptedCall, Supervisor
from supervisor.config import load_config
from supervisor.events import AttemptStarted, Event, VerdictGiven
from supervisor.result import RunResult
from supervisor.supervisor import load_team

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LATENCY_S = 0.05

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."
BRIEF = "Brief #301: Write a short blog post about balcony herb gardens for home gardeners."
REQUEST = "Request #12: How fast is wind power growing worldwide? Summarize the evidence with sources."
ORDER = "Order #5531: 2 keyboards and 1 mouse shipping to Austin, TX, paid by credit card."


def _first(prop: dict[str, Any]) -> Any:
    return prop["enum"][0] if "enum" in prop else prop["const"]


def first_choice(call: ScriptedCall) -> Any:
    """What a specialist that reads nothing would answer: the first value of every field of its format."""
    assert call.output_type is not None, "the example desks answer under formats"
    properties = call.output_type.model_json_schema()["properties"]
    chosen = {}
    for name, prop in properties.items():
        if prop.get("type") == "array":
            options = prop["items"].get("enum", [prop["items"].get("const")])
            chosen[name] = options[: max(1, prop.get("minItems", 1))]
        else:
            chosen[name] = _first(prop)
    return chosen


class Example:
    """One example workload on a small scripted model; ``events`` records what happened, in order."""

    def __init__(self, name: str, goal: str, answer: Any = first_choice) -> None:
        loaded = load_config(EXAMPLES / name / "baton.toml", env={})
        data = loaded.model_dump()
        data["routing"]["similarity"] = "bm25"
        config = BatonConfig.model_validate(data)
        self.team = load_team(config.team.factory)
        self.goal = goal
        # Named like the embedded model, so it gets a small model's treatment: skeleton plans, code checks.
        self.model = RunScript(answer=answer).model(f"smollm2-example-{name}", latency_s=LATENCY_S)
        self.supervisor = Supervisor(self.team, config=config, model=self.model)
        self.events: list[Event] = []

    def run(self) -> RunResult:
        return self.supervisor.run_sync(self.goal, on_event=self.events.append)

    def started(self) -> list[str]:
        return [e.agent for e in self.events if isinstance(e, AttemptStarted)]

    def happened(self, kind: type[Event], agent: str) -> list[int]:
        return [i for i, e in enumerate(self.events) if isinstance(e, kind) and getattr(e, "agent", None) == agent]

    def prompts_of(self, agent: str) -> list[str]:
        return [c.prompt for c in self.model.calls if c.agent == agent and c.kind == "answer"]


def assert_all_accepted(result: RunResult) -> None:
    assert result.status == "done", result.error
    assert all(step.status == "accepted" for step in result.steps), [repr(s) for s in result.steps]


@pytest.mark.parametrize(
    ("name", "goal"),
    [("support_desk", TICKET), ("content_studio", BRIEF), ("research_desk", REQUEST), ("order_desk", ORDER)],
)
def test_every_example_runs_its_whole_workflow_first_time_and_answers_with_its_deliverable(
    name: str, goal: str
) -> None:
    example = Example(name, goal)
    result = example.run()
    assert_all_accepted(result)
    assert all(len(step.attempts) == 1 for step in result.steps)
    assert result.plan is not None and len(result.plan.subtasks) == len(example.team.workflow)
    deliverable = next(s for s in reversed(result.steps) if s.agent == example.team.deliverable[0])
    assert result.output == deliverable.output
    assert {c.kind for c in example.model.calls} <= {"answer"}  # no free plan, verdict or final rewrite asked


def test_support_desk_runs_in_order_and_replies_with_the_ticket_and_the_policy_found() -> None:
    example = Example("support_desk", TICKET)
    result = example.run()
    assert_all_accepted(result)
    assert example.started() == ["intake", "research", "drafting", "quality"]
    assert result.peak_concurrency == 1
    for before, after in [("intake", "research"), ("research", "drafting"), ("drafting", "quality")]:
        assert example.happened(VerdictGiven, before)[-1] < example.happened(AttemptStarted, after)[0]
    intake, research = result.steps[0], result.steps[1]
    # The tools read the ticket itself, not a paraphrase of the task.
    assert intake.attempts[0].tool_calls[0].query == TICKET
    assert research.attempts[0].tool_calls[0].query == TICKET
    assert result.output.startswith("Dear customer,")
    assert "ticket 1042" in result.output and "refunded in full within 5 business days" in result.output
    assert result.steps[3].output == "Approved: no changes needed."


def test_content_studio_writes_its_two_sections_at_once_between_outline_and_edit() -> None:
    example = Example("content_studio", BRIEF)
    result = example.run()
    assert_all_accepted(result)
    assert [s.agent for s in result.steps] == ["planner", "writer", "writer", "editor", "fact_checker"]
    assert result.peak_concurrency == 2
    planned, edited = example.happened(VerdictGiven, "planner")[-1], example.happened(AttemptStarted, "editor")[0]
    writing, written = example.happened(AttemptStarted, "writer"), example.happened(VerdictGiven, "writer")
    assert planned < min(writing) and max(writing) < min(written) and max(written) < edited
    sections = [s.output or "" for s in result.steps if s.agent == "writer"]
    assert sections[0].splitlines()[0] != sections[1].splitlines()[0]  # two different sections
    assert result.output.startswith("Balcony herb gardens: a short guide")
    assert all(section in result.output for section in sections)


def test_content_studio_outline_with_one_section_twice_is_sent_back_for_a_list() -> None:
    outlines: list[str] = []

    def answer(call: ScriptedCall) -> Any:
        chosen = first_choice(call)
        if call.agent == "planner" and not outlines:
            outlines.append("duplicated")
            chosen["sections"] = [chosen["sections"][0]] * 2
        return chosen

    example = Example("content_studio", BRIEF, answer)
    result = example.run()
    assert_all_accepted(result)
    first = result.steps[0].attempts[0].verdict
    assert first is not None and first.decision == "retry" and "list" in first.feedback
    assert "list of at least 2 items" in example.prompts_of("planner")[1]


def test_research_desk_cites_the_finding_it_found_with_its_reference() -> None:
    example = Example("research_desk", REQUEST)
    result = example.run()
    assert_all_accepted(result)
    assert example.started() == ["searcher", "synthesizer", "citer"]
    assert "117 GW of new wind capacity was installed worldwide in 2023 (GWEC, 2024)." in result.output
    assert "References:\nGWEC (2024). Wind data." in result.output


def test_order_desk_checks_inventory_pricing_and_fraud_at_once_then_ships_once() -> None:
    example = Example("order_desk", ORDER)
    carrier = shipping_carrier(example)
    result = example.run()
    assert_all_accepted(result)
    started = example.started()
    assert sorted(started[:3]) == ["fraud", "inventory", "pricing"] and started[3] == "fulfillment"
    assert result.peak_concurrency == 3
    fulfilment = example.happened(AttemptStarted, "fulfillment")[0]
    assert all(example.happened(VerdictGiven, a)[-1] < fulfilment for a in ("inventory", "pricing", "fraud"))
    assert carrier.shipments == ["TRK553101"]
    assert (
        result.output
        == "Order 5531 has shipped with the carrier, tracking number TRK553101. The total charged is 117.00 USD."
    )


def shipping_carrier(example: Example) -> Carrier:
    tool = next(t for t in example.team["fulfillment"].tools if t.name == "create_shipment")
    carrier = getattr(tool.function, "__self__", None)
    assert isinstance(carrier, Carrier)
    return carrier
