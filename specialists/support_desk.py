"""Customer-support escalation: intake -> research -> drafting -> quality review."""

from __future__ import annotations

import re

from specialists.shapes import a_letter, finished_letter, not_a_letter, plain_text, says
from supervisor import Card, CheckContext, OutputChecks, Specialist, Team, Tool, WorkflowStep

# A tiny, read-only knowledge base of support policies; a real deployment would search its own.
POLICIES = {
    "billing": "Duplicate charges are refunded in full within 5 business days once confirmed.",
    "refund": "Refunds go back to the original payment method within 5 business days.",
    "shipping": "Lost parcels are reshipped free of charge after a 7-day carrier trace.",
    "account": "Account access is restored after identity verification by email.",
    "technical": "Outages are tracked on the status page; affected customers get a service credit.",
}
# Words in a ticket that point to each category (and so to its policies).
TOPIC_WORDS = {
    "billing": ("billing", "charge", "invoice", "payment", "subscription"),
    "refund": ("refund", "money back", "return"),
    "shipping": ("shipping", "parcel", "package", "delivery", "delivered", "tracking"),
    "account": ("account", "login", "log in", "password", "locked"),
    "technical": ("technical", "error", "crash", "outage", "bug", "not working"),
}
CATEGORIES = ("billing", "shipping", "account", "technical", "general")
URGENCIES = ("low", "normal", "high")
_URGENT_WORDS = ("urgent", "asap", "immediately", "today", "outage", "cannot work", "locked out")
_LEVEL = "(?:low|normal|medium|high|critical|urgent)"
# An urgency level: "Urgency: high", "urgency is low", "high urgency", "priority: normal".
_URGENCY = rf"(?:urgency|priority)\W+(?:is\s+)?{_LEVEL}\b|\b{_LEVEL}[- ](?:urgency|priority)"


def topics(text: str) -> list[str]:
    """The policy topics a ticket's words point to, in the knowledge base's order."""
    lowered = text.lower()
    return [topic for topic, words in TOPIC_WORDS.items() if any(word in lowered for word in words)]


def search_policies(query: str) -> str:
    """The policies whose topic the query points to (all of them if it points to none)."""
    found = topics(query) or list(POLICIES)
    return "\n".join(f"{topic}: {POLICIES[topic]}" for topic in found)


def triage_note(context: CheckContext) -> str | None:
    """A triage note files the ticket: it names one of the desk's categories and an urgency level."""
    text = context.output.lower()
    if any(category in text for category in CATEGORIES) and re.search(_URGENCY, text):
        return None
    # One sentence naming both: a small model acts on the first thing feedback says and drops the rest.
    return (
        f"Write 'Category:' ({', '.join(CATEGORIES[:-1])} or {CATEGORIES[-1]}) and "
        f"'Urgency:' ({', '.join(URGENCIES[:-1])} or {URGENCIES[-1]})."
    )


def classify_ticket(query: str) -> str:
    """The desk's triage rules applied to a ticket: its category and urgency."""
    category = next((t for t in topics(query) if t in CATEGORIES), "general")
    urgency = "high" if any(word in query.lower() for word in _URGENT_WORDS) else "normal"
    return f"Category: {category}. Urgency: {urgency}."


