"""MCP servers as sources of tools: ``MCPTools`` says which server, how to reach it, and who gets its tools.

A server is reached by a command Baton starts (stdio) or by a URL (streamable HTTP). Its tools become ordinary
Baton tools of the specialists named in ``agents``: the same capability tokens, tool policy, guards, journal
steps and audit as local ones. Named ``MCPTools`` rather than ``MCPServer`` because the SDK's server class is
``mcp.server.mcpserver.MCPServer``, and the two names often meet in one file (a test that serves tools and runs
a team on them); this object is what Baton takes from a server, its tools, not a server.

What a server says about itself is untrusted: its descriptions are screened by the guards before any model reads
them (``supervisor.tools.sources``). Its annotations are trusted only for its own effects: ``readOnlyHint``
makes a tool side-effect free (its calls need no approval) and ``idempotentHint`` lets a resume repeat a call
whose outcome is unknown. A server that lies about either can only misuse what it already controls, its own
domain, and ``side_effects`` in the config overrides both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from supervisor.tools.tool import TOOL_NAME_PATTERN, Delivery

if TYPE_CHECKING:
    from supervisor.tools.mcp_client import ServerTool

SERVER_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,19}$"
NAME_SEPARATOR = "__"
_TOOL_NAME_MAX = 40


class MCPTools(BaseModel):
    """An MCP server whose tools the named specialists may call (``[[tools.mcp]]`` in the config).

    Give ``command`` (and ``args``, ``env``, ``cwd``) to have Baton start the server as a child process that
    speaks MCP on its stdin and stdout, or ``url`` for a server already listening (streamable HTTP). The server
    is started when a run starts and stopped when it ends, or held from ``async with Supervisor(...)`` to its
    ``aclose()``. A tool ``lookup_order`` of the server ``shop`` is the Baton tool ``shop__lookup_order``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first use, not at import

    name: str = Field(
        pattern=SERVER_NAME_PATTERN,
        description="the server's name in Baton; its tools are named <name>__<tool>",
    )
    agents: tuple[str, ...] = Field(min_length=1, description="the specialists that get the server's tools")
    command: str | None = Field(default=None, min_length=1, description="the program that starts a stdio server")
    args: tuple[str, ...] = Field(default=(), description="the command's arguments")
    env: dict[str, str] = Field(
        default_factory=dict,
        description="environment for a stdio server, over the few variables it inherits (HOME, PATH, SHELL, TERM, "
        "USER, LOGNAME): Baton's own environment, keys included, is not passed on",
    )
    pass_env: tuple[str, ...] = Field(
        default=(), description="names of variables passed from Baton's environment to a stdio server (a key)"
    )
    cwd: str | None = Field(default=None, description="the working directory of a stdio server")
    url: str | None = Field(default=None, pattern=r"^https?://", description="the endpoint of a streamable HTTP server")
    tools: tuple[str, ...] | None = Field(
        default=None, description="only these of the server's tools, by the server's names; unset: all of them"
    )
    side_effects: dict[str, bool] = Field(
        default_factory=dict,
        description="by the server's tool name: whether a tool has side effects, over what its annotations say "
        "(a tool is side-effect free only when the server marks it readOnlyHint)",
    )
    startup_timeout_s: float = Field(default=30, gt=0, description="seconds for the server to start and list its tools")

    @model_validator(mode="after")
    def _one_way_to_reach_it(self) -> MCPTools:
        if (self.command is None) == (self.url is None):
            raise ValueError("give a server either a command (stdio) or a url (streamable HTTP), not both or neither")
        if self.url is not None and (self.args or self.env or self.pass_env or self.cwd):
            raise ValueError("args, env, pass_env and cwd start a stdio server; a url server takes none of them")
        return self

    @property
    def transport(self) -> str:
        return "streamable-http" if self.url is not None else "stdio"

    def __repr__(self) -> str:
        where = self.url or " ".join((self.command or "", *self.args))
        return f"<MCPTools {self.name} ({self.transport}: {where}) for {', '.join(self.agents)}>"


@dataclass(frozen=True)
class ToolEffects:
    """What Baton assumes a server's tool does to the world."""

    side_effects: bool
    delivery: Delivery | None


def effects_of(spec: MCPTools, tool: ServerTool) -> ToolEffects:
    """A tool's side effects: the config's word, else its ``readOnlyHint``; an idempotent one may be repeated.

    MCP's defaults make an unannotated tool one that may change the world (readOnlyHint false), so it is treated
    as one: its calls with model-written arguments follow the tool policy, and a resume never repeats a call whose
    outcome is unknown (at most once) unless the server marks the tool ``idempotentHint``.
    """
    declared = spec.side_effects.get(tool.name)
    side_effects = declared if declared is not None else tool.read_only is not True
    if not side_effects:
        return ToolEffects(False, None)
    return ToolEffects(True, "idempotent" if tool.idempotent is True else "at_most_once")


def baton_names(server: str, tools: list[str]) -> dict[str, str]:
    """Baton's name for each of a server's tools: ``<server>__<tool>``, made a valid tool name.

    Letters are lowercased and anything but letters, digits and ``_`` becomes ``_``; a name that would pass 40
    characters, or meet another one, is cut and ends with a short hash of the server's own name, so the mapping
    is stable from run to run. The server's own name is what every call sends.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for tool in tools:
        plain = f"{server}{NAME_SEPARATOR}{re.sub(r'[^a-z0-9_]', '_', tool.lower())}"
        if len(plain) > _TOOL_NAME_MAX or plain in taken or not re.fullmatch(TOOL_NAME_PATTERN, plain):
            digest = hashlib.sha256(tool.encode("utf-8", "surrogatepass")).hexdigest()[:8]
            plain = f"{plain[: _TOOL_NAME_MAX - 9]}_{digest}"
        names[tool] = plain
        taken.add(plain)
    return names


def server_prefix(name: str) -> str:
    """What every Baton name of a server's tools starts with."""
    return f"{name}{NAME_SEPARATOR}"
