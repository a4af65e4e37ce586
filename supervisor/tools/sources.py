"""Tools from outside the team (MCP servers): opened for a run or a supervisor, closed with it.

Opening starts every server at once and lists its tools. What a server says about a tool is untrusted text, so
each tool's description and input schema pass the guard pipeline (channel ``tool_description``) before any
model reads them: a tool whose description carries instructions is not offered, and every run that uses the
servers records which tool was held, by which guard, and why. The tools that pass are ordinary Baton tools on
the named specialists, so the capability tokens, the tool policy, the result guards, the journal and the audit
treat them as they treat local ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from supervisor.errors import ConfigError, TeamError
from supervisor.events import GuardTripped
from supervisor.guards.pipeline import GuardedMessage, GuardPipeline
from supervisor.run.context import RunContext
from supervisor.safe_text import bounded, without_surrogates
from supervisor.team import Team
from supervisor.tools.mcp import MCPTools, baton_names, effects_of
from supervisor.tools.tool import SchemaFunction, Tool

if TYPE_CHECKING:
    from supervisor.tools.mcp_client import MCPConnection, ServerTool

DESCRIPTION_MAX_CHARS = 2_000
"""A description longer than this is cut: it is read by a model in every prompt that offers the tool."""
TOOL_FAILED_PREFIX = "the tool reported an error: "


@dataclass(frozen=True)
class Withheld:
    """A server's tool that was not offered: which server, its Baton name, the guard that held it and why."""

    server: str
    tool: str
    agents: tuple[str, ...]
    guard: str
    reasons: tuple[str, ...]


@dataclass
class OpenTools:
    """Started servers, the tools they give each specialist, and the tools that were held back."""

    connections: list[MCPConnection] = field(default_factory=list)
    by_agent: dict[str, list[Tool]] = field(default_factory=dict)
    withheld: list[Withheld] = field(default_factory=list)

    async def responsive(self) -> bool:
        """Whether every server still answers."""
        answers = await asyncio.gather(*(connection.responsive() for connection in self.connections))
        return all(answers)

    def team(self, base: Team) -> Team:
        """``base`` with each specialist's server tools added to its tools and its card."""
        return team_with_tools(base, self.by_agent)

    def report(self, run: RunContext) -> None:
        """Record in ``run`` (its events, so its audit log) every tool that was held back, and why."""
        for held in self.withheld:
            run.emit(
                GuardTripped,
                subtask_id="mcp",
                agent=held.server,
                channel="tool_description",
                guard=held.guard,
                status="blocked",
                reasons=(f"{held.tool} is not offered to {', '.join(held.agents)}", *held.reasons),
            )

    async def close(self) -> None:
        """Stop every server, each waited for: no child process outlives this call, a cancelled one included (a
        run cancelled as it ends still stops its servers, then the cancellation goes on)."""
        stopping = asyncio.gather(*(connection.close() for connection in self.connections))
        try:
            await asyncio.shield(stopping)
        except asyncio.CancelledError:
            await stopping
            raise


class ToolSources:
    """The MCP servers of a supervisor; ``open()`` starts them all and builds their tools."""

    def __init__(self, servers: Sequence[MCPTools], guards: GuardPipeline) -> None:
        self.servers = tuple(servers)
        self.guards = guards

    def __bool__(self) -> bool:
        return bool(self.servers)

    async def open(self) -> OpenTools:
        """Start every server and list its tools; if one fails, the others are stopped and its error raised."""
        from supervisor.tools.mcp_client import MCPConnection  # the client loads with the first server started

        opened = OpenTools(connections=[MCPConnection(spec) for spec in self.servers])
        listings = await asyncio.gather(
            *(connection.start() for connection in opened.connections), return_exceptions=True
        )
        failed = [listing for listing in listings if isinstance(listing, BaseException)]
        try:
            if failed:
                raise failed[0]
            for spec, connection, listing in zip(self.servers, opened.connections, listings, strict=True):
                if isinstance(listing, BaseException):  # raised above; this narrows the type
                    raise listing
                tools, withheld = offered_tools(spec, listing, self.guards, connection)
                opened.withheld.extend(withheld)
                for agent in spec.agents:
                    opened.by_agent.setdefault(agent, []).extend(tools)
        except BaseException:
            await opened.close()
            raise
        return opened


