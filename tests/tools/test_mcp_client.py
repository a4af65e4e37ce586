"""One MCP connection against a real server written with the SDK: started by the test, its tools listed, called,
and stopped with no process left behind; a server that dies, never starts or never answers is a typed error."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from support.mcp_servers import http_shop, process_gone, read_pid, shop

from supervisor import MCPServerError, MCPTools
from supervisor.tools.mcp_client import MCPConnection


async def _listed_and_called(connection: MCPConnection) -> tuple[list[str], bool | None, tuple[str, bool]]:
    try:
        tools = await connection.start()
        result = await connection.call("lookup_order", {"order_id": "1042"})
    finally:
        await connection.close()
    return [t.name for t in tools], tools[0].read_only, result


def test_a_stdio_server_lists_its_tools_answers_a_call_and_is_gone_after_close(tmp_path: Path) -> None:
    pid_file = tmp_path / "shop.pid"
    connection = MCPConnection(shop(env={"SHOP_PID_FILE": str(pid_file)}))
    names, read_only, (text, is_error) = asyncio.run(_listed_and_called(connection))
    assert names == ["lookup_order", "refund_amount"]
    assert read_only is True
    assert (text, is_error) == ("order 1042: 2 mugs, paid 24.00 EUR", False)
    assert process_gone(read_pid(pid_file))


def test_the_listing_carries_each_tools_input_schema_and_description() -> None:
    async def listed() -> dict[str, tuple[str, dict[str, object]]]:
        connection = MCPConnection(shop())
        try:
            return {t.name: (t.description, t.input_schema) for t in await connection.start()}
        finally:
            await connection.close()

    tools = asyncio.run(listed())
    description, schema = tools["refund_amount"]
    assert description == "How much of an order can still be refunded."
    assert schema["required"] == ["order_id"]
    assert schema["properties"] == {"order_id": {"title": "Order Id", "type": "string"}}


def test_a_server_that_dies_during_a_call_fails_it_and_every_later_call_with_its_last_words(tmp_path: Path) -> None:
    pid_file = tmp_path / "shop.pid"
    connection = MCPConnection(shop(env={"SHOP_DIE_ON": "refund_amount", "SHOP_PID_FILE": str(pid_file)}))

    async def die() -> tuple[MCPServerError, MCPServerError, str]:
        try:
            await connection.start()
            first = await connection.call("lookup_order", {"order_id": "1042"})
            with pytest.raises(MCPServerError) as during:
                await connection.call("refund_amount", {"order_id": "1042"})
            with pytest.raises(MCPServerError) as after:
                await connection.call("lookup_order", {"order_id": "1042"})
        finally:
            await connection.close()
        return during.value, after.value, first[0]

    during, after, first = asyncio.run(die())
    assert first.startswith("order 1042")
    assert (during.source, during.phase, during.tool) == ("shop", "call", "refund_amount")
    assert "refund_amount lost its database connection" in during.stderr
    assert after.tool == "lookup_order" and after.phase == "call"
    assert process_gone(read_pid(pid_file))


def test_a_command_that_does_not_exist_is_a_start_error() -> None:
    connection = MCPConnection(MCPTools(name="ghost", command="/nonexistent/mcp-server", agents=("clerk",)))
    with pytest.raises(MCPServerError, match="did not start") as raised:
        asyncio.run(connection.start())
    assert raised.value.phase == "start" and "No such file" in raised.value.detail


def test_a_server_that_exits_before_listing_says_why_in_the_error() -> None:
    script = "import sys; print('shop: no database configured', file=sys.stderr); sys.exit(3)"
    connection = MCPConnection(MCPTools(name="shop", command=sys.executable, args=("-c", script), agents=("clerk",)))
    with pytest.raises(MCPServerError) as raised:
        asyncio.run(connection.start())
    assert raised.value.phase == "start"
    assert raised.value.stderr == "shop: no database configured"


def test_a_server_that_never_answers_is_stopped_at_the_startup_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "mute.pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    spec = MCPTools(name="mute", command=sys.executable, args=("-c", script), agents=("clerk",), startup_timeout_s=2)
    with pytest.raises(MCPServerError, match="no tool list within 2 s"):
        asyncio.run(MCPConnection(spec).start())
    assert process_gone(read_pid(pid_file))


def test_a_call_on_a_connection_that_never_started_is_a_typed_error() -> None:
    with pytest.raises(MCPServerError, match="the server is not running"):
        asyncio.run(MCPConnection(shop()).call("lookup_order", {"order_id": "1"}))


def test_a_streamable_http_server_on_loopback_is_listed_and_called_and_its_death_is_a_typed_error() -> None:
    with http_shop() as (url, process):
        connection = MCPConnection(MCPTools(name="shop", url=url, agents=("clerk",)))

        async def use() -> tuple[list[str], str, MCPServerError]:
            try:
                tools = await connection.start()
                text, _ = await connection.call("refund_amount", {"order_id": "2077"})
                process.kill()
                process.wait()
                with pytest.raises(MCPServerError) as raised:
                    await connection.call("lookup_order", {"order_id": "2077"})
            finally:
                await connection.close()
            return [t.name for t in tools], text, raised.value

        names, text, error = asyncio.run(use())
    assert names == ["lookup_order", "refund_amount"]
    assert text == "refundable for order 2077: 31.50 EUR"
    assert error.phase == "call" and error.tool == "lookup_order"
