"""Output shapes the example teams check in code: a list, prose, plain text, not a letter.

Each function is a ``Predicate`` (or builds one): it returns the problem to tell the specialist, or ``None``.
They look at layout only; what an output must say is in each card's ``OutputChecks``.
"""

from __future__ import annotations

import json
import re

from supervisor import CheckContext, Predicate, ends_sentence

# A list item: "1.", "2)", "-", "*", "•", "[1]" or a numbered label ("Section 2:", "Source 1 -") starting a line.
_ITEM = re.compile(
    r"^\s*(?:\d{1,2}[.)]|[-*•]|\[\d{1,2}\]|[a-z]+\s+\d{1,2}\s*[:.)-])\s*\S", re.IGNORECASE | re.MULTILINE
)
# A greeting opening the text, after an optional subject line.
_GREETING = re.compile(
    r"^\W*(?:subject\b[^\n]*\n\W*)?(?:dear|hi|hello|hey|greetings|good (?:morning|afternoon|evening))\b", re.IGNORECASE
)
# The sign-off that closes a letter: "Best regards,\nSupport", "Thanks,\nDana\nBilling team".
_SIGN_OFF = re.compile(
    r"\n[ \t]*(?:(?:best|kind|warm|many|with)\s+)*(?:regards|wishes|thanks|thank you|sincerely|yours|cheers|best)\b"
    r"[^\n]{0,40}(?:\n[^\n]{0,60}){0,3}\s*\Z",
    re.IGNORECASE,
)


def list_items(text: str) -> int:
    """How many lines of ``text`` are list items."""
    return len(_ITEM.findall(text))


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def says(pattern: str, problem: str) -> Predicate:
    """The output matches ``pattern`` (a regex, case-insensitive); ``problem`` tells the specialist, in words, how.

    ``OutputChecks.pattern`` would report the regex itself, which a small model cannot act on.
    """
    compiled = re.compile(pattern, re.IGNORECASE)

    def check(context: CheckContext) -> str | None:
        return None if compiled.search(context.output) else problem

    return check


def a_list(min_items: int, what: str) -> Predicate:
    """The output lays out ``what`` as at least ``min_items`` list items, one per line."""

    def check(context: CheckContext) -> str | None:
        if list_items(context.output) < min_items:
            return f"Give {what} as a list of at least {min_items} items, one per line."
        return None

    return check


def prose(context: CheckContext) -> str | None:
    """The output is written in sentences: most of its lines are not list items."""
    lines = _lines(context.output)
    items = list_items(context.output)
    # A heading line or a short list inside the text is fine; an outline or a list of notes is not prose.
    if items >= 2 and items * 2 >= len(lines):
        return "Write connected prose in sentences and paragraphs, not a list."
    return None


def plain_text(context: CheckContext) -> str | None:
    """The output is text for people, not a JSON document or a block of code."""
    text = context.output.strip()
    if text.startswith("```"):
        return "Write plain text, not a code block."
    if text[:1] in "{[":
        try:
            json.loads(text)
        except ValueError:
            return None
        return "Write plain text for people, not JSON."
    return None


def not_a_letter(context: CheckContext) -> str | None:
    """The output states facts for the team; it is not itself a letter to the customer."""
    if _GREETING.search(context.output):
        return "Do not write to the customer; state the facts the reply will need."
    return None


def finished_letter(context: CheckContext) -> str | None:
    """The letter's last sentence is finished; its sign-off and signature may stand without punctuation.

    Use it with ``OutputChecks(complete_sentences=False)``, which would take "Best regards, Support" for a cut-off.
    """
    body = _SIGN_OFF.sub("", context.output.strip())
    if not ends_sentence(body):
        return "The email stops mid-sentence; finish it."
    return None


# A line left hanging: a trailing comma, colon, dash or opening bracket, or a word that needs another after it.
_DANGLING = re.compile(
    r"(?:[,:;(\u2013-]|\b(?:and|or|but|so|the|a|an|to|of|with|for|at|in|by|on|from|is|are|was|will|be))\s*$",
    re.IGNORECASE,
)


def finished_data(context: CheckContext) -> str | None:
    """A figures-and-labels answer is finished: its last line ends a sentence or gives a label its value.

    "Total: 117.00 USD" and "Decision: approve" end such answers without a full stop; "Wireless mouse:" and
    "so the total to" do not end them. Use it with ``OutputChecks(complete_sentences=False)``.
    """
    lines = [line.strip() for line in context.output.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if _DANGLING.search(last):
        return "The answer stops mid-sentence; finish it."
    label, colon, value = last.partition(":")
    if ends_sentence(last) or (colon and label.strip() and value.strip()):
        return None
    return "The answer stops mid-sentence; finish it."


def a_letter(context: CheckContext) -> str | None:
    """The output is a letter: it opens by greeting its reader."""
    if not _GREETING.search(context.output):
        return "Write it as an email to the customer that starts with a greeting such as 'Dear' or 'Hello'."
    return None
