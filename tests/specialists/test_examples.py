"""The four example workloads (examples/<name>/baton.toml with their real teams) on scripted models.

Each test proves the shape of the work: the order of the specialists (dependencies respected, pipelines strictly in
order), how many steps ran at once, and what happens to a verdict. Scripted outputs are what a good specialist
would write, so they pass the cards' code checks wherever a test expects them accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from specialists.order_desk import Carrier
from supervisor import BatonConfig, ScriptedCall, ScriptedModel, Supervisor, Team
from supervisor.config import load_config
from supervisor.decisions.schemas import skeleton_from_workflow
from supervisor.events import AttemptStarted, Event, VerdictGiven
from supervisor.result import RunResult
from supervisor.supervisor import load_team

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LATENCY_S = 0.05

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."
BRIEF = "Brief #301: Write a short blog post for a home-gardening site on starting a balcony herb garden."
REQUEST = "Request #12: How fast are solar and wind power growing worldwide? Summarize the evidence with sources."
ORDER = "Order #5531: 2 keyboards and 1 mouse shipping to Austin, TX, paid by credit card."

GOOD = {
    "intake": "Problem: the customer was charged twice for the March invoice and wants the duplicate refunded.\n"
    "Category: billing\nUrgency: normal.",
    "research": "Billing policy: duplicate charges are refunded in full within 5 business days once confirmed, "
    "to the original payment method.",
    "drafting": "Dear customer,\n\nThank you for contacting us about ticket #1042. We are sorry you were charged "
    "twice for your March invoice. The duplicate charge will be refunded in full to your original payment method "
    "within 5 business days.\n\nBest regards,\nSupport",
    "quality": "Approved. The reply names ticket 1042, states the refund policy correctly and is polite.",
    "planner": "Title: Starting a Balcony Herb Garden\n1. Choosing herbs for sun or shade on a balcony\n"
    "2. Pots, soil and watering for a herb garden.",
    # The writer and the fact-checker answer in their answer formats (specialists/formats.py), as JSON.
    "writer": {
        "heading": "Choosing Herbs for Your Balcony",
        "paragraphs": [
            "Start a balcony herb garden by watching how many hours of sun your balcony gets each day.",
            "Basil, rosemary and thyme need six hours of sun, while parsley, chives and mint grow well in "
            "partial shade. Give mint a pot of its own, because it spreads quickly.",
        ],
    },
    "editor": "Starting a Balcony Herb Garden\nYou don't need a garden to grow fresh herbs: a sunny balcony and a "
    "few pots are enough. Basil, rosemary and thyme love six hours of sun, while parsley, chives and mint cope "
    "with shade. Use pots with drainage holes and a light potting mix, and water when the top of the soil is dry.",
    "fact_checker": {
        "claims": [
            {"claim": "Basil needs six hours of sun a day", "verdict": "verified", "reason": "gardening guides agree"},
            {"claim": "Mint is best kept in its own pot", "verdict": "verified", "reason": "it spreads quickly"},
            {"claim": "Rosemary needs daily watering", "verdict": "flagged", "reason": "it prefers to dry out"},
        ]
    },
    "searcher": "1. IEA (2024): solar PV was the largest source of new electricity capacity in 2023.\n"
    "2. GWEC (2024): 117 GW of new wind capacity was installed worldwide in 2023.",
    "synthesizer": "Solar and wind power are growing fast worldwide. Solar PV was the largest source of new "
    "electricity capacity in 2023, and 117 GW of new wind capacity was installed in the same year, so both are "
    "now central to how the world adds power.",
    "citer": "Solar PV was the largest source of new electricity capacity in 2023 (IEA, 2024), and 117 GW of "
    "new wind capacity was installed worldwide that year (GWEC, 2024).\n\nReferences:\n"
    "IEA (2024). Renewables 2023.\nGWEC (2024). Global Wind Report 2024.",
    "inventory": "Keyboard: 14 in stock, 2 reserved for order 5531. Mouse: 120 in stock, 1 reserved.",
    "pricing": "2 x keyboard at 49.00 USD = 98.00 USD; 1 x mouse at 19.00 USD.\nTotal: 117.00 USD.",
    "fraud": "Risk score: 0.08 (low). Billing and shipping are both in Austin, TX. Decision: approve.",
    "fulfillment": "Order #5531 ships today by ground carrier to Austin, TX, tracking number TRK553101. "
    "A confirmation with the tracking number has been sent to the customer.",
}


def agent_of(team: Team, call: ScriptedCall) -> str:
    """Which specialist a call speaks for: its instructions open a work prompt, its tools fill a tool choice."""
    system = call.messages[0]["content"]
    if call_kind(call) == "ToolChoice":
        return next(s.name for s in team if s.card.tools and f"- {s.card.tools[0]}:" in system)
    return next(s.name for s in team if s.instructions in system)


def call_kind(call: ScriptedCall) -> str | None:
    return call.output_type.__name__ if call.output_type else None


def skeleton_plan(team: Team) -> dict[str, Any]:
    """The plan a planner adapting the team's workflow writes: every step, first wording, agents named."""
    return {
        "subtasks": [
            {
                "id": f"s{i}",
                "description": step.descriptions[0],
                "acceptance_criteria": step.criteria[0],
                "depends_on": [f"s{d}" for d in step.after],
                "agent": step.agent,
            }
            for i, step in enumerate(skeleton_from_workflow(team), start=1)
        ]
    }


