"""Customer-support escalation: intake -> research -> drafting -> quality review."""

from __future__ import annotations

import re
from collections.abc import Sequence

from specialists.grounded import choice_format, lines, sentences
from specialists.shapes import a_letter, finished_letter, not_a_letter, plain_text
from supervisor import (
    AnswerContext,
    Card,
    CheckContext,
    OutputChecks,
    Specialist,
    Team,
    Tool,
    WorkflowStep,
    goal_ids,
    most_similar,
    ungrounded,
)

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
    # A review is a decision under a schema (approved, or the changes needed), never a keyword in free text.
    checks=OutputChecks(min_chars=5, min_relevance=0),
)


# What a reply may say, by topic: the letter's apology and next step are chosen from these by meaning, so a
# small model picks between the two closest instead of writing (and inventing) its own.
APOLOGIES = (
    "I am sorry you were charged twice.",
    "I am sorry for the trouble with your payment.",
    "I am sorry your parcel has not arrived yet.",
    "I am sorry you cannot get into your account.",
    "I am sorry the service is not working for you.",
    "I am sorry for the trouble this has caused you.",
)
NEXT_STEPS = (
    "You do not need to do anything else; we will confirm by email once the refund is on its way.",
    "We will email you the tracking details as soon as the new parcel ships.",
    "Please reply to this email from your account address so that we can verify it is you.",
    "If the problem comes back, reply to this email and we will look into it straight away.",
)
GREETING = "Dear customer,"
# An id as the customer wrote it: "order 1042", "ticket #1042", "#1042".
_NAMED_ID = re.compile(r"\b(ticket|order|invoice|case|account)?\s*#?\s*(\d{3,})\b", re.IGNORECASE)
SIGN_OFF = "Best regards,\nThe support team"


def triage_format(given: AnswerContext) -> type:
    """The triage note: the category and urgency the desk's rules found, and the ticket's own problem sentence."""
    found = " ".join(given.tool_results)
    category = re.findall(r"Category: (\w+)", found) or list(CATEGORIES)
    urgency = re.findall(r"Urgency: (\w+)", found) or list(URGENCIES)
    problem = most_similar("the customer's problem and request", sentences(given.goal), 2)
    return choice_format(
        "TriageNote",
        {"category": category, "urgency": urgency, "problem": problem},
        lambda a: f"Category: {a.category}. Urgency: {a.urgency}. Problem: {a.problem.rstrip('.')}.",
    )


def policy_format(given: AnswerContext) -> type:
    """The policy that applies: one of the lines the policy search returned."""
    found = [line.split(": ", 1)[1] for line in lines(" \n".join(given.tool_results)) if ": " in line]
    ranked = most_similar(given.goal, found or list(POLICIES.values()), 2, margin=0.05)
    return choice_format("PolicyFound", {"policy": ranked}, lambda a: f"Policy that applies: {a.policy}")


def _policy_sentences(inputs: Sequence[str]) -> list[str]:
    found = [m.strip() for text in inputs for m in re.findall(r"Policy that applies: ([^\n]+)", text)]
    return [f"Under our policy, {p[0].lower()}{p[1:]}" for p in found]


def reply_format(given: AnswerContext) -> type:
    """The reply letter: the ticket it answers, an apology and next step close to the ticket, the policy found."""
    named = [f"{(kind or 'ticket').lower()} {number}" for kind, number in _NAMED_ID.findall(given.goal)]
    reference = [f"Thank you for writing to us about {n}." for n in named] or ["Thank you for writing to us."]
    policy = _policy_sentences(given.inputs) or ["We are looking into this for you."]
    return choice_format(
        "ReplyLetter",
        {
            "reference": reference,
            "apology": most_similar(given.goal, APOLOGIES, 2, margin=0.05),
            "policy": policy,
            "next_step": most_similar(given.goal, NEXT_STEPS, 2, margin=0.05),
        },
        lambda a: f"{GREETING}\n\n{a.reference} {a.apology}\n\n{a.policy} {a.next_step}\n\n{SIGN_OFF}",
    )


def review_format(given: AnswerContext) -> type:
    """The review of the reply: approved, or the changes that checking the reply against its inputs finds."""
    draft = given.inputs[-1] if given.inputs else ""
    changes = [f"Name {i} from the ticket in the reply." for i in goal_ids(given.goal) if i not in draft]
    if not re.search(r"policy", draft, re.IGNORECASE):
        changes.append("State the policy that applies and its time limit.")
    changes += [
        f"Remove {figure}, which the ticket and the policy do not give."
        for figure in ungrounded(draft, (given.goal, *given.inputs[:-1]), "figures")
    ]
    if not changes:
        return choice_format("Review", {"decision": ["approved"]}, lambda a: "Approved: no changes needed.")
    return choice_format(
        "Review",
        {"decision": ["changes needed", "approved"], "changes": changes},
        lambda a: (
            "Approved: no changes needed." if a.decision == "approved" else "Changes needed: " + " ".join(a.changes)
        ),
        many={"changes": 3},
    )


def support_desk_team() -> Team:
    """The four support-desk specialists; a ticket flows through them in this order, and the reply is the answer."""
    return Team(
        [
            Specialist(
                name="intake",
                card=INTAKE,
                instructions="Write a triage note for the ticket: its category, its urgency, and the problem.",
                predicates=(plain_text, triage_note),
                # The desk's rules classify the ticket itself (not a paraphrase of it).
                tools=(
                    Tool(
                        "classify_ticket",
                        "the category and urgency of a ticket, given its text",
                        classify_ticket,
                        argument="goal",
                    ),
                ),
                answer_format=triage_format,
            ),
            Specialist(
                name="research",
                card=RESEARCH,
                instructions="State the support policy that applies to the customer's problem.",
                predicates=(plain_text, not_a_letter),
                tools=(
                    Tool(
                        "policy_search",
                        "the support policies that apply to a ticket, given the ticket text",
                        search_policies,
                        argument="goal",
                    ),
                ),
                answer_format=policy_format,
            ),
            Specialist(
                name="drafting",
                card=DRAFTING,
                instructions="Write the reply email to the customer: the ticket it answers, an apology, the policy "
                "that applies and the next step.",
                predicates=(plain_text, a_letter, finished_letter),
                answer_format=reply_format,
            ),
            Specialist(
                name="quality",
                card=QUALITY,
                instructions="Review the reply email against the ticket and the policy: approve it, or say what "
                "must change.",
                answer_format=review_format,
            ),
        ],
        workflow=[
            WorkflowStep("intake", description="Sort the new ticket into a category and set its priority"),
            WorkflowStep("research", after=(1,), description="Look up the policy for the customer's problem"),
            WorkflowStep("drafting", after=(2,), description="Write the reply email to the customer about the ticket"),
            # The review reads the policy found (step 2) as well as the reply (step 3), to check one against the other.
            WorkflowStep(
                "quality", after=(2, 3), description="Review the reply email before it is sent", reviews="drafting"
            ),
        ],
        # The customer gets the reply, as the review left it; the triage note and the review stay in the record.
        deliverable=("drafting",),
    )
