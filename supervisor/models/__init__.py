"""The model contract and the provider registry.

A ``Model`` has one async method, ``complete``: chat messages in; text, or a validated pydantic object when an
``output_type`` is given; token usage always reported. Model strings such as ``local/smollm2`` resolve through a
prefix -> factory registry. Provider modules are imported only when a model of theirs is first resolved, so
``import supervisor`` stays light.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict, runtime_checkable

from pydantic import BaseModel

from supervisor.errors import RealModelBlockedError, UnknownProviderError


class Message(TypedDict):
    """One chat message: ``{"role": "system" | "user" | "assistant", "content": "..."}``."""

    role: str
    content: str


@dataclass(slots=True)
class Usage:
    """Token usage of one or more model calls (re-asks included)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cost_usd += other.cost_usd

    def __repr__(self) -> str:
        cost = f", ${self.cost_usd:.6f}" if self.cost_usd else ""
        return f"<Usage {self.calls} call(s), {self.prompt_tokens}+{self.completion_tokens} tokens{cost}>"


@dataclass(slots=True)
class Completion:
    """What a model call returns: the raw text, the validated object (structured calls only) and usage."""

    text: str
    output: BaseModel | None = None
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    finish_reason: str | None = None
    """``"length"`` when the answer was cut off at ``max_tokens``."""


@runtime_checkable
class Model(Protocol):
    """A chat model Baton can call. Implement ``complete`` to bring any provider."""

    @property
    def name(self) -> str:
        """The model string this model was resolved from, e.g. ``local/smollm2``."""
        ...

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        """Answer ``messages``; with ``output_type``, return a validated instance in ``Completion.output``.

        An answer that fails validation is re-asked with the validation error up to ``max_reasks`` times,
        then ``StructuredOutputError`` is raised.
        """
        ...


@runtime_checkable
class Probeable(Protocol):
    """A model that can say, cheaply and within a timeout, whether it can be used."""

    async def probe(self, timeout_s: float = 3.0) -> str:
        """A one-line report when usable; raises when not."""
        ...


@runtime_checkable
class Closeable(Protocol):
    """A model holding connections that should be closed before its event loop ends."""

    async def aclose(self) -> None: ...


ProviderFactory = Callable[[str, Mapping[str, Any]], Model]
"""Builds a model from the part of the model string after the prefix and the provider's settings."""

# Built-in providers are named by import path so that resolving one imports only that provider.
_BUILTIN_PROVIDERS: dict[str, str] = {
    "local": "supervisor.models.local:create_local_model",
    "openai": "supervisor.models.openai:create_openai_model",
    "litellm": "supervisor.models.litellm:create_litellm_model",
    "scripted": "supervisor.testing.scripted_model:create_scripted_model",
}
_providers: dict[str, ProviderFactory] = {}
# How each built-in provider's [providers.<prefix>] table is checked without building a model: (prefix, settings).
_BUILTIN_SETTINGS: dict[str, str] = {
    "local": "supervisor.models.local:parse_local_settings",
    "openai": "supervisor.models.chat_http:parse_settings",
    "litellm": "supervisor.models.chat_http:parse_settings",
}

# Providers that never leave the process and never cost anything; everything else is "real".
_offline_prefixes: set[str] = {"scripted"}
BLOCK_REAL_MODELS_ENV = "BATON_BLOCK_REAL_MODELS"


def register_provider(prefix: str, factory: ProviderFactory, *, offline: bool = False) -> None:
    """Make ``<prefix>/...`` model strings resolve through ``factory``.

    ``offline=True`` declares a provider that never leaves the process (a test double): it stays usable
    while real models are blocked.
    """
    _providers[prefix] = factory
    if offline:
        _offline_prefixes.add(prefix)
    else:
        _offline_prefixes.discard(prefix)


def known_prefixes() -> list[str]:
    return sorted(f"{p}/..." for p in set(_BUILTIN_PROVIDERS) | set(_providers))


def real_models_blocked() -> bool:
    return os.environ.get(BLOCK_REAL_MODELS_ENV, "") not in ("", "0", "false", "no")


def _factory_for(prefix: str, spec: str) -> ProviderFactory:
    if prefix in _providers:
        return _providers[prefix]
    target = _BUILTIN_PROVIDERS.get(prefix)
    if target is None:
        raise UnknownProviderError(spec, known_prefixes())
    module_name, attr = target.split(":")
    factory: ProviderFactory = getattr(importlib.import_module(module_name), attr)
    _providers[prefix] = factory
    return factory


def check_provider_settings(prefix: str, settings: Mapping[str, Any]) -> None:
    """Raise ``ConfigError`` naming the key when a built-in provider's settings are invalid, whether or not any
    model of that provider is used."""
    target = _BUILTIN_SETTINGS.get(prefix)
    if target is not None:
        module_name, attr = target.split(":")
        getattr(importlib.import_module(module_name), attr)(prefix, settings)


def resolve_model(spec: str, settings: Mapping[str, Mapping[str, Any]] | None = None) -> Model:
    """Turn a model string like ``local/smollm2`` into a ``Model``.

    ``settings`` maps a provider prefix to its settings (the ``[providers.<prefix>]`` tables of the config).
    """
    prefix, sep, rest = spec.partition("/")
    if not sep or not rest:
        raise UnknownProviderError(spec, known_prefixes())
    factory = _factory_for(prefix, spec)
    if prefix not in _offline_prefixes and real_models_blocked():
        raise RealModelBlockedError(
            f"real model {spec!r} requested while {BLOCK_REAL_MODELS_ENV} is set; "
            "use a ScriptedModel, or mark the test as an integration test"
        )
    return factory(rest, (settings or {}).get(prefix, {}))


__all__ = [
    "BLOCK_REAL_MODELS_ENV",
    "Closeable",
    "Completion",
    "Message",
    "Model",
    "Probeable",
    "ProviderFactory",
    "Usage",
    "known_prefixes",
    "real_models_blocked",
    "register_provider",
    "resolve_model",
]
