"""A tool a specialist may call: a named function whose result is data, never instructions."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from supervisor.errors import TeamError

ToolFunction = Callable[[str], str] | Callable[[str], Awaitable[str]]
ToolArgument = Literal["model", "goal", "inputs"]
Delivery = Literal["idempotent", "at_most_once"]
Reconcile = Callable[[str, str], str | None]
"""(argument, idempotency key) -> the result the call produced, or None when it never acted."""
TOOL_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


@dataclass(frozen=True)
class Tool:
    """A function a specialist may call with one text argument; its result is data, never instructions.

    The function is checked when the tool is made: it must take exactly one argument without a default.
    """

    name: str
    description: str
    function: ToolFunction
    side_effects: bool = False
    argument: ToolArgument = "model"
    """Where the argument comes from: ``"model"`` (the specialist writes it: tainted), ``"goal"`` (the goal as the
    user gave it) or ``"inputs"`` (the step's accepted inputs). A desk that looks up the ticket or the order
    itself passes the text it was given, not a paraphrase."""
    delivery: Delivery | None = None
    """How a side effect survives a crash and a resume: ``"idempotent"`` (the tool receives a stable key,
    ``idempotency_key()``, and the system it calls de-duplicates on it) or ``"at_most_once"`` (an intent is
    committed before the call; an intent without a result goes to ``reconcile`` or a person, never re-run
    silently). A side-effecting tool that declares neither is treated as ``"at_most_once"``."""
    reconcile: Reconcile | None = None
    """For an at-most-once tool: asks the system it calls whether the call acted, after a crash."""

    @property
    def guarantee(self) -> Delivery | None:
        """The delivery a resume honours: the declared one, at most once for an undeclared side effect."""
        if self.delivery is not None:
            return self.delivery
        return "at_most_once" if self.side_effects else None

    def __post_init__(self) -> None:
        if self.delivery is not None and not self.side_effects:
            raise TeamError(
                f"tool {self.name!r} declares delivery={self.delivery!r}: set side_effects=True", [self.name]
            )
        if not re.fullmatch(TOOL_NAME_PATTERN, self.name):
            raise TeamError(f"tool name {self.name!r} must be lowercase letters, digits or _ (1-40)", [self.name])
        if not callable(self.function):
            raise TeamError(f"tool {self.name!r}: its function is a {type(self.function).__name__}", [self.name])
        try:
            signature = inspect.signature(self.function)
        except (TypeError, ValueError):
            return  # a builtin without a signature: nothing to check before the call
        try:
            signature.bind("text")
        except TypeError:
            raise TeamError(
                f"tool {self.name!r}: {getattr(self.function, '__name__', 'its function')}{signature} must accept "
                "one text argument",
                [self.name],
            ) from None
