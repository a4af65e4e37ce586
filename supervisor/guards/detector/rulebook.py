"""The rule engine: regex rules with context checks, compiled once and run in one pass over a text.

A rule is a compiled regex, the finding kinds it reports, and optionally a check on the match for context a regex
cannot express cheaply. :func:`compile_rules` derives each rule's lead literals and builds the prefilter;
:func:`scan` returns, for each rule that matched, its kinds and the matched text. :func:`rx` and
:func:`word_group` build patterns whose letters are folded exactly as ``normalize`` (in ``normalize.py``)
folds text, so rule tables can be written with accents and capitals.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supervisor.guards.detector.leads import LINE_START, NAMED_GROUP, WORD_START, lead_literals, top_level_branches
from supervisor.guards.detector.normalize import fold_pattern

if TYPE_CHECKING:
    from supervisor.guards.detector.heuristic import FindingKind

__all__ = ["LINE_START", "WORD_START", "Rule", "RuleSet", "compile_rules", "rx", "scan", "word_group"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A regex, the kinds a match reports, and an optional check of the match in its context."""

    kinds: tuple[FindingKind, ...]
    pattern: re.Pattern[str]
    check: Callable[[re.Match[str]], bool] | None = None  # a context rule a regex cannot say cheaply


@dataclass(frozen=True, slots=True)
class Prefilter:
    """Finds the positions where some rule's lead occurs: at a word start, or anywhere."""

    search: re.Pattern[str]  # (?<!\w)(?P<w>word-start leads)|anywhere leads, each part one trie
    anywhere: re.Pattern[str]  # the anywhere leads alone, to look for a longer one at a word-start hit
    word_rules: dict[str, tuple[int, ...]]  # a word-start lead -> rules starting with it or a prefix of it
    anywhere_rules: dict[str, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules, and a prefilter that finds where any of them could start.

    ``re`` pays a fixed cost at every position of the text for every pattern it searches, and forty patterns make
    that cost the whole budget. Every rule starts with one of a known set of literal "leads" (derived from its
    regex by :func:`~supervisor.guards.detector.leads.lead_literals`), so one trie-shaped search finds the
    positions where some lead occurs, and only the rules owning that lead are tried there, anchored.
    """

    rules: tuple[Rule, ...]
    prefilter: Prefilter
    ascii_prefilter: Prefilter  # ASCII text never needs the Cyrillic and CJK leads
    # For a few rules, the leads no other lead begins with: a text that contains none of them (a handful of
    # substring searches in C) needs no regex at all. Empty when there are too many leads for that to pay.
    gate: tuple[str, ...] = ()


def scan(ruleset: RuleSet, text: str) -> list[tuple[tuple[FindingKind, ...], str]]:
    """For each rule that matches normalised ``text`` (and passes its check): its kinds and its first match."""
    if ruleset.gate and not any(lead in text for lead in ruleset.gate):
        return []
    rules, found = ruleset.rules, {}
    pre = ruleset.ascii_prefilter if text.isascii() else ruleset.prefilter
    search, pos = pre.search.search, 0
    # Leads overlap ("api" inside "send the api key"): advance one character, not past the hit.
    while (hit := search(text, pos)) is not None:
        start = hit.start()
        if hit.lastgroup == "w":
            candidates = pre.word_rules[hit.group()]
            longer = pre.anywhere.match(text, start)
            if longer is not None:
                candidates += pre.anywhere_rules[longer.group()]
        else:
            candidates = pre.anywhere_rules[hit.group()]
        for index in candidates:
            if index not in found:
                rule = rules[index]
                match = rule.pattern.match(text, start)
                if match is not None and (rule.check is None or rule.check(match)):
                    found[index] = match
        pos = start + 1
    return [(rules[index].kinds, found[index].group().strip()) for index in sorted(found)]


def compile_rules(rules: list[Rule]) -> RuleSet:
    """The rules with their prefilters; refuses a rule whose lead literals cannot be worked out."""
    owners: dict[tuple[str, bool], set[int]] = {}
    for index, rule in enumerate(rules):
        leads = lead_literals(NAMED_GROUP.sub("(?:", rule.pattern.pattern))
        if not leads:
            raise ValueError(f"rule {index} has no literal lead: {rule.pattern.pattern[:80]!r}")
        for lead in leads:
            owners.setdefault(lead, set()).add(index)
    # Sorted, a lead's prefixes come right before the leads that start with them: one pass keeps the shortest.
    shortest: list[str] = []
    for literal in sorted({literal for literal, _ in owners}):
        if not shortest or not literal.startswith(shortest[-1]):
            shortest.append(literal)
    # A space in a lead stands for any white space (see ``_emit``), which a substring search would not match.
    gate = tuple(shortest) if len(shortest) <= _MOST_GATED_LEADS and not any(" " in x for x in shortest) else ()
    return RuleSet(tuple(rules), _prefilter(owners, ascii_only=False), _prefilter(owners, ascii_only=True), gate)


_MOST_GATED_LEADS = 12  # past this, one trie search beats the substring searches


def _prefilter(owners: dict[tuple[str, bool], set[int]], *, ascii_only: bool) -> Prefilter:
    def closure(word: bool) -> dict[str, tuple[int, ...]]:
        # The trie matches the longest lead at a position; the rules of every shorter lead it begins with apply.
        leads = {lead: ids for (lead, w), ids in owners.items() if w == word and (lead.isascii() or not ascii_only)}
        return {
            lead: tuple(sorted(set().union(*(leads.get(lead[:k], ()) for k in range(1, len(lead) + 1)))))
            for lead in leads
        }

    word_rules, anywhere_rules = closure(True), closure(False)
    never = r"(?!)"  # an empty trie would match the empty string everywhere
    anywhere = trie(sorted(anywhere_rules)) or never
    # Without word-start leads, the look-behind would still be tried at every position for nothing.
    search = f"{WORD_START}(?P<w>{trie(sorted(word_rules))})|{anywhere}" if word_rules else f"(?P<a>{anywhere})"
    return Prefilter(re.compile(search), re.compile(anywhere), word_rules, anywhere_rules)


_CJK = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


_Node = dict[str, "_Node"]


def trie(words: Iterable[str]) -> str:
    """One regex alternation for ``words``, factored by common prefix (Python's ``re`` does not do this itself)."""
    root: _Node = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(root)


def _emit(node: _Node) -> str:
    branches = [(r"\s" if ch == " " else re.escape(ch)) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def word_group(*specs: str) -> str:
    """An alternation of the ``|``-separated words in ``specs``, folded like the text.

    Words in spaced scripts must stand whole (no letter either side); Chinese, Japanese and Korean words, which
    are not separated by spaces, match anywhere.
    """
    words = {fold_pattern(w.strip()) for spec in specs for w in spec.split("|") if w.strip()}
    dense = {w for w in words if _CJK.search(w)}
    spaced = words - dense
    parts = []
    if spaced:
        parts.append(r"(?<!\w)" + trie(sorted(spaced)) + r"(?!\w)")
    if dense:
        parts.append(trie(sorted(dense)))
    return "(?:" + "|".join(parts) + ")"


_ESCAPE_OR_TEXT = re.compile(r"\\.|\(\?P<\w+>|[^\\(]+|\(")
_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")


def rx(source: str, **groups: str) -> re.Pattern[str]:
    """Compile ``source`` with ``{NAME}`` replaced by ``groups[NAME]``, its letters folded like the text.

    Escapes (``\\s``, ``\\w``) and group syntax are left as written; only the literal text is folded.
    """
    expanded = _PLACEHOLDER.sub(lambda m: groups.get(m.group(1), m.group()), source)
    folded = _ESCAPE_OR_TEXT.sub(lambda m: m.group() if m.group()[0] in "\\(" else fold_pattern(m.group()), expanded)
    return re.compile(_hoist_word_start(folded), re.MULTILINE)


def _hoist_word_start(source: str) -> str:
    """``(?<!\\w)a|(?<!\\w)b|c`` -> ``(?<!\\w)(?:a|b)|c``.

    ``re`` tries each top-level branch in turn; when they start with the same look-behind, one shared check rejects
    a position inside a word before any branch is tried.
    """
    branches = top_level_branches(source)
    spaced = [b[len(WORD_START) :] for b in branches if b.startswith(WORD_START)]
    if len(spaced) < 2:
        return source
    rest = [b for b in branches if not b.startswith(WORD_START)]
    return "|".join([f"{WORD_START}(?:{'|'.join(spaced)})", *rest])
