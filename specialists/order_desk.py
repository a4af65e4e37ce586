"""Order processing: inventory, pricing and fraud check in parallel -> fulfillment."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from specialists.grounded import choice_format
from specialists.shapes import finished_data, plain_text, says
from supervisor import (
    AnswerContext,
    Card,
    CheckContext,
    ChoiceContext,
    Gate,
    OutputChecks,
    Specialist,
    Team,
    Tool,
    WorkflowStep,
    goal_ids,
    idempotency_key,
)

BOOKINGS_ENV = "ORDER_DESK_BOOKINGS"

STOCK = {"keyboard": 14, "monitor": 0, "mouse": 120, "laptop": 3}
PRICES = {"keyboard": 49.0, "monitor": 229.0, "mouse": 19.0, "laptop": 1299.0}
REVIEW_ABOVE_USD = 1000.0
# "2 keyboards", "1 wireless mouse", "three mice", "a laptop", "keyboard x2": a small count, up to two words, then
# the item (or the item, then "x" and a count).
_COUNT = r"\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|a pair of"
_ITEMS = r"keyboards?|monitors?|mouse|mice|laptops?"
_LINE = re.compile(rf"\b({_COUNT})\s+(?:[a-z-]+\s+){{0,2}}?({_ITEMS})\b", re.IGNORECASE)
_TIMES = re.compile(rf"\b({_ITEMS})\s*[x\u00d7]\s*(\d{{1,3}})\b", re.IGNORECASE)
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a pair of": 2,
}


def _item(word: str) -> str:
    word = word.lower()
    return "mouse" if word in ("mouse", "mice") else word.rstrip("s")


def order_lines(text: str) -> dict[str, int]:
    """The items an order's text asks for, with their quantities (1 for an item named without one)."""
    lines: dict[str, int] = {}
    for count, item in _LINE.findall(text):
        amount = int(count) if count.isdigit() else _WORDS[count.lower()]
        lines[_item(item)] = lines.get(_item(item), 0) + amount
    for item, count in _TIMES.findall(text):
        if _item(item) not in lines:
            lines[_item(item)] = int(count)
    for item in STOCK:
        if item not in lines and (item in text.lower() or (item == "mouse" and "mice" in text.lower())):
            lines[item] = 1
    return lines


class OrderLine(BaseModel):
    """One line of an order: an item the desk sells and how many."""

    item: Literal["keyboard", "monitor", "mouse", "laptop"]
    quantity: int = Field(ge=1, le=999)


def order_items(text: str) -> list[OrderLine]:
    """The lines of an order as its text gives them."""
    return [OrderLine.model_validate({"item": item, "quantity": n}) for item, n in order_lines(text).items()]


def check_stock(items: list[OrderLine]) -> str:
    """Warehouse stock of an order's items, and whether each line is reserved or on backorder.

    Args:
        items: the order's lines, each an item and its quantity
    """
    if not items:
        return "\n".join(f"{item}: {count} in stock" for item, count in STOCK.items())
    return "\n".join(
        f"{line.item}: {STOCK[line.item]} in stock, {line.quantity} ordered "
        f"({'reserved' if STOCK[line.item] >= line.quantity else 'backorder'})"
        for line in items
    )


def quote(items: list[OrderLine]) -> str:
    """The price of an order: each line at its unit price, then the total.

    Args:
        items: the order's lines, each an item and its quantity
    """
    if not items:
        return "\n".join(f"{item}: {price:.2f} USD each" for item, price in PRICES.items())
    priced = [
        f"{line.item}: {line.quantity} x {PRICES[line.item]:.2f} USD = {line.quantity * PRICES[line.item]:.2f} USD"
        for line in items
    ]
    total = sum(line.quantity * PRICES[line.item] for line in items)
    return "\n".join([*priced, f"Total: {total:.2f} USD"])


# "ship to 4 Elm Street", "delivered to the office", "send them to our warehouse": where the customer wants it.
_ADDRESS = re.compile(r"\b(?:ship(?:ping)?|deliver(?:ed)?|send (?:it|them))\s+to\s+([^.;!?\n]{3,80})", re.IGNORECASE)
_ADDRESS_END = re.compile(r",\s*(?:paid|please|thanks?|thank you)\b.*", re.IGNORECASE)


def order_addresses(text: str) -> list[str]:
    """The shipping addresses an order's text names, as written."""
    found = (_ADDRESS_END.sub("", match).strip() for match in _ADDRESS.findall(text))
    return list(dict.fromkeys(a for a in found if a))


def items_in_order(given: ChoiceContext) -> dict[str, list[Any]]:
    """The order's lines, read from the goal: the one value ``items`` may take (no model writes them)."""
    return {"items": [[line.model_dump() for line in order_items(given.goal)]]}


