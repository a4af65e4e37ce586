"""Customer-support escalation: intake -> research -> drafting -> quality review."""

from __future__ import annotations

from supervisor import Card, Specialist, Team, Tool

# A tiny, read-only knowledge base of support policies; a real deployment would search its own.
POLICIES = {
    "billing": "Duplicate charges are refunded in full within 5 business days once confirmed.",
    "refund": "Refunds go back to the original payment method within 5 business days.",
    "shipping": "Lost parcels are reshipped free of charge after a 7-day carrier trace.",
    "account": "Account access is restored after identity verification by email.",
    "technical": "Outages are tracked on the status page; affected customers get a service credit.",
}


def search_policies(query: str) -> str:
    """The policies whose topic words appear in the query (all of them if none match)."""
    words = query.lower()
    hits = [f"{topic}: {text}" for topic, text in POLICIES.items() if topic in words]
    return "\n".join(hits or (f"{topic}: {text}" for topic, text in POLICIES.items()))


INTAKE = Card(
    name="intake",
    description="Reads an incoming customer support ticket and triages it: the problem, its category and urgency.",
    skills=("triage tickets", "classify the issue", "summarize the customer's request", "set urgency"),
    inputs=("a customer support ticket",),
    outputs=("a short triage note: problem, category, urgency",),
    examples=("Triage the customer's ticket", "Classify the complaint and its urgency"),
)
RESEARCH = Card(
    name="research",
    description="Looks up company policy, account history and order context relevant to a support ticket.",
    skills=("search support policies", "find account and order context", "gather facts for a reply"),
    inputs=("a triage note or ticket",),
    outputs=("the relevant policies and facts",),
    examples=("Find the refund policy for a double charge", "Look up the shipping policy for a lost parcel"),
    tools=("policy_search",),
)
DRAFTING = Card(
    name="drafting",
    description="Writes the reply email to the customer that resolves their problem, clearly and politely.",
    skills=("write customer replies", "explain policy in plain words", "apologize and give next steps"),
    inputs=("the triage note", "the relevant policies"),
    outputs=("a reply email to the customer",),
    examples=("Write a reply to the customer", "Draft an email explaining the refund"),
)
QUALITY = Card(
    name="quality",
    description="Reviews a drafted customer reply for accuracy, tone and completeness before it is sent.",
    skills=("review replies", "check tone and accuracy", "approve or request corrections"),
    inputs=("a drafted reply", "the relevant policies"),
    outputs=("a review: approved or the corrections needed",),
    examples=("Review the draft reply", "Check the email for tone and accuracy"),
)


def support_desk_team() -> Team:
    """The four support-desk specialists; a ticket flows through them in this order."""
    return Team(
        [
            Specialist(
                name="intake",
                card=INTAKE,
                instructions="You are the intake agent of a customer support desk. Read the ticket and write a "
                "short triage note: the customer's problem in one sentence, a category (billing, shipping, account, "
                "technical or other) and an urgency (low, normal or high).",
            ),
            Specialist(
                name="research",
                card=RESEARCH,
                instructions="You are the research agent of a customer support desk. Using the policy search "
                "results, state the policies and facts that apply to the customer's problem. Do not write the reply.",
                tools=(Tool("policy_search", "search the support policy knowledge base", search_policies),),
            ),
            Specialist(
                name="drafting",
                card=DRAFTING,
                instructions="You are the drafting agent of a customer support desk. Write a short, polite reply "
                "email to the customer: acknowledge the problem, explain what will happen using the policies given, "
                "and give the next step.",
            ),
            Specialist(
                name="quality",
                card=QUALITY,
                instructions="You are the quality reviewer of a customer support desk. Review the draft reply: say "
                "whether it is accurate, polite and complete, and list any corrections needed.",
            ),
        ],
        pipeline=("intake", "research", "drafting", "quality"),
    )
