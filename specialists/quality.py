"""Quality: reviews a draft reply before it is sent."""

from __future__ import annotations

from supervisor import Card, Specialist

CARD = Card(
    name="quality",
    description="Reviews a drafted customer reply for accuracy, tone and completeness before it is sent.",
    skills=("review replies", "check tone and accuracy", "suggest corrections"),
    inputs=("a drafted reply", "the relevant policies"),
    outputs=("a review: approved or the corrections needed",),
    examples=("Review the draft reply", "Check the email for tone and accuracy"),
)

INSTRUCTIONS = (
    "You are the quality reviewer of a customer support desk. Review the draft reply: say whether it is "
    "accurate, polite and complete, and list any corrections needed."
)


def quality() -> Specialist:
    return Specialist(name="quality", card=CARD, instructions=INSTRUCTIONS)
