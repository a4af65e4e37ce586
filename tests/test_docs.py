"""docs/configuration.md is generated from the config models: it is up to date, and its examples are valid."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from supervisor import BatonConfig
from supervisor.models.chat_http import ChatProviderSettings

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "configuration.md"


def test_the_configuration_reference_is_up_to_date() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "config_reference.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_the_reference_names_every_table_and_key() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    for table, field in BatonConfig.model_fields.items():
        assert f"[{table}" in text
        model = field.annotation
        for key in getattr(model, "model_fields", {}):
            assert f"| `{key}` |" in text, f"{table}.{key}"


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def test_every_example_with_its_suggestions_uncommented_is_a_valid_config() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", REFERENCE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 10
    merged: dict[str, Any] = {}
    for block in blocks:
        _merge(merged, tomllib.loads(re.sub(r"^# ", "", block, flags=re.MULTILINE)))
    providers = merged.pop("providers")
    BatonConfig.model_validate(merged)
    ChatProviderSettings.model_validate(providers["openai"])
