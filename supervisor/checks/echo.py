"""Echo: an output that reads its prompt back instead of doing the work.

A small model often answers with its own task line, its "Done when" criteria, its role instructions or the
labels of its data blocks; a strong one sometimes starts by restating them. Such an output contains words but no
work, and a check of length or keywords accepts it. This check compares the output with the prompt's
scaffolding, which is everything in the prompt that is not data (the goal and earlier results are data, and an
output may quote them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

# Labels the prompt templates use around data and tasks; an answer has no reason to write them.
_LABELS = re.compile(
    r"\b(?:your task|done when|overall goal|result of (?:earlier step|tool) \S+|your output)\s*:"
    r"|^\W*(?:task|goal)\s*:|</?data>|\b(?:write your answer now|your previous answer was rejected)\b",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = re.compile(r"[a-z0-9']+")
_SHINGLE = 4
ECHO_SHARE = 0.5
"""The share of an output's 4-word runs found in the scaffolding above which the output is an echo."""


def _runs(words: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)]


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    return frozenset(_runs(_WORD.findall(text.lower())))


# A team's instructions, tasks and criteria come back at every attempt of every run: their shingles are kept.
_scaffold_shingles = functools.lru_cache(maxsize=1024)(_shingles)


REPEAT_SHARE = 0.35
"""The share of repeated 4-word runs above which an output is a repetition loop."""


def _repetition(runs: int, distinct: int) -> str | None:
    """A repetition loop ("I'm sorry for the mistake. I'm sorry for the mistake. ...") is not an answer."""
    if runs < 8:
        return None
    repeated = 1 - distinct / runs
    if repeated >= REPEAT_SHARE:
        return "The answer repeats itself in a loop. Say each thing once."
    return None


def echo_or_repetition(output: str, scaffolding: Sequence[str]) -> str | None:
    """Why ``output`` is an echo of ``scaffolding`` (the prompt's instructions, task and criteria) or a
    repetition loop, or ``None``; one reading of the output's words serves both checks."""
    runs = _runs(_WORD.findall(output.lower()))
    said = frozenset(runs)
    return _echo(output, said, scaffolding) or _repetition(len(runs), len(said))


def _may_hold_a_label(output: str) -> bool:
    # Every label has a colon, an angle bracket or the word "answer" (as case-insensitive matching finds it):
    # text without any of them is not searched, a scan in C rather than the pattern tried at every position.
    return ":" in output or "<" in output or "answer" in output.casefold()


def _echo(output: str, said: frozenset[tuple[str, ...]], scaffolding: Sequence[str]) -> str | None:
    label = _LABELS.search(output) if _may_hold_a_label(output) else None
    if label is not None:
        return (
            f"The answer repeats the prompt ({label.group(0).strip()!r}) instead of doing the task. "
            "Write only the result."
        )
    if len(said) < 3:
        return None
    copied = set().union(*(said & _scaffold_shingles(text) for text in scaffolding))
    share = len(copied) / len(said)
    if share >= ECHO_SHARE:
        return "The answer copies its instructions instead of doing the task. Write the result itself."
    return None
