"""Typed tools: a signature or a JSON schema becomes validated parameters; invalid arguments never reach the
function; one-text tools keep their one string."""

from __future__ import annotations

import asyncio
import enum
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from supervisor import TeamError, Tool, ToolArgumentsError, tool
from supervisor.tools.calling import call_tool


class Reason(enum.Enum):
    DAMAGED = "damaged"
    LATE = "late"


class Line(BaseModel):
    item: str
    quantity: int


def issue_refund(order_id: str, amount: Decimal, reason: Literal["damaged", "late", "other"] = "other") -> str:
    """Refund part of an order.

    Args:
        order_id: the order to refund, e.g. 5531
        amount: how much to refund, in USD
        reason: why the customer is refunded
    """
    return f"refunded {amount} on {order_id} ({reason})"


def test_a_signature_becomes_a_schema_with_types_defaults_and_descriptions() -> None:
    refund = Tool.from_function(issue_refund, side_effects=True)
    schema = refund.input_schema
    assert schema is not None
    assert refund.name == "issue_refund"
    assert refund.description == "Refund part of an order."
    assert refund.style == "keywords"
    assert schema["required"] == ["order_id", "amount"]
    props = schema["properties"]
    assert props["order_id"]["type"] == "string"
    assert props["order_id"]["description"] == "the order to refund, e.g. 5531"
    assert props["reason"]["enum"] == ["damaged", "late", "other"]
    assert props["reason"]["default"] == "other"
    assert refund.parameters is not None and "amount" in refund.parameters.model_fields
    assert refund("5531", Decimal("2")) == "refunded 2 on 5531 (other)"  # still the function, called directly


def test_many_annotation_kinds_validate_and_reach_the_function_as_python_values() -> None:
    seen: dict[str, Any] = {}

    @tool
    def book(lines: list[Line], when: date, reason: Reason, urgent: bool = False, note: str | None = None) -> str:
        """Book a delivery.

        Parameters
        ----------
        lines
            what to deliver
        """
        seen.update(lines=lines, when=when, reason=reason, urgent=urgent, note=note)
        return "booked"

    assert isinstance(book, Tool)
    assert book.schema["properties"]["lines"]["description"] == "what to deliver"
    arguments = {"lines": [{"item": "mouse", "quantity": 2}], "when": "2026-03-01", "reason": "late"}
    assert book.validate(arguments) == {**arguments, "urgent": False, "note": None}
    output, cut = asyncio.run(call_tool(book, arguments))
    assert (output, cut) == ("booked", 0)
    assert seen == {
        "lines": [Line(item="mouse", quantity=2)],
        "when": date(2026, 3, 1),
        "reason": Reason.LATE,
        "urgent": False,
        "note": None,
    }


def test_invalid_arguments_are_refused_with_what_is_wrong_and_the_function_never_runs() -> None:
    calls: list[str] = []

    @tool(name="refund", side_effects=True, delivery="idempotent")
    async def refund_it(order_id: str, amount: Decimal) -> str:
        """Refund an order."""
        calls.append(order_id)
        return "done"

    assert refund_it.name == "refund" and refund_it.guarantee == "idempotent"
    with pytest.raises(ToolArgumentsError) as caught:
        asyncio.run(call_tool(refund_it, {"order_id": "5531", "amount": "a lot", "extra": 1}))
    assert "amount" in caught.value.errors and "extra" in caught.value.errors
    assert calls == []
    assert asyncio.run(call_tool(refund_it, {"order_id": "5531", "amount": "12.50"})) == ("done", 0)
    assert calls == ["5531"]


def test_a_schema_tool_validates_with_its_json_schema_and_gets_the_arguments_object() -> None:
    received: list[dict[str, Any]] = []

    async def remote(arguments: dict[str, Any]) -> str:
        received.append(arguments)
        return f"{arguments['city']}: sunny"

    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
        "required": ["city"],
    }
    weather = Tool.from_schema("weather", "the forecast for a city", schema, remote)
    assert weather.style == "mapping" and weather.parameters is None
    assert weather.input_schema == schema
    with pytest.raises(ToolArgumentsError) as caught:
        asyncio.run(call_tool(weather, {"days": 0}))
    assert "'city' is a required property" in caught.value.errors
    assert "days: 0 is less than the minimum of 1" in caught.value.errors
    assert received == []
    assert asyncio.run(call_tool(weather, {"city": "Lyon", "days": 2})) == ("Lyon: sunny", 0)
    assert received == [{"city": "Lyon", "days": 2}]

    def sync_remote(arguments: dict[str, Any]) -> str:
        return str(sorted(arguments))

    plain = Tool.from_schema("plain", "a sync schema tool", {"type": "object", "properties": {"a": {}}}, sync_remote)
    assert asyncio.run(call_tool(plain, {"a": 1})) == ("['a']", 0)


def test_a_bad_schema_or_signature_is_refused_when_the_tool_is_made() -> None:
    with pytest.raises(TeamError, match="must describe an object"):
        Tool.from_schema("bad", "x", {"type": "string"}, lambda a: "")
    with pytest.raises(TeamError, match="not a valid JSON schema"):
        Tool.from_schema("bad", "x", {"type": "object", "properties": {"a": {"type": "nope"}}}, lambda a: "")

    def spread(*items: str) -> str:
        """Spread."""
        return ""

    with pytest.raises(TeamError, match=r"\*items"):
        Tool.from_function(spread)

    def undocumented(x: int) -> str:
        return ""

    with pytest.raises(TeamError, match="description or a docstring"):
        Tool.from_function(undocumented)


def test_a_one_text_tool_keeps_one_string_parameter() -> None:
    lookup = Tool("lookup", "look something up", lambda q: f"found {q}")
    assert lookup.style == "text"
    assert lookup.schema["properties"]["query"]["type"] == "string"
    assert asyncio.run(call_tool(lookup, "order 1042")) == ("found order 1042", 0)
    assert asyncio.run(call_tool(lookup, {"query": "order 7"})) == ("found order 7", 0)
    with pytest.raises(TeamError, match="one text argument"):
        Tool("lookup", "x", lambda a, b: "")  # type: ignore[arg-type,misc]


def test_the_readme_typed_tool_example_builds_a_team_that_runs_its_loop() -> None:
    from pathlib import Path

    from supervisor import BatonConfig, RunScript, Supervisor

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Typed tools and the tool loop", 1)[1].split("\n### ", 1)[0]
    block = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    refund = namespace["issue_refund"]
    assert isinstance(refund, Tool) and refund.schema["required"] == ["order_id", "amount"]

    def calls(call: Any) -> Any:
        if call.tool_round == 1:
            return ("get_order", {"order_id": "5531"})
        if call.tool_round == 2:
            return ("issue_refund", {"order_id": "5531", "amount": "19.00", "reason": "damaged"})
        return None

    rules = {"issue_refund": {"default": "allow", "arguments": {"amount": {"model": "deny"}}}}
    config = BatonConfig.model_validate({"audit": {"enabled": False}, "guards": {"tools": rules}})
    script = RunScript(plan=[("s1", "Refund order 5531", [])], tool_calls=calls)
    result = Supervisor(namespace["team"], config=config, model=script.model("gpt-4o")).run_sync("Refund order 5531.")
    made = result.steps[0].attempts[0].tool_calls
    assert [(c.tool, c.output) for c in made] == [
        ("get_order", "Order 5531: 1 mouse, paid 19.00 USD."),
        ("issue_refund", "Refunded 19.00 USD on order 5531."),
    ]
