"""Research: gathers the policy and account context a reply needs."""

from __future__ import annotations

from supervisor import Card, Specialist, Tool

# A tiny, read-only knowledge base of support policies; a real deployment would search its own.
POLICIES = {
    "billing": "Duplicate charges are refunded in full within 5 business days once confirmed.",
    "refund": "Refunds go back to the original payment method within 5 business days.",
    "shipping": "Lost parcels are reshipped free of charge after a 7-day carrier trace.",
    "account": "Account access is restored after identity verification by email.",
    "technical": "Outages are tracked on the status page; affected customers get a service credit.",
}


def search_policies(query: str) -> str:
    """Return the policies whose topic words appear in the query (all of them if none match)."""
    words = query.lower()
    hits = [f"{topic}: {text}" for topic, text in POLICIES.items() if topic in words]
    return "\n".join(hits or (f"{topic}: {text}" for topic, text in POLICIES.items()))


CARD = Card(
    name="research",
    description="Looks up company policy and account context relevant to a support ticket.",
    skills=("search support policies", "find account context", "gather facts for a reply"),
    inputs=("a triage note or ticket",),
    outputs=("the relevant policies and facts",),
    examples=("Find the refund policy for a double charge", "Look up the shipping policy for a lost parcel"),
    tools=("policy_search",),
)

INSTRUCTIONS = (
    "You are the research agent of a customer support desk. Using the policy search results, state the "
    "policies and facts that apply to the customer's problem. Do not write the reply to the customer."
)


def research() -> Specialist:
    return Specialist(
        name="research",
        card=CARD,
        instructions=INSTRUCTIONS,
        tools=(Tool("policy_search", "search the support policy knowledge base", search_policies),),
    )
