"""Unit tests never reach a real provider: real models are blocked unless a test is marked ``integration``.

Every test also gets its own Baton home (state, audit log) and key directory, so no test writes into the
repository or the user's home, and no two tests share an audit chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from supervisor.models import BLOCK_REAL_MODELS_ENV


@pytest.fixture(autouse=True)
def _block_real_models(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("integration") is None:
        monkeypatch.setenv(BLOCK_REAL_MODELS_ENV, "1")
    else:
        monkeypatch.delenv(BLOCK_REAL_MODELS_ENV, raising=False)
    yield


@pytest.fixture(autouse=True)
def _private_baton_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("baton-home")
    monkeypatch.setenv("BATON_HOME", str(home / "state"))
    monkeypatch.setenv("BATON_KEY_DIR", str(home / "keys"))


@pytest.fixture
def baton_home() -> Path:
    """This test's Baton home (where the audit log is written by default)."""
    import os

    return Path(os.environ["BATON_HOME"])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A Postgres server for this test session, started on first use (Debian's postgresql, 127.0.0.1 only)."""
    from support.postgres import postgres_server

    with postgres_server() as url:
        yield url
