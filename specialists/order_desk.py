"""Order processing: inventory, pricing and fraud check in parallel -> fulfillment."""

from __future__ import annotations

import re

from supervisor import Card, Specialist, Team, Tool, WorkflowStep

STOCK = {"keyboard": 14, "monitor": 0, "mouse": 120, "laptop": 3}
PRICES = {"keyboard": 49.0, "monitor": 229.0, "mouse": 19.0, "laptop": 1299.0}


def check_stock(query: str) -> str:
    items = [item for item in STOCK if item in query.lower()] or list(STOCK)
    return "\n".join(f"{item}: {STOCK[item]} in stock" for item in items)


def quote_price(query: str) -> str:
    items = [item for item in PRICES if item in query.lower()] or list(PRICES)
    return "\n".join(f"{item}: {PRICES[item]:.2f} USD each" for item in items)


def score_fraud_risk(query: str) -> str:
    # A stand-in for a risk model: large amounts and mismatched addresses raise the score.
    amounts = [float(a) for a in re.findall(r"\d+(?:\.\d+)?", query)]
    risky = any(a > 1000 for a in amounts) or "different address" in query.lower()
    return f"risk score: {'0.72 (review)' if risky else '0.08 (low)'}"


INVENTORY = Card(
    name="inventory",
    description="Checks warehouse stock levels for the items of an order and reserves what is available.",
    skills=("check stock levels", "reserve items", "report backorders"),
    inputs=("an order",),
    outputs=("stock status per item",),
    examples=("Check stock for the order items", "Confirm the items are available"),
    tools=("stock_lookup",),
)
PRICING = Card(
    name="pricing",
    description="Computes the price of an order: unit prices, discounts, tax and the total to charge.",
    skills=("quote prices", "apply discounts", "compute tax and totals"),
    inputs=("an order",),
    outputs=("the priced order with its total",),
    examples=("Price the order", "Compute the order total with tax"),
    tools=("price_lookup",),
)
FRAUD = Card(
    name="fraud",
    description="Assesses the fraud risk of an order and payment and decides whether it needs manual review.",
    skills=("score fraud risk", "check payment and address", "flag suspicious orders"),
    inputs=("an order", "payment details"),
    outputs=("a risk score and a decision",),
    examples=("Run a fraud check on the order", "Assess the payment risk"),
    tools=("risk_score",),
)
FULFILLMENT = Card(
    name="fulfillment",
    description="Fulfils an approved order: packs and ships the items and sends the customer the confirmation.",
    skills=("ship orders", "create shipments", "send order confirmations"),
    inputs=("stock status", "the priced order", "the fraud decision"),
    outputs=("a shipment plan and confirmation message",),
    examples=("Ship the order", "Arrange fulfilment and confirm to the customer"),
)


def order_desk_team() -> Team:
    """Inventory, pricing and fraud check run in parallel; fulfillment waits for all three."""
    members = [
        Specialist(
            name="inventory",
            card=INVENTORY,
            instructions="You check stock for each item of the order.",
            tools=(Tool("stock_lookup", "look up warehouse stock", check_stock),),
        ),
        Specialist(
            name="pricing",
            card=PRICING,
            instructions="You price the order and state the total.",
            tools=(Tool("price_lookup", "look up unit prices", quote_price),),
        ),
        Specialist(
            name="fraud",
            card=FRAUD,
            instructions="You assess the fraud risk of the order and decide.",
            tools=(Tool("risk_score", "score the fraud risk of an order", score_fraud_risk),),
        ),
        Specialist(
            name="fulfillment",
            card=FULFILLMENT,
            instructions="You plan the shipment of the order and write the confirmation to the customer.",
        ),
    ]
    workflow = [
        WorkflowStep("inventory"),
        WorkflowStep("pricing"),
        WorkflowStep("fraud"),
        WorkflowStep("fulfillment", after=(1, 2, 3)),
    ]
    return Team(members, workflow=workflow)
