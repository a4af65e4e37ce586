"""The one translation of ``response_format`` that llama.cpp needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_json_object_schema(response_format: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's ``{"type": "json_schema", ...}`` as ``{"type": "json_object", "schema": ...}``.

    llama-cpp-python (in-process and its server) ignores the first form without a word, or refuses it, and
    constrains decoding only for the second.
    """
    if not response_format:
        return None
    if response_format.get("type") == "json_schema":
        return {"type": "json_object", "schema": response_format["json_schema"]["schema"]}
    return dict(response_format)
