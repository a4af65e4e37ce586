"""Baton as a peer-harness adapter: the same three scenarios, through Baton's public API only.

The harness (``fakellm.py``, ``harness.py``) comes from the peer benchmark folder; see ``bench/peers/run.py``.
Every model call goes through the harness's ``FakeLLM`` (``await fake.acomplete(text)``), wrapped in Baton's own
``Model`` contract, so Baton's structured-output validation is part of what is measured, as LangChain's model
plumbing is in the LangGraph rows. Guards (the injection detector) and the audit log are on, routing is BM25; the
step journal is off here and on in ``fw_baton_journal`` (the durable row, beside LangGraph's checkpointers).

- A: a K-step pipeline (``run(goal, pipeline=[...])``), the model judging each output: K specialist calls,
  K verdicts and the final answer = 2K+1 calls.
- B: a model-written plan of N independent subtasks (``limits.max_subtasks = N``), code checks: the plan call,
  N specialist calls in one wave (``limits.max_concurrency = N``), the final answer = N+2 calls.
- C: M goals at once, each the A pipeline with K=1 = 3M calls.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fakellm import FakeLLM
from pydantic import BaseModel

from supervisor import (
    BatonConfig,
    Card,
    Completion,
    Message,
    Specialist,
    Supervisor,
    Team,
    Usage,
    register_provider,
)

NAME = "baton"
DISTRIBUTIONS = ["pydantic", "instructor", "jinja2"]

GOAL = "Write a short market report on widgets."
# The harness's canned work text repeats "lorem ipsum" and quotes step numbers: Baton's code checks (loops,
# figures found nowhere in the request) rightly reject it. This answer has the same size and passes them.
WORK = (
    "Widget demand grew steadily across retail and industrial buyers this quarter. Prices held firm while "
    "supply recovered, and makers that automated assembly improved their margins. The outlook stays positive."
)
# One word per worker so that BM25 routes each subtask of the B plan to its worker without asking the model.
TOPICS = [
    *("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo"),
    *("lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor"),
    *("whiskey", "xray", "yankee", "zulu"),
]


def topic(i: int) -> str:
    return TOPICS[i % len(TOPICS)] + ("" if i < len(TOPICS) else TOPICS[i // len(TOPICS) - 1])


ACCEPT = json.dumps({"decision": "accept", "feedback": "", "agent": ""})


def plan_text(n: int) -> str:
    """A plan of ``n`` independent subtasks, each suggesting its worker, as a strong model writes it."""
    subtasks = [
        {
            "id": f"s{i}",
            "description": f"Write the {topic(i - 1)} section of the market report on widgets",
            "acceptance_criteria": "a complete section of the report",
            "depends_on": [],
        }
        for i in range(1, n + 1)
    ]
    return json.dumps({"subtasks": subtasks})


class HarnessModel:
    """Baton's ``Model`` contract over the harness's fake: canned answers, fixed latency, counted calls."""

    def __init__(self, fake: FakeLLM, plan_size: int) -> None:
        self._fake = fake
        self._plan = plan_text(plan_size)

    @property
    def name(self) -> str:
        return "peerbench/fake"

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        if output_type is None:  # a specialist's work or the final answer: the same canned size
            text = await self._fake.acomplete(WORK)
            return Completion(text=text, usage=Usage(calls=1))
        text = await self._fake.acomplete(self._plan if output_type.__name__ == "Plan" else ACCEPT)
        return Completion(text=text, output=output_type.model_validate_json(text), usage=Usage(calls=1))


def _team(k: int) -> Team:
    return Team(
        [
            Specialist(
                name=f"worker_{i}",
                card=Card(name=f"worker_{i}", description=f"Writes the {topic(i)} section of reports"),
                instructions="Do your part of the work.",
            )
            for i in range(k)
        ]
    )


def _supervisor(k: int, *, judge: str, limits: dict[str, Any], journal: bool) -> Supervisor:
    settings = {
        "models": {"default": "peerbench/fake", "capabilities": {"peerbench/fake": "capable"}},
        "planning": {"mode": "free"},
        "checking": {"judge": judge, "min_relevance": 0},
        "routing": {"similarity": "bm25"},
        "limits": {"max_steps": 4 * k + 4, "max_agent_runs": 4 * k + 4, **limits},
        "guards": {"detector": True},
        "audit": {"enabled": True},
        "journal": {"enabled": journal},
    }
    return Supervisor(_team(k), config=BatonConfig.model_validate(settings))


def prepare(  # noqa: PLR0917 - the harness's adapter interface names these positionally, in capitals
    scenario: str,
    K: int,  # noqa: N803
    N: int,  # noqa: N803
    M: int,  # noqa: N803
    L: float,  # noqa: N803
    fake: FakeLLM,
) -> Callable[[], Awaitable[str]]:
    """Build the supervisor for one scenario (untimed); return an async callable = one run."""
    return prepare_baton(scenario, K, N, M, fake, journal=False)


def prepare_baton(
    scenario: str,
    K: int,  # noqa: N803
    N: int,  # noqa: N803
    M: int,  # noqa: N803
    fake: FakeLLM,
    *,
    journal: bool,
) -> Callable[[], Awaitable[str]]:
    """``prepare``, with the SQLite step journal on or off (``fw_baton_journal`` is the durable row)."""
    # The audit log and its signing keys go to a fresh folder, removed when the process ends.
    home = tempfile.mkdtemp(prefix="baton-peer-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["BATON_HOME"] = os.path.join(home, "home")
    os.environ["BATON_KEY_DIR"] = os.path.join(home, "keys")
    model = HarnessModel(fake, plan_size=N)
    register_provider("peerbench", lambda _spec, _settings: model, offline=True)

    async def goal(sup: Supervisor, pipeline: list[str] | None) -> str:
        result = await sup.run(GOAL, pipeline=pipeline)
        if result.status != "done":
            raise RuntimeError(f"baton run ended {result.status}: {result.error}")
        return result.output

    if scenario == "A":
        sup = _supervisor(K, judge="model", limits={}, journal=journal)
        steps = [f"worker_{i}" for i in range(K)]
        return lambda: goal(sup, steps)
    if scenario == "B":
        limits = {"min_subtasks": N, "max_subtasks": N, "max_concurrency": N}
        sup = _supervisor(N, judge="code", limits=limits, journal=journal)
        return lambda: goal(sup, None)
    if scenario == "C":
        sup = _supervisor(1, judge="model", limits={}, journal=journal)

        async def run_c() -> str:
            outs = await asyncio.gather(*(goal(sup, ["worker_0"]) for _ in range(M)))
            return outs[-1]

        return run_c
    raise ValueError(scenario)
