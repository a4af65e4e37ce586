"""Order processing: inventory, pricing and fraud check in parallel -> fulfillment."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import uuid
from pathlib import Path

from specialists.grounded import choice_format
from specialists.shapes import finished_data, plain_text, says
from supervisor import (
    AnswerContext,
    Card,
    CheckContext,
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


def check_stock(query: str) -> str:
    lines = order_lines(query)
    if not lines:
        return "\n".join(f"{item}: {count} in stock" for item, count in STOCK.items())
    return "\n".join(
        f"{item}: {STOCK[item]} in stock, {wanted} ordered ({'reserved' if STOCK[item] >= wanted else 'backorder'})"
        for item, wanted in lines.items()
    )


def quote_price(query: str) -> str:
    lines = order_lines(query)
    if not lines:
        return "\n".join(f"{item}: {price:.2f} USD each" for item, price in PRICES.items())
    priced = [
        f"{item}: {wanted} x {PRICES[item]:.2f} USD = {wanted * PRICES[item]:.2f} USD" for item, wanted in lines.items()
    ]
    total = sum(wanted * PRICES[item] for item, wanted in lines.items())
    return "\n".join([*priced, f"Total: {total:.2f} USD"])


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

    def create_shipment(self, query: str) -> str:
        # The order's id as the desk reads ids everywhere ("order 5531", "#5531", "order no. 2201"); quantities
        # have fewer than three digits.
        ids = goal_ids(query)
        order_id = ids[0].lstrip("#") if ids else "0000"
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
    tools=("stock_lookup",),
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
    tools=("price_lookup",),
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
            tools=(
                Tool(
                    "stock_lookup",
                    "warehouse stock of an order's items, given the order text",
                    check_stock,
                    argument="goal",
                ),
            ),
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
            tools=(Tool("price_lookup", "the price of an order: give the order text", quote_price, argument="goal"),),
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
                Tool(
                    "create_shipment",
                    "books the shipment of an order with the carrier, given the order text",
                    carrier.create_shipment,
                    side_effects=True,
                    delivery="idempotent",  # the carrier de-duplicates on the idempotency key
                    argument="goal",  # the customer's order as given, never an agent's paraphrase of it
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
