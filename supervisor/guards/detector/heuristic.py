"""Heuristic prompt-injection detector: the second line of defence behind Baton's structural guards.

A specialist's output and every tool result is data, never instructions. :class:`HeuristicDetector` flags text
that tries to act as instructions anyway, in six families (:data:`FindingKind`): overriding the instructions a
model was given, faking a system/supervisor/assistant turn, faking a verdict or routing decision, role-play
jailbreaks, exfiltration of secrets, and breaking out of Baton's ``<data>`` blocks.

Patterns are written for families of phrasing (verb x object x qualifier, in several languages), not for
particular sentences, and they run over the normalised text from :mod:`supervisor.guards.detector.normalize`, so
zero-width splits, look-alike letters, fullwidth forms, bidi tricks, base64 and hex reach them undisguised.
Benign look-alikes (code that says ``ignore``, a customer's "ignore my previous order", a security report that
describes an attack in the third person, order JSON) are kept out by context rules: an override needs an
instructions-like object *and* a qualifier that points at the reader's own instructions (previous, all, your).

The rules live in :mod:`supervisor.guards.detector.ruleset`; they are compiled once per process, and one trie-shaped
prefilter over their literal leads means a message is read about once, not once per rule (``bench/guard.py``
measures the cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from supervisor.checks.text import SENTENCE_BREAK
from supervisor.guards.detector.normalize import Normalized, normalize, strip_invisible
from supervisor.guards.detector.rulebook import RuleSet, scan
from supervisor.guards.detector.ruleset import ruleset

__all__ = ["Finding", "FindingKind", "HeuristicDetector"]

FindingKind = Literal[
    "instruction_override", "fake_turn", "fake_control", "roleplay", "exfiltration", "delimiter_break", "learned"
]

REMOVED = "[removed: suspected instructions]"
_EVIDENCE_CHARS = 80


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspected injection: what kind, the matched text (normalised), and whether it was only seen decoded."""

    kind: FindingKind
    evidence: str
    encoded: bool = False


class HeuristicDetector:
    """Pattern-based injection detector; cheap enough to run on every message that crosses between agents."""

    def __init__(self) -> None:
        self._rules = ruleset()

    def scan(self, text: str) -> tuple[Finding, ...]:
        """Every suspected injection in ``text``; an empty tuple when nothing is found."""
        return self.scan_normalized(normalize(text))

    def scan_normalized(self, norm: Normalized) -> tuple[Finding, ...]:
        """``scan`` for text already normalised (a caller that reads the normalised text too saves doing it twice)."""
        findings = self._findings(norm.text, encoded=False)
        plain_kinds = {f.kind for f in findings}
        for segment in norm.decoded:
            for finding in self._findings(segment, encoded=True):
                if finding.kind not in plain_kinds and finding not in findings:
                    findings.append(finding)
        return tuple(findings)

    def sanitize(self, text: str) -> str:
        """``text`` with each flagged line or sentence replaced by a marker and invisible characters removed."""
        if not self.scan(text):
            return strip_invisible(text)
        out = [self._sanitize_line(line) for line in text.split("\n")]
        if self.scan("\n".join(out)):
            # An injection can straddle lines ("ignore all previous\ninstructions"): remove neighbours together.
            for i in range(len(out) - 1):
                if REMOVED not in (out[i], out[i + 1]) and self.scan(f"{out[i]}\n{out[i + 1]}"):
                    out[i] = out[i + 1] = REMOVED
        result = "\n".join(out)
        return REMOVED if self.scan(result) else result

    def _findings(self, normalised: str, *, encoded: bool, rules: RuleSet | None = None) -> list[Finding]:
        findings: list[Finding] = []
        for kinds, matched in scan(rules or self._rules, normalised):
            for kind in kinds:
                finding = Finding(kind, matched[:_EVIDENCE_CHARS], encoded)
                if finding not in findings:
                    findings.append(finding)
        return findings

    def _sanitize_line(self, line: str) -> str:
        if not line.strip() or not self.scan(line):
            return strip_invisible(line)
        sentences = SENTENCE_BREAK.split(line)
        if len(sentences) > 1:
            kept = [REMOVED if self.scan(s) else strip_invisible(s) for s in sentences]
            if REMOVED in kept and not self.scan(" ".join(kept)):
                return " ".join(kept)
        return REMOVED
