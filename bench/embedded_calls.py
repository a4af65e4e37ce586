"""Time the embedded model's plan, route and verdict calls, through Baton and through llama.cpp directly.

    .venv/bin/python bench/embedded_calls.py [--repeat 5]

The direct llama-cpp-python call (same messages, same schema, same max_tokens) is the baseline: the difference
is what Baton adds (instructor, validation, prompt rendering). Temperature is 0, so every repeat decodes the
same tokens and the medians compare like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from specialists import support_desk_team
from supervisor import BatonConfig, Subtask, Supervisor, Verdict, resolve_model
from supervisor.decisions.prompts import render
from supervisor.decisions.schemas import route_output_type
from supervisor.models.local import LocalModel, _load

TICKET = "Ticket #1042: I was charged twice for my March invoice. Please refund the duplicate charge."


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms (min {min(samples) * 1000:.1f}, n={len(samples)})"


async def timed(repeat: int, call: Callable[[], Awaitable[Any]]) -> tuple[list[float], Any]:
    samples, last = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        last = await call()
        samples.append(time.perf_counter() - start)
    return samples, last


def direct(model: LocalModel, messages: list[Any], schema: dict[str, Any], max_tokens: int) -> Callable[[], Any]:
    llama = _load(model.path, {}).llama

    async def call() -> Any:
        return llama.create_chat_completion(
            messages=messages,
            response_format={"type": "json_object", "schema": schema},
            temperature=0.0,
            max_tokens=max_tokens,
        )

    return call


async def main(repeat: int) -> None:
    team = support_desk_team()
    sup = Supervisor(team, config=BatonConfig.model_validate({"routing": {"decide_gap": 1.0, "candidates": 4}}))
    model = resolve_model("local/smollm2")
    assert isinstance(model, LocalModel)
    start = time.perf_counter()
    await model.complete([{"role": "user", "content": "hi"}], max_tokens=1)
    print(f"model load + first call: {(time.perf_counter() - start) * 1000:.0f} ms")

    subtask = Subtask(id="s1", description="Draft an email explaining the refund", acceptance_criteria="polite")
    plan_samples, plan = await timed(repeat, lambda: sup.plan(TICKET))
    route_samples, _ = await timed(repeat, lambda: sup.route(subtask))
    check_messages = render(
        "check", subtask=subtask, output="Dear customer, your refund is on its way. Sorry!", agents=team.names
    )
    verdict_samples, _ = await timed(
        repeat, lambda: model.complete(check_messages, output_type=Verdict, max_tokens=232)
    )

    route_type = route_output_type(tuple(team.names))
    route_messages = render("route", subtask=subtask, cards=[s.card for s in team])
    raw_route, _ = await timed(repeat, direct(model, route_messages, route_type.model_json_schema(), 208))
    raw_verdict, _ = await timed(repeat, direct(model, check_messages, Verdict.model_json_schema(), 232))

    print(f"plan    ({len(plan.subtasks)} subtasks, skeleton): {median_ms(plan_samples)}")
    print(f"route   (model over 4 cards):   {median_ms(route_samples)}   direct llama.cpp: {median_ms(raw_route)}")
    print(f"verdict:                        {median_ms(verdict_samples)}   direct llama.cpp: {median_ms(raw_verdict)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
