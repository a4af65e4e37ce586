"""What the OpenAI-compatible HTTP providers share: settings, transport retries, structured-output modes.

``openai/<model>`` (the direct ``openai`` client, the fast path) and ``litellm/<provider>/<model>`` differ only in
how one request is sent; everything around it (typed errors, ``Retry-After``-aware retries, the structured
output mode per endpoint, usage, the reachability probe) lives here once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from supervisor.errors import ConfigError, MissingCredentialError, ProviderResponseError
from supervisor.models import Completion, Message
from supervisor.models.retries import RetriesExhaustedError, RetryPolicy, with_transport_retries

if TYPE_CHECKING:
    from supervisor.models.tool_calls import ToolSpec, ToolTurn

StructuredMode = Literal["auto", "json_schema", "json_object_schema", "tools"]
"""How structured output is requested from an endpoint:

- ``json_schema``: OpenAI's ``response_format={"type": "json_schema", ...}`` (api.openai.com, vLLM, Ollama);
- ``json_object_schema``: ``{"type": "json_object", "schema": ...}``, the form llama.cpp servers constrain with;
- ``tools``: a forced function call whose arguments are the object;
- ``auto``: ``json_schema`` for api.openai.com, ``json_object_schema`` for a llama-cpp-python server (probed
  once per endpoint), ``tools`` otherwise.
"""

_INSTRUCTOR_MODES = {"json_schema": "json_schema_mode", "json_object_schema": "json_schema_mode", "tools": "tool_call"}
_LLAMA_CPP_OWNER = "me"  # what llama-cpp-python's server reports as owned_by in /v1/models
_detected_modes: dict[str, StructuredMode] = {}
PLACEHOLDER_KEY = "no-key-needed"


class ChatProviderSettings(BaseModel):
    """``[providers.openai]`` / ``[providers.litellm]``: where the endpoint is and how to talk to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint, e.g. http://host:8080/v1")
    api_key_env: str | None = Field(default=None, description="name of the env var holding the key (never the key)")
    structured_mode: StructuredMode = "auto"
    timeout_s: float = Field(default=60.0, gt=0)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int = Field(default=512, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _no_keys_in_files(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "api_key" in data:
            raise ValueError(
                "keys never go in the config file: put it in an environment variable and name it with api_key_env"
            )
        return data


def parse_settings(prefix: str, settings: Mapping[str, Any]) -> ChatProviderSettings:
    try:
        return ChatProviderSettings.model_validate(dict(settings))
    except ValidationError as exc:
        from supervisor.config import validation_problems

        raise ConfigError(f"providers.{prefix}", validation_problems(exc, f"providers.{prefix}")) from None


def api_key(prefix: str, settings: ChatProviderSettings, default_env: str | None, required: bool) -> str | None:
    """The key from the environment variable the config names; never from the config itself."""
    variable = settings.api_key_env or default_env
    value = os.environ.get(variable) if variable else None
    if value:
        return value
    if required or settings.api_key_env:
        raise MissingCredentialError(prefix, variable or f"providers.{prefix}.api_key_env")
    return None


async def detect_mode(base_url: str | None, timeout_s: float = 3.0) -> StructuredMode:
    """The structured-output mode an endpoint supports, from its host or one probe of ``/models``."""
    if base_url is None or urlparse(base_url).hostname == "api.openai.com":
        return "json_schema"
    if base_url in _detected_modes:
        return _detected_modes[base_url]
    import httpx

    mode: StructuredMode = "tools"
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(base_url.rstrip("/") + "/models")
        owners = {m.get("owned_by") for m in response.json().get("data", [])}
        if _LLAMA_CPP_OWNER in owners:
            mode = "json_object_schema"
    except (httpx.HTTPError, ValueError, AttributeError):
        pass  # unknown endpoint: tools work almost everywhere
    _detected_modes[base_url] = mode
    return mode


async def probe_models(base_url: str, api_key_value: str | None, timeout_s: float) -> list[str]:
    """The model ids an OpenAI-compatible endpoint lists (raises ``httpx.HTTPError`` when unreachable)."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key_value}"} if api_key_value else {}
    async with httpx.AsyncClient(timeout=timeout_s) as client:
        response = await client.get(base_url.rstrip("/") + "/models", headers=headers)
        response.raise_for_status()
    return [str(m.get("id")) for m in response.json().get("data", [])]


class ChatCompletionsModel:
    """Base of the HTTP providers. Subclasses implement ``_send`` (one request) and ``endpoint``."""

    prefix = ""

    def __init__(self, model: str, settings: ChatProviderSettings) -> None:
        self.model = model
        self.settings = settings

    @property
    def name(self) -> str:
        return f"{self.prefix}/{self.model}"

    @property
    def endpoint(self) -> str:
        raise NotImplementedError

    async def _send(self, **request: Any) -> Any:
        raise NotImplementedError

    def _translate(self, exc: BaseException, attempts: int) -> Exception:
        from supervisor.models._http_faults import translate

        return translate(exc, self.prefix, self.model, self.endpoint, attempts)

    async def _create(self, **request: Any) -> Any:
        """One chat completion with transport retries; provider faults become typed errors."""
        from supervisor.models._http_faults import classify

        if self.settings.temperature is not None:
            request.setdefault("temperature", self.settings.temperature)
        if request.get("max_tokens") is None:
            request["max_tokens"] = self.settings.max_tokens
        try:
            response = await with_transport_retries(lambda: self._send(**request), self.settings.retry, classify)
        except RetriesExhaustedError as exc:
            raise self._translate(exc.last, exc.attempts) from exc.last
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if classify(exc) is None and not _is_provider_fault(exc):
                raise
            raise self._translate(exc, 1) from exc
        if not getattr(response, "choices", None):
            raise ProviderResponseError(
                self.prefix, self.model, self.endpoint, f"the response has no choices: {str(response)[:200]!r}"
            )
        return response

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        output_type: type[BaseModel] | None = None,
        max_tokens: int | None = None,
        max_reasks: int = 2,
    ) -> Completion:
        if output_type is None:
            from supervisor.models.structured import completion_text, completion_usage

            response = await self._create(messages=list(messages), max_tokens=max_tokens)
            return Completion(
                text=completion_text(response),
                usage=completion_usage(response),
                finish_reason=response.choices[0].finish_reason,
            )
        from supervisor.models.response_format import as_json_object_schema
        from supervisor.models.structured import ask_structured

        mode = self.settings.structured_mode
        if mode == "auto":
            mode = await detect_mode(self.settings.base_url)

        async def create(**request: Any) -> Any:
            if mode == "json_object_schema":
                request["response_format"] = as_json_object_schema(request.get("response_format"))
            return await self._create(**request)

        return await ask_structured(
            create, messages, output_type, mode=_INSTRUCTOR_MODES[mode], max_reasks=max_reasks, max_tokens=max_tokens
        )

    async def call_tools(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec], *, max_tokens: int | None = None
    ) -> ToolTurn:
        """Native tool calling: ``tools=[{"type": "function", ...}]`` offered, ``tool_calls`` read back."""
        from supervisor.models.tool_calls import openai_tools, turn_from_response

        response = await self._create(
            messages=list(messages), tools=openai_tools(tools), tool_choice="auto", max_tokens=max_tokens
        )
        return turn_from_response(response)

    async def probe(self, timeout_s: float = 3.0) -> str:
        """A one-line reachability report; raises ``ProviderError`` when the endpoint cannot be used."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} at {self.endpoint}>"


def _is_provider_fault(exc: BaseException) -> bool:
    import openai

    return isinstance(exc, openai.OpenAIError) or type(exc).__name__ == "JSONDecodeError"
