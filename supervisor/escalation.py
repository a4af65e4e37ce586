"""Escalation to a person: what they are asked, and what they may answer.

A handler (sync or async) receives an ``Escalation`` and returns a ``HumanDecision``: approve the output as it
is, reject it, replace it with an edited version, or answer in the agent's place. Only a handler's return value
counts as a person's decision; nothing an agent writes can stand in for one. Without a handler the run stops in
``waiting_for_human`` and ``Supervisor.resume(result, decision)`` continues it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

HumanAction = Literal["approve", "reject", "edit", "answer"]
EscalationKind = Literal["output", "tool_approval", "privilege", "guard"]
"""What the person decides on: an output (the verdict asked for a person), a side-effecting tool call with
arguments from agent or tool text, a move of the work to a more privileged agent, or an output a guard held."""


class Escalation(BaseModel):
    """What a person is asked to decide."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    subtask_id: str
    agent: str
    task: str
    output: str
    reason: str
    kind: EscalationKind = "output"
    tool: str | None = None
    arguments: str | None = None


class HumanDecision(BaseModel):
    """A person's answer to an escalation. ``text`` is the edited output or the answer, where one is needed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: HumanAction
    text: str = ""
    by: str = Field(default="person", max_length=100)

    @model_validator(mode="after")
    def _text_where_needed(self) -> HumanDecision:
        if self.action in ("edit", "answer") and not self.text.strip():
            raise ValueError(f"a decision to {self.action} needs the text")
        return self


EscalationHandler = Callable[[Escalation], HumanDecision | Awaitable[HumanDecision]]


async def ask_person(handler: EscalationHandler, escalation: Escalation) -> HumanDecision:
    """Call a sync or async handler and check that it returned a decision."""
    answer = handler(escalation)
    if inspect.isawaitable(answer):
        answer = await answer
    if not isinstance(answer, HumanDecision):
        raise TypeError(f"an escalation handler must return a HumanDecision, not {type(answer).__name__}")
    return answer
