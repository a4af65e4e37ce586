"""Plain-text facts the checks share: where a sentence ends, and whether a text mentions a term as a word."""

from __future__ import annotations

import functools
import re

# Closing punctuation, brackets and quotes end a sentence; so do the CJK full stop, exclamation and question
# marks and corner brackets.
_STOPS = r""".!?:;)\]}"'`*>\u3002\uff01\uff1f\u300d\u300f"""
ENDS_A_SENTENCE = re.compile(rf"[{_STOPS}]\s*$")
SENTENCE_BREAK = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")
"""Where one sentence ends and the next begins, for splitting a line into sentences."""


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends as a finished sentence does (not cut off mid-word)."""
    return ENDS_A_SENTENCE.search(text) is not None


@functools.cache
def _term_pattern(term: str) -> re.Pattern[str]:
    # A term matches as a whole word or phrase: "Hi" is not found inside "this", "refund" not in "refunded"
    # unless the term says so. Terms that start or end with a non-word character match at that edge as is.
    start = r"(?<!\w)" if term[:1].isalnum() or term[:1] == "_" else ""
    end = r"(?!\w)" if term[-1:].isalnum() or term[-1:] == "_" else ""
    return re.compile(start + re.escape(term) + end, re.IGNORECASE)


def mentions(text: str, term: str) -> bool:
    """Whether ``text`` contains ``term`` as a word or phrase, ignoring case."""
    return bool(term.strip()) and _term_pattern(term.strip()).search(text) is not None
