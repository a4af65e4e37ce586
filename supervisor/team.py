"""Capability cards, tools, specialists and the team that holds them.

A ``Card`` says what a specialist can do; the supervisor routes by reading cards. A ``Specialist`` is a plain
declarative object (no loop inside); the runner does the work. A ``Team`` is validated when it is built:
duplicate names and cards that name tools nobody provides are rejected with the offending names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from supervisor.checks.grounding import GroundingMode
from supervisor.checks.output import OutputChecks, Predicate
from supervisor.decisions.review import Review
from supervisor.errors import TeamError, UnknownAgentError
from supervisor.models import Model
from supervisor.tools.tool import Tool

AGENT_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"

Privilege = Literal["read", "write", "admin"]
PRIVILEGE_RANK: dict[str, int] = {"read": 0, "write": 1, "admin": 2}
"""``read``: looks things up and writes text; ``write``: may cause side effects through its tools; ``admin``:
acts on other people's accounts or the system itself. Work never moves up this ladder on an agent's say-so."""


class Card(BaseModel):
    """What a specialist does, in words the supervisor can route on."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(
        default="",
        pattern=AGENT_NAME_PATTERN + "|^$",
        description="the specialist's name; leave it out and the specialist's own name is used",
    )
    description: str = Field(min_length=1, max_length=500)
    skills: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    tools: tuple[str, ...] = Field(default=(), description="names of the tools this specialist may call")
    checks: OutputChecks = Field(default_factory=OutputChecks, description="what code checks on every output")
    privilege: Privilege = Field(default="read", description="read, write (side effects) or admin")
    grounding: GroundingMode = Field(
        default="strict",
        description="figures, ids, e-mails and URLs in an output must come from the goal, the inputs or the tool "
        "results ('strict'); only figures ('figures'); or not checked ('off')",
    )

    @property
    def rank(self) -> int:
        return PRIVILEGE_RANK[self.privilege]

    def summary(self) -> str:
        """One routing line: name, description and skills."""
        skills = f" Skills: {', '.join(self.skills)}." if self.skills else ""
        return f"{self.name}: {self.description}{skills}"


@dataclass(frozen=True)
class AnswerContext:
    """What one attempt was given: the goal, its task, its accepted inputs and the tool results it read."""

    goal: str
    task: str
    inputs: tuple[str, ...] = ()
    tool_results: tuple[str, ...] = ()


@dataclass(frozen=True)
class Specialist:
    """A specialist agent: its card, its instructions, the model it uses and the tools it may call.

    The name is written once, here; a card without a name takes it. ``model`` is a model string
    (``local/smollm2``), a ``Model`` object, or ``None`` for the configured default. Every tool given must be
    allowed by the card (``Card.tools``), or construction fails: a tool is never dropped silently.
    """

    name: str
    card: Card
    instructions: str
    model: str | Model | None = None
    tools: Sequence[Tool] = field(default_factory=tuple)
    predicates: Sequence[Predicate] = field(default_factory=tuple)
    """User checks run on every output of this specialist (each returns a problem or ``None``)."""
    answer_format: type[BaseModel] | Callable[[AnswerContext], type[BaseModel]] | None = None
    """A pydantic model the answer must fit. Decoding is constrained by its schema where the provider can (the
    way to make a small model write sentences instead of copying its inputs); the answer's text is the model's
    ``as_text()`` when it defines one, else its JSON."""
    answer_max_tokens: int | None = None
    """Tokens for an ``answer_format`` answer; keep it above the schema's worst case (the grammar cannot stop a
    cut-off)."""

    def __post_init__(self) -> None:
        if not re.fullmatch(AGENT_NAME_PATTERN, self.name):
            raise TeamError(f"specialist name {self.name!r} must be lowercase letters, digits, - or _ (1-40)", [])
        if not self.card.name:
            object.__setattr__(self, "card", self.card.model_copy(update={"name": self.name}))
        elif self.card.name != self.name:
            raise TeamError(
                f"specialist {self.name!r} has a card named {self.card.name!r}; leave the card's name out", [self.name]
            )
        provided = [t.name for t in self.tools]
        offered = [t for t in provided if t not in self.card.tools]
        if offered:
            raise TeamError(
                f"specialist {self.name!r} is given tool(s) its card does not allow: {', '.join(offered)}; "
                f"add them to Card.tools or leave them out",
                offered,
            )
        missing = [t for t in self.card.tools if t not in provided]
        if missing:
            raise TeamError(
                f"card {self.name!r} names tool(s) the specialist does not provide: {', '.join(missing)}", missing
            )

    def format_for(self, given: AnswerContext) -> type[BaseModel] | None:
        """The answer format for one attempt: a fixed model, or one built from what the step was given (so a
        field can be an enum of the inputs' own values, and a small model copies rather than invents)."""
        if self.answer_format is None or isinstance(self.answer_format, type):
            return self.answer_format
        return self.answer_format(given)

    def allowed_tools(self) -> list[Tool]:
        """The tools this specialist provides that its card allows, in card order."""
        by_name = {t.name: t for t in self.tools}
        return [by_name[name] for name in self.card.tools if name in by_name]


