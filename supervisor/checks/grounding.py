"""Grounding: figures, ids, e-mail addresses and links in an output must come from what the step was given.

A model that invents "$24", "order 5531" or "refund@example.com" writes something no check of shape can catch,
and strong models do it too. An output's figures (amounts, counts, dates, percentages) are compared by value with
those of its sources (the goal, the subtask, the accepted outputs it depends on, the tool results it read); with
``strict`` grounding its ids, e-mail addresses and URLs must appear there as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

GroundingMode = Literal["strict", "figures", "off"]

_NUMBER = re.compile(r"(?<![\w.])[$€£]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:%|(?![\w]))")
_ID = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z][\w-]*\d[\w-]*|#\d+\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s<>()\"']+")
_LIST_MARKER = re.compile(r"^\s*\(?\d{1,2}[.)]\s", re.MULTILINE)
_DIGIT = re.compile(r"\d")
# What each pattern cannot match without: an output lacking it is not searched for that pattern (a figure or an
# id needs a digit, an e-mail address an "@", a link "://"); most outputs of prose skip every search.
_NEEDS = ((_URL, "://"), (_EMAIL, "@"), (_ID, None))
# Numbers that carry no claim: "1 item", "one of 2 options" are too common to demand a source for.
_TRIVIAL = {0.0, 1.0, 2.0}


def _numbers(text: str) -> set[float]:
    found: set[float] = set()
    for whole, fraction in _NUMBER.findall(text):
        try:
            found.add(float(whole.replace(",", "") + (fraction or "")))
        except ValueError:
            continue
    return found


def ungrounded(output: str, sources: Iterable[str], mode: GroundingMode) -> list[str]:
    """The figures (and in ``strict`` mode ids, e-mails and URLs) of ``output`` that no source contains."""
    if mode == "off":
        return []
    digits = _DIGIT.search(output) is not None
    searched = [p for p, mark in _NEEDS if (digits if mark is None else mark in output)] if mode == "strict" else []
    if not digits and not searched:
        return []  # nothing in the output that a source would have to contain
    source = "\n".join(sources)
    body = _LIST_MARKER.sub(" ", output) if digits else output
    lowered_source = source.lower() if searched else ""
    problems: list[str] = []
    in_ids: set[str] = set()
    for pattern in searched:
        for match in pattern.findall(body):
            token = match.rstrip(".,;:")
            # "#1042" is grounded by "order 1042": the mark is how the answer writes the id, not part of it.
            written = token.lstrip("#").lower()
            if written not in lowered_source and token not in problems:
                problems.append(token)
            in_ids.add(token)
    figures = list(_NUMBER.finditer(body)) if digits else []
    known_numbers = _numbers(source) if figures else set()  # the sources are read only when the output has figures
    for match in figures:
        if any(match.group(0).strip("$€£%") in token for token in in_ids):
            continue  # part of an id already judged as written
        value = float(match.group(1).replace(",", "") + (match.group(2) or ""))
        if value not in _TRIVIAL and value not in known_numbers and match.group(0) not in problems:
            problems.append(match.group(0))
    return problems


def grounding_feedback(missing: Sequence[str]) -> str:
    shown = ", ".join(repr(m) for m in missing[:4])
    return (
        f"The answer states {shown}, which appear(s) nowhere in the request, the earlier results or the tool "
        "results. Use only figures and ids given to you."
    )
