"""Unit tests never reach a real provider: real models are blocked unless a test is marked ``integration``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from supervisor.models import BLOCK_REAL_MODELS_ENV


@pytest.fixture(autouse=True)
def _block_real_models(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("integration") is None:
        monkeypatch.setenv(BLOCK_REAL_MODELS_ENV, "1")
    else:
        monkeypatch.delenv(BLOCK_REAL_MODELS_ENV, raising=False)
    yield
