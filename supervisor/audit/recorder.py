"""Recording a run's events in the audit log.

``AuditSink`` is an event sink: one entry per event, secrets redacted, the run's state committed with the first
and last entries and the run sealed when it finishes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from supervisor.audit.chain import RUNNING, canonical_json
from supervisor.audit.log import AuditLog
from supervisor.audit.redaction import Redactor
from supervisor.events import Event, RunFinished, RunStarted
from supervisor.result import RunResult

# -- recording a run's events ------------------------------------------------------------------------------


def to_json_data(value: Any) -> Any:
    """``value`` as JSON data: pydantic models by ``model_dump(mode="json")``, dataclasses field by field."""
    if value is None or isinstance(value, bool | int | float | str):
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


def event_data(event: Event) -> dict[str, Any]:
    """The JSON data an entry records for ``event``: its fields but the run id and sequence number."""
    if isinstance(event, RunFinished):
        return _result_summary(event.result)
    skip = {"run_id", "seq"}
    return {f.name: to_json_data(getattr(event, f.name)) for f in dataclasses.fields(event) if f.name not in skip}


class AuditSink:
    """An event sink (``on_event=``) that appends one entry per event, secrets redacted.

    ``RunStarted`` (and the first event of a resumed run) marks the run ``running``; ``RunFinished`` records the
    final status and result as the run's state and seals the run, all in one transaction. Event classes it does
    not know are recorded generically, by their fields. A failing write raises: an audit log that silently
    loses entries would be worse than a stopped run.
    """

    def __init__(self, log: AuditLog, redactor: Redactor | None = None) -> None:
        self.log = log
        self.redactor = redactor or Redactor(())
        self._open_runs: set[str] = set()

    def __repr__(self) -> str:
        return f"<AuditSink to {self.log.path}>"

    def __call__(self, event: Event) -> None:
        redact = self.redactor.redact_data
        data = redact(event_data(event))
        kind = type(event).__name__
        if isinstance(event, RunFinished):
            state = {"status": event.result.status, "result": redact(event.result.to_json_dict())}
            self.log.append(event.run_id, kind, data, state=state, seal=True)
            self._open_runs.discard(event.run_id)
        elif isinstance(event, RunStarted) or event.run_id not in self._open_runs:
            self.log.append(event.run_id, kind, data, state={"status": RUNNING})
            self._open_runs.add(event.run_id)
        else:
            self.log.append(event.run_id, kind, data)
