"""The single filter point: every message that crosses between agents passes one ``GuardPipeline``.

A guard is a typed function ``(GuardedMessage) -> GuardResult``: it passes the text, returns a sanitized
version, or blocks it, with its reasons. Guards run in order; a sanitized text is what the next guard sees, and
the first block ends the pipeline. Which guards care about which message is decided by the message's channel and
provenance, so the pipeline itself stays one loop with no per-message work beyond what its guards need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from supervisor.guards.provenance import Provenance, is_untrusted

Channel = Literal["task", "output", "tool_result", "tool_args", "tool_description", "final"]
"""Where a message is going: supervisor -> specialist (task), specialist -> supervisor (output), tool ->
specialist (tool_result), specialist -> tool (tool_args), a tool source's description of a tool -> the models
it is offered to (tool_description), supervisor -> user (final)."""

GuardStatus = Literal["pass", "sanitized", "blocked"]


@dataclass(frozen=True, slots=True)
class GuardedMessage:
    """One message crossing between agents: its text, where it goes, and where its text came from."""

    channel: Channel
    text: str
    source: Provenance
    agent: str = ""
    subtask_id: str = ""

    @property
    def untrusted(self) -> bool:
        return is_untrusted(self.source)


@dataclass(frozen=True, slots=True)
class GuardResult:
    """What a guard (or the whole pipeline) made of a message."""

    status: GuardStatus
    text: str
    guard: str = ""
    reasons: tuple[str, ...] = ()
    findings: tuple[object, ...] = field(default=(), repr=False)

    @property
    def blocked(self) -> bool:
        return self.status == "blocked"

    def __repr__(self) -> str:
        why = f": {'; '.join(self.reasons)[:60]!r}" if self.reasons else ""
        return f"<GuardResult {self.status}{' by ' + self.guard if self.guard else ''}{why}>"


Guard = Callable[[GuardedMessage], GuardResult]


def passed(message: GuardedMessage) -> GuardResult:
    return GuardResult("pass", message.text)


class GuardPipeline:
    """Runs guards in order over a message; the result carries every guard's reasons that fired."""

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards = tuple(guards)

    def check(self, message: GuardedMessage) -> GuardResult:
        text, status = message.text, "pass"
        reasons: list[str] = []
        findings: list[object] = []
        by: list[str] = []
        current = message
        for guard in self.guards:
            result = guard(current)
            if result.status == "pass":
                continue
            reasons.extend(result.reasons)
            findings.extend(result.findings)
            by.append(result.guard or getattr(guard, "__name__", "guard"))
            if result.status == "blocked":
                return GuardResult("blocked", text, ", ".join(by), tuple(reasons), tuple(findings))
            status, text = "sanitized", result.text
            current = GuardedMessage(message.channel, text, message.source, message.agent, message.subtask_id)
        return GuardResult(
            "sanitized" if status == "sanitized" else "pass", text, ", ".join(by), tuple(reasons), tuple(findings)
        )

    def __repr__(self) -> str:
        return f"<GuardPipeline {', '.join(getattr(g, 'name', type(g).__name__) for g in self.guards)}>"
