"""The learned injection detector: a linear model over word stems and stem pairs, scored over sliding windows.

Rules catch what has a shape (encodings, invisible characters, markup, chat-template tokens); they do not keep up
with paraphrase. This model reads the words: the folded text is cut into tokens (words and runs of punctuation),
each read as its first ``prefix`` characters (so "instructions" and "instrucions" agree), and every token brings
the weight of its stem and of the pair it starts with its neighbour ("to the ai", "you must", "previous
instructions", "### system"). In a pair, the words of a role (an AI reader, "you", the task, dropping it, authority,
sending, secrets: ``NgramModel.roles``) read as the role, and an e-mail or web address as one word of its kind, so a
pair learned from one wording holds for the others. The text is flagged when some window of it (about a
sentence) scores above the threshold: scoring windows rather than the whole text keeps one injected sentence from
being diluted by a long, harmless carrier (an e-mail, a review, a JSON record).

Stems are numbered, pairs keyed by two numbers, and only features with a weight survive training, so scoring is
one ``dict.get`` per feature, done by ``map`` in C: a typical message costs microseconds and needs no numpy. The
weights ship in the package (``ngram_model.json``: the table, its bias, threshold and veto; ``ngram_model.sha256``
beside it) and are rebuilt deterministically by ``bench/train_detector.py``; nothing is downloaded.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate, repeat
from operator import add, itemgetter, mul, sub

from supervisor.errors import DetectorModelError

__all__ = ["NgramFeatures", "NgramModel", "fold_for_model", "model_text", "shipped_model"]

WEIGHTS_FILE = "ngram_model.json"
DIGEST_FILE = "ngram_model.sha256"

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufe00-\ufe0f]")
_DIGITS = re.compile(r"\d")
# Words, and runs of punctuation (markup such as "###", "[[", "<|" says as much as words do).
TOKEN = re.compile(r"\w+|[^\w\s]+")
# ASCII text needs only upper case and digits folded: bytes.translate does it in one C pass.
_ASCII_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789", b"abcdefghijklmnopqrstuvwxyz000000000")


def fold_for_model(normalised: str) -> str:
    """The form the model reads, from the detector's normalised text (look-alikes, leetspeak, accents and
    invisible characters already undone): NFKC, case-folded, digits collapsed to 0 (account numbers say nothing
    about intent), and every e-mail address and web address read as one word of its kind."""
    if normalised.isascii():
        text = normalised.encode("ascii").translate(_ASCII_FOLD).decode("ascii")
    else:
        text = _DIGITS.sub("0", unicodedata.normalize("NFKC", _INVISIBLE.sub("", normalised)).casefold())
    return _addresses_as_words(text)


# An attacker's address is any address: learned from the few in the training set, its words (a domain, a mailbox
# name) would teach the model those words and not "send it to an address".
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WEB = re.compile(r"\b(?:https?://|www\.)[^\s\"'<>)\]]+")


def _addresses_as_words(text: str) -> str:
    if "@" in text:
        text = _EMAIL.sub(" mailaddress ", text)
    if "://" in text or "www." in text:
        text = _WEB.sub(" webaddress ", text)
    return text


def model_text(text: str) -> str:
    """Raw text as the model reads it (what training uses; the guard reuses the rules' normalisation instead)."""
    from supervisor.guards.detector.normalize import normalize

    return fold_for_model(normalize(text).text)


@dataclass(frozen=True)
class NgramFeatures:
    """How tokens become features; training and scoring share it, so they cannot drift apart.

    Each token is read as its stem (its first ``prefix`` characters) and the stem as its number in the model's
    vocabulary (0 for a stem the vocabulary does not hold). A token anchors its stem and, for each of ``gaps``, the
    pair it makes with the stem that many tokens on (1: the next one). A pair's key is one integer,
    ``first * STRIDE + second``: hashing two small integers costs far less than building and hashing a string.
    ``window`` is counted in tokens.
    """

    prefix: int = 4
    window: int = 16
    # Pairs one token apart as well were measured: no better leave-one-family-out, a fifth more cost per message.
    gaps: tuple[int, ...] = (1,)

    def stems(self, folded: str) -> list[str]:
        return list(map(itemgetter(slice(0, self.prefix)), TOKEN.findall(folded)))

    def windows(self, count: int) -> list[tuple[int, int]]:
        """Training windows over ``count`` tokens: half-overlapping, covering them all."""
        if count <= self.window:
            return [(0, count)]
        step = self.window // 2
        starts = list(range(0, count - self.window + 1, step))
        if starts[-1] + self.window < count:
            starts.append(count - self.window)
        return [(s, s + self.window) for s in starts]


STRIDE = 1 << 20  # more than any vocabulary holds, so a pair's key names its two stems


def pair_keys(ids: list[int], gap: int) -> list[int]:
    """The key of the pair each stem number in ``ids`` makes with the one ``gap`` places on."""
    return list(map(add, map(mul, ids, repeat(STRIDE)), ids[gap:]))


@dataclass(frozen=True)
class NgramModel:
    """A trained weight table, its bias and its threshold; ``score`` is the best window's logit.

    A window's logit is the bias plus its features' summed weight over the square root of its token count, so a
    short text and a sentence-sized stretch of a long one are on one scale.

    ``veto``: below this score the model is confident a text is benign (almost no training attack scores lower),
    enough to overrule a wording rule that fired on a harmless record.
    """

    vocabulary: Mapping[str, int]  # stem -> its number, from 1
    stem_weights: Sequence[float]  # by stem number; [0], a stem outside the vocabulary, weighs 0
    pair_weights: Sequence[Mapping[int, float]]  # for each of the features' gaps: pair key -> weight
    bias: float
    threshold: float
    features: NgramFeatures = NgramFeatures()
    veto: float = float("-inf")
    # Whole words a pair reads as their role (AI reader, "you", task, dropping, authority, sending, secret): "the
    # assistant" and "the evaluator", "ignore your" and "disregard your" are one pair each, so a pair learned with
    # one word of a role holds for the others. Each role has a number above the vocabulary's.
    roles: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls, bias: float = 0.0, threshold: float = 0.0, veto: float = float("-inf")) -> NgramModel:
        """A model that knows no stem: every text scores ``bias``."""
        features = NgramFeatures()
        return cls({}, [0.0], tuple({} for _ in features.gaps), bias, threshold, features, veto)

    def score(self, text: str) -> float:
        """The logit of the most injection-like window of raw ``text`` (flagged when >= ``threshold``)."""
        return self.score_folded(model_text(text))

    def score_folded(self, folded: str) -> float:
        """``score`` for text already folded by :func:`fold_for_model`."""
        return self.score_tokens(TOKEN.findall(folded))

    def score_tokens(self, tokens: list[str]) -> float:
        """``score`` for the tokens of folded text."""
        count = len(tokens)
        if count == 0:
            return self.bias
        per_token = self.contributions(tokens)
        window = self.features.window
        if count <= window:
            return sum(per_token) / math.sqrt(count) + self.bias
        summed = list(accumulate(per_token, initial=0.0))
        best: float = max(map(sub, summed[window:], summed[:-window]))
        return best / math.sqrt(window) + self.bias

    def contributions(self, tokens: list[str]) -> list[float]:
        """The summed weight of the features anchored at each token."""
        ids = list(map(self.vocabulary.get, map(itemgetter(slice(0, self.features.prefix)), tokens), repeat(0)))
        paired = list(map(self.roles.get, tokens, ids)) if self.roles else ids
        scaled = list(map(mul, paired, repeat(STRIDE)))
        # One chain of maps, run in C when ``list`` consumes it: a stem's weight plus its pairs' weights. The
        # chain stops where the widest pair runs out of tokens; the last few tokens are added one by one.
        summed = map(self.stem_weights.__getitem__, ids)
        for gap, weights in zip(self.features.gaps, self.pair_weights, strict=True):
            summed = map(add, summed, map(weights.get, map(add, scaled, paired[gap:]), repeat(0.0)))
        per_token = list(summed)
        for i in range(len(per_token), len(ids)):
            value = self.stem_weights[ids[i]]
            for gap, weights in zip(self.features.gaps, self.pair_weights, strict=True):
                if i + gap < len(ids):
                    value += weights.get(scaled[i] + paired[i + gap], 0.0)
            per_token.append(value)
        return per_token

    def flags(self, text: str) -> bool:
        return self.score(text) >= self.threshold

    def evidence(self, folded: str, shown: str | None = None) -> str:
        """The most injection-like window of folded text, for the guard's one-line reason: cut from ``shown`` (the
        text before folding, digits and all) where folding kept every character in place, else from ``folded``."""
        spans = [m.span() for m in TOKEN.finditer(folded)]
        window = self.features.window
        if shown is None or len(shown) != len(folded):
            shown = folded
        if len(spans) <= window:
            return shown.strip()
        summed = list(accumulate(self.contributions([folded[a:b] for a, b in spans]), initial=0.0))
        sums = list(map(sub, summed[window:], summed[:-window]))
        start = sums.index(max(sums))
        return shown[spans[start][0] : spans[start + window - 1][1]].strip()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_model(data: bytes, digest: str) -> NgramModel:
    """A model from its weight file's bytes; the bytes must match ``digest`` (their sha256)."""
    if sha256_of(data) != digest.strip():
        raise DetectorModelError("the detector's weight file does not match its sha256")
    try:
        table = json.loads(data)
        pairs = table["pairs"]
        gaps = tuple(int(p["gap"]) for p in pairs)
        features = NgramFeatures(prefix=int(table["prefix"]), window=int(table["window"]), gaps=gaps)
        vocabulary = {str(stem): number for number, stem in enumerate(table["stems"], start=1)}
        stem_weights = [0.0, *(float(w) for w in table["stem_weights"])]
        if len(stem_weights) != len(vocabulary) + 1:
            raise ValueError(f"{len(stem_weights) - 1} stem weights for {len(vocabulary)} stems")
        pair_weights = tuple({int(k): float(w) for k, w in zip(p["keys"], p["weights"], strict=True)} for p in pairs)
        bias, threshold, veto = float(table["bias"]), float(table["threshold"]), float(table["veto"])
        roles = role_numbers(table.get("roles", {}), len(vocabulary))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DetectorModelError(f"the detector's weight file is malformed: {exc}") from exc
    return NgramModel(vocabulary, stem_weights, pair_weights, bias, threshold, features, veto, roles)


def role_numbers(roles: Mapping[str, Sequence[str]], vocabulary_size: int) -> dict[str, int]:
    """Each word of each role -> the role's number: roles in their given order, numbered after the vocabulary."""
    return {str(word): vocabulary_size + 1 + n for n, words in enumerate(roles.values()) for word in words}


@functools.cache
def shipped_model() -> NgramModel:
    """The model shipped with Baton, loaded and checked once per process."""
    here = resources.files("supervisor.guards.detector")
    try:
        data = here.joinpath(WEIGHTS_FILE).read_bytes()
        digest = here.joinpath(DIGEST_FILE).read_text(encoding="utf-8")
    except OSError as exc:
        raise DetectorModelError(f"the detector's shipped model cannot be read: {exc}") from exc
    return load_model(data, digest)