def shipment_in_order(given: ChoiceContext) -> dict[str, list[Any]]:
    """The order ids and addresses the goal names: the only values a shipment's arguments may take."""
    choices: dict[str, list[Any]] = {"order_id": [i.lstrip("#") for i in goal_ids(given.goal)]}
    addresses = order_addresses(given.goal)
    if addresses:  # none named: the carrier ships to the address on file (the parameter's default)
        choices["address"] = addresses
    return choices


def score_fraud_risk(query: str) -> str:
    # A stand-in for a risk model: a large order value and a shipping address apart from billing raise the score.
    value = sum(wanted * PRICES[item] for item, wanted in order_lines(query).items())
    risky = value > REVIEW_ABOVE_USD or "different address" in query.lower()
    score, level, decision = (0.72, "high", "review") if risky else (0.08, "low", "approve")
    return f"Risk score: {score:.2f} ({level}). Suggested decision: {decision}."


class Carrier:
    """A stand-in for a shipping carrier's API: ``create_shipment`` books a shipment, a real side effect.

    Bookings live in the carrier's own SQLite table (``path``; default ``$ORDER_DESK_BOOKINGS``, else in memory),
    so what runs booked can be counted from any process. Booking is idempotent on the key it is given: a repeat
    with the same key returns the first booking and books nothing.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path or os.environ.get(BOOKINGS_ENV) or ":memory:")
        self._lock = threading.Lock()  # tools run in worker threads
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS bookings (key TEXT PRIMARY KEY, order_id TEXT NOT NULL, tracking TEXT NOT NULL)"
        )

    @property
    def shipments(self) -> list[str]:
        """Every tracking number booked, in booking order."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT tracking FROM bookings ORDER BY rowid")]

    def create_shipment(self, order_id: str, address: str | None = None) -> str:
        """Book the shipment of an order with the carrier.

        Args:
            order_id: the order's number, as the customer gave it
            address: where to ship, as the customer wrote it; none for the address on file
        """
        key = idempotency_key() or uuid.uuid4().hex  # outside a run there is nothing to de-duplicate against
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # other processes book into the same table
            try:
                found = self._db.execute("SELECT tracking FROM bookings WHERE key = ?", (key,)).fetchone()
                if found is None:
                    number = self._db.execute("SELECT count(*) FROM bookings").fetchone()[0] + 1
                    tracking = f"TRK{order_id}{number:02d}"
                    self._db.execute("INSERT INTO bookings VALUES (?, ?, ?)", (key, order_id, tracking))
                else:
                    tracking = found[0]
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return f"Shipment booked for order {order_id} with the carrier: tracking number {tracking}."


# The desk's stock statuses; "available" or "on the shelf" leave open whether the order's units are held.
STOCK_TERMS = ("in stock", "out of stock", "backorder", "back-order", "back order", "reserved", "sold out")
# A decision on the order, in the words the fraud desk uses.
FRAUD_DECISIONS = ("approve", "review", "reject", "decline", "hold", "block", "cancel")
# A risk level: "risk score: 0.08", "Risk level: low", "high-risk".
_RISK_LEVEL = r"\brisk\b[^\n]{0,30}?(?:\d|low|medium|moderate|elevated|high)|(?:low|medium|moderate|high)[- ]risk"
SHIPPING_TERMS = ("ship", "deliver", "dispatch", "tracking", "carrier", "courier")


def shipment_confirmation(context: CheckContext) -> str | None:
    """A confirmation names the order it is for (the ids in the goal) and says how the order ships."""
    ids = goal_ids(context.goal)
    text = context.output.lower()
    if all(i.lower() in text for i in ids) and any(term in text for term in SHIPPING_TERMS):
        return None
    # One sentence naming both: a small model acts on the first thing feedback says and drops the rest.
    order = f"order {', '.join(ids)}" if ids else "the order"
    return f"Confirm that {order} has shipped, with its carrier and tracking number."


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
    tools=("check_stock",),
    # A stock status for the order's items.
    # Stock lines end without a full stop ("mouse: 120 in stock"): ``finished_data`` judges the ending.
    checks=OutputChecks(min_chars=30, must_mention_any=STOCK_TERMS, complete_sentences=False),
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
    tools=("quote",),
    checks=OutputChecks(min_chars=30, complete_sentences=False),
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
    checks=OutputChecks(min_chars=30, must_mention_any=FRAUD_DECISIONS, complete_sentences=False),
)
FULFILLMENT = Card(
    name="fulfillment",
    privilege="write",  # it books shipments: a side effect
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
    # What the confirmation must say (the order, how it ships) is checked by ``shipment_confirmation``.
    checks=OutputChecks(min_chars=60),
)


