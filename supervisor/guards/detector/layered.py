"""The default injection detector: the rules and the learned model, each doing what it is good at.

The rules (:class:`~supervisor.guards.detector.heuristic.HeuristicDetector`) see shapes: text hidden in base64,
hex or tag characters, and attempts to close Baton's ``<data>`` blocks. Those findings block on their own. What
the rules say about wording (an override, a fake verdict, a role-play) is fitted to the sentences they were written
against and also fires on harmless records (``"approved": true``, a ``"verdict"`` field) and on reports that quote
attacks, so an override, exfiltration or fake-verdict finding blocks only when the model leans the same way (its
score at least the model's ``veto``, a cut-off below its threshold), and a fake turn or role-play finding (headings,
log lines and quoted attacks look like them) only when the model is halfway from its veto to its threshold. The model
(:class:`~supervisor.guards.detector.learned.NgramModel`) reads the words and blocks on its own above its
threshold. Both read one normalisation of the text, done once.
"""

from __future__ import annotations

import json
import re

from supervisor.guards.detector.heuristic import Finding, HeuristicDetector
from supervisor.guards.detector.learned import NgramModel, fold_for_model
from supervisor.guards.detector.normalize import normalize

__all__ = ["LayeredDetector"]

_EVIDENCE_CHARS = 80
# Wording findings that block when the model leans the same way (its score at least its veto).
_CORROBORATED = frozenset({"instruction_override", "exfiltration", "fake_control"})


class LayeredDetector(HeuristicDetector):
    """Rules for shapes, a learned model for words; same interface as the rules alone (``scan``, ``sanitize``)."""

    def __init__(self, model: NgramModel) -> None:
        super().__init__()
        self.model = model

    def scan(self, text: str) -> tuple[Finding, ...]:
        norm = normalize(text)
        findings = self.scan_normalized(norm)
        folded = fold_for_model(norm.text)
        score = self.model.score_folded(folded)
        for decoded in norm.decoded:
            score = max(score, self.model.score_folded(fold_for_model(decoded)))
        if score >= self.model.threshold:
            said = Finding("learned", f"score {score:.1f}: {self.model.evidence(folded)[:_EVIDENCE_CHARS]}")
            return (*findings, said)
        if findings and _is_record(text):
            # A whole JSON record's fields ("approved": true, "verdict": "accept") are data by construction; what
            # its string values say is still read by the model above.
            findings = tuple(f for f in findings if f.kind != "fake_control")
        shapes = tuple(f for f in findings if f.encoded or f.kind == "delimiter_break")
        # A fake turn or a role-play opening is as often a heading, a log line or a report quoting an attack: those
        # need the model halfway from its veto to its threshold.
        halfway = (self.model.veto + self.model.threshold) / 2
        if any(score >= (self.model.veto if f.kind in _CORROBORATED else halfway) for f in findings if f not in shapes):
            return findings
        if findings != shapes and not _is_record(text) and _in_another_language(norm.text, text):
            # The model learned its words mostly in English; in other languages the rules are the reader.
            return findings
        return shapes


_LATIN_WORD = re.compile(r"[a-z]+")
_ENGLISH = frozenset((
    "the", "a", "an", "and", "or", "to", "of", "in", "on", "for", "with", "from", "by", "at", "is",
    "are", "be", "this", "that", "it", "you", "your", "all", "any",
))  # fmt: skip
# Function words of the other Latin-script languages the rules read (es, fr, de, it, pt, nl, pl, tr).
_OTHER = frozenset((
    "el", "la", "los", "las", "y", "del", "que", "en", "un", "una", "por", "para", "con", "le", "les",
    "et", "des", "du", "au", "aux", "une", "pour", "avec", "est", "der", "das", "und", "ein", "eine",
    "mit", "ist", "nicht", "dem", "il", "di", "che", "gli", "per", "non", "os", "um", "uma", "dos",
    "het", "een", "van", "voor", "niet", "ik", "je", "zijn", "nie", "jest", "ve", "bir",
))  # fmt: skip


def _in_another_language(normalised: str, text: str) -> bool:
    """Whether ``text`` is mostly in a language other than English (the model learned its words mostly in English):
    letters mostly outside ASCII (Cyrillic, CJK, ...), or more of another language's function words than English."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(not ch.isascii() for ch in letters) * 2 > len(letters):
        return True
    words = _LATIN_WORD.findall(normalised)
    other = sum(w in _OTHER for w in words)
    return other > 0 and other > sum(w in _ENGLISH for w in words)


def _is_record(text: str) -> bool:
    """Whether ``text`` is one JSON object or array and nothing else."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True
