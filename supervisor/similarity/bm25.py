"""Lexical similarity between a subtask and the team's cards (Okapi BM25), for routing.

A small model guesses poorly among many agents; ranking the cards first and asking the model only to choose
between close candidates makes routing both accurate and explainable (the scores are recorded).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Sequence

from supervisor.team import Card

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "your",
        "you",
        "our",
        "we",
        "i",
        "my",
        "me",
    ]
)
K1 = 1.5
B = 0.75


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    # Memoised: every output and task is tokenized on the hot path, and their words repeat across steps.
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Lowercase word stems without stop words."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def card_document(card: Card) -> str:
    """The text a card is matched on: everything it says about the work it does."""
    return " ".join((card.name, card.description, *card.skills, *card.examples, *card.outputs, *card.inputs))


class CardIndex:
    """BM25 over a fixed set of cards; built once per team, queried per subtask."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.names = [c.name for c in cards]
        self._docs = [Counter(tokens(card_document(c))) for c in cards]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg_length = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}

    def scores(self, text: str) -> dict[str, float]:
        """BM25 score of every card for ``text``, by agent name."""
        query = tokens(text)
        result: dict[str, float] = {}
        for name, doc, length in zip(self.names, self._docs, self._lengths, strict=True):
            score = 0.0
            for term in query:
                freq = doc.get(term, 0)
                if freq:
                    norm = freq + K1 * (1 - B + B * length / self._avg_length)
                    score += self._idf[term] * freq * (K1 + 1) / norm
            result[name] = round(score, 4)
        return result
