"""One MCP server connection, held by a task of its own: start, list the tools, call them, stop.

The only module that imports the ``mcp`` SDK, and only when a server is started (the import costs most of a
second). The SDK's client runs on anyio task groups whose cancel scopes must be entered and left by one task, and
a transport that fails cancels the task that entered it. So each connection is entered and left by an owner task
that does nothing else, and every call is raced against that task: a server that dies fails the calls waiting on
it with ``MCPServerError``, instead of cancelling their callers or leaving them waiting.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from supervisor.errors import MCPServerError

if TYPE_CHECKING:
    from mcp import Client
    from mcp.types import CallToolResult

    from supervisor.tools.mcp import MCPTools

STDERR_TAIL_CHARS = 600
_LIST_PAGES_MAX = 100
"""Pages of a tool listing read at most: a server whose cursor never ends cannot hold a run's start."""


@dataclass(frozen=True)
class ServerTool:
    """A tool as its server lists it: untrusted text until the guards have read it."""

    name: str
    description: str
    input_schema: dict[str, Any] = field(default_factory=dict)
    read_only: bool | None = None
    idempotent: bool | None = None


class MCPConnection:
    """A live connection to one server: ``start()`` lists its tools, ``call()`` runs one, ``close()`` stops it."""

    def __init__(self, spec: MCPTools) -> None:
        self.spec = spec
        self._client: Client | None = None
        self._owner: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._ended: BaseException | None = None
        self._stderr: IO[str] | None = None

    async def start(self) -> list[ServerTool]:
        """Start (or reach) the server and list its tools; ``MCPServerError`` if it cannot, nothing left running."""
        await asyncio.to_thread(_import_sdk)  # most of a second, off the event loop other runs share
        ready: asyncio.Future[list[ServerTool]] = asyncio.get_running_loop().create_future()
        self._owner = asyncio.create_task(self._hold(ready), name=f"baton-mcp-{self.spec.name}")
        failure: BaseException | None = None
        waited: set[asyncio.Future[Any]] = {ready, self._owner}
        try:
            async with asyncio.timeout(self.spec.startup_timeout_s):
                await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            failure = self._error("start", f"no tool list within {self.spec.startup_timeout_s:g} s")
        except BaseException:
            await self.close()  # cancelled while starting: the child process must not outlive the run
            raise
        if failure is None and ready.done() and not ready.cancelled():
            if ready.exception() is None:
                return ready.result()
            failure = ready.exception()  # the MCPServerError _hold made of what stopped the start
        await self.close()
        raise failure or self._error("start", "the connection ended before the tools were listed")

    async def _hold(self, ready: asyncio.Future[list[ServerTool]]) -> None:
        """The owner task: enters the SDK's client, lists the tools, waits for ``close()``, and leaves it."""
        phase = "start"
        try:
            async with AsyncExitStack() as stack:
                client = await stack.enter_async_context(self._client_for())
                phase = "list"
                tools = await _list_tools(client)
                self._client = client
                ready.set_result(tools)
                phase = "call"
                await self._stop.wait()
        except Exception as exc:  # an ExceptionGroup too: a transport's task group reports what ended it so
            self._ended = exc
            if not ready.done():
                ready.set_exception(self._error(phase, _describe(exc)))
        finally:
            self._client = None
            if not ready.done():
                ready.cancel()

    def _client_for(self) -> Client:
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client
        from mcp.types import Implementation

        info = Implementation(name="baton", version="0.1.0")
        if self.spec.url is not None:
            return Client(self.spec.url, client_info=info)
        env = {name: os.environ[name] for name in self.spec.pass_env if name in os.environ} | self.spec.env
        parameters = StdioServerParameters(
            command=self.spec.command or "", args=list(self.spec.args), env=env or None, cwd=self.spec.cwd
        )
        # The server's stderr goes to a file of its own: its logs stay out of the terminal, and its last words
        # are at hand when it fails.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - closed in close()
        return Client(stdio_client(parameters, errlog=self._stderr), client_info=info)

    async def call(self, tool: str, arguments: dict[str, Any]) -> tuple[str, bool]:
        """Call ``tool`` (the server's own name): its result as text, and whether the tool reported an error.

        A server that is gone, dies during the call or answers with a protocol error raises ``MCPServerError``.
        """
        client, owner = self._client, self._owner
        if client is None or owner is None or owner.done():
            raise self._error("call", self._gone(), tool=tool)
        request = asyncio.ensure_future(client.call_tool(tool, arguments))
        waited: set[asyncio.Future[Any]] = {request, owner}
        try:
            await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not request.done():
                request.cancel()  # the caller was cancelled (a step's deadline), or the server went away
                with suppress(BaseException):
                    await request
        if request.cancelled():
            raise self._error("call", self._gone(), tool=tool)
        failure = request.exception()
        if failure is not None:
            raise self._error("call", _describe(failure), tool=tool) from failure
        return result_text(request.result())

    async def responsive(self, timeout_s: float = 10) -> bool:
        """Whether the server still answers (its tool list, asked afresh: MCP 2026 has no ping); a stdio server
        that died shows only when asked."""
        client, owner = self._client, self._owner
        if client is None or owner is None or owner.done():
            return False
        ping = asyncio.ensure_future(client.list_tools(cache_mode="refresh"))
        waited: set[asyncio.Future[Any]] = {ping, owner}
        try:
            await asyncio.wait(waited, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not ping.done():
                ping.cancel()
                with suppress(BaseException):
                    await ping
        return ping.done() and not ping.cancelled() and ping.exception() is None

    async def close(self) -> None:
        """Stop the server (a stdio child is asked to exit, then killed) and wait until it is gone."""
        owner = self._owner
        if owner is not None:
            self._stop.set()
            if self._client is None:
                owner.cancel()  # still starting (or already ended): nothing waits for the stop signal
            with suppress(Exception, asyncio.CancelledError):
                await owner
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _gone(self) -> str:
        if self._ended is not None:
            return f"the connection ended ({_describe(self._ended)})"
        return "the server is not running"

    def _error(self, phase: str, detail: str, *, tool: str | None = None) -> MCPServerError:
        return MCPServerError(self.spec.name, phase, detail, tool=tool, stderr=self._stderr_tail())

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            text = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return text[-STDERR_TAIL_CHARS:].strip()


def _import_sdk() -> None:
    import mcp.client.stdio  # noqa: F401 - imported for its cost, not its names


async def _list_tools(client: Client) -> list[ServerTool]:
    tools: list[ServerTool] = []
    cursor: str | None = None
    for _ in range(_LIST_PAGES_MAX):
        page = await client.list_tools(cursor=cursor)
        for tool in page.tools:
            hints = tool.annotations
            tools.append(
                ServerTool(
                    name=tool.name,
                    description=tool.description or "",
                    input_schema=dict(tool.input_schema),
                    read_only=hints.read_only_hint if hints is not None else None,
                    idempotent=hints.idempotent_hint if hints is not None else None,
                )
            )
        cursor = page.next_cursor
        if cursor is None:
            break
    return tools


def result_text(result: CallToolResult) -> tuple[str, bool]:
    """A tool's result as the text a model reads: its text blocks, else its structured content as JSON.

    Images, audio and resources are named, not inlined: their bytes are no use to a model that reads text.
    """
    from mcp.types import EmbeddedResource, ResourceLink, TextContent, TextResourceContents

    parts: list[str] = []
    for block in result.content:
        if isinstance(block, TextContent):
            parts.append(block.text)
        elif isinstance(block, EmbeddedResource):
            resource = block.resource
            parts.append(resource.text if isinstance(resource, TextResourceContents) else f"[resource {resource.uri}]")
        elif isinstance(block, ResourceLink):
            parts.append(f"[resource {block.uri}]")
        else:
            parts.append(f"[{block.type}: {getattr(block, 'mime_type', '')}]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False, sort_keys=True))
    return "\n".join(parts), result.is_error


def _describe(exc: BaseException) -> str:
    """What ended a connection or a call, in a line: the innermost errors of a group, by type and message."""
    leaves: Sequence[BaseException] = _leaves(exc)
    return "; ".join(_line(e) for e in leaves[:3])


def _line(exc: BaseException) -> str:
    from mcp import MCPError
    from mcp.types import CONNECTION_CLOSED

    if isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED:
        return "the connection closed: the server exited or hung up"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]
