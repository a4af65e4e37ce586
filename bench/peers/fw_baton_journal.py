"""Baton with its SQLite step journal on (durable runs): the row beside LangGraph's durable checkpointers.

The same scenarios as ``fw_baton`` (guards and the audit log on, BM25 routing), each step also recorded in the
journal so that a crashed run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fakellm import FakeLLM
from fw_baton import DISTRIBUTIONS, prepare_baton

NAME = "baton+journal"
__all__ = ["DISTRIBUTIONS", "NAME", "prepare"]


def prepare(  # noqa: PLR0917 - the harness's adapter interface names these positionally, in capitals
    scenario: str,
    K: int,  # noqa: N803
    N: int,  # noqa: N803
    M: int,  # noqa: N803
    L: float,  # noqa: N803
    fake: FakeLLM,
) -> Callable[[], Awaitable[str]]:
    """Build the supervisor for one scenario (untimed); return an async callable = one run."""
    return prepare_baton(scenario, K, N, M, fake, journal=True)
