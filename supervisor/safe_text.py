"""Text from outside made safe where it crosses into the audit log, a terminal or a model.

Goals, model replies and tool results are untrusted text. Three things go wrong with such text, and each has
one function here:

- ``without_surrogates``: a lone UTF-16 surrogate (``"\\ud800"``, what JSON's ``\\ud800`` escape or a
  ``surrogateescape``-decoded argument gives) cannot be encoded as UTF-8, so SQLite, a file or an HTTP body
  refuses it. It is replaced by U+FFFD; a well-formed pair is joined into the character it encodes.
- ``for_terminal``: control characters and escape sequences would drive the reader's terminal (move the cursor,
  rewrite lines, set the title). They are shown as visible escapes (``\\x1b``), as are the bidirectional
  overrides that reorder what a reader sees.
- ``bounded``: a message has a size bound. Text past it is cut and replaced by a marker saying how many
  characters were cut, so the excess is never dropped silently.

Size bounds (characters): ``MODEL_MESSAGE_MAX_CHARS`` per message sent to a model, ``TOOL_OUTPUT_MAX_CHARS``
per tool output a model is shown, ``LOG_TEXT_MAX_CHARS`` per text value written into an audit entry.
"""

from __future__ import annotations

import re
from typing import Any

MODEL_MESSAGE_MAX_CHARS = 200_000
"""One message to a model: far above any context window Baton's prompts need, below what would exhaust memory."""
TOOL_OUTPUT_MAX_CHARS = 32_000
"""One tool output as a model sees it; the record keeps how much was cut (``ToolCall.cut_chars``)."""
LOG_TEXT_MAX_CHARS = 1_000_000
"""One text value in an audit entry: a 10 MB output is recorded as its first million characters and a marker."""

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional overrides
# and isolates that reorder text on screen ("Trojan Source").
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a surrogate (which UTF-8 cannot encode)."""
    # Encoding is the fast test: CPython's UTF-8 encoder runs far faster than a regex scan, and stops at the
    # first surrogate.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (pairs joined into their character)."""
    if not has_surrogates(text):
        return text  # the common case costs one encode
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def for_terminal(text: str) -> str:
    """``text`` safe to print: lone surrogates replaced, control characters and escapes made visible."""
    text = without_surrogates(text)
    if _TERMINAL_UNSAFE.search(text) is None:
        return text
    return _TERMINAL_UNSAFE.sub(_visible, text)


def one_line(text: str) -> str:
    """``text`` as one terminal-safe line: every run of whitespace, newlines included, becomes one space."""
    return for_terminal(" ".join(text.split()))


def undecodable_byte(text: str) -> tuple[int, int] | None:
    """(position, byte) of the first byte that was not UTF-8 in text decoded with ``surrogateescape`` (as Python
    decodes command-line arguments), or None when there is none."""
    for position, char in enumerate(text):
        if "\udc80" <= char <= "\udcff":
            return position, ord(char) - 0xDC00
    return None


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def bounded(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to about ``limit`` characters with a marker, and how many characters were cut (0: none)."""
    if len(text) <= limit:
        return text, 0
    cut = len(text) - limit
    return f"{text[:limit]}\n[... {cut} more characters cut]", cut


def safe_data(value: Any, limit: int = LOG_TEXT_MAX_CHARS) -> Any:
    """JSON data with every string (keys too) free of lone surrogates and bounded by ``limit``."""
    if isinstance(value, str):
        return bounded(without_surrogates(value), limit)[0]
    if isinstance(value, dict):
        return {safe_data(k, limit): safe_data(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe_data(v, limit) for v in value]
    return value
