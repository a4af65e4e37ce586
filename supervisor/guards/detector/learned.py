"""The learned injection detector: a hashed character n-gram linear model, scored over sliding windows.

Rules catch what has a shape (encodings, invisible characters, markup, chat-template tokens); they do not keep up
with paraphrase. This model reads the words: every character 3- to 7-gram of the folded text is hashed into a
weight table, and the text is flagged when some window of it (about a sentence) scores above the threshold.
Scoring windows rather than the whole text keeps one injected sentence from being diluted by a long, harmless
carrier (an e-mail, a review, a JSON record).

Everything runs in a few numpy calls per message (no Python loop over characters), so the model fits the guard
budget beside the rules. The weights ship in the package (``ngram_model.npz`` with ``ngram_model.json``, its
sha256 and settings) and are rebuilt deterministically by ``bench/train_detector.py``; nothing is downloaded.
numpy is imported only when a model is loaded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from supervisor.errors import DetectorModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["NgramFeatures", "NgramModel", "fold_for_model", "model_text", "shipped_model"]

WEIGHTS_FILE = "ngram_model.npz"
MANIFEST_FILE = "ngram_model.json"

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufe00-\ufe0f]")
_DIGITS = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
_PRIME = 1_000_003
_MIX = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads nearby n-gram hashes over the whole table
_PAIR_SALT, _SKIP_SALT = 0x51ED27, 0x2545F4


def fold_for_model(normalised: str) -> str:
    """The form the model reads, from the detector's normalised text (look-alikes, leetspeak, accents and
    invisible characters already undone): NFKC, case-folded, digits collapsed to 0 (account numbers say nothing
    about intent), one space per run of white space."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", normalised)).casefold()
    return " " + _SPACE.sub(" ", _DIGITS.sub("0", text)).strip() + " "


def model_text(text: str) -> str:
    """Raw text as the model reads it (what training uses; the guard reuses the rules' normalisation instead)."""
    from supervisor.guards.detector.normalize import normalize

    return fold_for_model(normalize(text).text)


