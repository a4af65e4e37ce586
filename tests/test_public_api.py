"""The public surface is declared, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import supervisor


def test_all_names_exist_and_are_unique() -> None:
    assert len(supervisor.__all__) == len(set(supervisor.__all__))
    for name in supervisor.__all__:
        assert hasattr(supervisor, name), name


def test_key_entry_points_are_public() -> None:
    for name in ("Supervisor", "ScriptedModel", "Card", "Specialist", "Team", "Model", "load_config"):
        assert name in supervisor.__all__


def test_import_does_not_pull_in_provider_sdks() -> None:
    code = (
        "import sys, supervisor; "
        "print(','.join(m for m in ('openai', 'litellm', 'instructor', 'llama_cpp', 'jinja2') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
