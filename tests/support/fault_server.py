"""A tiny OpenAI-shaped HTTP server on loopback whose faults the tests choose, one scenario per URL path.

``http://127.0.0.1:PORT/<scenario>/v1`` is a base URL; every request to it is recorded with its arrival time.
Written on raw asyncio streams so a test can also drop a connection mid-response or never answer at all.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

COMPLETION = {
    "id": "chatcmpl-fault",
    "object": "chat.completion",
    "created": 0,
    "model": "fake",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "pong"}}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


@dataclass
class FaultServer:
    port: int
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def base_url(self, scenario: str) -> str:
        return f"http://127.0.0.1:{self.port}/{scenario}/v1"

    def count(self, scenario: str) -> int:
        return len(self.arrivals[scenario])


def _response(status: int, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests", 500: "Server Error"}
    head = (
        f"HTTP/1.1 {status} {reason.get(status, 'X')}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


def _error(status: int, message: str) -> bytes:
    return _response(status, json.dumps({"error": {"message": message, "type": "test", "code": status}}).encode())


async def _handle(server: FaultServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        path = lines[0].split(" ")[1]
        length = next((int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length")), 0)
        if length:
            await reader.readexactly(length)
        scenario = path.strip("/").split("/")[0]
        server.arrivals[scenario].append(time.monotonic())
        seen = server.count(scenario)
        ok = _response(200, json.dumps(COMPLETION).encode())
        if scenario == "ok":
            writer.write(ok)
        elif scenario == "ratelimit-retry-after":
            writer.write(
                _response(429, b'{"error":{"message":"slow down"}}', extra="Retry-After: 1\r\n") if seen == 1 else ok
            )
        elif scenario == "500-always":
            writer.write(_error(500, "internal error"))
        elif scenario == "auth":
            writer.write(_error(401, "invalid api key"))
        elif scenario == "notfound":
            writer.write(_error(404, "model 'nope' not found"))
        elif scenario == "nonjson":
            writer.write(_response(200, b"<html>gateway says hello</html>", content_type="text/html"))
        elif scenario == "drop":
            body = json.dumps(COMPLETION).encode()
            writer.write(_response(200, body)[: -len(body) // 2])  # headers and half the body, then close
        elif scenario == "hang":
            await asyncio.sleep(30)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@contextmanager
def running_fault_server() -> Iterator[FaultServer]:
    """Start the server on a free loopback port in a background thread; stop it on exit."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = FaultServer(port)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncio.base_events.Server] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(lambda r, w: _handle(server, r, w), "127.0.0.1", port)
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield server
    finally:

        async def stop() -> None:
            holder["server"].close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
