"""Run state as plain data: what each subtask did, and the result of a run."""

from __future__ import annotations

import builtins
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from supervisor import errors
from supervisor.decisions.schemas import Decision, Plan, Subtask
from supervisor.errors import RunError
from supervisor.models import Usage
from supervisor.safe_text import without_surrogates

StepStatus = Literal[
    "running", "accepted", "rejected", "failed", "cancelled", "replanned", "waiting_for_human", "skipped", "revised"
]
RouteDecidedBy = Literal["model", "similarity", "rule", "plan", "supervisor", "only-agent"]
VerdictDecidedBy = Literal["code", "model", "person", "policy", "guard"]
RunStatus = Literal["done", "failed", "stopped", "waiting_for_human", "cancelled"]


class RouteDecision(BaseModel):
    """The specialist chosen for a subtask, the reason, and what decided it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    subtask_id: str
    agent: str
    reason: str
    decided_by: RouteDecidedBy
    scores: dict[str, float] = Field(default_factory=dict, description="card similarity by agent")

    def __repr__(self) -> str:
        return f"<RouteDecision {self.subtask_id} -> {self.agent} by {self.decided_by}: {self.reason[:40]!r}>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class CheckedVerdict(BaseModel):
    """A verdict with what decided it, as recorded in the run."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    decision: Decision
    feedback: str
    decided_by: VerdictDecidedBy
    agent: str | None = None

    def __repr__(self) -> str:
        note = f": {self.feedback[:50]!r}" if self.feedback else ""
        return f"<CheckedVerdict {self.decision} by {self.decided_by}{note}>"

    __str__ = __repr__


HumanAction = Literal["approve", "reject", "edit", "answer"]
EscalationKind = Literal["output", "tool_approval", "privilege", "guard", "gate"]
"""What the person decides on: an output (the verdict asked for a person), a side-effecting tool call with
arguments from agent or tool text, a move of the work to a more privileged agent, or an output a guard held."""


class Escalation(BaseModel):
    """What a person is asked to decide."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    run_id: str
    subtask_id: str
    agent: str
    task: str
    output: str
    reason: str
    kind: EscalationKind = "output"
    tool: str | None = None
    arguments: str | None = None
    argument_lines: tuple[str, ...] = ()
    """For a tool approval: one line per argument, ``name = value  (from source)``."""

    def call_text(self) -> str:
        """A tool approval as a person reads it: the tool, then its arguments one per line with their sources."""
        if self.argument_lines:
            return "\n".join([f"tool: {self.tool}", "arguments:", *(f"  {line}" for line in self.argument_lines)])
        return f"tool: {self.tool}\narguments: {self.arguments or '(none)'}"


class HumanDecision(BaseModel):
    """A person's answer to an escalation. ``text`` is the edited output or the answer, where one is needed."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    action: HumanAction
    text: str = ""
    by: str = Field(default="person", max_length=100)

    @model_validator(mode="after")
    def _text_where_needed(self) -> HumanDecision:
        if self.action in ("edit", "answer") and not self.text.strip():
            raise ValueError(f"a decision to {self.action} needs the text")
        return self


class ToolCall(BaseModel):
    """One call a specialist made to a tool; ``cut_chars`` says how much of a long output was cut."""

    model_config = ConfigDict(defer_build=True)

    tool: str
    query: str
    output: str
    cut_chars: int = Field(default=0, description="characters cut from the output past TOOL_OUTPUT_MAX_CHARS")
    refused: str = Field(default="", description="why the gate, the policy or a person refused the call")
    arguments: dict[str, Any] = Field(default_factory=dict, description="the validated arguments the tool received")
    sources: dict[str, str] = Field(
        default_factory=dict, description="where each argument came from: goal, input:<id>, tool:<name> or model"
    )


class Attempt(BaseModel):
    """One try at a subtask: who made it, the output and the verdict on it.

    A ``quarantined`` output was held by a guard: it is kept here for the record but never shown to a model.
    """

    model_config = ConfigDict(defer_build=True)

    number: int
    agent: str = ""
    output: str
    quarantined: bool = False
    verdict: CheckedVerdict | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    structured: dict[str, Any] | None = Field(
        default=None, description="the answer's fields when the specialist answers under an answer_format"
    )


