"""The candidates closest in meaning to a text: how a small model's choices are narrowed before it chooses.

A 135M model picks among five apologies about as well as chance; ranked by MiniLM similarity to the ticket, the
right one is usually first. Teams build answer formats whose enums are the few closest candidates, and the model
decides only between close ones. Without the MiniLM weights, word overlap ranks instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from supervisor.similarity.bm25 import tokens


def most_similar(query: str, candidates: Sequence[str], k: int = 1, *, margin: float | None = None) -> list[str]:
    """The ``k`` candidates closest in meaning to ``query``, closest first (ties keep the given order).

    With ``margin``, only candidates scoring within ``margin`` of the best are kept: a clear winner leaves the
    model nothing to choose, and a close call leaves it the close ones.
    """
    if not candidates:
        return []
    from supervisor.similarity.minilm import SentenceEncoder

    encoder = SentenceEncoder.load()
    if encoder is not None:
        vectors = encoder.encode([query, *candidates])
        scores = [float(s) for s in vectors[1:] @ vectors[0]]
    else:
        asked = set(tokens(query))
        scores = [len(asked & set(tokens(c))) / (1 + len(set(tokens(c)))) for c in candidates]
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    if margin is not None:
        order = [i for i in order if scores[i] >= scores[order[0]] - margin]
    return [candidates[i] for i in order[: max(1, k)]]