@dataclass(frozen=True)
class NgramFeatures:
    """How text becomes weight-table indices; training and scoring share it, so they cannot drift apart.

    Two kinds of feature, each anchored at a position of the folded text: every character n-gram of the
    ``sizes`` (the n-gram starting there), and pairs of neighbouring words (each word read as its first
    ``word_prefix`` characters, so "instructions" and "instrucions" agree), next neighbours and one word apart,
    anchored at the first word. The word pairs see who is addressed and what is asked ("to the ai", "you must",
    "previous instructions") across the small changes that split character n-grams.
    """

    bits: int = 18
    sizes: tuple[int, ...] = (3, 4, 5)
    word_prefix: int = 4
    window: int = 80

    def anchored(
        self, folded: str
    ) -> tuple[NDArray[np.int64], tuple[tuple[NDArray[np.int64], NDArray[np.int64]], ...]]:
        """(bucket of each n-gram size at each position, an array of shape (len(sizes), length)), and for each
        kind of word pair its (anchor positions, buckets)."""
        import numpy as np

        span, length = max(*self.sizes, self.word_prefix), len(folded)
        prime, mix, shift, salts = _constants(self.sizes, self.bits)
        # Padded with spaces so every size has an n-gram at every position (the folded text ends in one anyway).
        codes = np.frombuffer((folded + " " * (span - 1)).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        char = np.empty((len(self.sizes), length), dtype=np.uint64)
        starts = np.flatnonzero((codes[: length - 1] == 32) & (codes[1:length] != 32)) + 1
        words = codes[starts]
        rolling = codes
        # Array arithmetic on uint64 wraps on overflow without a warning, which is what a hash wants.
        for n in range(2, span + 1):
            rolling = rolling[:-1] * prime + codes[n - 1 :]  # rolling[i] hashes codes[i:i+n]
            if n in self.sizes:
                char[self.sizes.index(n)] = rolling[:length]
            if n == self.word_prefix:
                words = rolling[starts]
        char += salts
        char *= mix
        char >>= shift
        pairs = []
        for gap, salt in ((1, _PAIR_SALT), (2, _SKIP_SALT)):
            mixed = (words[:-gap] * prime + words[gap:] + np.uint64(salt)) * mix
            mixed >>= shift
            pairs.append((starts[:-gap], mixed.view(np.int64)))
        # Buckets are below 2**bits, so the same bits read as int64: numpy's fast path for indexing, at no cost.
        return char.view(np.int64), tuple(pairs)

    def contributions(self, weights: NDArray[np.float32], folded: str) -> NDArray[np.float32]:
        """The summed weight of the features anchored at each position of ``folded``."""
        char, pairs = self.anchored(folded)
        per_position: NDArray[np.float32] = weights[char].sum(axis=0)
        for anchors, buckets in pairs:
            per_position[anchors] += weights[buckets]
        return per_position

    def windows(self, length: int) -> list[tuple[int, int]]:
        """Training windows over a folded text of ``length`` characters: half-overlapping, covering it all."""
        if length <= self.window:
            return [(0, length)]
        step = self.window // 2
        starts = list(range(0, length - self.window + 1, step))
        if starts[-1] + self.window < length:
            starts.append(length - self.window)
        return [(s, s + self.window) for s in starts]


@functools.cache
def _constants(sizes: tuple[int, ...], bits: int) -> tuple[np.uint64, np.uint64, np.uint64, NDArray[np.uint64]]:
    """The hash's multiplier, mixer and shift as numpy scalars, and each n-gram size's salt (its length) as a
    column to add to that size's row of hashes: made once, not on every message."""
    import numpy as np

    return np.uint64(_PRIME), np.uint64(_MIX), np.uint64(64 - bits), np.array(sizes, dtype=np.uint64)[:, None]


@dataclass(frozen=True)
class NgramModel:
    """A trained weight table, its bias and its threshold; ``score`` is the best window's logit.

    A window's logit is the bias plus its features' summed weight over the square root of its length, so a
    short text and an 80-character stretch of a long one are on one scale.

    ``veto``: below this score the model is confident a text is benign (almost no training attack scores lower),
    enough to overrule a wording rule that fired on a harmless record.
    """

    weights: NDArray[np.float32]
    bias: float
    threshold: float
    features: NgramFeatures = NgramFeatures()
    veto: float = float("-inf")

    def score(self, text: str) -> float:
        """The logit of the most injection-like window of raw ``text`` (flagged when >= ``threshold``)."""
        return self.score_folded(model_text(text))

    def score_folded(self, folded: str) -> float:
        """``score`` for text already folded by :func:`fold_for_model`."""
        import numpy as np

        length = len(folded)
        if length < 2:
            return self.bias
        per_position = self.features.contributions(self.weights, folded)
        window = self.features.window
        if length <= window:
            return float(per_position.sum()) / math.sqrt(length) + self.bias
        summed = np.cumsum(per_position, dtype=np.float64)
        best = max(float(summed[window - 1]), float((summed[window:] - summed[:-window]).max()))
        return best / math.sqrt(window) + self.bias

    def flags(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    def evidence(self, folded: str) -> str:
        """The most injection-like window of folded text, for the guard's one-line reason."""
        import numpy as np

        window = self.features.window
        if len(folded) <= window:
            return folded.strip()
        summed = np.concatenate(([0.0], np.cumsum(self.features.contributions(self.weights, folded), dtype=np.float64)))
        start = int(np.argmax(summed[window:] - summed[:-window]))
        # Whole words: from the start of the word the window cuts into, to the end of the one it ends in.
        start = folded.rfind(" ", 0, start + 1) + 1
        end = folded.find(" ", start + window)
        return folded[start : end if end > 0 else None].strip()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_model(weights: bytes, manifest: dict[str, object]) -> NgramModel:
    """A model from its weight file's bytes and its manifest; the bytes must match the manifest's sha256."""
    import io

    import numpy as np

    if sha256_of(weights) != manifest.get("sha256"):
        raise DetectorModelError("the detector's weight file does not match its manifest's sha256")
    with np.load(io.BytesIO(weights)) as table:
        values = table["weights"].astype(np.float32)
    sizes = manifest.get("sizes", list(NgramFeatures.sizes))
    features = NgramFeatures(
        bits=int(str(manifest.get("bits", 18))),
        sizes=tuple(int(n) for n in sizes) if isinstance(sizes, list) else NgramFeatures.sizes,
        word_prefix=int(str(manifest.get("word_prefix", NgramFeatures.word_prefix))),
        window=int(str(manifest.get("window", NgramFeatures.window))),
    )
    if len(values) != 1 << features.bits:
        raise DetectorModelError(f"the detector's weight table has {len(values)} entries, not {1 << features.bits}")
    veto = float(str(manifest.get("veto", "-inf")))
    return NgramModel(values, float(str(manifest["bias"])), float(str(manifest["threshold"])), features, veto)


@functools.cache
def shipped_model() -> NgramModel:
    """The model shipped with Baton, loaded and checked once per process."""
    here = resources.files("supervisor.guards.detector")
    try:
        weights = here.joinpath(WEIGHTS_FILE).read_bytes()
        manifest = json.loads(here.joinpath(MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DetectorModelError(f"the detector's shipped model cannot be read: {exc}") from exc
    return load_model(weights, manifest)
