"""Train the learned injection detector and write the weights Baton ships.

    .venv/bin/python bench/train_detector.py            # rebuilds supervisor/guards/detector/ngram_model.{json,sha256}
    .venv/bin/python bench/train_detector.py --check    # trains, and fails unless the result equals what ships

Logistic regression over word stems and pairs of nearby stems (supervisor/guards/detector/learned.py), fitted with
full-batch Adam in numpy: no random split, no random initialisation, the same material in the same order, so the
same weights every time. Texts are read as windows, as the guard reads them; an attack text is represented by its
most injection-like window after a first fit (multiple-instance learning: the carrier around an injection is not
what makes it one). The threshold is set from the benign training texts' out-of-fold scores, so it is not fitted
to the very texts it is judged on. Only weights that move a score survive into the shipped table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from detector_corpus import Row, training_rows
from numpy.typing import NDArray

from supervisor.guards.detector.learned import (
    DIGEST_FILE,
    STRIDE,
    TOKEN,
    WEIGHTS_FILE,
    NgramFeatures,
    NgramModel,
    model_text,
    pair_keys,
    role_numbers,
    sha256_of,
)

OUT = Path(__file__).resolve().parent.parent / "supervisor" / "guards" / "detector"
FEATURES = NgramFeatures()
ENCODED_VARIANTS = {"base64", "hex"}  # the rules decode these; their letters say nothing a model could learn
TARGET_FALSE_POSITIVES = 0.003
VETO_FALSE_POSITIVES = 0.03  # a wording rule blocks where the model scores a text above all but this share of benign
MIN_COUNT = 2  # a stem seen once is read as unknown: "unknown" needs examples to learn its weight
L2 = 1e-4
# Words a pair reads as their role (supervisor/guards/detector/learned.py, ``NgramModel.roles``): who the text
# addresses (an AI reader, "you"), what it talks about (the reader's task, dropping it, authority, sending things
# out, secrets). Whole folded words, so "instead" is not "instructions" and "agenda" is not "agent".
ROLES: dict[str, list[str]] = {
    "ai": ["ai", "assistant", "assistants", "chatbot", "chatbots", "bot", "bots", "llm", "llms", "gpt", "model",
           "models", "agent", "agents", "copilot", "evaluator", "evaluators", "grader", "graders", "judge",
           "summarizer", "summariser", "automated", "machine"],
    "you": ["you", "your", "yours", "yourself", "u"],
    "task": ["task", "tasks", "instruction", "instructions", "prompt", "prompts", "assignment", "directive",
             "directives", "guidelines", "rules", "orders", "objective", "mission"],
    "drop": ["ignore", "ignoring", "disregard", "forget", "override", "bypass", "abandon", "discard", "overrule"],
    "authority": ["system", "admin", "administrator", "developer", "operator", "supervisor", "root", "sysadmin"],
    "send": ["send", "forward", "transfer", "share", "upload", "post", "leak", "exfiltrate", "wire", "email", "mail"],
    "secret": ["password", "passwords", "credentials", "token", "tokens", "secret", "secrets", "keys", "key"],
}  # fmt: skip
KEEP = 1e-3  # weights smaller than this are left out of the shipped table: they move no score measurably


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


class Columns:
    """Features -> columns of the training matrix, from the training rows only: stems seen at least ``MIN_COUNT``
    times are numbered (the rest read as stem 0, "unknown", which weighs nothing: the model has no opinion on a
    word it never learned), then each pair key met gets a column."""

    def __init__(self, rows: Sequence[Row]) -> None:
        counts = Counter(stem for row in rows for stem in set(FEATURES.stems(model_text(row["text"]))))
        # Numbers (folded to 0s) say nothing about intent: read as unknown, like rare stems.
        stems = sorted(stem for stem, n in counts.items() if n >= MIN_COUNT and stem.strip("0"))
        self.vocabulary = {stem: number for number, stem in enumerate(stems, start=1)}
        self.roles = role_numbers(ROLES, len(self.vocabulary))
        self.pairs: list[dict[int, int]] = [{} for _ in FEATURES.gaps]

    def windows(self, row: Row) -> list[tuple[NDArray[np.int64], int]]:
        """Every window of a row's text, as (the columns of the features anchored in it, its token count): the
        injection is found among them, never assumed (see ``build``)."""
        tokens = TOKEN.findall(model_text(row["text"]))
        ids = [self.vocabulary.get(token[: FEATURES.prefix], 0) for token in tokens]
        paired = [self.roles.get(token, i) for token, i in zip(tokens, ids, strict=True)]
        # Pair columns interleave after the stems' (gap by gap), so a column never needs renumbering as keys come.
        base, kinds = len(self.vocabulary) + 1, len(FEATURES.gaps)
        # A pair with an unknown stem gets no column either (-1, dropped below): it would learn what rare words and
        # numbers happen to sit next to in the training attacks.
        pairs = [
            [
                base + kinds * columns.setdefault(key, len(columns)) + kind if key >= STRIDE and key % STRIDE else -1
                for key in pair_keys(paired, gap)
            ]
            for kind, (gap, columns) in enumerate(zip(FEATURES.gaps, self.pairs, strict=True))
        ]
        out = []
        for a, b in FEATURES.windows(len(ids)):
            if b > a:
                known = [i for i in ids[a:b] if i] + [c for p in pairs for c in p[a:b] if c >= 0]
                out.append((np.array(known, dtype=np.int64), b - a))
        return out

    @property
    def size(self) -> int:
        return len(self.vocabulary) + 1 + len(FEATURES.gaps) * max((len(c) for c in self.pairs), default=0)

    def model(self, weights: NDArray[np.float64], bias: float) -> NgramModel:
        base, kinds = len(self.vocabulary) + 1, len(FEATURES.gaps)
        stem_weights = [0.0, *(round(float(w), 4) for w in weights[1:base])]
        pair_weights = []
        for kind, columns in enumerate(self.pairs):
            values = {key: round(float(weights[base + kinds * col + kind]), 4) for key, col in columns.items()}
            pair_weights.append({key: w for key, w in sorted(values.items()) if abs(w) >= KEEP})
        return NgramModel(self.vocabulary, stem_weights, tuple(pair_weights), round(bias, 6), 0.0, FEATURES,
                          roles=self.roles)  # fmt: skip


def usable(row: Row) -> bool:
    return not (row["family"] != "benign" and row.get("variant") in ENCODED_VARIANTS)


def build(rows: Sequence[Row], columns: Columns, weights: NDArray[np.float64] | None) -> Examples:
    """Every benign window is a negative; each attack gives its best window (all of them before a first fit)."""
    r: list[NDArray[np.int64]] = []
    c: list[NDArray[np.int64]] = []
    v: list[NDArray[np.float64]] = []
    labels: list[float] = []
    origin: list[int] = []
    for index, row in enumerate(rows):
        attack = row["family"] != "benign"
        windows = columns.windows(row)
        if attack and weights is not None and len(windows) > 1:
            scores = [float(weights[w].sum() / np.sqrt(n)) for w, n in windows]
            windows = [windows[int(np.argmax(scores))]]
        for window, count in windows:
            r.append(np.full(len(window), len(labels), dtype=np.int64))
            c.append(window)
            v.append(np.full(len(window), 1.0 / np.sqrt(max(count, 1))))
            labels.append(1.0 if attack else 0.0)
            origin.append(index)
    return Examples(np.concatenate(r), np.concatenate(c), np.concatenate(v), np.array(labels), np.array(origin))


def fit(
    examples: Examples, size: int, epochs: int = 80, l2: float | None = None, rate: float = 0.05
) -> tuple[NDArray[np.float64], float]:
    """Class-balanced logistic regression, full-batch Adam from zero weights (deterministic)."""
    l2 = L2 if l2 is None else l2
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
    return w, b


def train(rows: Sequence[Row], calibrate: bool = True) -> NgramModel:
    """A model fitted on ``rows`` (two rounds: all windows, then each attack's best window), then calibrated."""
    rows = [row for row in rows if usable(row)]
    model = fit_two_rounds(rows)
    if not calibrate:
        return model
    threshold, veto = out_of_fold_cutoffs(rows)
    return dataclasses.replace(model, threshold=threshold, veto=veto)


def fit_two_rounds(rows: Sequence[Row]) -> NgramModel:
    columns = Columns(rows)
    first = build(rows, columns, None)
    weights, _ = fit(first, columns.size)
    second = build(rows, columns, weights)
    weights, bias = fit(second, columns.size)
    return columns.model(weights, bias)


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


def serialise(model: NgramModel) -> bytes:
    table: dict[str, Any] = {
        "trained_on": "bench/detector_corpus.py training_rows(); rebuilt by bench/train_detector.py",
        "prefix": model.features.prefix,
        "window": model.features.window,
        "bias": round(model.bias, 6),
        "threshold": round(model.threshold, 6),
        "veto": round(model.veto, 6),
        "stems": list(model.vocabulary),
        "roles": ROLES,
        "stem_weights": list(model.stem_weights[1:]),
        "pairs": [
            {"gap": gap, "keys": list(weights), "weights": list(weights.values())}
            for gap, weights in zip(model.features.gaps, model.pair_weights, strict=True)
        ],
    }
    return (json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def main(check: bool) -> int:
    data = serialise(train(training_rows()))
    digest = sha256_of(data)
    if check:
        same = (OUT / DIGEST_FILE).read_text(encoding="utf-8").strip() == digest
        print("the shipped model is what this script builds" if same else "the shipped model differs from a rebuild")
        return 0 if same else 1
    (OUT / WEIGHTS_FILE).write_bytes(data)
    (OUT / DIGEST_FILE).write_text(digest + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS_FILE} ({len(data) / 1e6:.2f} MB, sha256 {digest[:16]}...)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="rebuild in memory and compare with what ships")
    sys.exit(main(parser.parse_args().check))
