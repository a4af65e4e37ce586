"""Train the learned injection detector and write the weights Baton ships.

    .venv/bin/python bench/train_detector.py            # rebuilds supervisor/guards/detector/ngram_model.{npz,json}
    .venv/bin/python bench/train_detector.py --check    # trains, and fails unless the result equals what ships

Logistic regression over hashed character n-grams (supervisor/guards/detector/learned.py), fitted with full-batch
Adam in numpy: no random split, no random initialisation, the same material in the same order, so the same
weights every time. Texts are read as windows, as the guard reads them; an attack text is represented by its most
injection-like window after a first fit (multiple-instance learning: the carrier around an injection is not what
makes it one). The threshold is set from the benign training texts' out-of-fold scores, so it is not
fitted to the very texts it is judged on.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from detector_corpus import Row, training_rows
from numpy.typing import NDArray

from supervisor.guards.detector.learned import MANIFEST_FILE, WEIGHTS_FILE, NgramFeatures, NgramModel, model_text

OUT = Path(__file__).resolve().parent.parent / "supervisor" / "guards" / "detector"
FEATURES = NgramFeatures()
ENCODED_VARIANTS = {"base64", "hex"}  # the rules decode these; their letters say nothing a model could learn
TARGET_FALSE_POSITIVES = 0.005
VETO_FALSE_POSITIVES = 0.02  # a wording rule blocks where the model scores a text above all but this share of benign


@dataclass
class Examples:
    """Windows as a sparse matrix in coordinate form, with labels and the row each came from."""

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    vals: NDArray[np.float64]
    labels: NDArray[np.float64]
    origin: NDArray[np.int64]

    @property
    def count(self) -> int:
        return len(self.labels)


def candidate_windows(row: Row) -> list[NDArray[np.int64]]:
    """Every window of a row's text, as the buckets of the features anchored in it (the injection is found among
    them, never assumed: see ``build``)."""
    folded = model_text(row["text"])
    char, pairs = FEATURES.anchored(folded)
    out = []
    for start, end in FEATURES.windows(len(folded)):
        parts = [char[:, start:end].ravel()]
        for anchors, buckets in pairs:
            lo, hi = np.searchsorted(anchors, (start, end))
            parts.append(buckets[lo:hi])
        out.append(np.concatenate(parts).astype(np.int64))
    return out


def window_chars(row: Row) -> list[int]:
    folded = model_text(row["text"])
    return [end - start for start, end in FEATURES.windows(len(folded))]


def usable(row: Row) -> bool:
    return not (row["family"] != "benign" and row.get("variant") in ENCODED_VARIANTS)


def build(rows: Sequence[Row], model: NgramModel | None) -> Examples:
    """Every benign window is a negative; each attack gives its best window (all of them before a first fit)."""
    r: list[NDArray[np.int64]] = []
    c: list[NDArray[np.int64]] = []
    v: list[NDArray[np.float64]] = []
    labels: list[float] = []
    origin: list[int] = []
    for index, row in enumerate(rows):
        attack = row["family"] != "benign"
        windows = list(zip(candidate_windows(row), window_chars(row), strict=True))
        if attack and model is not None and len(windows) > 1:
            scores = [float(model.weights[w].sum() / np.sqrt(chars)) for w, chars in windows]
            windows = [windows[int(np.argmax(scores))]]
        for window, chars in windows:
            r.append(np.full(len(window), len(labels), dtype=np.int64))
            c.append(window)
            v.append(np.full(len(window), 1.0 / np.sqrt(max(chars, 1))))
            labels.append(1.0 if attack else 0.0)
            origin.append(index)
    return Examples(np.concatenate(r), np.concatenate(c), np.concatenate(v), np.array(labels), np.array(origin))


def fit(
    examples: Examples, epochs: int = 80, l2: float = 1e-4, rate: float = 0.05
) -> tuple[NDArray[np.float32], float]:
    """Class-balanced logistic regression, full-batch Adam from zero weights (deterministic)."""
    size = 1 << FEATURES.bits
    w = np.zeros(size)
    b = 0.0
    positives = examples.labels.sum()
    weight = np.where(examples.labels > 0, 0.5 / max(positives, 1), 0.5 / max(examples.count - positives, 1))
    m, s = np.zeros(size), np.zeros(size)
    mb = sb = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, epochs + 1):
        logits = np.bincount(examples.rows, weights=w[examples.cols] * examples.vals, minlength=examples.count) + b
        probs = 1.0 / (1.0 + np.exp(-logits))
        error = (probs - examples.labels) * weight
        grad = np.bincount(examples.cols, weights=error[examples.rows] * examples.vals, minlength=size) + l2 * w
        grad_b = float(error.sum())
        m = beta1 * m + (1 - beta1) * grad
        s = beta2 * s + (1 - beta2) * grad * grad
        mb = beta1 * mb + (1 - beta1) * grad_b
        sb = beta2 * sb + (1 - beta2) * grad_b * grad_b
        correction1, correction2 = 1 - beta1**step, 1 - beta2**step
        w -= rate * (m / correction1) / (np.sqrt(s / correction2) + eps)
        b -= rate * (mb / correction1) / (np.sqrt(sb / correction2) + eps)
    return w.astype(np.float32), b


def train(rows: Sequence[Row], calibrate: bool = True) -> NgramModel:
    """A model fitted on ``rows`` (two rounds: all windows, then each attack's best window), then calibrated."""
    rows = [row for row in rows if usable(row)]
    model = fit_two_rounds(rows)
    if not calibrate:
        return model
    threshold, veto = out_of_fold_cutoffs(rows)
    return NgramModel(model.weights, model.bias, threshold, FEATURES, veto)


def fit_two_rounds(rows: Sequence[Row]) -> NgramModel:
    weights, bias = fit(build(rows, None))
    first = NgramModel(weights, bias, 0.0, FEATURES)
    weights, bias = fit(build(rows, first))
    return NgramModel(weights, bias, 0.0, FEATURES)


def out_of_fold_cutoffs(rows: Sequence[Row], folds: int = 2) -> tuple[float, float]:
    """The threshold (``TARGET_FALSE_POSITIVES`` of benign texts at or above it) and the veto (``VETO_FALSE_POSITIVES``
    of them at or above it: a wording rule's finding needs the model this far on its side), both from the scores of
    benign texts the scoring model was not trained on.

    Rows are dealt into the folds in turn. (Split by carrier instead, each fold's model has never seen a whole kind
    of harmless text, documentation prose say, and the cut-offs come out far above what unseen attacks reach.)
    """
    benign: list[float] = []
    for fold in range(folds):
        model = fit_two_rounds([r for i, r in enumerate(rows) if i % folds != fold])
        benign += [model.score(r["text"]) for i, r in enumerate(rows) if i % folds == fold and r["family"] == "benign"]
    scores = np.array(benign)
    return float(np.quantile(scores, 1 - TARGET_FALSE_POSITIVES)), float(np.quantile(scores, 1 - VETO_FALSE_POSITIVES))


def serialise(model: NgramModel) -> tuple[bytes, dict[str, Any]]:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, weights=model.weights.astype(np.float16))
    data = buffer.getvalue()
    manifest = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bias": round(model.bias, 6),
        "threshold": round(model.threshold, 6),
        "veto": round(model.veto, 6),
        "bits": model.features.bits,
        "sizes": list(model.features.sizes),
        "word_prefix": model.features.word_prefix,
        "window": model.features.window,
        "trained_on": "bench/detector_corpus.py training_rows(); rebuilt by bench/train_detector.py",
    }
    return data, manifest


def main(check: bool) -> int:
    model = train(training_rows())
    data, manifest = serialise(model)
    if check:
        shipped = json.loads((OUT / MANIFEST_FILE).read_text(encoding="utf-8"))
        same = shipped["sha256"] == manifest["sha256"] and shipped["threshold"] == manifest["threshold"]
        print("the shipped model is what this script builds" if same else "the shipped model differs from a rebuild")
        return 0 if same else 1
    (OUT / WEIGHTS_FILE).write_bytes(data)
    (OUT / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE} ({len(data) / 1e6:.2f} MB, sha256 {manifest['sha256'][:16]}...), "
          f"threshold {manifest['threshold']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="rebuild in memory and compare with what ships")
    sys.exit(main(parser.parse_args().check))
