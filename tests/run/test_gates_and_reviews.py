"""Gates and review loops, on the configuration users run: a small model, code checks, the example desks."""

from __future__ import annotations

from typing import Any

from specialists import order_desk_team, support_desk_team
from supervisor import (
    BatonConfig,
    Card,
    HumanDecision,
    Review,
    RunScript,
    ScriptedCall,
    Specialist,
    Supervisor,
    Team,
    WorkflowStep,
    load_config,
)
from supervisor.testing import task_of

SAFE = "Order 5531: 2 keyboards and 1 mouse, ship to 4 Elm Street."
RISKY = "Order 7710: 1 laptop and 1 monitor, ship to a different address than billing."


class _Booked:
    """The carrier's bookings, read when compared (they live in its own table)."""

    def __init__(self, team: Team) -> None:
        self.carrier = team["fulfillment"].tools[0].function.__self__  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        return bool(self.carrier.shipments == other)

    __hash__ = None  # type: ignore[assignment]  # compared by value, never a key

    def __repr__(self) -> str:
        return repr(self.carrier.shipments)


def order_desk(name: str) -> tuple[Supervisor, _Booked]:
    team = order_desk_team()
    shipments = _Booked(team)
    config = load_config("examples/order_desk/baton.toml")
    # A small model (the embedded one's capabilities): skeleton plans, code checks alone, as users run it.
    model = RunScript().model(f"smollm2-{name}")
    return Supervisor(team, config=config, model=model), shipments


def test_a_safe_order_books_one_shipment_and_the_answer_is_its_confirmation() -> None:
    sup, shipments = order_desk("safe")
    result = sup.run_sync(SAFE)
    assert result.status == "done", result.error
    assert shipments == ["TRK553101"]
    assert (
        result.output
        == "Order 5531 has shipped with the carrier, tracking number TRK553101. The total charged is 117.00 USD."
    )


def test_a_high_risk_order_books_nothing_and_waits_for_a_person_with_the_fraud_note() -> None:
    sup, shipments = order_desk("risky")
    result = sup.run_sync(RISKY)
    assert result.status == "waiting_for_human"
    assert shipments == []
    assert result.pending is not None and result.pending.kind == "gate"
    assert "Risk score: 0.72 (high)" in result.pending.reason


def test_a_persons_approval_books_exactly_one_shipment() -> None:
    sup, shipments = order_desk("approve")
    waiting = sup.run_sync(RISKY)
    resumed = sup.resume_sync(waiting, HumanDecision(action="approve", by="risk team"))
    assert resumed.status == "done", resumed.error
    assert shipments == ["TRK771001"]
    assert "TRK771001" in resumed.output and "1528.00 USD" in resumed.output


def test_a_persons_refusal_ships_nothing_and_the_answer_is_the_fraud_decision() -> None:
    sup, shipments = order_desk("refuse")
    waiting = sup.run_sync(RISKY)
    resumed = sup.resume_sync(waiting, HumanDecision(action="reject", by="risk team"))
    assert resumed.status == "done", resumed.error
    assert shipments == []
    assert resumed.output.startswith("Fraud check for order 7710")
    assert [s.status for s in resumed.steps if s.agent == "fulfillment"][-1] == "skipped"


def test_a_gate_handler_answers_in_the_run() -> None:
    team = order_desk_team()
    shipments = _Booked(team)
    asked: list[str] = []

    def person(escalation: Any) -> HumanDecision:
        asked.append(escalation.kind)
        return HumanDecision(action="approve")

    config = load_config("examples/order_desk/baton.toml")
    sup = Supervisor(team, config=config, model=RunScript().model("smollm2-gate"), escalation_handler=person)
    assert sup.run_sync(RISKY).status == "done"
    assert asked == ["gate"] and len(shipments.carrier.shipments) == 1


def writer_and_reviewer(reviews: list[str]) -> tuple[Supervisor, Any]:
    """A writer whose draft a reviewer sends back while ``reviews`` hold changes; a capable scripted model."""
    writer = Specialist(name="writer", card=Card(description="Writes replies to customers"), instructions="Write.")
    reviewer = Specialist(name="reviewer", card=Card(description="Reviews replies"), instructions="Review.")
    team = Team(
        [writer, reviewer],
        workflow=(WorkflowStep("writer"), WorkflowStep("reviewer", after=(1,), reviews="writer")),
        deliverable=("writer",),
    )

    def answer(call: ScriptedCall) -> Any:
        if call.agent == "reviewer":
            change = reviews.pop(0) if reviews else ""
            return {"decision": "changes needed", "changes": [change]} if change else {"decision": "approved"}
        return f"Dear customer, here is the reply about {task_of(call)}, written with care."

    script = RunScript(
        plan=[("s1", "Write the reply to the customer", []), ("s2", "Review the reply", ["s1"])], answer=answer
    )
    model = script.model("reviews")
    return Supervisor(team, model=model, config=BatonConfig(checking={"judge": "code"})), model


def test_a_review_asking_for_changes_sends_the_draft_back_with_the_review_as_feedback() -> None:
    sup, model = writer_and_reviewer(["Mention the refund date in the first line."])
    result = sup.run_sync("A customer asks when their refund arrives.")
    assert result.status == "done", result.error
    drafts = [c for c in model.calls if c.agent == "writer"]
    assert len(drafts) == 2
    assert "Mention the refund date in the first line." in drafts[1].last_user
    assert [s.status for s in result.steps] == ["revised", "revised", "accepted", "accepted"]
    assert result.output.startswith("Dear customer")


def test_a_reviewer_that_never_approves_goes_to_a_person_after_the_rounds_allowed() -> None:
    sup, model = writer_and_reviewer(["Make the reply shorter and friendlier."] * 5)
    result = sup.run_sync("A customer asks when their refund arrives.")
    assert result.status == "waiting_for_human"
    assert result.pending is not None and "still asks for changes" in result.pending.reason
    assert len([c for c in model.calls if c.agent == "writer"]) == 3  # first draft + 2 revisions (the default)


def test_a_review_is_a_decision_never_a_keyword() -> None:
    assert Review(decision="changes needed", changes=["Say approved only when it is."]).approved is False
    assert Review(decision="approved").as_text() == "Approved: no changes needed."


def _first(prop: dict[str, Any]) -> Any:
    return prop["enum"][0] if "enum" in prop else prop["const"]


def test_the_support_desk_end_to_end_as_users_run_it_on_a_small_model() -> None:
    # Every open choice answered with the first option: what a model that reads nothing would do.
    def first_option(call: ScriptedCall) -> Any:
        assert call.output_type is not None
        properties = call.output_type.model_json_schema()["properties"]
        return {
            name: ([_first(prop["items"])] if prop.get("type") == "array" else _first(prop))
            for name, prop in properties.items()
        }

    model = RunScript(answer=first_option).model("smollm2-support")
    sup = Supervisor(support_desk_team(), model=model)
    assert (sup.planning_mode, sup.judged_by_model) == ("skeleton", False)
    result = sup.run_sync("Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge.")
    assert result.status == "done", result.error
    assert result.output.startswith("Dear customer,") and "1042" in result.output
    assert "Duplicate charges are refunded in full within 5 business days" in result.output.replace(
        "duplicate", "Duplicate"
    )
    assert {c.kind for c in model.calls} <= {"answer"}  # no plan, route, verdict or free final answer asked
