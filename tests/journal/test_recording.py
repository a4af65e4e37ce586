"""A recorded step's audit entry: the digest of its value and its key, in the form the audit log checks."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from supervisor.audit.chain import canonical_json
from supervisor.journal.recording import STEP_RECORDED, step_entry, value_digest

VALUES: list[Any] = [
    {"b": [1, 2.5, None, True], "a": 'é \ud800 "q" \\ \x01'},
    "plain text é",
    7,
    None,
    [],
    {"nested": {"z": float("nan"), "y": -0.0}},
]


@pytest.mark.parametrize("value", VALUES)
def test_a_values_digest_is_the_sha256_of_its_sorted_ascii_json(value: Any) -> None:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    assert value_digest(value) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("key", ["s1.p0.v0/attempt:1/work:writer", 'odd "key" é \\'])
def test_a_step_entry_is_canonical_json_naming_the_key_and_the_digest(key: str) -> None:
    entry = step_entry(key, {"text": "done"})
    assert entry.kind == STEP_RECORDED
    data = json.loads(entry.data_json)
    assert data == {"digest": value_digest({"text": "done"}), "key": key}
    assert canonical_json(data) == entry.data_json  # the audit log refuses data not in canonical form