def boss(team: Team) -> ScriptedModel:
    """The supervisor: the skeleton plan, an accepting verdict, then the final answer."""

    def respond(call: ScriptedCall) -> object:
        kind = call_kind(call)
        if kind == "Plan":
            return json.dumps(skeleton_plan(team))
        if kind == "Verdict":
            return {"decision": "accept", "feedback": "", "agent": ""}
        return "The final answer."

    return ScriptedModel(respond=respond, name="example-boss")


Answer = str | dict[str, Any]
Outputs = Mapping[str, Answer | list[Answer]]


def workers(team: Team, goal: str, outputs: Outputs | None = None) -> ScriptedModel:
    """Every specialist: its tool called with the goal, then its good output (or the queued ones, in turn)."""
    queued = {agent: list(o) for agent, o in (outputs or {}).items() if isinstance(o, list)}

    def respond(call: ScriptedCall) -> object:
        agent = agent_of(team, call)
        if call_kind(call) == "ToolChoice":
            return {"tool": team[agent].card.tools[0], "query": goal}
        if queued.get(agent):
            return queued[agent].pop(0)
        fixed = (outputs or {}).get(agent)
        return fixed if fixed is not None and not isinstance(fixed, list) else GOOD[agent]

    return ScriptedModel(respond=respond, name="example-workers", latency_s=LATENCY_S)


def example_config(name: str) -> BatonConfig:
    """The example's own baton.toml, with the scripted models and BM25 ranking (fast, no weights needed)."""
    loaded = load_config(EXAMPLES / name / "baton.toml", env={})
    data = loaded.model_dump()
    data["models"] = {"default": "scripted/example-workers", "supervisor": "scripted/example-boss"}
    data["routing"]["similarity"] = "bm25"
    return BatonConfig.model_validate(data)


class Example:
    """One example workload, ready to run on scripted models; ``events`` records what happened, in order."""

    def __init__(self, name: str, goal: str, outputs: Outputs | None = None) -> None:
        config = example_config(name)
        self.team = load_team(config.team.factory)
        self.goal = goal
        self.boss = boss(self.team)
        self.workers = workers(self.team, goal, outputs)
        self.supervisor = Supervisor(self.team, config=config)
        self.events: list[Event] = []

    def run(self) -> RunResult:
        return self.supervisor.run_sync(self.goal, on_event=self.events.append)

    def started(self) -> list[str]:
        """The agent of every attempt, in the order they started."""
        return [e.agent for e in self.events if isinstance(e, AttemptStarted)]

    def happened(self, kind: type[Event], agent: str) -> list[int]:
        """Positions in the event stream of ``kind`` events for ``agent``."""
        return [i for i, e in enumerate(self.events) if isinstance(e, kind) and getattr(e, "agent", None) == agent]

    def prompt_of(self, agent: str, attempt: int = 1) -> str:
        """The work prompt (not the tool choice) of ``agent``'s ``attempt``-th answer, free text or in its format."""
        calls = [c for c in self.workers.calls if call_kind(c) != "ToolChoice" and agent_of(self.team, c) == agent]
        return calls[attempt - 1].prompt


