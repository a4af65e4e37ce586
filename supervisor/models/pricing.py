"""What model calls cost: the config's price table first, then litellm's table for ``litellm/...`` models."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from supervisor.models import Usage

PER_MILLION = 1_000_000


class Price(BaseModel):
    """``[prices."<model string>"]``: US dollars per million prompt and completion tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


class PriceTable:
    """Prices by model string; a model nobody prices costs 0 and is listed in ``unpriced``."""

    def __init__(self, prices: Mapping[str, Price]) -> None:
        self._prices = dict(prices)
        self._litellm_cache: dict[str, Price | None] = {}
        self.unpriced: set[str] = set()

    def _litellm_price(self, model: str) -> Price | None:
        if model not in self._litellm_cache:
            from supervisor.models.litellm import import_litellm

            try:
                prompt, completion = import_litellm().cost_per_token(
                    model=model, prompt_tokens=PER_MILLION, completion_tokens=PER_MILLION
                )
                self._litellm_cache[model] = Price(input_per_mtok=prompt, output_per_mtok=completion)
            except Exception:  # litellm raises a bare Exception for models it does not know
                self._litellm_cache[model] = None
        return self._litellm_cache[model]

    def price(self, model_name: str) -> Price | None:
        price = self._prices.get(model_name)
        if price is None and model_name.startswith("litellm/"):
            price = self._litellm_price(model_name.removeprefix("litellm/"))
        return price

    def cost(self, model_name: str, usage: Usage) -> float:
        price = self.price(model_name)
        if price is None:
            self.unpriced.add(model_name)
            return 0.0
        return (
            usage.prompt_tokens * price.input_per_mtok + usage.completion_tokens * price.output_per_mtok
        ) / PER_MILLION
