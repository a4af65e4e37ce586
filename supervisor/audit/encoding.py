"""An event as an audit entry's data: its JSON data (``event_data``) and that data's canonical JSON in one pass
(``encode_event``), the form every entry is chained, stored and checked in.

An event's fields are mostly text and small numbers. ``encode_event`` writes those straight into a template made
once per event class (its field names quoted and sorted as ``canonical_json`` sorts them), so the common entry
builds no intermediate dict; other values (pydantic models, dataclasses, collections) are converted by
``to_json_data`` and encoded by ``canonical_json``. The text is ``canonical_json(event_data(event))``, byte for
byte (``tests/audit/test_encoding.py`` holds it to that).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from json.encoder import encode_basestring
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from supervisor.audit.chain import canonical_json
from supervisor.events import Event, RunFinished
from supervisor.result import RunResult


def to_json_data(value: Any) -> Any:
    """``value`` as JSON data: pydantic models by ``model_dump(mode="json")``, dataclasses field by field."""
    if type(value) is str or value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_data(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, Enum):
        return to_json_data(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return repr(value)  # something new: recorded as its repr rather than dropped


def _result_summary(result: RunResult) -> dict[str, Any]:
    # The whole result repeats every step already recorded; the entry keeps what the run ended with.
    return {
        "status": result.status,
        "output": result.output,
        "error": result.error,
        "error_type": result.error_type,
        "usage": to_json_data(result.usage),
        "accepted": list(result.accepted),
    }


@dataclasses.dataclass(frozen=True, slots=True)
class _EventForm:
    """What every entry of one event class records: its field names, and the canonical JSON around their values."""

    names: tuple[str, ...]  # sorted as canonical_json sorts keys
    template: str  # '{"a":%s,"b":%s}': each %s is one value's canonical JSON


_FORMS: dict[type[Event], _EventForm] = {}
"""Per event class, made once (``dataclasses.fields`` is slow per event)."""


def _form(cls: type[Event]) -> _EventForm:
    form = _FORMS.get(cls)
    if form is None:
        names = tuple(sorted(f.name for f in dataclasses.fields(cls) if f.name not in ("run_id", "seq")))
        # Field names are identifiers: quoted, they hold no '%' for the template to trip on.
        template = "{" + ",".join(f"{encode_basestring(name)}:%s" for name in names) + "}"
        form = _FORMS[cls] = _EventForm(names, template)
    return form


def event_data(event: Event) -> dict[str, Any]:
    """The JSON data an entry records for ``event``: its fields but the run id and sequence number."""
    if isinstance(event, RunFinished):
        return _result_summary(event.result)
    return {name: to_json_data(getattr(event, name)) for name in _form(type(event)).names}


def _value_json(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return canonical_json(to_json_data(value))


def encode_event(event: Event) -> str:
    """``canonical_json(event_data(event))``, written in one pass."""
    if isinstance(event, RunFinished):
        return canonical_json(_result_summary(event.result))
    form = _form(type(event))
    return form.template % tuple([_value_json(getattr(event, name)) for name in form.names])