def _copied(name: str, field: str, given: AnswerContext) -> type:
    """A format that reports what the desk's tool found, as the tool said it (nothing to invent)."""
    found = "\n".join(given.tool_results).strip() or "No result from the desk's tool."
    return choice_format(name, {field: [found]}, lambda a: str(getattr(a, field)))


def stock_format(given: AnswerContext) -> type:
    return _copied("StockStatus", "stock", given)


def price_format(given: AnswerContext) -> type:
    return _copied("PricedOrder", "quote", given)


def fraud_format(given: AnswerContext) -> type:
    """The fraud decision: the risk model's suggested decision and its note, for the gate on fulfillment."""
    found = " ".join(given.tool_results)
    decisions = re.findall(r"Suggested decision: (\w+)", found) or ["review"]
    note = re.findall(r"Risk score: [^.]+\.\d+ \(\w+\)", found) or ["no risk score"]
    order = ", ".join(f"order {i}" for i in goal_ids(given.goal)) or "the order"
    return choice_format(
        "FraudDecision",
        {"decision": decisions, "note": note},
        lambda a: f"Fraud check for {order}: {a.note}. Decision: {a.decision}.",
    )


def confirmation_format(given: AnswerContext) -> type:
    """The confirmation: the shipment the carrier really booked, and the total from the priced order."""
    booked = re.findall(r"order (\d+) with the carrier: tracking number (\w+)", " ".join(given.tool_results))
    shipped = [f"Order {o} has shipped with the carrier, tracking number {t}." for o, t in booked]
    totals = re.findall(r"Total: ([\d.]+ USD)", "\n".join(given.inputs))
    charged = [f"The total charged is {t}." for t in totals] or ["The total is on your invoice."]
    return choice_format(
        "ShipmentConfirmation",
        {"shipped": shipped or ["The shipment could not be booked yet."], "total": charged},
        lambda a: f"{a.shipped} {a.total}",
    )


def order_desk_team() -> Team:
    """Inventory, pricing and fraud check run in parallel; fulfillment ships only an order the fraud check approves."""
    carrier = Carrier()
    members = [
        Specialist(
            name="inventory",
            card=INVENTORY,
            instructions="Report the stock of each item of the order.",
            predicates=(plain_text, finished_data),
            tools=(Tool.from_function(check_stock, choices=items_in_order, argument="goal"),),
            answer_format=stock_format,
        ),
        Specialist(
            name="pricing",
            card=PRICING,
            instructions="Price the order: each item, then the total to charge.",
            predicates=(
                plain_text,
                finished_data,
                says(r"\btotal\b[^\n]{0,40}?\d", "End with a line 'Total: <amount to charge>'."),
            ),
            tools=(Tool.from_function(quote, choices=items_in_order, argument="goal"),),
            answer_format=price_format,
        ),
        Specialist(
            name="fraud",
            card=FRAUD,
            instructions="Decide on the order's fraud risk: approve, review or reject, with the risk score.",
            predicates=(
                plain_text,
                finished_data,
                says(_RISK_LEVEL, "Give the risk level, as in 'Risk: low (score 0.08)'."),
            ),
            tools=(
                Tool(
                    "risk_score",
                    "scores the fraud risk of an order, given the order text",
                    score_fraud_risk,
                    argument="goal",
                ),
            ),
            answer_format=fraud_format,
        ),
        Specialist(
            name="fulfillment",
            card=FULFILLMENT,
            instructions="Confirm to the customer that their order has shipped, with the tracking number.",
            predicates=(plain_text, shipment_confirmation),
            tools=(
                # The order id and the address are drawn from the goal, never written by an agent: the policy
                # sees them come from the goal, and a small model has nothing to invent.
                Tool.from_function(
                    carrier.create_shipment,
                    side_effects=True,
                    delivery="idempotent",  # the carrier de-duplicates on the idempotency key
                    choices=shipment_in_order,
                    argument="goal",
                ),
            ),
            answer_format=confirmation_format,
        ),
    ]
    workflow = [
        WorkflowStep("inventory", description="Check stock for the order items"),
        WorkflowStep("pricing", description="Price the order"),
        WorkflowStep("fraud", description="Run a fraud check on the order"),
        # Ships only what the fraud check approved; an order sent to review waits for a person, nothing booked.
        WorkflowStep(
            "fulfillment",
            after=(1, 2, 3),
            description="Book the shipment and send the tracking number",
            when=Gate(agent="fraud", field="decision", allow=("approve",), hold=("review",), note_field="note"),
        ),
    ]
    # The customer gets the confirmation; an order that does not ship gets the fraud desk's decision instead.
    return Team(members, workflow=workflow, deliverable=("fulfillment", "fraud"))