@dataclass(frozen=True)
class Gate:
    """A step runs only when an earlier agent's structured decision allows it.

    ``field`` of ``agent``'s accepted answer (its ``answer_format``) is read: a value in ``allow`` lets the step
    run, a value in ``hold`` puts the decision to a person first (the answer's ``note_field`` is the reason they
    see), anything else skips the step. A gate whose decision is missing is held, never opened.
    """

    agent: str
    field: str
    allow: tuple[str, ...]
    hold: tuple[str, ...] = ()
    note_field: str | None = None


@dataclass(frozen=True)
class WorkflowStep:
    """One step of a team's usual workflow: the agent, the (1-based) earlier steps it needs, and its wording.

    ``when`` gates the step on an earlier decision; ``reviews`` names the agent whose work this step reviews:
    its answer is a ``Review``, and "changes needed" sends that agent's step back with the review as feedback.
    """

    agent: str
    after: tuple[int, ...] = ()
    description: str | None = None
    when: Gate | None = None
    reviews: str | None = None


class Team:
    """An ordered, validated set of specialists, optionally with the workflow they usually follow.

    ``pipeline`` names agents that every run follows, one after the other (the planner only words each step);
    ``workflow`` is the general form (a DAG of steps, with ``when`` gates), which a small model adapts and a
    capable model may re-plan freely.
    """

    def __init__(
        self,
        specialists: Iterable[Specialist],
        *,
        pipeline: Sequence[str] | None = None,
        workflow: Sequence[WorkflowStep] | None = None,
        deliverable: Sequence[str] = (),
        answer_template: str | None = None,
    ) -> None:
        members = list(specialists)
        if not members:
            raise TeamError("a team needs at least one specialist", [])
        names = [s.name for s in members]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise TeamError(f"duplicate specialist name(s): {', '.join(duplicates)}", duplicates)
        for specialist in members:
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
        self.pipeline: tuple[str, ...] = tuple(pipeline or ())
        """Agents that every run follows in order (unless ``planning.mode = "free"``); empty for a workflow."""
        steps = list(workflow or [WorkflowStep(a, after=(i,) if i else ()) for i, a in enumerate(pipeline or ())])
        unknown = [step.agent for step in steps if step.agent not in self._by_name]
        if unknown:
            raise TeamError(f"workflow names agent(s) not on the team: {', '.join(unknown)}", unknown)
        for number, step in enumerate(steps, start=1):
            if any(not 1 <= dep < number for dep in step.after):
                raise TeamError(f"workflow step {number} ({step.agent}) must come after earlier steps only", [])
        self.workflow: tuple[WorkflowStep, ...] = tuple(steps)
        self._check_gates_and_reviews()
        for step in self.workflow:
            reviewer = self._by_name[step.agent]
            if step.reviews is not None and reviewer.answer_format is None:
                # A review is a decision and its reasons, never text searched for a keyword.
                self._by_name[step.agent] = replace(reviewer, answer_format=Review)
        unknown = [a for a in deliverable if a not in self._by_name]
        if unknown:
            raise TeamError(f"deliverable names agent(s) not on the team: {', '.join(unknown)}", unknown)
        self.deliverable: tuple[str, ...] = tuple(deliverable)
        """Agents whose accepted output is the final answer, in order of preference (the first one that produced
        one wins); empty: the supervisor composes the answer."""
        self.answer_template = answer_template
        """A ``str.format`` template over agent names (``"{drafting}"``) for the final answer; a deliverable agent
        fills it, and the other names it uses are filled with those agents' accepted outputs."""

    def _check_gates_and_reviews(self) -> None:
        for step in self.workflow:
            named = [a for a in (step.when.agent if step.when else None, step.reviews) if a is not None]
            unknown = [a for a in named if a not in self._by_name]
            if unknown:
                raise TeamError(f"workflow step {step.agent!r} refers to agent(s) not on the team: {unknown}", unknown)

    def gate_for(self, agent: str) -> Gate | None:
        """The gate on the workflow step ``agent`` takes, if any."""
        return next((s.when for s in self.workflow if s.agent == agent and s.when is not None), None)

    def reviewed_by(self, agent: str) -> str | None:
        """The agent whose work ``agent`` reviews, if it is a reviewing step."""
        return next((s.reviews for s in self.workflow if s.agent == agent and s.reviews is not None), None)

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
