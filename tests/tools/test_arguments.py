"""Provenance per argument, and the tool policy deciding argument by argument."""

from __future__ import annotations

import pytest

from supervisor import TeamError, Tool
from supervisor.config import ToolRules
from supervisor.guards.capabilities import ToolPolicy
from supervisor.tools.arguments import Evidence, trace

EVIDENCE = Evidence(
    goal="Refund order 5531 for customer 0042: the mouse arrived broken.",
    inputs=(("s1", "The fraud check approves order 5531. Ship to 4 Elm Street."),),
    results=(("get_order", "Order 5531: 1 mouse, paid 19.00 USD."), ("quote", "Refund due: 19.00 USD.")),
)


def test_each_value_is_traced_to_the_least_trusted_source_that_holds_it() -> None:
    traced = trace(
        {
            "amount": "19",  # 19 == 19.00: found by value, in the latest result holding it
            "customer": "0042",  # an id with a leading zero is text, found in the goal
            "address": "4 elm street",  # a dependency's output, case aside
            "note": "goodwill",  # nobody gave it: the model wrote it
            "items": [{"item": "mouse", "quantity": 1}],  # a structure takes its least trusted leaf's source
            "urgent": True,  # a flag carries nothing to trace
        },
        EVIDENCE,
    )
    sources = {a.name: a.source for a in traced.traced}
    assert sources == {
        "amount": "tool:quote",
        "customer": "goal",
        "address": "input:s1",
        "note": "model",
        "items": "tool:get_order",
        "urgent": "supervisor",
    }
    assert traced.tainted("...").untrusted
    assert "note = goodwill  (from model)" in traced.lines()


def test_a_word_inside_another_word_is_not_found() -> None:
    assert trace({"reason": "use"}, Evidence(goal="The mouse is unused.")).traced[0].source == "model"


def test_the_policy_decides_by_each_argument_s_origin() -> None:
    policy = ToolPolicy(
        {
            "issue_refund": ToolRules(default="allow", arguments={"amount": {"model": "deny", "tool": "ask"}}),
            "create_shipment": "ask",
            "search": ToolRules(arguments={"query": "deny"}),
        }
    )
    refund = policy.decide_arguments
    assert refund("issue_refund", True, {"order_id": "goal", "amount": "tool"}).approval == "ask"
    denied = refund("issue_refund", True, {"order_id": "model", "amount": "model"})
    assert denied.approval == "deny" and denied.reasons == ("amount from model: deny",)
    assert refund("issue_refund", True, {"order_id": "goal", "amount": "goal"}).approval == "allow"
    assert refund("create_shipment", True, {"order_id": "goal", "address": "input"}).approval == "ask"
    assert refund("delete_account", True, {"user": "model"}).approval == "deny"  # nobody configured it
    assert refund("delete_account", True, {"user": "goal"}).approval == "allow"
    assert refund("lookup", False, {"query": "model"}).approval == "allow"  # read-only, no rules
    assert refund("search", False, {"query": "model"}).approval == "deny"  # read-only, but ruled


def test_the_names_a_model_uses_for_no_tool_are_reserved() -> None:
    for name in ("answer", "none"):
        with pytest.raises(TeamError, match="reserved"):
            Tool(name, "x", lambda q: q)
