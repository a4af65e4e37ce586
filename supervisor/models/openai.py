"""``openai/<model>``: any OpenAI-compatible endpoint through the ``openai`` SDK's async client (the fast path).

``[providers.openai]`` names the endpoint (``base_url``; api.openai.com when absent) and the environment variable
that holds the key (``api_key_env``; ``OPENAI_API_KEY`` by default). The SDK's own retries are off: transport
retries are Baton's, in one place, with typed errors when they run out.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from typing import Any

from supervisor.models import Model
from supervisor.models.chat_http import (
    PLACEHOLDER_KEY,
    ChatCompletionsModel,
    ChatProviderSettings,
    api_key,
    parse_settings,
    probe_models,
)

OPENAI_URL = "https://api.openai.com/v1"


class OpenAIModel(ChatCompletionsModel):
    """A chat model behind an OpenAI-compatible endpoint."""

    prefix = "openai"

    def __init__(self, model: str, settings: ChatProviderSettings) -> None:
        super().__init__(model, settings)
        # A self-hosted endpoint usually needs no key; api.openai.com always does.
        hosted = settings.base_url is None
        self._key = api_key(self.prefix, settings, "OPENAI_API_KEY", required=hosted) or PLACEHOLDER_KEY
        # An httpx client belongs to the event loop it first ran on; run_sync makes a new loop per call.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    @property
    def endpoint(self) -> str:
        return self.settings.base_url or OPENAI_URL

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            from openai import AsyncOpenAI

            client = AsyncOpenAI(
                base_url=self.endpoint, api_key=self._key, timeout=self.settings.timeout_s, max_retries=0
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the connection pool this event loop opened (``run_sync`` calls it before its loop ends)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    async def _send(self, **request: Any) -> Any:
        return await self._client().chat.completions.create(model=self.model, **request)

    async def probe(self, timeout_s: float = 3.0) -> str:
        models = await probe_models(self.endpoint, self._key, timeout_s)
        if self.model in models or not models:
            return "reachable"
        return f"reachable; it lists {', '.join(models[:4])}"


def create_openai_model(rest: str, settings: Mapping[str, Any]) -> Model:
    return OpenAIModel(rest, parse_settings("openai", settings))