def offered_tools(
    spec: MCPTools, listed: list[ServerTool], guards: GuardPipeline, connection: MCPConnection
) -> tuple[list[Tool], list[Withheld]]:
    """The Baton tools a server's listing gives (calls go through ``connection``), and the tools held back."""
    _check_named_tools(spec, [t.name for t in listed])
    chosen = [t for t in listed if spec.tools is None or t.name in spec.tools]
    names = baton_names(spec.name, [t.name for t in chosen])
    tools: list[Tool] = []
    withheld: list[Withheld] = []
    for listed_tool in chosen:
        name = names[listed_tool.name]
        held, description = _screened(spec, name, listed_tool, guards)
        if held is not None:
            withheld.append(held)
            continue
        effects = effects_of(spec, listed_tool)
        try:
            tools.append(
                Tool.from_schema(
                    name,
                    description,
                    listed_tool.input_schema,
                    _caller(connection, listed_tool.name),
                    side_effects=effects.side_effects,
                    delivery=effects.delivery,
                )
            )
        except TeamError as exc:  # a schema Baton cannot validate against: the tool could never be called
            withheld.append(Withheld(spec.name, name, spec.agents, "schema", (str(exc),)))
    return tools, withheld


def _screened(spec: MCPTools, name: str, tool: ServerTool, guards: GuardPipeline) -> tuple[Withheld | None, str]:
    """The tool's description once the guards have read it and its schema; a ``Withheld`` if they held it."""
    described = bounded(without_surrogates(tool.description), DESCRIPTION_MAX_CHARS)[0]
    description = guards.check(GuardedMessage("tool_description", described, "tool", spec.name, name))
    if description.blocked:
        return Withheld(spec.name, name, spec.agents, description.guard, description.reasons), ""
    schema_text = "\n".join(_schema_texts(tool.input_schema))
    if schema_text:
        schema = guards.check(GuardedMessage("tool_description", schema_text, "tool", spec.name, name))
        if schema.status != "pass":
            # A schema cannot be partly cleaned without changing what the tool accepts: it is held whole.
            reasons = ("its input schema:", *schema.reasons)
            return Withheld(spec.name, name, spec.agents, schema.guard, reasons), ""
    text = description.text.strip() or f"the tool {tool.name} of the MCP server {spec.name}"
    return None, text


def team_with_tools(base: Team, extra: Mapping[str, Sequence[Tool]]) -> Team:
    """``base`` with ``extra[agent]`` added to each named specialist's tools and card (same workflow)."""
    members = []
    for member in base:
        added = list(extra.get(member.name, ()))
        if added:
            _check_fits(member.name, member.card.privilege, [t.name for t in member.tools], added)
            card = member.card.model_copy(update={"tools": (*member.card.tools, *(t.name for t in added))})
            member = replace(member, card=card, tools=(*member.tools, *added))  # noqa: PLW2901 - the widened one
        members.append(member)
    return Team(
        members,
        pipeline=base.pipeline or None,
        workflow=None if base.pipeline else base.workflow,
        deliverable=base.deliverable,
        answer_template=base.answer_template,
    )


def _check_fits(agent: str, privilege: str, own: list[str], added: list[Tool]) -> None:
    clashing = sorted({t.name for t in added} & set(own))
    if clashing:
        raise TeamError(f"specialist {agent!r} already has tool(s) named {', '.join(clashing)}", clashing)
    acting = [t.name for t in added if t.side_effects]
    if acting and privilege == "read":
        raise TeamError(
            f"card {agent!r} has privilege 'read', but the MCP tool(s) {', '.join(acting)} may have side effects "
            "(the server does not mark them readOnlyHint); declare privilege='write' on the card, or, if they only "
            "read, say so in the server's side_effects (e.g. side_effects = { lookup = false })",
            acting,
        )


def _check_named_tools(spec: MCPTools, listed: list[str]) -> None:
    named = [*(spec.tools or ()), *spec.side_effects]
    unknown = sorted({name for name in named if name not in listed})
    if unknown:
        where = f"tools.mcp ({spec.name})"
        raise ConfigError(
            where,
            [f"{where}: the server lists no tool {', '.join(map(repr, unknown))}; it lists: {', '.join(listed)}"],
        )


def _caller(connection: MCPConnection, server_name: str) -> SchemaFunction:
    """The Baton tool's function: the validated arguments go to the server under the server's own name."""

    async def call(arguments: dict[str, Any]) -> str:
        text, failed = await connection.call(server_name, arguments)
        # A tool's own failure is data for the model (MCP reports it so the model can correct its call); a server
        # that cannot answer at all raises MCPServerError from the connection.
        return TOOL_FAILED_PREFIX + text if failed else text

    return call


def _schema_texts(schema: Any) -> Iterable[str]:
    """Every piece of text in a JSON schema a model may read: descriptions, titles, names, enum values."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
                yield from (str(name) for name in value)
            yield from _schema_texts(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _schema_texts(item)
    elif isinstance(schema, str):
        yield schema
