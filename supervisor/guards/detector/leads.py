"""Lead literals: the strings every match of a rule's regex must start with.

:mod:`supervisor.guards.detector.rulebook` finds those leads in one trie-shaped search instead of trying every
rule at every position. Only the regex constructs the rule tables use are understood (literals, escapes, groups,
plain character classes, look-arounds, ``\\s``, quantifiers); a rule whose lead cannot be worked out is refused
when the rules are compiled, so a new pattern cannot silently go unscanned.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

WORD_START = r"(?<!\w)"
LINE_START = r"(?<![^\n])"

NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_LEAD_CHARS = 8  # leads this long are selective enough; longer ones only multiply the prefilter's size
_ASSERTION = ("(?<!", "(?<=", "(?!", "(?=")


_Lead = tuple[str, bool, bool]  # (literal, must start a word, is the whole of its alternative)


def lead_literals(source: str) -> set[tuple[str, bool]] | None:
    """The literal strings every match of ``source`` starts with, each flagged when it must start a word.

    None when some branch can start with anything (a class like ``\\s`` or an optional first element). Only the
    regex constructs the rule tables use are understood;
    :func:`~supervisor.guards.detector.rulebook.compile_rules` refuses a rule it cannot lead.
    """
    found = _alternatives(source)
    return None if found is None else {(lead, word) for lead, word, _ in found}


def _alternatives(source: str) -> set[_Lead] | None:
    leads: set[_Lead] = set()
    for branch in top_level_branches(source):
        found = _sequence(branch, 0, "", word=False)
        if found is None:
            return None
        leads |= found
    return leads


def _sequence(branch: str, i: int, prefix: str, *, word: bool) -> set[_Lead] | None:
    """Leads of ``branch[i:]`` after the literal ``prefix`` already read."""
    while not prefix and branch.startswith(_ASSERTION, i):  # zero-width: the lead starts after them
        end = _group_end(branch, i)
        word = word or branch[i:end] in (WORD_START, LINE_START)
        i = end
    while i < len(branch):
        stop = {(prefix, word, False)} if prefix else None
        if len(prefix) >= _LEAD_CHARS:
            return stop
        ch = branch[i]
        if ch in "([":
            if branch.startswith(_ASSERTION, i):
                return stop
            end = _group_end(branch, i) if ch == "(" else branch.index("]", i + 2) + 1
            inner = _group_alternatives(branch[i:end])
            if inner is None or _repeat_min(branch, end) != 1:
                return stop
            exact = branch[end : end + 1] not in ("{", "+")
            leads: set[_Lead] = set()
            for lead, inner_word, whole in inner:
                lead_word = word or (not prefix and inner_word)
                more = _sequence(branch, end, prefix + lead, word=lead_word) if whole and exact else None
                leads |= more if more is not None else {(prefix + lead, lead_word, False)}
            return leads
        if branch.startswith("\\s", i) and _repeat_min(branch, i + 2) == 1 and branch[i + 2 : i + 3] not in "{+":
            # Normalised text has exactly one space or one newline where the pattern says \s.
            leads = set()
            for sep in " \n":
                more = _sequence(branch, i + 2, prefix + sep, word=word)
                if more is None:
                    return stop
                leads |= more
            return leads
        if ch == "\\":
            literal, end = branch[i + 1], i + 2
            if literal.isalnum():  # \w, \b, \d ...: a class or an assertion, not a character
                return stop
        elif ch in ".^$|)?*+{":
            return stop
        else:
            literal, end = ch, i + 1
        count = _repeat_min(branch, end)
        if count == 0:
            return stop
        if count != 1 or branch[end : end + 1] in ("{", "+"):
            return {(prefix + literal * count, word, False)}  # a variable run: stop at its guaranteed part
        prefix += literal
        i = end
    return {(prefix, word, True)} if prefix else None


def _group_alternatives(group: str) -> set[_Lead] | None:
    """Leads of a ``(...)`` group or a plain ``[...]`` character class."""
    if group[0] == "[":
        chars = group[1:-1]
        if chars.startswith("^") or "\\" in chars or "-" in chars.strip("-"):
            return None
        return {(c, False, True) for c in chars}
    body = group[group.index(":") + 1 if group.startswith("(?:") else 1 : -1]
    return _alternatives(body)


def _structure(source: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth after it) for every ``(``, ``)`` and ``|`` outside escapes and classes."""
    depth, i, in_class = 0, start, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif ch in "()|":
            depth += {"(": 1, ")": -1, "|": 0}[ch]
            yield i, ch, depth
        i += 1


def _group_end(source: str, start: int) -> int:
    """Index just past the group opening at ``start``."""
    for i, ch, depth in _structure(source, start):
        if ch == ")" and depth == 0:
            return i + 1
    raise ValueError(f"unbalanced group in {source!r}")


_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(?:,\d*)?\}")


def _repeat_min(source: str, end: int) -> int:
    """The least number of times the atom ending at ``end`` must occur."""
    m = _QUANTIFIER.match(source, end)
    if m is None or m.group() == "+":
        return 1
    if m.group() in ("?", "*"):
        return 0
    return int(m.group(1) or 0)


def top_level_branches(source: str) -> list[str]:
    """``source`` split at its top-level ``|``."""
    cuts = [i for i, ch, depth in _structure(source) if ch == "|" and depth == 0]
    bounds = [-1, *cuts, len(source)]
    return [source[a + 1 : b] for a, b in itertools.pairwise(bounds)]
