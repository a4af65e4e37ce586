"""A stricter level considered for the injection detector, measured and not shipped: a logistic head over MiniLM
sentence embeddings, leave-one-family-out.

    .venv/bin/python bench/train_embedded.py --folds family     # or carrier, language, source, all

Each sentence-sized chunk of a text is embedded by the all-MiniLM-L6-v2 encoder Baton runs in numpy for routing
(supervisor/similarity/minilm.py), and a text is flagged when some chunk's logit reaches the threshold. Trained on
the same rows as the n-gram model (bench/detector_corpus.py); attack texts are bags of chunks (first fit: every
chunk of the injected payload; second: each attack's most injection-like chunk); the threshold comes from
out-of-fold benign scores. It costs milliseconds a message, and its table shows it catching fewer held-out
attacks than the n-gram model at more false positives, so Baton does not ship it; the script stays so the
comparison can be rerun.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from detector_corpus import Row, held_out_rows, mined_rows, training_rows
from detector_folds import folds
from numpy.typing import NDArray

from supervisor.similarity.minilm import SentenceEncoder

TARGET_FALSE_POSITIVES = 0.01
Vectors = dict[str, NDArray[np.float32]]
_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_CHUNK_CHARS = 240  # MiniLM reads about a sentence well; longer chunks blur one injected line into its carrier
_MIN_CHARS = 40


def chunks(text: str) -> list[str]:
    """Sentence-sized pieces of ``text``: lines and sentences, short ones joined to their neighbour."""
    out: list[str] = []
    for raw in _BREAK.split(text):
        piece = raw.strip()
        if not piece:
            continue
        if out and (len(out[-1]) < _MIN_CHARS or len(piece) < _MIN_CHARS) and len(out[-1]) + len(piece) < _CHUNK_CHARS:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.extend(piece[i : i + _CHUNK_CHARS] for i in range(0, len(piece), _CHUNK_CHARS))
    return out or [text[:_CHUNK_CHARS]]


@dataclass(frozen=True)
class EmbeddingHead:
    """A logistic head over sentence embeddings; a text's score is its most injection-like chunk's logit."""

    weights: NDArray[np.float32]
    bias: float
    threshold: float

    def score_embeddings(self, embeddings: NDArray[np.float32]) -> float:
        return float((embeddings @ self.weights).max()) + self.bias


def embed_all(texts: Sequence[str]) -> Vectors:
    """Each distinct chunk of ``texts``, embedded once."""
    encoder = SentenceEncoder.load()
    if encoder is None:
        raise SystemExit("the MiniLM weights package is not installed (scripts/setup installs it)")
    unique = sorted({piece for text in texts for piece in chunks(text)})
    vectors = encoder.encode(unique)
    return dict(zip(unique, vectors, strict=True))


def bag(vectors: Vectors, text: str) -> NDArray[np.float32]:
    return np.stack([vectors[piece] for piece in chunks(text)])


def fit(
    x: NDArray[np.float32], y: NDArray[np.float64], steps: int = 300, l2: float = 1e-3
) -> tuple[NDArray[np.float32], float]:
    """Class-balanced logistic regression, full-batch Adam from zero."""
    w = np.zeros(x.shape[1])
    b = 0.0
    weight = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max(len(y) - y.sum(), 1))
    m, s, mb, sb = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    for step in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        error = (p - y) * weight
        grad, grad_b = x.T @ error + l2 * w, float(error.sum())
        m, s = 0.9 * m + 0.1 * grad, 0.999 * s + 0.001 * grad * grad
        mb, sb = 0.9 * mb + 0.1 * grad_b, 0.999 * sb + 0.001 * grad_b * grad_b
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(s / (1 - 0.999**step)) + 1e-8)
        b -= 0.05 * (mb / (1 - 0.9**step)) / (np.sqrt(sb / (1 - 0.999**step)) + 1e-8)
    return w.astype(np.float32), b


def fit_rows(rows: Sequence[Row], vectors: Vectors) -> EmbeddingHead:
    def examples(best: EmbeddingHead | None) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
        xs, ys = [], []
        for row in rows:
            if row["family"] == "benign":
                xs.append(bag(vectors, row["text"]))
                ys.append(np.zeros(len(xs[-1])))
                continue
            chunked = bag(vectors, row["text"])
            if best is None:
                chunked = bag(vectors, row.get("payload") or row["text"])
            else:
                chunked = chunked[[int((chunked @ best.weights).argmax())]]
            xs.append(chunked)
            ys.append(np.ones(len(chunked)))
        return np.concatenate(xs), np.concatenate(ys)

    first = EmbeddingHead(*fit(*examples(None)), 0.0)
    return EmbeddingHead(*fit(*examples(first)), 0.0)


def train(rows: Sequence[Row], vectors: Vectors, folds: int = 2) -> EmbeddingHead:
    """A head fitted on ``rows``, its threshold from out-of-fold benign scores (rows dealt into folds in turn)."""
    benign: list[float] = []
    for fold in range(folds):
        head = fit_rows([r for i, r in enumerate(rows) if i % folds != fold], vectors)
        benign += [
            head.score_embeddings(bag(vectors, r["text"]))
            for i, r in enumerate(rows)
            if i % folds == fold and r["family"] == "benign"
        ]
    head = fit_rows(rows, vectors)
    return EmbeddingHead(head.weights, head.bias, float(np.quantile(np.array(benign), 1 - TARGET_FALSE_POSITIVES)))


def evaluate(axis: str | None, vectors: Vectors, rows: list[Row], never: list[Row], prose: list[Row]) -> None:
    def flagged(head: EmbeddingHead, batch: Sequence[Row]) -> int:
        return sum(head.score_embeddings(bag(vectors, r["text"])) >= head.threshold for r in batch)

    pct: Callable[[int, int], str] = lambda a, b: f"{100 * a / max(b, 1):5.1f}%"  # noqa: E731
    print(f"{'axis':<9} {'held out':<19} {'attacks':>7} {'head':>7} {'benign':>6} {'FP head':>8} {'prose FP':>8}")
    totals: dict[str, list[int]] = {}
    for fold_axis, name, held in folds(rows):
        if axis and fold_axis != axis:
            continue
        head = train([r for r in rows if not held(r)], vectors)
        attacks = [r for r in rows if held(r) and r["family"] != "benign"]
        benign = [r for r in rows if held(r) and r["family"] == "benign"] + never
        got = [
            len(attacks),
            flagged(head, attacks),
            len(benign),
            flagged(head, benign),
            len(prose),
            flagged(head, prose),
        ]
        total = totals.setdefault(fold_axis, [0] * 6)
        for i, value in enumerate(got):
            total[i] += value
        print(f"{fold_axis:<9} {name:<19} {got[0]:>7} {pct(got[1], got[0]):>7} {got[2]:>6} {pct(got[3], got[2]):>8} "
              f"{pct(got[5], got[4]):>8}", flush=True)  # fmt: skip
    for fold_axis, t in totals.items():
        print(f"{fold_axis:<9} {'ALL (pooled)':<19} {t[0]:>7} {pct(t[1], t[0]):>7} {t[2]:>6} {pct(t[3], t[2]):>8} "
              f"{pct(t[5], t[4]):>8}")  # fmt: skip


def main(folds_axis: str) -> int:
    rows = training_rows()
    never = [r for r in held_out_rows() if r["family"] == "benign"]
    prose = mined_rows("eval")
    start = time.perf_counter()
    texts = [r["text"] for r in rows + never + prose] + [r["payload"] for r in rows if r.get("payload")]
    vectors = embed_all(texts)
    print(f"embedded {len(vectors)} chunks in {time.perf_counter() - start:.0f} s", flush=True)
    evaluate(None if folds_axis == "all" else folds_axis, vectors, rows, never, prose)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--folds", required=True, choices=["family", "carrier", "language", "source", "all"])
    sys.exit(main(parser.parse_args().folds))
