"""Order processing: inventory, pricing and fraud check in parallel -> fulfillment."""

from __future__ import annotations

import re
import threading

from specialists.shapes import plain_text, says
from supervisor import Card, Specialist, Team, Tool, WorkflowStep
from supervisor.checking import OutputChecks

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


class Carrier:
    """A stand-in for a shipping carrier's API: ``create_shipment`` books a shipment, a real side effect.

    Each team gets its own carrier, so what one run booked is visible in ``shipments`` and nowhere else.
    """

    def __init__(self) -> None:
        self.shipments: list[str] = []
        self._lock = threading.Lock()  # tools run in worker threads

    def create_shipment(self, query: str) -> str:
        # Only an id marked as one ("order 5531", "#5531"): a model's query may carry dates and quantities too.
        order = re.search(r"(?:order\W{0,3}|#)(\d{3,})", query, re.IGNORECASE)
        with self._lock:
            number = len(self.shipments) + 1
            order_id = order.group(1) if order else "0000"
            tracking = f"TRK{order_id}{number:02d}"
            self.shipments.append(tracking)
        return f"Shipment booked for order {order_id} with the carrier: tracking number {tracking}."


# The desk's stock statuses; "available" or "on the shelf" leave open whether the order's units are held.
STOCK_TERMS = ("in stock", "out of stock", "backorder", "back-order", "back order", "reserved", "sold out")
# A decision on the order, in the words the fraud desk uses.
FRAUD_DECISIONS = ("approve", "review", "reject", "decline", "hold", "block", "cancel")
# A risk level: "risk score: 0.08", "Risk level: low", "high-risk".
_RISK_LEVEL = r"\brisk\b[^\n]{0,30}?(?:\d|low|medium|moderate|elevated|high)|(?:low|medium|moderate|high)[- ]risk"
SHIPPING_TERMS = ("ship", "deliver", "dispatch", "tracking", "carrier", "courier")


INVENTORY = Card(
    name="inventory",
    description="Checks warehouse stock levels for the items of an order and reserves what is available.",
    skills=("check stock levels", "reserve items", "report backorders"),
    inputs=("an order",),
    outputs=("stock status per item",),
    examples=(
        "Check stock for the order items",
        "Confirm the items are available",
        "See how many units are left in the warehouse",
        "Hold the available units and report backorders",
    ),
    tools=("stock_lookup",),
    # A stock status for the order's items.
    checks=OutputChecks(min_chars=30, must_mention_any=STOCK_TERMS),
)
PRICING = Card(
    name="pricing",
    description="Computes the price of an order: unit prices, discounts, tax and the total to charge.",
    skills=("quote prices", "apply discounts", "compute tax and totals"),
    inputs=("an order",),
    outputs=("the priced order with its total",),
    examples=(
        "Price the order",
        "Compute the order total with tax",
        "Work out what the customer owes",
        "Apply the discount and give the amount to charge",
    ),
    tools=("price_lookup",),
    checks=OutputChecks(min_chars=30),
)
FRAUD = Card(
    name="fraud",
    description="Assesses the fraud risk of an order and payment and decides whether it needs manual review.",
    skills=("score fraud risk", "check payment and address", "flag suspicious orders"),
    inputs=("an order", "payment details"),
    outputs=("a risk score and a decision",),
    examples=(
        "Run a fraud check on the order",
        "Assess the payment risk",
        "Decide whether the payment looks suspicious",
        "Screen the order for signs of fraud",
    ),
    tools=("risk_score",),
    # A decision on the order (the risk level behind it is checked by the specialist's predicate).
    checks=OutputChecks(min_chars=30, must_mention_any=FRAUD_DECISIONS),
)
FULFILLMENT = Card(
    name="fulfillment",
    description="Fulfils an approved order: packs and ships the items and sends the customer the confirmation.",
    skills=("ship orders", "create shipments", "send order confirmations"),
    inputs=("stock status", "the priced order", "the fraud decision"),
    outputs=("a shipment plan and confirmation message",),
    examples=(
        "Ship the order",
        "Arrange fulfilment and confirm to the customer",
        "Pack the items and hand them to the carrier",
        "Book the shipment and send the tracking number",
    ),
    tools=("create_shipment",),
    # The shipment and the confirmation must name the order they are for.
    checks=OutputChecks(min_chars=60, must_mention_any=SHIPPING_TERMS, carry_goal_ids=True),
)


def order_desk_team() -> Team:
    """Inventory, pricing and fraud check run in parallel; fulfillment waits for all three."""
    carrier = Carrier()
    members = [
        Specialist(
            name="inventory",
            card=INVENTORY,
            instructions="You check stock for each item of the order: say for each whether it is in stock, and "
            "how many units.",
            predicates=(plain_text, says(r"\d", "Give the number of units in stock for each item.")),
            tools=(Tool("stock_lookup", "look up warehouse stock", check_stock),),
        ),
        Specialist(
            name="pricing",
            card=PRICING,
            instructions="You price the order: the unit price of each item, then a line 'Total:' with the amount "
            "to charge.",
            # The total to charge, with its amount.
            predicates=(plain_text, says(r"\btotal\b[^\n]{0,40}?\d", "End with a line 'Total: <amount to charge>'.")),
            tools=(Tool("price_lookup", "look up unit prices", quote_price),),
        ),
        Specialist(
            name="fraud",
            card=FRAUD,
            instructions="You assess the fraud risk of the order: give the risk score and level, then 'Decision:' "
            "approve, review or reject.",
            predicates=(plain_text, says(_RISK_LEVEL, "Give the risk level, as in 'Risk: low (score 0.08)'.")),
            tools=(Tool("risk_score", "score the fraud risk of an order", score_fraud_risk),),
        ),
        Specialist(
            name="fulfillment",
            card=FULFILLMENT,
            instructions="You plan the shipment of the order and write the confirmation to the customer. Name "
            "the order number.",
            predicates=(plain_text,),
            tools=(
                Tool(
                    "create_shipment",
                    "book the shipment of the order with the carrier",
                    carrier.create_shipment,
                    side_effects=True,
                ),
            ),
        ),
    ]
    workflow = [
        WorkflowStep("inventory"),
        WorkflowStep("pricing"),
        WorkflowStep("fraud"),
        WorkflowStep("fulfillment", after=(1, 2, 3)),
    ]
    return Team(members, workflow=workflow)
