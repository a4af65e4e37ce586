"""The tool loop with a scripted model: typed calls, re-asks with the validation error, several calls before the
answer, the per-attempt cap and the goal's budget, provenance per argument deciding the policy, one journal step
per call, and a small model kept to one round."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

import pytest

from supervisor import (
    BatonConfig,
    Card,
    HumanDecision,
    RunScript,
    ScriptedCall,
    Specialist,
    Supervisor,
    Team,
    Tool,
    tool,
)
from supervisor.models.capabilities import SMALL, ModelCapabilities

GOAL = "Customer 7731 asks for a refund of order 5531: the mouse arrived broken."
tool_log: list[tuple[str, dict[str, Any]]] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    tool_log.clear()


@tool
def get_order(order_id: str) -> str:
    """Look up an order: its items and what was paid.

    Args:
        order_id: the order's number
    """
    tool_log.append(("get_order", {"order_id": order_id}))
    return f"Order {order_id}: 1 mouse, paid 19.00 USD."


@tool
def compute_refund(paid: Decimal, share: float = 1.0) -> str:
    """Compute what to refund.

    Args:
        paid: what the customer paid
        share: the part to refund, 0 to 1
    """
    tool_log.append(("compute_refund", {"paid": paid, "share": share}))
    return f"Refund due: {paid * Decimal(str(share)):.2f} USD."


@tool(side_effects=True, delivery="idempotent")
def issue_refund(order_id: str, amount: Decimal, reason: Literal["damaged", "late", "other"] = "other") -> str:
    """Refund a customer.

    Args:
        order_id: the order to refund
        amount: how much, in USD
        reason: why
    """
    tool_log.append(("issue_refund", {"order_id": order_id, "amount": amount, "reason": reason}))
    return f"Refunded {amount:.2f} USD on order {order_id}."


def team(*tools: Tool) -> Team:
    card = Card(
        name="refunds",
        description="Handles refunds: looks up orders and pays customers back.",
        skills=("refund orders",),
        examples=("Refund the order",),
        tools=tuple(t.name for t in tools),
        privilege="write" if any(t.side_effects for t in tools) else "read",
    )
    return Team([Specialist(name="refunds", card=card, instructions="You refund orders.", tools=tools)])


def supervisor(
    script: RunScript, *tools: Tool, capabilities: ModelCapabilities | None = None, **config: Any
) -> Supervisor:
    settings = {"audit": {"enabled": False}, "routing": {"similarity": "bm25"}, **config}
    options = {"capabilities": capabilities} if capabilities is not None else {}
    model = script.model("gpt-4o", **options)
    return Supervisor(team(*tools), config=BatonConfig.model_validate(settings), model=model)


PLAN = [("s1", "Refund the order", [])]


def answer_with_results(call: ScriptedCall) -> str:
    results = re.findall(r"(?:Order \d+: |Refund)[^<\n]*", call.last_user)
    return "Done for order 5531: " + " ".join(results)


def test_a_three_argument_typed_tool_is_called_with_valid_arguments() -> None:
    arguments = {"order_id": "5531", "amount": "19.00", "reason": "damaged"}
    script = RunScript(plan=PLAN, tool_calls=[("issue_refund", arguments)], answer=answer_with_results)
    sup = supervisor(script, issue_refund, guards={"tools": {"issue_refund": "allow"}})
    result = sup.run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == [("issue_refund", {"order_id": "5531", "amount": Decimal("19.00"), "reason": "damaged"})]
    call = result.steps[0].attempts[0].tool_calls[0]
    assert call.arguments == {"order_id": "5531", "amount": "19.00", "reason": "damaged"}
    assert call.sources == {"order_id": "goal", "amount": "model", "reason": "model"}
    assert "Refunded 19.00 USD on order 5531." in result.steps[0].output
    offered = next(c for c in sup._agent_models["refunds"].calls if c.kind == "tool_call")  # type: ignore[attr-defined]
    assert [t.name for t in offered.tools] == ["issue_refund"]
    assert offered.tools[0].input_schema["required"] == ["order_id", "amount"]


def test_an_invalid_call_is_re_asked_with_the_validation_error_and_the_tool_never_sees_it() -> None:
    prompts: list[str] = []

    def calls(call: ScriptedCall) -> Any:
        prompts.append(call.last_user)
        if call.tool_round == 1:
            return ("compute_refund", {"paid": "nineteen dollars", "share": 1})
        if call.tool_round == 2:
            return ("compute_refund", {"paid": "19.00", "share": 1})
        return None

    script = RunScript(plan=PLAN, tool_calls=calls, answer=answer_with_results)
    result = supervisor(script, compute_refund).run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == [("compute_refund", {"paid": Decimal("19.00"), "share": 1.0})]  # only the corrected call
    assert "was not made" in prompts[1] and "paid: Input should be a valid decimal" in prompts[1]
    assert "was not made" not in prompts[0]
    made = result.steps[0].attempts[0].tool_calls
    assert [(c.tool, c.refused) for c in made] == [("compute_refund", "")]


def test_invalid_calls_are_re_asked_at_most_max_reasks_times() -> None:
    script = RunScript(plan=PLAN, tool_calls=lambda call: ("compute_refund", {"paid": "lots"}))
    result = supervisor(script, compute_refund, limits={"max_reasks": 1}).run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == []
    made = result.steps[0].attempts[0].tool_calls
    assert len(made) == 1 and made[0].refused.startswith("its arguments never fitted the tool: compute_refund: paid")


def test_a_loop_of_three_calls_looks_up_computes_and_acts_before_the_answer() -> None:
    answers: list[ScriptedCall] = []

    def calls(call: ScriptedCall) -> Any:
        if call.tool_round == 1:
            return ("get_order", {"order_id": "5531"})
        if call.tool_round == 2:
            assert "Order 5531: 1 mouse, paid 19.00 USD." in call.last_user  # it saw the lookup's result
            return ("compute_refund", {"paid": "19.00"})
        if call.tool_round == 3:
            return ("issue_refund", {"order_id": "5531", "amount": "19.00", "reason": "damaged"})
        return None

    def answer(call: ScriptedCall) -> str:
        answers.append(call)
        return answer_with_results(call)

    script = RunScript(plan=PLAN, tool_calls=calls, answer=answer)
    sup = supervisor(
        script,
        get_order,
        compute_refund,
        issue_refund,
        guards={"tools": {"issue_refund": {"default": "allow", "arguments": {"amount": {"model": "deny"}}}}},
        journal={"enabled": True},
    )
    result = sup.run_sync(GOAL)

    assert result.status == "done", result.error
    assert [name for name, _ in tool_log] == ["get_order", "compute_refund", "issue_refund"]
    made = result.steps[0].attempts[0].tool_calls
    assert [c.tool for c in made] == ["get_order", "compute_refund", "issue_refund"]
    # The amount was found in compute_refund's result (the latest holding it), the order id in get_order's (a
    # value a tool result holds counts as the tool's, even when the goal holds it too): neither is the model's.
    assert made[2].sources == {"order_id": "tool:get_order", "amount": "tool:compute_refund", "reason": "model"}
    assert len(answers) == 1  # one answer, after the loop, with every result in its prompt
    assert "Refunded 19.00 USD on order 5531." in answers[0].last_user
    assert "Refund due: 19.00 USD." in answers[0].last_user
    kinds = [c.kind for c in sup._agent_models["refunds"].calls]  # type: ignore[attr-defined]
    assert kinds.count("tool_call") == 4  # three rounds that called, one that answered


def test_the_per_attempt_cap_stops_a_model_that_calls_forever() -> None:
    script = RunScript(plan=PLAN, tool_calls=lambda call: ("get_order", {"order_id": "5531"}))
    sup = supervisor(script, get_order, limits={"max_tool_calls": 3})
    result = sup.run_sync(GOAL)

    assert result.status == "done", result.error
    assert len(tool_log) == 3
    made = result.steps[0].attempts[0].tool_calls
    assert [c.refused for c in made[:3]] == ["", "", ""]
    assert made[3].refused == "the attempt's limit of 3 tool call(s) was reached (limits.max_tool_calls)"
    rounds = [c for c in sup._agent_models["refunds"].calls if c.kind == "tool_call"]  # type: ignore[attr-defined]
    assert len(rounds) == 4  # the fourth round's call was refused, and the loop ended there


def test_the_goal_budget_of_tool_calls_ends_the_loop_with_its_reason() -> None:
    script = RunScript(plan=PLAN, tool_calls=lambda call: ("get_order", {"order_id": "5531"}))
    result = supervisor(script, get_order, limits={"max_tool_calls_per_goal": 2}).run_sync(GOAL)

    assert result.status == "done", result.error
    assert len(tool_log) == 2
    last = result.steps[0].attempts[0].tool_calls[-1]
    assert last.refused == "the goal's budget of 2 tool call(s) is spent (limits.max_tool_calls_per_goal)"


REFUND_RULES = {"issue_refund": {"default": "allow", "arguments": {"amount": {"model": "deny"}}}}


def test_an_amount_from_a_tool_result_is_allowed_where_a_model_written_amount_is_denied() -> None:
    def calls(call: ScriptedCall) -> Any:
        if call.tool_round == 1:
            return ("get_order", {"order_id": "5531"})
        if call.tool_round == 2:
            return ("issue_refund", {"order_id": "5531", "amount": "19", "reason": "damaged"})
        return None

    script = RunScript(plan=PLAN, tool_calls=calls, answer=answer_with_results)
    result = supervisor(script, get_order, issue_refund, guards={"tools": REFUND_RULES}).run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log[-1] == ("issue_refund", {"order_id": "5531", "amount": Decimal("19"), "reason": "damaged"})
    assert result.steps[0].attempts[0].tool_calls[1].sources["amount"] == "tool:get_order"  # 19 == 19.00


def test_the_same_call_with_a_model_written_amount_is_refused() -> None:
    def calls(call: ScriptedCall) -> Any:
        if call.tool_round == 1:
            return ("get_order", {"order_id": "5531"})
        if call.tool_round == 2:
            return ("issue_refund", {"order_id": "5531", "amount": "950", "reason": "damaged"})
        return None

    script = RunScript(plan=PLAN, tool_calls=calls)
    result = supervisor(script, get_order, issue_refund, guards={"tools": REFUND_RULES}).run_sync(GOAL)

    assert result.status == "done", result.error
    assert [name for name, _ in tool_log] == ["get_order"]  # the refund never ran
    refused = result.steps[0].attempts[0].tool_calls[1]
    assert refused.tool == "issue_refund"
    assert "amount from model: deny" in refused.refused


def test_several_calls_in_one_reply_are_all_made_in_order() -> None:
    both = [("get_order", {"order_id": "5531"}), ("compute_refund", {"paid": "19.00", "share": 0.5})]
    script = RunScript(plan=PLAN, tool_calls=[both], answer=answer_with_results)
    result = supervisor(script, get_order, compute_refund).run_sync(GOAL)

    assert result.status == "done", result.error
    assert [name for name, _ in tool_log] == ["get_order", "compute_refund"]
    assert "Refund due: 9.50 USD." in result.steps[0].output


def test_a_model_without_native_tools_calls_through_the_json_step_union() -> None:
    script = RunScript(plan=PLAN, tool_calls=[("get_order", {"order_id": "5531"})], answer=answer_with_results)
    sup = supervisor(script, get_order, compute_refund, capabilities=ModelCapabilities(native_tools=False))
    result = sup.run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == [("get_order", {"order_id": "5531"})]
    rounds = [c for c in sup._agent_models["refunds"].calls if c.kind == "tool_call"]  # type: ignore[attr-defined]
    assert rounds[0].output_type is not None and rounds[0].tools == ()
    schema = rounds[0].output_type.model_json_schema()
    members = schema["properties"]["step"]["oneOf"]
    assert len(members) == 3  # answer, get_order, compute_refund
    assert "Order 5531: 1 mouse, paid 19.00 USD." in result.steps[0].output


def test_a_small_model_makes_one_round_of_calls() -> None:
    script = RunScript(plan=PLAN, tool_calls=lambda call: ("get_order", {"order_id": "5531"}))
    sup = supervisor(script, get_order, capabilities=SMALL)
    result = sup.run_sync(GOAL)

    assert tool_log == [("get_order", {"order_id": "5531"})]
    rounds = [c for c in sup._agent_models["refunds"].calls if c.kind == "tool_call"]  # type: ignore[attr-defined]
    assert len(rounds) == 1 and result.steps[0].attempts[0].tool_calls[0].output.startswith("Order 5531")


def test_choices_fill_in_arguments_from_the_goal_without_asking_the_model() -> None:
    def ids_in_goal(context: Any) -> dict[str, list[Any]]:
        return {"order_id": [w for w in context.goal.replace(":", " ").split() if w.isdigit() and len(w) == 4][1:]}

    lookup = Tool.from_function(get_order.function, choices=ids_in_goal)
    script = RunScript(plan=PLAN, answer=answer_with_results)
    sup = supervisor(script, lookup, capabilities=SMALL)
    result = sup.run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == [("get_order", {"order_id": "5531"})]
    assert [c.kind for c in sup._agent_models["refunds"].calls].count("tool_call") == 0  # nothing to ask
    assert result.steps[0].attempts[0].tool_calls[0].sources == {"order_id": "goal"}


def test_a_resumed_run_never_repeats_a_completed_call_and_the_person_sees_each_argument() -> None:
    def calls(call: ScriptedCall) -> Any:
        if call.tool_round == 1:
            return ("get_order", {"order_id": "5531"})
        if call.tool_round == 2:
            return ("issue_refund", {"order_id": "5531", "amount": "19.00", "reason": "damaged"})
        return None

    rules = {"issue_refund": {"arguments": {"amount": {"tool": "ask"}}, "default": "allow"}}
    script = RunScript(plan=PLAN, tool_calls=calls, answer=answer_with_results)
    sup = supervisor(script, get_order, issue_refund, guards={"tools": rules}, journal={"enabled": True})
    waiting = sup.run_sync(GOAL)

    assert waiting.status == "waiting_for_human", waiting.error
    assert [name for name, _ in tool_log] == ["get_order"]
    pending = waiting.pending
    assert pending is not None and pending.kind == "tool_approval" and pending.tool == "issue_refund"
    assert pending.argument_lines == (
        "order_id = 5531  (from tool:get_order)",
        "amount = 19.00  (from tool:get_order)",
        "reason = damaged  (from model)",
    )

    done = sup.resume_sync(waiting.run_id, HumanDecision(action="approve"))
    assert done.status == "done", done.error
    assert [name for name, _ in tool_log] == ["get_order", "issue_refund"]  # the lookup was not made again
    made = done.steps[0].attempts[0].tool_calls
    assert [c.tool for c in made] == ["get_order", "issue_refund"]


def test_a_native_call_outside_the_tool_s_choices_is_re_asked_and_never_made() -> None:
    prompts: list[str] = []

    def only_goal_orders(context: Any) -> dict[str, list[Any]]:
        return {"order_id": ["5531", "7731"]}

    lookup = Tool.from_function(get_order.function, choices=only_goal_orders, argument="goal")

    def calls(call: ScriptedCall) -> Any:
        prompts.append(call.last_user)
        assert call.tools[0].input_schema["properties"]["order_id"]["enum"] == ["5531", "7731"]
        return {1: ("get_order", {"order_id": "9999"}), 2: ("get_order", {"order_id": "5531"})}.get(call.tool_round)

    result = supervisor(RunScript(plan=PLAN, tool_calls=calls), lookup).run_sync(GOAL)

    assert result.status == "done", result.error
    assert tool_log == [("get_order", {"order_id": "5531"})]
    assert 'order_id: must be one of "5531", "7731"' in prompts[1]
    assert result.steps[0].attempts[0].tool_calls[0].sources == {"order_id": "goal"}