INTAKE = Card(
    name="intake",
    description="Reads an incoming customer support ticket and triages it: the problem, its category and urgency.",
    skills=("triage tickets", "classify the issue", "summarize the customer's request", "set urgency"),
    inputs=("a customer support ticket",),
    outputs=("a short triage note: problem, category, urgency",),
    examples=(
        "Triage the customer's ticket",
        "Classify the complaint and its urgency",
        "Work out what the customer is asking for",
        "Sort the new ticket into a category and set its priority",
        "Summarize the customer's problem in one line",
    ),
    tools=("classify_ticket",),
    # What the note must say (a category and an urgency) is checked by ``triage_note``, with one feedback line.
    checks=OutputChecks(min_chars=40, max_chars=1200),
)
RESEARCH = Card(
    name="research",
    description="Looks up company policy, account history and order context relevant to a support ticket.",
    skills=("search support policies", "find account and order context", "gather facts for a reply"),
    inputs=("a triage note or ticket",),
    outputs=("the relevant policies and facts",),
    examples=(
        "Find the refund policy for a double charge",
        "Look up the shipping policy for a lost parcel",
        "Look up what the terms and policies say about the problem",
        "Gather the account and order facts the reply needs",
        "Find the warranty or refund rules that apply",
    ),
    tools=("policy_search",),
    checks=OutputChecks(min_chars=50),
)
DRAFTING = Card(
    name="drafting",
    description="Writes the reply email to the customer that resolves their problem, clearly and politely.",
    skills=("write customer replies", "explain policy in plain words", "apologize and give next steps"),
    inputs=("the triage note", "the relevant policies"),
    outputs=("a reply email to the customer",),
    examples=(
        "Write a reply to the customer",
        "Draft an email explaining the refund",
        "Compose the response to the customer",
        "Answer the customer's question in a friendly message",
        "Write the apology letter with the next steps",
    ),
    # The reply must say which ticket it answers, so the customer and the desk can match it up.
    # A letter ends in a sign-off, so the sentence-end check is the letter's own (``finished_letter``).
    checks=OutputChecks(min_chars=120, max_chars=2500, carry_goal_ids=True, complete_sentences=False),
)
QUALITY = Card(
    name="quality",
    description="Reviews a drafted customer reply for accuracy, tone and completeness before it is sent.",
    skills=("review replies", "check tone and accuracy", "approve or request corrections"),
    inputs=("a drafted reply", "the relevant policies"),
    outputs=("a review: approved or the corrections needed",),
    examples=(
        "Review the draft reply",
        "Check the email for tone and accuracy",
        "Approve the answer before it goes to the customer",
        "Make sure the reply is accurate, polite and complete",
        "Read over the proposed response and request corrections",
    ),
    # A review ends in a decision: the reply is approved, or it needs corrections.
    checks=OutputChecks(
        min_chars=30,
        must_mention_any=("approved", "approve", "correction", "needs changes", "revise", "reject", "not ready"),
    ),
)


def support_desk_team() -> Team:
    """The four support-desk specialists; a ticket flows through them in this order."""
    return Team(
        [
            Specialist(
                name="intake",
                card=INTAKE,
                # Short and plain: the embedded 135M model follows a one-line instruction far better than a form.
                instructions="Write a triage note for the ticket: its category, its urgency, and the problem.",
                predicates=(plain_text, triage_note),
                tools=(
                    Tool(
                        "classify_ticket",
                        "the category and urgency of a ticket, given its text",
                        classify_ticket,
                    ),
                ),
            ),
            Specialist(
                name="research",
                card=RESEARCH,
                instructions="You are the research agent of a customer support desk. Using the policy search "
                "results, state the policies and facts that apply to the customer's problem, with their time limits. "
                "Do not write the reply.",
                predicates=(
                    plain_text,
                    not_a_letter,
                    # Facts a reply can rely on: a policy, a remedy or a figure (days, amounts).
                    says(
                        r"\d|polic|refund|credit|reship|replace|verif|guarantee|warranty|terms",
                        "Name the policy that applies and its time limit, e.g. 'refunded within 5 business days'.",
                    ),
                ),
                tools=(
                    Tool(
                        "policy_search",
                        "the support policies that apply to a ticket, given the ticket text",
                        search_policies,
                    ),
                ),
            ),
            Specialist(
                name="drafting",
                card=DRAFTING,
                instructions="You are the drafting agent of a customer support desk. Write a short, polite reply "
                "email to the customer: greet them, name their ticket number, acknowledge the problem, explain what "
                "will happen using the policies given, and give the next step.",
                predicates=(plain_text, a_letter, finished_letter),
            ),
            Specialist(
                name="quality",
                card=QUALITY,
                instructions="Review the reply email and give your verdict: approved, or the corrections needed.",
                predicates=(plain_text,),
            ),
        ],
        # One after the other, each step worded as the work it is: a plan adapting this workflow takes the
        # wording as the subtask, and a small model leans on the task line more than on its instructions.
        workflow=[
            WorkflowStep("intake", description="Sort the new ticket into a category and set its priority"),
            WorkflowStep("research", after=(1,), description="Look up the policy for the customer's problem"),
            WorkflowStep("drafting", after=(2,), description="Write the reply email to the customer about the ticket"),
            WorkflowStep("quality", after=(3,), description="Review the reply email: approved or corrections needed"),
        ],
    )
