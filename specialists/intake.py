"""Intake: triages a support ticket."""

from __future__ import annotations

from supervisor import Card, Specialist

CARD = Card(
    name="intake",
    description="Reads a customer support ticket and triages it: the customer's problem, urgency and category.",
    skills=("triage tickets", "classify the issue", "summarize the customer's request"),
    inputs=("a customer support ticket",),
    outputs=("a short triage note: problem, category, urgency",),
    examples=("Triage the customer's ticket", "Classify the complaint and its urgency"),
)

INSTRUCTIONS = (
    "You are the intake agent of a customer support desk. Read the ticket and write a short triage note: "
    "the customer's problem in one sentence, a category (billing, shipping, account, technical or other) "
    "and an urgency (low, normal or high)."
)


def intake() -> Specialist:
    return Specialist(name="intake", card=CARD, instructions=INSTRUCTIONS)
