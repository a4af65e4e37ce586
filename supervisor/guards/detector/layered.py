"""The default injection detector: the rules and the learned model, each doing what it is good at.

The rules (:class:`~supervisor.guards.detector.heuristic.HeuristicDetector`) see shapes: text hidden in base64,
hex or tag characters, and attempts to close Baton's ``<data>`` blocks. Those findings block on their own. What
the rules say about wording (an override, a fake verdict, a role-play) is fitted to the sentences they were written
against and also fires on harmless records (``"approved": true``, a ``"verdict"`` field), so a wording finding is
overruled when the model is confident the text is benign (its score below the model's ``veto``). The model
(:class:`~supervisor.guards.detector.learned.NgramModel`) reads the words and blocks on its own above its
threshold. Both read one normalisation of the text, done once.
"""

from __future__ import annotations

import json

from supervisor.guards.detector.heuristic import Finding, HeuristicDetector
from supervisor.guards.detector.learned import NgramModel, fold_for_model
from supervisor.guards.detector.normalize import normalize

__all__ = ["LayeredDetector"]

_EVIDENCE_CHARS = 80


class LayeredDetector(HeuristicDetector):
    """Rules for shapes, a learned model for words; same interface as the rules alone (``scan``, ``sanitize``)."""

    def __init__(self, model: NgramModel) -> None:
        super().__init__()
        self.model = model

    def scan(self, text: str) -> tuple[Finding, ...]:
        norm = normalize(text)
        findings = self.scan_normalized(norm)
        folded = fold_for_model(norm.text)
        score = max(
            [self.model.score_folded(folded)] + [self.model.score_folded(fold_for_model(d)) for d in norm.decoded]
        )
        if score >= self.model.threshold:
            said = Finding("learned", f"score {score:.1f}: {self.model.evidence(folded)[:_EVIDENCE_CHARS]}")
            return (*findings, said)
        if findings and _is_record(text):
            # A whole JSON record's fields ("approved": true, "verdict": "accept") are data by construction; what
            # its string values say is still read by the model above.
            findings = tuple(f for f in findings if f.kind != "fake_control")
        if findings and score >= self.model.veto:
            return findings
        return tuple(f for f in findings if f.encoded or f.kind == "delimiter_break")


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
