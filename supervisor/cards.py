"""Capability cards, tools, specialists and the team that holds them.

A ``Card`` says what a specialist can do; the supervisor routes by reading cards. A ``Specialist`` is a plain
declarative object (no loop inside); the runner does the work. A ``Team`` is validated when it is built:
duplicate names and cards that name tools nobody provides are rejected with the offending names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from supervisor.checking import OutputChecks, Predicate
from supervisor.exceptions import TeamError, UnknownAgentError
from supervisor.models import Model

AGENT_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"

Privilege = Literal["read", "write", "admin"]
PRIVILEGE_RANK: dict[str, int] = {"read": 0, "write": 1, "admin": 2}
"""``read``: looks things up and writes text; ``write``: may cause side effects through its tools; ``admin``:
acts on other people's accounts or the system itself. Work never moves up this ladder on an agent's say-so."""


class Card(BaseModel):
    """What a specialist does, in words the supervisor can route on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=AGENT_NAME_PATTERN)
    description: str = Field(min_length=1, max_length=500)
    skills: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    tools: tuple[str, ...] = Field(default=(), description="names of the tools this specialist may call")
    checks: OutputChecks = Field(default_factory=OutputChecks, description="what code checks on every output")
    privilege: Privilege = Field(default="read", description="read, write (side effects) or admin")

    @property
    def rank(self) -> int:
        return PRIVILEGE_RANK[self.privilege]

    def summary(self) -> str:
        """One routing line: name, description and skills."""
        skills = f" Skills: {', '.join(self.skills)}." if self.skills else ""
        return f"{self.name}: {self.description}{skills}"


ToolFunction = Callable[[str], str] | Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class Tool:
    """A function a specialist may call with one text argument; its result is data, never instructions."""

    name: str
    description: str
    function: ToolFunction
    side_effects: bool = False


@dataclass(frozen=True)
class Specialist:
    """A specialist agent: its card, its instructions, the model it uses and the tools it may call.

    ``model`` is a model string (``local/smollm2``), a ``Model`` object, or ``None`` for the configured default.
    """

    name: str
    card: Card
    instructions: str
    model: str | Model | None = None
    tools: Sequence[Tool] = field(default_factory=tuple)
    predicates: Sequence[Predicate] = field(default_factory=tuple)
    """User checks run on every output of this specialist (each returns a problem or ``None``)."""
    answer_format: type[BaseModel] | None = None
    """A pydantic model the answer must fit. Decoding is constrained by its schema where the provider can (the
    way to make a small model write sentences instead of copying its inputs); the answer's text is the model's
    ``as_text()`` when it defines one, else its JSON."""
    answer_max_tokens: int | None = None
    """Tokens for an ``answer_format`` answer; keep it above the schema's worst case (the grammar cannot stop a
    cut-off)."""

    def allowed_tools(self) -> list[Tool]:
        """The tools this specialist provides that its card allows, in card order."""
        by_name = {t.name: t for t in self.tools}
        return [by_name[name] for name in self.card.tools if name in by_name]


@dataclass(frozen=True)
class WorkflowStep:
    """One step of a team's usual workflow: the agent, the (1-based) earlier steps it needs, and its wording."""

    agent: str
    after: tuple[int, ...] = ()
    description: str | None = None


class Team:
    """An ordered, validated set of specialists, optionally with the workflow they usually follow.

    ``pipeline`` names agents that run one after the other; ``workflow`` is the general form (a DAG of steps).
    Planners may start from the workflow; ``Supervisor.run(goal, pipeline=...)`` can enforce one.
    """

    def __init__(
        self,
        specialists: Iterable[Specialist],
        *,
        pipeline: Sequence[str] | None = None,
        workflow: Sequence[WorkflowStep] | None = None,
    ) -> None:
        members = list(specialists)
        if not members:
            raise TeamError("a team needs at least one specialist", [])
        names = [s.name for s in members]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise TeamError(f"duplicate specialist name(s): {', '.join(duplicates)}", duplicates)
        mismatched = [s.name for s in members if s.card.name != s.name]
        if mismatched:
            raise TeamError(f"specialist name and card name differ for: {', '.join(mismatched)}", mismatched)
        for specialist in members:
            provided = {t.name for t in specialist.tools}
            missing = [t for t in specialist.card.tools if t not in provided]
            if missing:
                raise TeamError(
                    f"card {specialist.name!r} names tool(s) the specialist does not provide: {', '.join(missing)}",
                    missing,
                )
            acting = [t.name for t in specialist.allowed_tools() if t.side_effects]
            if acting and specialist.card.privilege == "read":
                raise TeamError(
                    f"card {specialist.name!r} allows side-effecting tool(s) {', '.join(acting)} but its privilege "
                    "is 'read'; declare privilege='write' (or 'admin') on the card",
                    acting,
                )
        self._by_name = {s.name: s for s in members}
        if pipeline and workflow:
            raise TeamError("give a team either a pipeline or a workflow, not both", [])
        steps = list(workflow or [WorkflowStep(a, after=(i,) if i else ()) for i, a in enumerate(pipeline or ())])
        unknown = [step.agent for step in steps if step.agent not in self._by_name]
        if unknown:
            raise TeamError(f"workflow names agent(s) not on the team: {', '.join(unknown)}", unknown)
        for number, step in enumerate(steps, start=1):
            if any(not 1 <= dep < number for dep in step.after):
                raise TeamError(f"workflow step {number} ({step.agent}) must come after earlier steps only", [])
        self.workflow: tuple[WorkflowStep, ...] = tuple(steps)

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __getitem__(self, name: str) -> Specialist:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownAgentError(name, self.names) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Specialist]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"<Team {', '.join(self.names)}>"