def assert_all_accepted(result: RunResult) -> None:
    assert result.status == "done", result.error
    assert all(step.status == "accepted" for step in result.steps), [repr(s) for s in result.steps]


@pytest.mark.parametrize(
    ("name", "goal"),
    [("support_desk", TICKET), ("content_studio", BRIEF), ("research_desk", REQUEST), ("order_desk", ORDER)],
)
def test_every_good_output_passes_its_cards_code_checks_first_time(name: str, goal: str) -> None:
    example = Example(name, goal)
    result = example.run()
    assert_all_accepted(result)
    assert all(len(step.attempts) == 1 for step in result.steps)
    assert result.plan is not None and len(result.plan.subtasks) == len(example.team.workflow)


def test_support_desk_runs_its_pipeline_strictly_in_order_with_the_policy_search_in_the_prompt() -> None:
    example = Example("support_desk", TICKET)
    result = example.run()
    assert_all_accepted(result)
    assert [s.agent for s in result.steps] == ["intake", "research", "drafting", "quality"]
    assert example.started() == ["intake", "research", "drafting", "quality"]
    assert result.peak_concurrency == 1 and example.workers.peak_in_flight == 1
    # each step starts only once the one before it has its verdict
    for before, after in [("intake", "research"), ("research", "drafting"), ("drafting", "quality")]:
        assert example.happened(VerdictGiven, before)[-1] < example.happened(AttemptStarted, after)[0]
    research = example.prompt_of("research")
    assert "Result of tool policy_search" in research and "refunded in full within 5 business days" in research
    assert "Result of earlier step s1" in research and GOOD["intake"] in research
    assert "Result of tool classify_ticket" in example.prompt_of("intake")
    assert "Category: billing" in example.prompt_of("intake")


def test_support_desk_reply_without_the_ticket_number_is_retried_with_the_feedback() -> None:
    unnumbered = GOOD["drafting"].replace(" about ticket #1042", "")
    example = Example("support_desk", TICKET, outputs={"drafting": [unnumbered, GOOD["drafting"]]})
    result = example.run()
    assert_all_accepted(result)
    drafting = result.steps[2]
    verdicts = [a.verdict for a in drafting.attempts]
    assert [(v.decision, v.decided_by) for v in verdicts if v] == [("retry", "code"), ("accept", "model")]
    assert "1042" in (verdicts[0].feedback if verdicts[0] else "")
    assert "1042 from the request" in example.prompt_of("drafting", attempt=2)
    assert "rejected" not in example.prompt_of("drafting", attempt=1)


def test_content_studio_writes_its_two_sections_at_once_between_outline_and_edit() -> None:
    example = Example("content_studio", BRIEF)
    result = example.run()
    assert_all_accepted(result)
    assert [s.agent for s in result.steps] == ["planner", "writer", "writer", "editor", "fact_checker"]
    assert example.started() == ["planner", "writer", "writer", "editor", "fact_checker"]
    assert result.peak_concurrency == 2 and example.workers.peak_in_flight == 2
    planned, edited = example.happened(VerdictGiven, "planner")[-1], example.happened(AttemptStarted, "editor")[0]
    writing = example.happened(AttemptStarted, "writer")
    written = example.happened(VerdictGiven, "writer")
    assert planned < min(writing) and max(writing) < min(written) and max(written) < edited
    editor = example.prompt_of("editor")
    assert "Result of earlier step s2" in editor and "Result of earlier step s3" in editor
    assert "Result of earlier step s1" not in editor  # the editor gets the sections, not the outline
    assert "Write the first section" in example.prompt_of("writer", 1) + example.prompt_of("writer", 2)


