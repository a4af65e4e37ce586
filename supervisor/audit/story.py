"""Reading a run back from the audit log as a story: one readable line per entry, safe to print on a terminal."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from supervisor.audit.chain import canonical_json
from supervisor.audit.log import AuditEntry
from supervisor.safe_text import for_terminal

_STORY_WIDTH = 160


def _cut(text: Any, width: int = 80) -> str:
    flat = for_terminal(" ".join(str(text).split()))  # whatever an agent wrote, it cannot drive a terminal
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


def _guard_line(d: Mapping[str, Any]) -> str:
    """Which guard held what, where, and its first reason: ``s1 researcher tool_result blocked by injection: ...``."""
    reasons = d.get("reasons") or []
    why = f": {_cut(reasons[0], 90)}" if reasons else ""
    more = f" (+{len(reasons) - 1} more)" if len(reasons) > 1 else ""
    return f"{d['subtask_id']} {d['agent']} {d['channel']} {d['status']} by {d['guard']}{why}{more}"


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
    "GuardTripped": _guard_line,
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
        kind = for_terminal(entry.kind)
        lines.append(f"{entry.seq:>3}  {kind:<{width}}  {_cut(summary, _STORY_WIDTH)}")
    return lines
