"""The default injection detector: the rules and the learned model, each doing what it is good at.

The rules (:class:`~supervisor.guards.detector.heuristic.HeuristicDetector`) see shapes: text hidden in base64,
hex or tag characters, and attempts to close Baton's ``<data>`` blocks. Those findings block on their own. What
the rules say about wording (an override, a fake verdict, a role-play) is fitted to the sentences they were written
against and also fires on harmless records (``"approved": true``, a ``"verdict"`` field) and on reports that quote
attacks, so a wording finding blocks only when the model leans the same way (its score at least the model's
``veto``, a cut-off below its threshold; a fake turn or role-play finding once needed more, which the present model
was measured not to need). The model (:class:`~supervisor.guards.detector.learned.NgramModel`) reads the words and
blocks on its own above its threshold. Both read one normalisation of the text, done once; where the model vouches
for an English text with nothing encoded in it, only the delimiter rules still run (the verdict is the same).
"""

from __future__ import annotations

import json
import re

from supervisor.guards.detector.heuristic import Finding, HeuristicDetector
from supervisor.guards.detector.learned import TOKEN, NgramModel, fold_for_model
from supervisor.guards.detector.normalize import Normalized, normalize
from supervisor.guards.detector.ruleset import delimiter_ruleset

__all__ = ["LayeredDetector"]

_EVIDENCE_CHARS = 80


class LayeredDetector(HeuristicDetector):
    """Rules for shapes, a learned model for words; same interface as the rules alone (``scan``, ``sanitize``)."""

    def __init__(self, model: NgramModel) -> None:
        super().__init__()
        self.model = model
        self._delimiters = delimiter_ruleset()

    def scan(self, text: str) -> tuple[Finding, ...]:
        norm = normalize(text)
        folded = fold_for_model(norm.text)
        tokens = TOKEN.findall(folded)
        score = self.model.score_tokens(tokens)
        for decoded in norm.decoded:
            score = max(score, self.model.score_folded(fold_for_model(decoded)))
        another_language = _in_another_language(tokens, text)
        if score < self.model.veto and not norm.decoded and not another_language and not _foreign_words(tokens, text):
            # What a guard mostly reads: the model vouches for the words, nothing was encoded, and the text is in
            # the language the model reads, every sentence of it. Only a delimiter break could still block, so only
            # those rules run (the same verdict as the whole path below, at a fraction of the cost).
            return tuple(f for f in self._findings(norm.text, encoded=False, rules=self._delimiters)
                         if f.kind == "delimiter_break")  # fmt: skip
        return self.decide(text, norm, folded, score, another_language=another_language)

    def decide(
        self, text: str, norm: Normalized, folded: str, score: float, *, another_language: bool
    ) -> tuple[Finding, ...]:
        """The verdict from every rule and the model's ``score``: what ``scan`` returns for any text (it skips
        this for a text only where the delimiter rules alone give the same answer)."""
        findings = self.scan_normalized(norm)
        if (findings or score >= self.model.threshold) and _reports_an_attack(folded):
            # A security report, a QA transcript or a moderation log quotes attacks to say what became of them:
            # the words are an attack's, the text is not one. Only shapes (encodings, a delimiter break) still block.
            return tuple(f for f in findings if f.encoded or f.kind == "delimiter_break")
        if score >= self.model.threshold:
            evidence = self.model.evidence(folded, norm.text)[:_EVIDENCE_CHARS]
            said = Finding("learned", f"score {score:.1f}: {evidence}")
            return (*findings, said)
        if findings and _is_record(text):
            # A whole JSON record's fields ("approved": true, "verdict": "accept") are data by construction; what
            # its string values say is still read by the model above.
            findings = tuple(f for f in findings if f.kind != "fake_control")
        shapes = tuple(f for f in findings if f.encoded or f.kind == "delimiter_break")
        if findings != shapes and score >= self.model.veto:
            return findings
        # The model learned its words mostly in English; in other languages the rules are the reader: for a text in
        # another language, and for a sentence in another language inside an English carrier (an e-mail, a review)
        # that a wording rule matched.
        foreign = another_language or any(_said_in_another_language(f.evidence, norm.text) for f in findings)
        if findings != shapes and not _is_record(text) and foreign:
            return findings
        return shapes


