"""Drafting: writes the reply to the customer."""

from __future__ import annotations

from supervisor import Card, Specialist

CARD = Card(
    name="drafting",
    description="Writes a clear, polite reply email to the customer that resolves their problem.",
    skills=("write customer replies", "explain policy in plain words", "apologize and give next steps"),
    inputs=("the triage note", "the relevant policies"),
    outputs=("a reply email to the customer",),
    examples=("Write a reply to the customer", "Draft an email explaining the refund"),
)

INSTRUCTIONS = (
    "You are the drafting agent of a customer support desk. Write a short, polite reply email to the "
    "customer: acknowledge the problem, explain what will happen using the policies given, and give the "
    "next step."
)


def drafting() -> Specialist:
    return Specialist(name="drafting", card=CARD, instructions=INSTRUCTIONS)
