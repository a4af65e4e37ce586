"""The order desk's typed tools: their arguments drawn from the goal (never written by a model), each traced to
the goal, and the shipment booked with the order id and the address the customer wrote."""

from __future__ import annotations

import pytest

from specialists import order_desk_team
from specialists.order_desk import OrderLine, check_stock, order_addresses, quote, shipment_in_order
from supervisor import BatonConfig, ChoiceContext, RunScript, Supervisor, Tool
from supervisor.config import load_config


@pytest.mark.parametrize(
    ("goal", "addresses"),
    [
        ("Order 5531: 2 keyboards and 1 mouse, ship to 4 Elm Street.", ["4 Elm Street"]),
        ("Please process order 6120 - three mice, delivered to the office.", ["the office"]),
        ("I'd like 4 keyboards (order no. 2201), please send them to our warehouse.", ["our warehouse"]),
        ("Order #5531: 2 keyboards and 1 mouse shipping to Austin, TX, paid by credit card.", ["Austin, TX"]),
        ("order 8802 for 1 keyboard pls, usual address", []),
    ],
)
def test_the_addresses_of_an_order_are_read_as_the_customer_wrote_them(goal: str, addresses: list[str]) -> None:
    assert order_addresses(goal) == addresses


def test_the_shipment_s_choices_are_the_goal_s_own_values() -> None:
    given = ChoiceContext(goal="Order #5531: 1 mouse, ship to 4 Elm Street.")
    assert shipment_in_order(given) == {"order_id": ["5531"], "address": ["4 Elm Street"]}
    assert shipment_in_order(ChoiceContext(goal="order 8802 for 1 keyboard")) == {"order_id": ["8802"]}


def test_stock_and_quote_take_the_order_s_lines() -> None:
    lines = [OrderLine(item="keyboard", quantity=2), OrderLine(item="mouse", quantity=1)]
    assert (
        check_stock(lines) == "keyboard: 14 in stock, 2 ordered (reserved)\nmouse: 120 in stock, 1 ordered (reserved)"
    )
    assert quote(lines).endswith("Total: 117.00 USD")


def test_every_desk_tool_is_called_with_values_from_the_goal_and_no_model_writes_them() -> None:
    team = order_desk_team()
    assert all(isinstance(t, Tool) for s in team for t in s.tools)
    shipment = team["fulfillment"].tools[0]
    assert shipment.name == "create_shipment" and shipment.schema["required"] == ["order_id"]
    data = load_config("examples/order_desk/baton.toml", env={}).model_dump()
    data["routing"]["similarity"] = "bm25"
    model = RunScript().model("smollm2-desk-tools")
    sup = Supervisor(team, config=BatonConfig.model_validate(data), model=model)
    result = sup.run_sync("Order 5531: 2 keyboards and 1 mouse, ship to 4 Elm Street.")

    assert result.status == "done", result.error
    calls = {c.tool: c for s in result.steps for a in s.attempts for c in a.tool_calls}
    assert calls["create_shipment"].arguments == {"order_id": "5531", "address": "4 Elm Street"}
    assert calls["create_shipment"].sources == {"order_id": "goal", "address": "goal"}
    assert calls["check_stock"].arguments == {
        "items": [{"item": "keyboard", "quantity": 2}, {"item": "mouse", "quantity": 1}]
    }
    assert calls["quote"].sources == {"items": "goal"}
    assert not [c for c in model.calls if c.kind in ("tool_call", "tool_choice")]  # nothing for a model to decide
