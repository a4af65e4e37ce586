"""Recording a run's events in the audit log, and reading a run back as a story.

``AuditSink`` is an event sink: one entry per event, secrets redacted, the run's state committed with the first
and last entries and the run sealed when it finishes. ``format_story`` turns entries back into readable lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from supervisor.audit import RUNNING, AuditEntry, AuditLog, canonical_json
from supervisor.events import Event, RunFinished, RunStarted
from supervisor.redaction import Redactor
from supervisor.state import RunResult

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


# -- reading a run back ------------------------------------------------------------------------------------

_STORY_WIDTH = 160


def _cut(text: Any, width: int = 80) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _plan_line(d: Mapping[str, Any]) -> str:
    subtasks = d.get("plan", {}).get("subtasks", [])
    line = f"{len(subtasks)} subtask(s): " + ", ".join(
        f"{s.get('id')} {_cut(s.get('description'), 40)}" for s in subtasks
    )
    return f"{_cut(d['reason'])}; {line}" if "reason" in d else line


def _verdict_line(d: Mapping[str, Any]) -> str:
    v = d["verdict"]
    note = f": {_cut(v.get('feedback'))}" if v.get("feedback") else ""
    return f"{d['subtask_id']} {d['agent']} attempt {d['attempt']}: {v['decision']} by {v['decided_by']}{note}"


def _finished_line(d: Mapping[str, Any]) -> str:
    detail = d.get("output") if d.get("status") == "done" else d.get("error") or d.get("error_type") or ""
    accepted = ", ".join(d.get("accepted", [])) or "none"
    return f"{d.get('status')} (accepted: {accepted}): {_cut(detail)}"


def _generic_line(d: Any) -> str:
    if not isinstance(d, Mapping):
        return _cut(d)
    return ", ".join(f"{k}={_cut(v if isinstance(v, str) else canonical_json(v), 40)}" for k, v in d.items())


_STORY: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "RunStarted": lambda d: _cut(d["goal"]),
    "PlanMade": _plan_line,
    "Replanned": _plan_line,
    "SubtaskRouted": lambda d: (
        f"{d['decision']['subtask_id']} -> {d['decision']['agent']} "
        f"({d['decision']['decided_by']}: {_cut(d['decision']['reason'], 60)})"
    ),
    "AttemptStarted": lambda d: f"{d['subtask_id']} {d['agent']} attempt {d['attempt']}",
    "ToolCalled": lambda d: f"{d['subtask_id']} {d['agent']} calls {d['tool']}({_cut(d['query'], 40)!r})",
    "OutputProduced": lambda d: f"{d['subtask_id']} {d['agent']} attempt {d['attempt']}: {_cut(d['output'])}",
    "VerdictGiven": _verdict_line,
    "Rerouted": lambda d: f"{d['subtask_id']} {d['from_agent']} -> {d['to_agent']}: {_cut(d['reason'])}",
    "EscalationRaised": lambda d: (
        f"{d['escalation']['subtask_id']} {d['escalation']['agent']}: {_cut(d['escalation']['reason'])}"
    ),
    "HumanDecided": lambda d: (
        f"{d['subtask_id']}: {d['decision']['action']} by {d['decision']['by']} {_cut(d['decision']['text'], 60)}"
    ).rstrip(),
    "PolicyStopped": lambda d: f"{d['policy']}: {_cut(d['detail'])}",
    "RunFinished": _finished_line,
}


def format_story(entries: Sequence[AuditEntry]) -> list[str]:
    """One readable line per entry, e.g. ``"  7  VerdictGiven     s2 writer attempt 1: retry by code: ..."``."""
    width = max((len(e.kind) for e in entries), default=0)
    lines = []
    for entry in entries:
        describe: Callable[[Any], str] = _STORY.get(entry.kind, _generic_line)
        try:
            summary = describe(entry.data)
        except (KeyError, TypeError, AttributeError):
            summary = _generic_line(entry.data)  # a damaged or older entry still gets a line
        lines.append(f"{entry.seq:>3}  {entry.kind:<{width}}  {_cut(summary, _STORY_WIDTH)}")
    return lines
