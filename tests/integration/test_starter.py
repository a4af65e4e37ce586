"""`baton init` in an empty folder, then `baton run` there, on the embedded model: the starter runs as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def baton(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BATON_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "supervisor", *args], cwd=folder, env=env, capture_output=True, text=True, check=False
    )


def test_init_then_run_on_the_embedded_model(tmp_path: Path) -> None:
    made = baton(tmp_path, "init")
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baton.toml", "my_team.py"]

    ran = baton(tmp_path, "run", "What are your opening hours on Saturday?", "--json")
    assert ran.returncode == 0, ran.stderr[-2000:]
    result = json.loads(ran.stdout)
    assert result["status"] == "done" and result["output"].strip()
    assert [s["route"]["agent"] for s in result["steps"]] == ["researcher", "writer"]
    assert "Traceback" not in ran.stderr and "bundled" not in ran.stderr  # the folder's own team ran
