"""``litellm/<provider>/<model>``: any provider litellm knows (Anthropic, Bedrock, Vertex, OpenAI-compatible...).

litellm is imported on the first call only (it costs seconds), with its local cost map so it never reaches the
network on import. Its own retries are off: transport retries are Baton's. ``[providers.litellm]`` may name an
``api_base`` (``base_url``) and the environment variable with the key (``api_key_env``); without one, litellm
reads the provider's usual variables itself.
"""

from __future__ import annotations

import functools
import os
import sys
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


@functools.cache
def import_litellm() -> Any:
    """litellm, configured never to reach the network on its own."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


class LitellmModel(ChatCompletionsModel):
    """A chat model reached through litellm; ``model`` is litellm's ``<provider>/<model>``."""

    prefix = "litellm"

    def __init__(self, model: str, settings: ChatProviderSettings) -> None:
        super().__init__(model, settings)
        self._key = api_key(self.prefix, settings, None, required=False)
        if self._key is None and settings.base_url is not None:
            self._key = PLACEHOLDER_KEY  # a self-hosted endpoint usually needs none; litellm insists on one

    @property
    def endpoint(self) -> str:
        return self.settings.base_url or f"{self.model.split('/', 1)[0]} (litellm default)"

    async def _send(self, **request: Any) -> Any:
        litellm = import_litellm()
        return await litellm.acompletion(
            model=self.model,
            api_base=self.settings.base_url,
            api_key=self._key,
            timeout=self.settings.timeout_s,
            num_retries=0,
            max_retries=0,
            **request,
        )

    async def aclose(self) -> None:
        """Close the HTTP clients litellm cached for this event loop, and forget them."""
        if "litellm" not in sys.modules:
            return
        from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

        await close_litellm_async_clients()  # type: ignore[no-untyped-call]  # litellm leaves it unannotated
        import_litellm().in_memory_llm_clients_cache.flush_cache()

    async def probe(self, timeout_s: float = 3.0) -> str:
        if self.settings.base_url is None:
            return "not probed (hosted provider; litellm reads its key from the environment)"
        await probe_models(self.settings.base_url, self._key, timeout_s)
        return "reachable"


def create_litellm_model(rest: str, settings: Mapping[str, Any]) -> Model:
    return LitellmModel(rest, parse_settings("litellm", settings))
