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
from typing import Literal

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


@dataclass(frozen=True)
class ToolPolicy:
    """Who must approve a tool call: read-only tools and trusted arguments run; the rest follow the config."""

    approvals: Mapping[str, Approval] = field(default_factory=dict)

    def decide(self, tool: str, side_effects: bool, arguments: Tainted) -> Approval:
        if not side_effects or not arguments.untrusted:
            return "allow"
        return self.approvals.get(tool, "deny")  # a side effect nobody configured is refused
