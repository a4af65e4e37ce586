"""Normalising skips the decoders when a cheap look at the text shows nothing they could find; that look must never
hide an encoded run the decoders would have read."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from supervisor.guards.detector import normalize as normalizing

DATA = Path(__file__).resolve().parents[1] / "data"
NAMES = ("guard_attacks.jsonl", "guard_benign.jsonl", "guard_holdout.jsonl", "guard_lookalikes.jsonl",
         "guard_lookalikes_more.jsonl", "guard_issue_probes.jsonl")  # fmt: skip


def _texts() -> list[str]:
    texts = []
    for name in NAMES:
        texts += [json.loads(line)["text"] for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]
    return texts


def _encodings(plain: str) -> list[str]:
    raw = plain.encode()
    return [
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        raw.hex(),
        "0x" + raw.hex().upper(),
        " ".join(f"{b:02x}" for b in raw),
        ":".join(f"{b:02X}" for b in raw),
        "-".join(f"{b:02x}" for b in raw),
        "".join(f"\\x{b:02x}" for b in raw),
        "".join(f"%{b:02X}" for b in raw),
        "".join(f"&#{b};" for b in raw),
    ]


@pytest.mark.parametrize("text", _texts()[::3])
def test_the_gate_lets_through_every_text_a_decoder_reads(text: str) -> None:
    for carried in (text, *(f"note: {encoded} end" for encoded in _encodings(text[:60]))):
        cased = normalizing._visible(carried)
        found = normalizing._decode_runs(cased, 0)
        if found:
            assert normalizing._may_be_encoded(cased, normalizing._fold(cased)), carried[:80]
        assert normalizing.normalize(carried).decoded == found


def test_plain_prose_skips_the_decoders() -> None:
    prose = "Thanks for the quick turnaround on the Q3 numbers. The board meets on the 14th, see you there."
    assert not normalizing._may_be_encoded(prose, normalizing._fold(prose))
