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
    """BM25 over a fixed set of cards; built once per team, queried per subtask.

    Each term's contribution to each card that holds it is worked out once, when the index is built: a query
    only adds up the contributions of its terms (a routing decision per subtask costs as many look-ups as the
    subtask has words, not words times cards)."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.names = [c.name for c in cards]
        docs = [Counter(tokens(card_document(c))) for c in cards]
        lengths = [sum(d.values()) for d in docs]
        avg_length = (sum(lengths) / len(lengths)) if lengths else 1.0
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        n = len(docs)
        idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        """term -> (card, the term's BM25 weight in that card) for every card holding the term."""
        for i, (doc, length) in enumerate(zip(docs, lengths, strict=True)):
            for term, freq in doc.items():
                norm = freq + K1 * (1 - B + B * length / avg_length)
                self._postings.setdefault(term, []).append((i, idf[term] * freq * (K1 + 1) / norm))

    def scores(self, text: str) -> dict[str, float]:
        """BM25 score of every card for ``text``, by agent name."""
        totals = [0.0] * len(self.names)
        for term in tokens(text):
            for i, weight in self._postings.get(term, ()):
                totals[i] += weight
        return {name: round(score, 4) for name, score in zip(self.names, totals, strict=True)}
