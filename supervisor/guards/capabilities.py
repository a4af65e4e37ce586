"""Capability tokens and the tool gate: which tools one subtask attempt may call, checked on every call.

The runner issues a ``Capability`` per attempt naming the tools of the specialist's card. The gate checks every
tool call against the capability it is given: a tool outside it is refused (``ToolNotAllowedError``), and so is a
capability this gate never issued (one built by hand, or by code that parsed it out of some text). Whether a
side-effecting call may run is the ``ToolPolicy``'s business: it looks at where the arguments came from, never at
what any text says about approval.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from supervisor.config import ToolRules
from supervisor.errors import ToolNotAllowedError
from supervisor.guards.provenance import Tainted

Approval = Literal["allow", "ask", "deny"]


@dataclass(frozen=True, slots=True)
class Capability:
    """The tools one attempt of one subtask may call. Only a ``ToolGate`` makes them."""

    run_id: str
    subtask_id: str
    agent: str
    tools: frozenset[str]
    token: str = field(repr=False)


class ToolGate:
    """Issues capabilities and checks every tool call against one."""

    def __init__(self) -> None:
        self._issued: set[str] = set()

    def issue(self, run_id: str, subtask_id: str, agent: str, tools: frozenset[str]) -> Capability:
        token = secrets.token_hex(16)
        self._issued.add(token)
        return Capability(run_id, subtask_id, agent, tools, token)

    def revoke(self, capability: Capability) -> None:
        self._issued.discard(capability.token)

    def check(self, capability: Capability, tool: str) -> None:
        """Raise ``ToolNotAllowedError`` unless ``capability`` was issued here and names ``tool``."""
        if capability.token not in self._issued:
            raise ToolNotAllowedError(
                f"{capability.agent} called {tool!r} with a capability this run never issued",
                channel="tool_args",
                agent=capability.agent,
            )
        if tool not in capability.tools:
            allowed = ", ".join(sorted(capability.tools)) or "none"
            raise ToolNotAllowedError(
                f"{capability.agent} may not call {tool!r} in subtask {capability.subtask_id} (allowed: {allowed})",
                channel="tool_args",
                agent=capability.agent,
            )


_STRICTNESS: dict[Approval, int] = {"allow": 0, "ask": 1, "deny": 2}
_UNTRUSTED_ORIGINS = frozenset({"input", "tool", "model"})


@dataclass(frozen=True)
class PolicyDecision:
    """What a call needs, and which arguments decided it (``amount from model: deny``)."""

    approval: Approval
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolPolicy:
    """Who must approve a tool call: read-only tools and trusted arguments run; the rest follow the config.

    ``approvals`` maps a tool to one approval for any untrusted arguments, or to ``ToolRules`` that decide
    argument by argument, by where each value came from (``decide_arguments``).
    """

    approvals: Mapping[str, Approval | ToolRules] = field(default_factory=dict)

    def decide(self, tool: str, side_effects: bool, arguments: Tainted) -> Approval:
        """A one-text call: its one argument's sources decide."""
        if not side_effects or not arguments.untrusted:
            return "allow"
        rule = self.approvals.get(tool, "deny")  # a side effect nobody configured is refused
        return rule if isinstance(rule, str) else rule.default or "deny"

    def decide_arguments(self, tool: str, side_effects: bool, origins: Mapping[str, str]) -> PolicyDecision:
        """A typed call: each argument's origin (``goal``, ``input``, ``tool``, ``model``) gets an approval from
        the tool's rules; the call needs the strictest. A read-only tool without rules always runs."""
        rule = self.approvals.get(tool)
        if isinstance(rule, str) or rule is None:
            default: Approval = rule if rule is not None else ("deny" if side_effects else "allow")
            per_argument: Mapping[str, Any] = {}
        else:
            default = rule.default or ("deny" if side_effects else "allow")
            per_argument = rule.arguments
        if not side_effects and not isinstance(rule, ToolRules):
            return PolicyDecision("allow")
        decided: list[tuple[Approval, str]] = []
        for name, origin in origins.items():
            given = per_argument.get(name)
            if isinstance(given, Mapping) and origin in given:
                ruled = _approval(given[origin])
                decided.append((ruled, f"{name} from {origin}: {ruled}"))
            elif origin not in _UNTRUSTED_ORIGINS:
                continue  # the goal's own words: trusted unless a rule above says otherwise
            elif isinstance(given, str):
                every: Approval = _approval(given)
                decided.append((every, f"{name} from {origin}: {every}"))
            else:
                decided.append((default, f"{name} from {origin}: {default}"))
        if not decided:
            return PolicyDecision("allow")
        worst = max(_STRICTNESS[a] for a, _ in decided)
        approval = next(a for a, _ in decided if _STRICTNESS[a] == worst)
        return PolicyDecision(approval, tuple(why for a, why in decided if _STRICTNESS[a] == worst))


def _approval(value: str) -> Approval:
    return next((a for a in ("allow", "ask", "deny") if a == value), "deny")  # the config allows no other value
