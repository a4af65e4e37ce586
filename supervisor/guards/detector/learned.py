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
    """How text becomes weight-table indices; training and scoring share it, so they cannot drift apart."""

    bits: int = 18
    sizes: tuple[int, ...] = (3, 4, 5, 6, 7)
    window: int = 80

    def buckets(self, folded: str) -> list[NDArray[np.int64]]:
        """For each n-gram size, the bucket of the n-gram starting at each position (position order)."""
        import numpy as np

        codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        shift = np.uint64(64 - self.bits)
        out: list[NDArray[np.int64]] = []
        rolling = codes.copy()
        with np.errstate(over="ignore"):
            for n in range(2, max(self.sizes) + 1):
                # rolling[i] hashes codes[i:i+n]; overflow wraps, which is what a hash wants.
                rolling = rolling[:-1] * np.uint64(_PRIME) + codes[n - 1 :]
                if n in self.sizes:
                    mixed = (rolling + np.uint64(n)) * np.uint64(_MIX)
                    out.append((mixed >> shift).astype(np.int64))
        return out

    def windows(self, length: int) -> list[tuple[int, int]]:
        """Training windows over a folded text of ``length`` characters: half-overlapping, covering it all."""
        if length <= self.window:
            return [(0, length)]
        step = self.window // 2
        starts = list(range(0, length - self.window + 1, step))
        if starts[-1] + self.window < length:
            starts.append(length - self.window)
        return [(s, s + self.window) for s in starts]


@dataclass(frozen=True)
class NgramModel:
    """A trained weight table, its bias and its threshold; ``score`` is the best window's logit.

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

        per_size = self.features.buckets(folded)
        if not per_size or not len(per_size[0]):
            return self.bias
        length = len(per_size[0])
        contribution = np.zeros(length, dtype=np.float64)
        count = np.zeros(length, dtype=np.float64)
        for buckets in per_size:
            contribution[: len(buckets)] += self.weights[buckets]
            count[: len(buckets)] += 1.0
        window = self.features.window
        if length <= window:
            return float(contribution.sum() / np.sqrt(count.sum())) + self.bias
        summed = np.concatenate(([0.0], np.cumsum(contribution)))
        counted = np.concatenate(([0.0], np.cumsum(count)))
        totals = summed[window:] - summed[:-window]
        counts = counted[window:] - counted[:-window]
        return float((totals / np.sqrt(counts)).max()) + self.bias

    def flags(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    def evidence(self, folded: str) -> str:
        """The most injection-like window of folded text, for the guard's one-line reason."""
        import numpy as np

        per_size = self.features.buckets(folded)
        window = self.features.window
        if not per_size or len(per_size[0]) <= window:
            return folded.strip()
        contribution = np.zeros(len(per_size[0]), dtype=np.float64)
        for buckets in per_size:
            contribution[: len(buckets)] += self.weights[buckets]
        summed = np.concatenate(([0.0], np.cumsum(contribution)))
        start = int(np.argmax(summed[window:] - summed[:-window]))
        return folded[start : start + window].strip()


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