def test_content_studio_outline_in_prose_is_sent_back_for_a_list() -> None:
    prose_outline = "The post should first explain which herbs suit a balcony and then cover pots, soil and water."
    example = Example("content_studio", BRIEF, outputs={"planner": [prose_outline, GOOD["planner"]]})
    result = example.run()
    assert_all_accepted(result)
    first = result.steps[0].attempts[0].verdict
    assert first is not None and first.decision == "retry" and "list" in first.feedback
    assert "list of at least 2 items" in example.prompt_of("planner", attempt=2)


def test_research_desk_runs_search_synthesize_cite_in_order_with_the_library_in_the_prompt() -> None:
    example = Example("research_desk", REQUEST)
    result = example.run()
    assert_all_accepted(result)
    assert example.started() == ["searcher", "synthesizer", "citer"]
    assert result.peak_concurrency == 1 and example.workers.peak_in_flight == 1
    searcher = example.prompt_of("searcher")
    assert "Result of tool library_search" in searcher and "GWEC (2024)" in searcher
    assert GOOD["synthesizer"] in example.prompt_of("citer")


def test_research_desk_citation_without_a_reference_list_is_retried_then_accepted() -> None:
    uncited = GOOD["citer"].split("\n\nReferences:")[0]
    example = Example("research_desk", REQUEST, outputs={"citer": [uncited, GOOD["citer"]]})
    result = example.run()
    assert_all_accepted(result)
    citer = result.steps[2]
    assert [a.verdict.decision for a in citer.attempts if a.verdict] == ["retry", "accept"]
    assert "References:" in example.prompt_of("citer", attempt=2)  # the feedback names what is missing


def test_order_desk_checks_inventory_pricing_and_fraud_at_once_then_fulfils() -> None:
    example = Example("order_desk", ORDER)
    result = example.run()
    assert_all_accepted(result)
    started = example.started()
    assert sorted(started[:3]) == ["fraud", "inventory", "pricing"] and started[3] == "fulfillment"
    assert result.peak_concurrency == 3 and example.workers.peak_in_flight == 3
    fulfilment = example.happened(AttemptStarted, "fulfillment")[0]
    assert all(example.happened(VerdictGiven, a)[-1] < fulfilment for a in ("inventory", "pricing", "fraud"))
    fulfillment = example.prompt_of("fulfillment")
    assert all(f"Result of earlier step s{i}" in fulfillment for i in (1, 2, 3))
    assert "Total: 117.00 USD" in example.prompt_of("pricing")  # the price tool read the order text
    assert "Suggested decision: approve" in example.prompt_of("fraud")


def test_order_desk_books_one_shipment_though_the_confirmation_is_retried() -> None:
    unnumbered = "The keyboards and the mouse ship today by ground carrier; a confirmation has been sent."
    example = Example("order_desk", ORDER, outputs={"fulfillment": [unnumbered, GOOD["fulfillment"]]})
    carrier = shipping_carrier(example.team)
    result = example.run()
    assert_all_accepted(result)
    step = result.steps[-1]
    assert [a.verdict.decision for a in step.attempts if a.verdict] == ["retry", "accept"]
    assert carrier.shipments == ["TRK553101"]  # the side effect ran once, not once per attempt
    assert [c.tool for c in step.attempts[0].tool_calls] == ["create_shipment"]
    for attempt in (1, 2):
        assert "tracking number TRK553101" in example.prompt_of("fulfillment", attempt)


def shipping_carrier(team: Team) -> Carrier:
    """The stand-in carrier behind this team's create_shipment tool."""
    tool = next(t for t in team["fulfillment"].tools if t.name == "create_shipment")
    owner: Callable[..., Any] = tool.function
    carrier = getattr(owner, "__self__", None)
    assert isinstance(carrier, Carrier)
    return carrier