class StepRecord(BaseModel):
    """Everything that happened to one subtask."""

    model_config = ConfigDict(defer_build=True)

    subtask: Subtask
    route: RouteDecision
    attempts: list[Attempt] = Field(default_factory=list)
    status: StepStatus = "running"

    @property
    def agent(self) -> str:
        return self.route.agent

    @property
    def output(self) -> str | None:
        """The accepted output, if any."""
        if self.status == "accepted" and self.attempts:
            return self.attempts[-1].output
        return None

    def __repr__(self) -> str:
        return f"<Step {self.subtask.id} {self.agent} {self.status} after {len(self.attempts)} attempt(s)>"

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class RunResult(BaseModel):
    """The outcome of a goal: final output, plan, steps, usage; on failure, the error and all work done."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    run_id: str
    goal: str
    status: RunStatus
    output: str = ""
    plan: Plan | None = None
    steps: list[StepRecord] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    usage_by_agent: dict[str, Usage] = Field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None
    replans: list[Plan] = Field(default_factory=list, description="plans made for the remaining work")
    pending: Escalation | None = Field(default=None, description="what a person must decide to resume")
    approved_tool_calls: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(subtask, tool, arguments) a person approved"
    )
    refused_tool_calls: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(subtask, tool, arguments) a person refused"
    )
    peak_concurrency: int = 0
    gates: dict[str, bool] = Field(
        default_factory=dict, description="subtask id -> whether a person opened (True) or closed its gate"
    )
    _exception: _KeptError | None = PrivateAttr(default=None)

    @property
    def accepted(self) -> dict[str, str]:
        """Accepted outputs by subtask id."""
        return {s.subtask.id: s.output for s in self.steps if s.output is not None}

    def raise_for_status(self) -> RunResult:
        """Raise the error that ended the run, if it did not finish; return the result otherwise (for chaining).

        The error is the very exception the run ended with; in a result loaded from JSON it is rebuilt with its
        type and message when the type is Baton's or a builtin (attributes beyond the message are not kept),
        else a ``RunError``. A run waiting for a person raises ``RunError``.
        """
        if self.status == "done":
            return self
        if self._exception is not None:
            raise self._exception.error
        rebuilt = _rebuilt(self.error_type, self.error)
        if rebuilt is not None:
            raise rebuilt
        raise RunError(f"run {self.run_id} ended {self.status}: {self.error or 'a person must decide'}")

    def keep_error(self, exc: BaseException) -> None:
        """Remember the exception that ended the run, for ``raise_for_status`` (it is not part of the JSON)."""
        self._exception = _KeptError(exc)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["usage"]["total_tokens"] = self.usage.total_tokens
        return data

    def __repr__(self) -> str:
        subtasks = len(self.plan.subtasks) if self.plan else 0
        shown = self.output if len(self.output) <= 40 else self.output[:37] + "..."
        tail = f"output={shown!r}" if self.status == "done" else f"error={self.error_type}"
        return (
            f"<RunResult {self.status}: {subtasks} subtask(s), {self.usage.calls} model call(s), "
            f"{self.usage.total_tokens} tokens, {tail}>"
        )

    __str__ = __repr__  # pydantic's str() lists every field; the short form reads better


class _KeptError:
    """The exception that ended a run, shared rather than copied by ``model_copy(deep=True)``: exceptions with
    their own constructor arguments cannot be deep-copied."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __copy__(self) -> _KeptError:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _KeptError:
        return self


def error_text(exc: BaseException) -> str:
    """What a result records of an exception: its message (its type when it has none) and its notes."""
    text = str(exc) or type(exc).__name__
    notes = getattr(exc, "__notes__", None) or []
    return without_surrogates("; ".join([text, *(str(note) for note in notes)]))


def record_failure(result: RunResult, exc: BaseException, status: RunStatus = "failed") -> None:
    """Record on ``result`` that ``exc`` ended the run: the status, the message and the real type."""
    result.status = status
    result.error, result.error_type = error_text(exc), type(exc).__name__
    result.keep_error(exc)


def _rebuilt(type_name: str | None, message: str | None) -> BaseException | None:
    """An exception of the named type (Baton's or a builtin) carrying ``message``, or None for other types."""
    found = getattr(errors, type_name or "", None) or getattr(builtins, type_name or "", None)
    if not (isinstance(found, type) and issubclass(found, Exception)):
        return None
    # Baton's errors take their own constructor arguments; the message is all a JSON result keeps of them.
    rebuilt = found.__new__(found)
    rebuilt.args = (message or type_name,)
    return rebuilt
