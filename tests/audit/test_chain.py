"""The entry format is fixed: logs written before must verify, so its encodings never change by a byte."""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from supervisor.audit.chain import Mac, canonical_json, entry_text, now_stamp

VALUES: list[Any] = [
    "plain",
    'quote " backslash \\ tab \t newline \n nul \x00 unit \x1f del \x7f',
    "é 中文 \u2028 \U0001f600 lone \ud800 surrogate",
    {"b": 1, "a": [1.5, -0.0, 1e300, float("nan"), float("inf"), True, False, None], "c": {"z": {}, "y": []}},
    {"3": "x", "10": "y", "": "empty key"},
    [[], {}, "", 0, -1, 2**70],
]


@pytest.mark.parametrize("value", VALUES)
def test_canonical_json_is_json_dumps_sorted_compact_and_unescaped(value: Any) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_json(value) == expected


def test_canonical_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        canonical_json({"a": object()})


@pytest.mark.parametrize("odd", ["plain", 'q"uote', "back\\slash", "ctl\x01", "é"])
def test_entry_text_is_the_canonical_json_of_the_entry(odd: str) -> None:
    data = {"output": odd}
    for digest in (None, "ab" * 32):
        whole = {"at": odd, "data": data, "kind": odd, "run_id": odd, "seq": 7}
        if digest is not None:
            whole["state"] = digest
        text = entry_text(odd, 7, odd, odd, canonical_json(data), state_digest=digest)
        assert text == canonical_json(whole)


def test_now_stamp_is_an_iso_utc_time_to_the_microsecond() -> None:
    before = datetime.now(UTC)
    stamp = now_stamp()
    after = datetime.now(UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", stamp)
    assert before - timedelta(milliseconds=1) <= datetime.fromisoformat(stamp) <= after + timedelta(milliseconds=1)


@pytest.mark.parametrize("key_bytes", [0, 1, 32, 63, 64, 65, 200])
def test_mac_is_hmac_sha256_for_keys_of_every_length(key_bytes: int) -> None:
    key = bytes((7 * i) % 256 for i in range(key_bytes))
    mac = Mac(key)
    for message in (b"", b"x", bytes(range(256)) * 3):
        assert mac(message) == hmac.digest(key, message, "sha256")
    assert mac(b"again") == hmac.digest(key, b"again", "sha256")  # its key states are not used up
    assert key.hex() not in repr(mac) or not key
