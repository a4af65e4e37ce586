"""Vocabulary of the injection rules, one data file per language (``rules/<language>.toml``), read at first use.

Baton guards en, es, fr, de, it, pt, nl, ru, zh, ja, and a little ko, pl and tr. Each file holds that language's
word lists under the names in :data:`LISTS`, written with accents and capitals as people write them; a list is a
family of words (verbs in imperative and infinitive forms, objects in singular and plural), not sentences.
:func:`words` gives one ``|``-separated group per language, which
:func:`supervisor.guards.detector.rulebook.word_group` folds (accents off, lower case) into one prefix-factored
alternation. Adding a language is adding a file and its name to :data:`LANGUAGES`.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from importlib.resources.abc import Traversable

from supervisor.errors import DetectorModelError

__all__ = ["LANGUAGES", "LISTS", "words"]

LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl", "ru", "zh", "ja", "ko", "pl", "tr")
LISTS = frozenset((
    "override_verbs", "override_objects", "role_core", "role_extra", "cue", "send", "secrets", "data_tags",
    "unrestricted", "persona", "pretend", "from_now", "from_now_then",
))  # fmt: skip
# Where the secret comes before the verb that sends it ("把API密钥发送到…"), the exfiltration rules read that order.
_ORDER_FLAG = "object_before_verb"


def _rules_folder() -> Traversable:
    return resources.files("supervisor.guards.detector").joinpath("rules")


@functools.cache
def _tables() -> dict[str, dict[str, object]]:
    folder = _rules_folder()
    tables = {}
    for language in LANGUAGES:
        try:
            table = tomllib.loads(folder.joinpath(f"{language}.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DetectorModelError(f"the detector's rules for {language!r} cannot be read: {exc}") from exc
        unknown = set(table) - LISTS - {_ORDER_FLAG}
        if unknown:
            raise DetectorModelError(f"rules/{language}.toml has lists no rule reads: {sorted(unknown)}")
        tables[language] = table
    return tables


def words(name: str, *, object_before_verb: bool = False) -> tuple[str, ...]:
    """List ``name`` of every language that has one (only those whose word order puts the object before the verb,
    with ``object_before_verb``), one ``|``-separated group per language."""
    if name not in LISTS:
        raise KeyError(name)
    groups = []
    for table in _tables().values():
        listed = table.get(name)
        if isinstance(listed, list) and listed and (table.get(_ORDER_FLAG) is True or not object_before_verb):
            groups.append("|".join(str(word) for word in listed))
    return tuple(groups)