# A report about an attack names its frame (a red team, a QA transcript, a moderation log, an incident) and what
# became of the attack (refused, blocked, quarantined, banned): both, in one text. No attack of the training or
# held-out sets says both.
_REPORT_FRAME = re.compile(
    r"\b(?:red[- ]?team\w*|pen[- ]?test\w*|testers?|qa|transcript|moderation|moderator|incident|post-?mortem|"
    r"security (?:bulletin|report|review|finding)|phishing|threat model|finding|interviewer|"
    r"training (?:slide|example)|attempts?|logged|label|case was)\b"
)
_REPORT_OUTCOME = re.compile(
    r"\b(?:refus\w*|declined|blocked|quarantined|banned|caught|flagged|did not act|didn't act|"
    r"treated (?:it|them|this) as data|(?:can't|cannot|can not) (?:help|share|do)|nobody did|no one did|"
    r"nothing was (?:sent|done)|(?:result|verdict): pass|marked pass)\b"
)


def _reports_an_attack(folded: str) -> bool:
    return _REPORT_OUTCOME.search(folded) is not None and _REPORT_FRAME.search(folded) is not None


_LETTER = re.compile(r"[^\W\d_]")
_NON_ASCII_LETTER = re.compile(r"(?![\x00-\x7f])[^\W\d_]")
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
    "den", "im", "vom", "zum", "zur", "auf", "von", "zu", "sie", "ich", "wir", "du", "dich", "dir", "alle", "keine",
    "bevor", "oder", "auch", "noch", "wenn", "bitte", "sind", "wird", "nach", "todas", "todos", "tu", "tus", "su",
    "sus", "antes", "al", "ahora", "toutes", "tous", "vous", "ton", "tes", "votre", "vos", "dans", "sur", "avant",
    "ne", "pas", "tutte", "tutti", "della", "delle", "prima", "ora", "seu", "sua", "agora", "naar", "eerdere", "nu",
))  # fmt: skip


def _in_another_language(tokens: list[str], text: str) -> bool:
    """Whether ``text`` is mostly in a language other than English (the model learned its words mostly in English):
    letters mostly outside ASCII (Cyrillic, CJK, ...), or more of another language's function words than English
    among its ``tokens`` (as the model reads them)."""
    if not text.isascii() and len(_NON_ASCII_LETTER.findall(text)) * 2 > len(_LETTER.findall(text)):
        return True
    other = sum(map(_OTHER.__contains__, tokens))
    return other > 0 and other > sum(map(_ENGLISH.__contains__, tokens))


def _foreign_words(tokens: list[str], text: str) -> bool:
    """Whether some of ``text`` may be in another language: two function words of one, or a run of letters outside
    ASCII (a sentence of Cyrillic or CJK in an English e-mail)."""
    if sum(map(_OTHER.__contains__, tokens)) >= 2:
        return True
    return not text.isascii() and len(_NON_ASCII_LETTER.findall(text)) >= 8


def _said_in_another_language(evidence: str, normalised: str) -> bool:
    """Whether the sentence holding a finding's match is in another language."""
    at = normalised.find(evidence)
    if at < 0:
        return False
    start = max(normalised.rfind(mark, 0, at) for mark in ".!?\n") + 1
    ends = [normalised.find(mark, at + len(evidence)) for mark in ".!?\n"]
    end = min([e for e in ends if e >= 0], default=len(normalised))
    sentence = normalised[start:end]
    return _in_another_language(_LATIN_WORD.findall(sentence), sentence)


_LATIN_WORD = re.compile(r"[a-z]+")


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
