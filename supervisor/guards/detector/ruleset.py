"""Internals of :class:`supervisor.guards.detector.heuristic.HeuristicDetector`: the rule engine and the rule tables.

``leads`` and ``rulebook`` are the machinery (find every rule's literal leads, scan a text in one pass);
``vocab``, ``checks``, ``language_rules`` and ``markup_rules`` are the rules themselves. Nothing here is public API.
"""

from __future__ import annotations

import functools

from supervisor.guards.detector.rulebook import RuleSet, compile_rules


@functools.cache
def ruleset() -> RuleSet:
    """Every rule, compiled once per process (the first detector pays, about a tenth of a second)."""
    from supervisor.guards.detector.language_rules import language_rules
    from supervisor.guards.detector.markup_rules import markup_rules

    return compile_rules([*language_rules(), *markup_rules()])


@functools.cache
def delimiter_ruleset() -> RuleSet:
    """The rules that can report a delimiter break, alone: the only wording-free findings in plain text, which the
    layered detector still needs when its model vouches for the rest."""
    return compile_rules([rule for rule in ruleset().rules if "delimiter_break" in rule.kinds])
