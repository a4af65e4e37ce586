"""Native tool calling over the OpenAI chat-completions wire shape, against a small loopback HTTP server written
here that speaks it (``tools`` in the request, ``tool_calls`` in the reply): the request carries each tool's
schema, several calls in one reply are all read, arguments that are no JSON object reach the loop as feedback,
and a specialist on an ``openai/`` model runs a two-round tool loop end to end."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from supervisor import BatonConfig, Card, RunScript, Specialist, Supervisor, Team, tool
from supervisor.models.chat_http import ChatProviderSettings
from supervisor.models.openai import OpenAIModel
from supervisor.models.tool_calls import RequestedCall, ToolCaller, ToolSpec

Reply = Callable[[dict[str, Any]], dict[str, Any]]


def completion(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-tools",
        "object": "chat.completion",
        "created": 0,
        "model": "tool-model",
        "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", **message}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def tool_calls(*calls: tuple[str, str]) -> dict[str, Any]:
    """A reply asking for ``calls``: (name, arguments as the JSON text the API sends)."""
    listed = [
        {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": arguments}}
        for n, (name, arguments) in enumerate(calls, 1)
    ]
    return completion({"content": None, "tool_calls": listed}, "tool_calls")


@contextmanager
def chat_server(reply: Reply) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OpenAI-compatible endpoint on loopback answering each request with ``reply(body)``."""
    requests: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            data = json.dumps(reply(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    finally:
        server.shutdown()
        server.server_close()


def openai_model(base_url: str) -> OpenAIModel:
    return OpenAIModel("tool-model", ChatProviderSettings(base_url=base_url, structured_mode="json_schema"))


SPECS = [
    ToolSpec("get_order", "look up an order", {"type": "object", "properties": {"order_id": {"type": "string"}}}),
    ToolSpec("weather", "the forecast", {"type": "object", "properties": {"city": {"type": "string"}}}),
]


def test_the_request_offers_each_tool_and_the_reply_s_calls_are_read() -> None:
    reply = tool_calls(("get_order", '{"order_id": "5531"}'), ("weather", '{"city": "Lyon"}'), ("weather", "Lyon?"))
    with chat_server(lambda body: reply) as (url, requests):
        model = openai_model(url)
        assert isinstance(model, ToolCaller)

        async def ask() -> Any:
            try:
                return await model.call_tools([{"role": "user", "content": "hi"}], SPECS, max_tokens=64)
            finally:
                await model.aclose()

        turn = asyncio.run(ask())

    sent = requests[0]
    assert sent["tool_choice"] == "auto" and sent["max_tokens"] == 64
    assert sent["tools"][0] == {
        "type": "function",
        "function": {
            "name": "get_order",
            "description": "look up an order",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
        },
    }
    assert turn.calls == [
        RequestedCall("get_order", {"order_id": "5531"}),
        RequestedCall("weather", {"city": "Lyon"}),
        RequestedCall("weather", "Lyon?"),  # not a JSON object: the loop answers it with feedback
    ]
    assert (turn.usage.prompt_tokens, turn.usage.completion_tokens, turn.usage.calls) == (11, 7, 1)


def test_a_reply_with_text_and_no_calls_means_ready_to_answer() -> None:
    with chat_server(lambda body: completion({"content": "All done."})) as (url, _):
        model = openai_model(url)

        async def ask() -> Any:
            try:
                return await model.call_tools([{"role": "user", "content": "hi"}], SPECS)
            finally:
                await model.aclose()

        turn = asyncio.run(ask())
    assert turn.calls == [] and turn.text == "All done."


received_calls: list[dict[str, Any]] = []


@tool
def get_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: the order's number
    """
    received_calls.append({"order_id": order_id})
    return f"Order {order_id}: 1 mouse, paid 19.00 USD."


@tool
def compute_refund(paid: Decimal) -> str:
    """Compute what to refund.

    Args:
        paid: what the customer paid
    """
    received_calls.append({"paid": paid})
    return f"Refund due: {paid:.2f} USD."


def test_a_specialist_on_an_openai_compatible_model_runs_its_tool_loop_natively() -> None:
    received_calls.clear()

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        if "tools" not in body:
            answer = "Order 5531 is refunded: 19.00 USD, as the tools found."
            return completion({"content": answer})
        results = sum(m["content"].count("Result of tool") for m in body["messages"])
        if results == 0:
            return tool_calls(("get_order", '{"order_id": "5531"}'))
        if results == 1:
            return tool_calls(("compute_refund", '{"paid": "19.00"}'))
        return completion({"content": "I have what I need."})

    with chat_server(reply) as (url, requests):
        card = Card(
            name="refunds",
            description="Handles refunds.",
            skills=("refund orders",),
            tools=("get_order", "compute_refund"),
        )
        team = Team(
            [
                Specialist(
                    name="refunds",
                    card=card,
                    instructions="You refund orders.",
                    tools=(get_order, compute_refund),
                    model=openai_model(url),
                )
            ]
        )
        script = RunScript(plan=[("s1", "Refund order 5531", [])])
        config = BatonConfig.model_validate({"audit": {"enabled": False}, "routing": {"similarity": "bm25"}})
        result = Supervisor(team, config=config, model=script.model("gpt-4o")).run_sync("Refund order 5531.")

    assert result.status == "done", result.error
    assert received_calls == [{"order_id": "5531"}, {"paid": Decimal("19.00")}]
    with_tools = [r for r in requests if "tools" in r]
    assert len(with_tools) == 3  # look up, compute, then "I have what I need"
    assert [t["function"]["name"] for t in with_tools[0]["tools"]] == ["get_order", "compute_refund"]
    assert "Refund due: 19.00 USD." in with_tools[2]["messages"][-1]["content"]
    made = result.steps[0].attempts[0].tool_calls
    assert [c.tool for c in made] == ["get_order", "compute_refund"]
    assert result.steps[0].output == "Order 5531 is refunded: 19.00 USD, as the tools found."


def test_litellm_offers_tools_and_reads_tool_calls_the_same_way() -> None:
    from supervisor.models.litellm import LitellmModel

    reply = tool_calls(("get_order", '{"order_id": "5531"}'))
    with chat_server(lambda body: reply) as (url, requests):
        model = LitellmModel("openai/tool-model", ChatProviderSettings(base_url=url))

        async def ask() -> Any:
            try:
                return await model.call_tools([{"role": "user", "content": "hi"}], SPECS[:1])
            finally:
                await model.aclose()

        turn = asyncio.run(ask())
    assert requests[0]["tools"][0]["function"]["name"] == "get_order"
    assert turn.calls == [RequestedCall("get_order", {"order_id": "5531"})]
