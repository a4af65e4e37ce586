"""Per-call overhead of each HTTP provider path against a loopback OpenAI-compatible server.

Start a server first, e.g. the embedded model under llama-cpp-python's server:

    GGUF=$(.venv/bin/python -c "from supervisor.models.local import embedded_model_path as p; print(p())")
    .venv/bin/python -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port 8766 &
    .venv/bin/python bench/providers.py --base-url http://127.0.0.1:8766/v1 --calls 60

Every path sends the same one-token request; paths are interleaved call by call so server-side drift hits all
alike. The baseline is a bare ``httpx`` POST: what any client must at least do. Reported per path: median wall
time per call, and the client's own CPU time per call (the part of the cost that is the client's, free of the
server's decode time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

MESSAGES = [{"role": "user", "content": "Say OK."}]


async def main(base_url: str, calls: int) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import httpx
    import litellm
    from openai import AsyncOpenAI

    from supervisor import resolve_model

    litellm.suppress_debug_info = True
    body = {"model": "smollm2", "messages": MESSAGES, "max_tokens": 1, "temperature": 0}
    raw_http = httpx.AsyncClient(timeout=60)
    raw_openai = AsyncOpenAI(base_url=base_url, api_key="none", max_retries=0)
    settings = {"base_url": base_url, "temperature": 0}
    baton_openai = resolve_model("openai/smollm2", {"openai": settings})
    baton_litellm = resolve_model("litellm/openai/smollm2", {"litellm": settings})

    async def post() -> Any:
        return (await raw_http.post(f"{base_url}/chat/completions", json=body)).json()

    paths: dict[str, Callable[[], Awaitable[Any]]] = {
        "baseline: httpx POST": post,
        "openai SDK, direct": lambda: raw_openai.chat.completions.create(**body),  # type: ignore[arg-type]
        "Baton openai/": lambda: baton_openai.complete(MESSAGES, max_tokens=1),  # type: ignore[arg-type]
        "litellm, direct": lambda: litellm.acompletion(
            model="openai/smollm2",
            api_base=base_url,
            api_key="none",
            messages=MESSAGES,
            max_tokens=1,
            temperature=0,
            num_retries=0,
        ),
        "Baton litellm/": lambda: baton_litellm.complete(MESSAGES, max_tokens=1),  # type: ignore[arg-type]
    }
    for call in paths.values():  # warm up: connections, imports, caches
        for _ in range(3):
            await call()
    wall: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(calls):
        for name, call in paths.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            await call()
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)

    base_wall = statistics.median(wall["baseline: httpx POST"])
    base_cpu = statistics.median(cpu["baseline: httpx POST"])
    print(f"{calls} calls per path, interleaved; server {base_url}")
    print(f"{'path':24} {'wall median':>12} {'vs baseline':>12} {'client CPU':>11} {'vs baseline':>12}")
    for name in paths:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(
            f"{name:24} {w * 1e3:9.2f} ms {(w - base_wall) * 1e3:+9.2f} ms {c * 1e3:8.3f} ms "
            f"{(c - base_cpu) * 1e3:+9.3f} ms"
        )
    await raw_http.aclose()
    await raw_openai.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="HTTP provider overhead per call")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--calls", type=int, default=60)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.base_url, arguments.calls))
