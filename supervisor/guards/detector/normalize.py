"""Text normalisation for the injection detector: one canonical form to match, plus any hidden text made visible.

Attackers dress the same words up so a naive matcher misses them: zero-width characters inside words, bidi
overrides that display reversed text forwards, invisible Unicode tag characters, Cyrillic or Greek look-alikes,
fullwidth or mathematical letters, leetspeak digits, base64 or hex. :func:`normalize` undoes each of these and
returns the text to match (:attr:`Normalized.text`) and the decoded runs (:attr:`Normalized.decoded`), which the
detector scans separately so it can say a finding was encoded.

Accents are stripped (NFKD, combining marks removed) so patterns need one spelling per word; the detector folds
its own patterns with :func:`fold_pattern` so both sides agree. Everything here runs in C-level calls
(``str.translate``, compiled regexes, ``unicodedata``); the slow paths only start when the cheap checks say the
text needs them (non-ASCII characters, a long base64-looking run, a right-to-left override).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Normalized", "fold_pattern", "normalize", "strip_invisible"]

# Zero-width and formatting characters that render as nothing, and the bidi controls that reorder what renders.
_INVISIBLE = [
    0x00AD,  # soft hyphen
    0x034F,  # combining grapheme joiner
    0x061C,  # Arabic letter mark
    0x115F,
    0x1160,  # Hangul fillers
    0x17B4,
    0x17B5,  # Khmer inherent vowels (invisible)
    0x180E,  # Mongolian vowel separator
    *range(0x200B, 0x2010),  # zero-width space/non-joiner/joiner, LRM, RLM
    *range(0x202A, 0x202F),  # bidi embeddings and overrides
    *range(0x2060, 0x2065),  # word joiner, invisible operators
    *range(0x2066, 0x206A),  # bidi isolates
    *range(0x206A, 0x2070),  # deprecated format characters
    0x3164,  # Hangul filler
    0xFEFF,  # byte-order mark / zero-width no-break space
    0xFFA0,  # halfwidth Hangul filler
    *range(0xFE00, 0xFE10),  # variation selectors
    *range(0xE0000, 0xE0080),  # tag characters (revealed separately, see _reveal)
]
_DELETE_INVISIBLE = dict.fromkeys(_INVISIBLE)
_HAS_INVISIBLE = re.compile("[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]")

# Folded everywhere: letters no real word is written in (small capitals, IPA variants), and typographic quotes
# and dashes, so patterns can use plain ASCII punctuation.
_ALWAYS_FOLD = str.maketrans(
    {
        # small capitals and IPA letters
        "\u0131": "i", "\u0237": "j", "\u0251": "a", "\u0261": "g", "\u0269": "i", "\u026a": "i", "\u028f": "y",
        "\u1d00": "a", "\u0299": "b", "\u1d04": "c", "\u1d05": "d", "\u1d07": "e", "\u0262": "g", "\u029c": "h",
        "\u1d0a": "j", "\u1d0b": "k", "\u029f": "l", "\u1d0d": "m", "\u0274": "n", "\u1d0f": "o", "\u1d18": "p",
        "\u0280": "r", "\ua731": "s", "\u1d1b": "t", "\u1d1c": "u", "\u1d20": "v", "\u1d21": "w", "\u1d22": "z",
        "\ua7b5": "b",
        # typographic quotes, dashes and CJK punctuation
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u3002": ".", "\uff61": ".", "\uff01": "!", "\uff1f": "?", "\uff1a": ":", "\uff1b": ";", "\u3010": "[",
        "\u3011": "]", "\u3014": "[", "\u3015": "]", "\u3016": "[", "\u3017": "]", "\u300c": '"', "\u300d": '"',
        "\u300e": '"', "\u300f": '"', "\u3001": ",",
    }
)  # fmt: skip

# Cyrillic, Greek and Armenian letters that look like Latin ones. Folded only where a word mixes scripts, or where
# the whole text is mostly Latin, so Russian or Greek prose keeps its own letters for its own patterns.
# Written as escapes: the letters themselves would be indistinguishable from the Latin ones here.
_LOOKALIKES = {
    # Cyrillic
    "\u0430": "a", "\u0432": "b", "\u0435": "e", "\u0451": "e", "\u043a": "k", "\u043c": "m", "\u043d": "h",
    "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0442": "t", "\u0443": "y", "\u0445": "x", "\u0455": "s",
    "\u0456": "i", "\u0457": "i", "\u0458": "j", "\u0501": "d", "\u04bb": "h", "\u051b": "q", "\u051d": "w",
    "\u04cf": "l", "\u044c": "b", "\u043f": "n", "\u0433": "r",
    # Greek
    "\u03b1": "a", "\u03b2": "b", "\u03b5": "e", "\u03b7": "n", "\u03b9": "i", "\u03ba": "k", "\u03bd": "v",
    "\u03bf": "o", "\u03c1": "p", "\u03c4": "t", "\u03c5": "u", "\u03c7": "x", "\u03b3": "y", "\u03c9": "w",
    "\u03f2": "c", "\u03f3": "j", "\u03f1": "p", "\u03c2": "c",
    # Armenian
    "\u0585": "o", "\u057d": "u", "\u0570": "h", "\u0578": "n", "\u0566": "q", "\u0581": "g",
}  # fmt: skip
_LOOKALIKE_FOLD = str.maketrans(_LOOKALIKES)
_LOOKALIKE_CHARS = "".join(_LOOKALIKES)
_HAS_LOOKALIKE = re.compile(f"[{_LOOKALIKE_CHARS}]")
# Letters of those scripts that look like nothing Latin: real Russian or Greek prose is full of them.
_UNLIKE_LATIN = re.compile(
    "["
    + "".join(c for c in map(chr, range(0x370, 0x590)) if c.isalpha() and c.islower() and c not in _LOOKALIKES)
    + "]"
)
_MIXED_WORD = re.compile(rf"\b(?=\w*[a-z])(?=\w*[{_LOOKALIKE_CHARS}])\w+")

# Leetspeak: only inside words that mix letters with these digits ("1gn0re"), never in plain numbers.
_LEET_WORD = re.compile(r"\b(?=[a-z013457]*[a-z])(?=[a-z013457]*[013457])[a-z013457]+\b")
_LEET_FOLD = str.maketrans("013457", "oieast")
_LETTER_BY_LEET = re.compile(r"[a-z][013457]|[013457][a-z]")  # a leet word has a letter beside such a digit
_ONLY_PLAIN_SPACES = re.compile(r"[^\t\r\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*")

_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]")
_NEWLINE_RUN = re.compile(r"\s*\n\s*")
_SPACE_RUN = re.compile(r"[^\S\n]+")

# Encoded runs. Base64 includes the URL-safe alphabet; hex may be bare, \x-escaped, %-escaped or byte-spaced.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/_\-])[A-Za-z0-9+/_\-]{16,}={0,2}")
_HEX_ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2}){8,}|(?:%[0-9A-Fa-f]{2}){8,}")
# Starts only where a byte sequence starts: tried inside one, each attempt would re-read the rest (quadratic).
_HEX_SPACED = re.compile(
    r"(?<![0-9A-Fa-f])(?<![0-9A-Fa-f][ :,\-])[0-9A-Fa-f]{2}(?:[ :,\-][0-9A-Fa-f]{2}){7,}(?![0-9A-Fa-f])"
)
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]+")
_MIN_RUN, _MIN_SPACED_BYTES = 16, 8  # the shortest base64 run and byte-spaced hex run the decoders read
_HEX_RUN = re.compile(rb"(?:0[xX])?[0-9A-Fa-f]+")
_HEX_DASHED = re.compile(rb"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}")  # byte pairs joined by "-", one run
# Hex digits become "h", "-" stays, the rest of the base64 alphabet becomes "x" and anything else a space.
_HEX_SHAPE = bytes(
    ord("h")
    if chr(b) in "0123456789abcdefABCDEF"
    else b
    if chr(b) == "-"
    else ord("x")
    if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/_")
    else 0x20
    for b in range(256)
)
_JOINED_PAIRS = [(k, b"-".join([b"hh"] * k)) for k in range(2, 6)]  # with no "-" run over 16 characters
# Every byte outside the base64 alphabet (URL-safe included) becomes a space, so runs split apart.
_BREAK_BASE64 = bytes(b if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/_-") else 0x20 for b in range(256))
_UNICODE_ESCAPES = re.compile(r"(?:\\u[0-9A-Fa-f]{4}){4,}")
_ROT13_NAMED = re.compile(r"rot[\s_-]?13|caesar", re.IGNORECASE)
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_LETTER = re.compile(r"[^\W\d_]")
_MAX_RUNS = 16  # decode at most this many runs per text: a long document must not cost unboundedly
_MAX_RUN_CHARS = 65_536
_MAX_DEPTH = 2  # base64 inside hex inside the message, and no deeper

_SPACED_RUN = re.compile(r"(?<!\S)(?:\w ){3,}\w(?!\S)")
_SNAKE_RUN = re.compile(r"[A-Za-z]+(?:_[A-Za-z]+){2,}")
_RLO_SPAN = re.compile("\u202e([^\u202c\n]*)")
_TAG_RUN = re.compile("[\U000e0020-\U000e007e]+")
_TAG_TO_ASCII = {c: c - 0xE0000 for c in range(0xE0020, 0xE007F)}


@dataclass(frozen=True, slots=True)
class Normalized:
    """The text to match, and the normalised text of each base64/hex run that decoded to readable text."""

    text: str
    decoded: tuple[str, ...] = ()


def strip_invisible(text: str) -> str:
    """``text`` without zero-width, bidi-control or tag characters (what a reader sees, in logical order)."""
    if text.isascii():
        return text
    return text.translate(_DELETE_INVISIBLE)


def fold_pattern(pattern: str) -> str:
    """Fold a pattern's letters the way :func:`normalize` folds text (NFKD, accents off, lower case)."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", pattern)).lower().translate(_ALWAYS_FOLD)


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching and decode the encoded runs it carries."""
    return _normalize(text, depth=0)


def _normalize(text: str, depth: int) -> Normalized:
    revealed = _reveal(text)
    cased = _visible(text)
    folded = _fold(cased)
    if revealed:
        folded = f"{folded}\n{_fold(_visible(revealed))}"
    decoded = _decode_runs(cased, depth) if depth < _MAX_DEPTH and _may_be_encoded(cased, folded) else ()
    return Normalized(folded, decoded)


def _may_be_encoded(cased: str, folded: str) -> bool:
    """Whether any decoder below could find something in ASCII text, from substring searches and run lengths done
    in C (most text carries nothing encoded, and running every decoder's regex was most of what normalising cost).

    A base64 or bare hex run is a run of 16 characters of the base64 alphabet, and so is hex joined by ``-``; the
    other forms have a marker of their own. Hex spaced into byte pairs needs eight pairs in runs of two, five,
    eight ... characters; only then is its own regex worth running."""
    if not cased.isascii():
        return True
    if "&#" in cased or "\\" in cased or "%" in cased or "rot" in folded or "caesar" in folded:
        return True
    runs = cased.encode("ascii").translate(_BREAK_BASE64).split()
    lengths = list(map(len, runs))
    # The same test as _encoded_candidates: a long run counts when it is hex, or mixes cases as base64 does.
    if lengths and max(lengths) >= _MIN_RUN:
        long = [run for run in runs if len(run) >= _MIN_RUN]
        if any(
            _HEX_RUN.fullmatch(run) or _HEX_DASHED.search(run) or not (run.islower() or run.isupper()) for run in long
        ):
            return True
    # Byte pairs: runs of 2, 5, 8 ... characters (k pairs joined by "-"); too few of those lengths, no hex at all.
    most = lengths.count(2) + 2 * lengths.count(5) + 3 * lengths.count(8) + 4 * lengths.count(11)
    if most + 5 * lengths.count(14) < _MIN_SPACED_BYTES:
        return False
    # Then each hex digit read as "h", so the runs that are all hex are a few shapes to count.
    shapes = cased.encode("ascii").translate(_HEX_SHAPE).split()
    pairs = shapes.count(b"hh") + sum(k * shapes.count(shape) for k, shape in _JOINED_PAIRS)
    return pairs >= _MIN_SPACED_BYTES and _HEX_SPACED.search(cased) is not None


def _visible(text: str) -> str:
    """Invisible characters removed and compatibility forms (fullwidth, mathematical letters) decomposed."""
    if text.isascii():
        return text
    if _HAS_INVISIBLE.search(text):
        text = text.translate(_DELETE_INVISIBLE)
    return unicodedata.normalize("NFKD", text)


def _fold(text: str) -> str:
    if text.isascii():
        text = text.lower()
    else:
        text = _MARKS.sub("", text).lower().translate(_ALWAYS_FOLD)
        if _HAS_LOOKALIKE.search(text):
            text = _fold_lookalikes(text)
    if any(d in text for d in "013457") and _LETTER_BY_LEET.search(text):
        text = _LEET_WORD.sub(lambda m: m.group().translate(_LEET_FOLD), text)
    if "\n" in text:
        text = _NEWLINE_RUN.sub("\n", text)
    if "  " in text or not _ONLY_PLAIN_SPACES.fullmatch(text):
        text = _SPACE_RUN.sub(" ", text)
    return text.strip()


def _fold_lookalikes(text: str) -> str:
    # When nearly every Cyrillic/Greek letter present has a Latin twin, the text is Latin in disguise: fold them
    # all. Otherwise (Russian or Greek prose) fold only the words that mix in Latin letters.
    lookalikes = len(_HAS_LOOKALIKE.findall(text))
    if len(_UNLIKE_LATIN.findall(text)) * 10 < lookalikes:
        return text.translate(_LOOKALIKE_FOLD)
    return _MIXED_WORD.sub(lambda m: m.group().translate(_LOOKALIKE_FOLD), text)


def _reveal(text: str) -> str:
    """Text hidden by tricks: right-to-left overrides (stored reversed), Unicode tag characters, letters spaced
    out ("i g n o r e  a l l"), words joined by underscores ("ignore_all_previous_instructions")."""
    parts: list[str] = []
    # Cheap gates first: spaced-out letters make a text mostly spaces; snake-case needs an underscore.
    if text.count(" ") * 3 > len(text) and _SPACED_RUN.search(text):
        parts.append(_SPACED_RUN.sub(lambda m: m.group().replace(" ", ""), text))
    if "_" in text:
        parts.extend(run.replace("_", " ") for run in _SNAKE_RUN.findall(text))
    if text.isascii():
        return "\n".join(parts)
    if "\u202e" in text:
        parts.extend(span[::-1] for span in _RLO_SPAN.findall(text))
    if _TAG_RUN.search(text):
        parts.extend(run.translate(_TAG_TO_ASCII) for run in _TAG_RUN.findall(text))
    return "\n".join(parts)


def _decode_runs(cased: str, depth: int) -> tuple[str, ...]:
    plains = _decoded_wholes(cased)
    for is_hex, run in _encoded_candidates(cased):
        raw = _decode(is_hex, run)
        text = None if raw is None else _as_text(raw)
        if text is not None:
            plains.append(text)
    found: list[str] = []
    for plain in plains:
        inner = _normalize(plain, depth + 1)
        found.append(inner.text)
        found.extend(inner.decoded)
    return tuple(found)


def _decoded_wholes(text: str) -> list[str]:
    """Whole-text decodings, each tried only when the text shows its marker: HTML character references,
    \\u escapes, and ROT13 when the text names it (no other text would ever need it)."""
    found: list[str] = []
    if "&#" in text:
        found.append(html.unescape(text))
    if "\\u" in text and _UNICODE_ESCAPES.search(text):
        found.append(_UNICODE_ESCAPES.sub(lambda m: m.group().encode("ascii").decode("unicode_escape"), text))
    if _ROT13_NAMED.search(text):
        found.append(codecs.decode(text, "rot13"))
    return found


def _encoded_candidates(text: str) -> list[tuple[bool, str]]:
    """(is_hex, run) for each run that may be encoded, hex forms first."""
    runs: list[tuple[bool, str]] = []
    if "\\x" in text or "%" in text:
        runs.extend((True, m.group()) for m in _HEX_ESCAPED.finditer(text))
    runs.extend((True, m.group()) for m in _HEX_SPACED.finditer(text))
    for m in _BASE64_RUN.finditer(text):
        run = m.group()
        digits = run[2:] if run[:2] in ("0x", "0X") else run
        if _HEX_DIGITS.fullmatch(digits):
            runs.append((True, digits))
        elif not (run.islower() or run.isupper()):  # base64 of text nearly always mixes cases; identifiers don't
            runs.append((False, run))
    return runs[:_MAX_RUNS]


def _decode(is_hex: bool, run: str) -> bytes | None:
    if len(run) > _MAX_RUN_CHARS:
        return None
    return _from_hex(run) if is_hex else _from_base64(run)


def _from_hex(run: str) -> bytes | None:
    digits = "".join(_HEX_DIGITS.findall(run.replace("\\x", " ").replace("\\X", " ").replace("%", " ")))
    if len(digits) % 2:
        return None
    try:
        return bytes.fromhex(digits)
    except ValueError:
        return None


def _from_base64(run: str) -> bytes | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    try:
        if "-" in padded or "_" in padded:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _as_text(raw: bytes) -> str | None:
    """The bytes as text when they are mostly printable UTF-8 with some letters; None for binary."""
    if len(raw) < 8:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.isprintable():
        bad = len(_UNPRINTABLE.findall(text))
        if bad * 10 > len(text):
            return None
    letters = len(_LETTER.findall(text))
    if letters * 2 < len(text.replace(" ", "")):
        return None
    return text
