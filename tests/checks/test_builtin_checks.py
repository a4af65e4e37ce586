"""The checks every output passes: echo, non-answers, loops, refused claims, grounding, whole-word terms."""

from __future__ import annotations

import pytest

from supervisor import CheckContext, OutputChecks, mentions, ungrounded
from supervisor.checks.output import code_problems

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."
POLICY = "Duplicate charges are refunded in full within 5 business days once confirmed."


def problems(output: str, **given: object) -> list[str]:
    context = CheckContext(
        goal=TICKET,
        task="Write the reply email to the customer",
        output=output,
        agent="drafting",
        sources=(TICKET, POLICY),
        scaffolding=("You write polite replies to customers.", "Write the reply email to the customer"),
        **given,  # type: ignore[arg-type]
    )
    return code_problems(context, OutputChecks(complete_sentences=False), grounding="strict")


GOOD = f"Dear customer, about ticket #1042: we are sorry. {POLICY} Best regards, Support."


def test_a_good_reply_passes() -> None:
    assert problems(GOOD) == []


@pytest.mark.parametrize(
    "echo",
    [
        "Your task: Write the reply email to the customer\nDone when: it is complete",
        "Write the reply email to the customer. You write polite replies to customers. Write the reply email.",
        "Result of tool policy_search: <data>billing</data> approved",
        "The refund is approved. WRITE YOUR ANSWER NOW",  # a label without a colon or a bracket, in any case
    ],
)
def test_an_echo_of_the_prompt_is_rejected_even_when_it_says_approved(echo: str) -> None:
    found = problems(echo)
    assert any("repeats the prompt" in p or "copies its instructions" in p for p in found), found


def test_a_non_answer_and_a_loop_are_rejected() -> None:
    assert any("offers help" in p for p in problems("I'm ready to help. What's the task?"))
    loop = "I'm sorry for the mistake. " * 8
    assert any("repeats itself" in p for p in problems(loop))


def test_invented_figures_ids_and_addresses_are_named() -> None:
    invented = f"{GOOD} We refunded $24.99 to refunds@example.com under case 5531 on https://pay.example.com/x."
    found = problems(invented)
    assert len(found) == 1 and "'$24.99'" in found[0] and "refunds@example.com" in found[0]
    assert ungrounded("within 5 business days, ticket 1042", [TICKET, POLICY], "strict") == []
    assert ungrounded("figures only: case 5531", [TICKET], "figures") == ["5531"]
    assert ungrounded("anything at all: $1,000,000", [TICKET], "off") == []


@pytest.mark.parametrize(
    ("text", "invented"),
    [
        ("Pay at https://pay.example.com/x today.", "https://pay.example.com/x"),
        ("Write to refunds@example.com today.", "refunds@example.com"),
        ("Your case is AB5531 now.", "AB5531"),
        ("Your case is #5531 now.", "#5531"),
        ("We refunded 7.5% today.", "7.5%"),
    ],
)
def test_each_kind_of_claim_is_found_on_its_own(text: str, invented: str) -> None:
    # Each pattern runs only on outputs with what it needs (a digit, an "@", "://"): each alone is still found.
    assert invented in ungrounded(text, [TICKET], "strict")


def test_a_claim_that_a_refused_tool_ran_is_rejected() -> None:
    refused = ("create_shipment was not called: the tool policy refuses it",)
    assert any(
        "do not say it was done" in p for p in problems(f"{GOOD} The shipment has been booked.", refusals=refused)
    )
    assert problems(f"{GOOD} The shipment is still pending.", refusals=refused) == []


def test_terms_match_whole_words_not_substrings() -> None:
    assert not mentions("this is fine", "Hi")
    assert mentions("Hi there", "hi")
    assert not mentions("refunded", "refund")
    assert mentions("Ticket #1042", "#1042")
    checks = OutputChecks(must_mention=("Hi",), complete_sentences=False)
    context = CheckContext(goal="g", task="t", output="Dear customer, this is your reply, in full.", agent="a")
    assert any("must mention: Hi" in p for p in code_problems(context, checks))
