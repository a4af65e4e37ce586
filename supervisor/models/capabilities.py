"""What a model can be trusted to do: write a plan freely, judge other models' work, call tools natively.

Baton adapts its decisions to the model it has rather than to a provider: a small model (the embedded 135M
SmolLM2, whether it runs in-process as ``local/smollm2`` or behind a server as ``openai/smollm2``) adapts the
team's workflow instead of planning freely and is not asked to judge, since it judges close to chance. A model
may declare its own ``capabilities``; otherwise they are inferred from its name, and
``[models.capabilities]`` in the config overrides both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ModelSize = Literal["small", "capable"]


@dataclass(frozen=True, slots=True)
class ModelCapabilities:
    """``plans_freely``: may write a plan from scratch; ``judges``: may give verdicts after the code checks;
    ``tool_loop``: may call tools several times in an attempt (else one round of calls, then the answer);
    ``native_tools``: is offered tools through the provider's own tool calling (else constrained JSON)."""

    size: ModelSize = "capable"
    plans_freely: bool = True
    judges: bool = True
    tool_loop: bool = True
    native_tools: bool = True

    @classmethod
    def of_size(cls, size: ModelSize) -> ModelCapabilities:
        return SMALL if size == "small" else CAPABLE


SMALL = ModelCapabilities(size="small", plans_freely=False, judges=False, tool_loop=False, native_tools=False)
CAPABLE = ModelCapabilities()

# Families and sizes known to be too small to plan or judge freely (up to about 1B parameters). Matched on the
# model's name after its provider prefix, so the same weights get the same treatment behind any provider.
_SMALL_NAMES = re.compile(
    r"smollm|tinyllama|tiny-?llama|(?<![\d.])(?:135|270|360|500)m\b|(?<![\d.])(?:0\.[1-9]|1)b\b|gpt-?2\b",
    re.IGNORECASE,
)


def infer_capabilities(model_name: str) -> ModelCapabilities:
    """Capabilities from a model string such as ``openai/smollm2`` or ``local/models/qwen2.5-0.5b.gguf``."""
    _, _, rest = model_name.partition("/")
    return SMALL if _SMALL_NAMES.search(rest or model_name) else CAPABLE


def capabilities_of(model: object, overrides: dict[str, ModelSize] | None = None) -> ModelCapabilities:
    """The config's word first, then what the model declares, then what its name says."""
    name = str(getattr(model, "name", ""))
    if overrides and name in overrides:
        return ModelCapabilities.of_size(overrides[name])
    declared = getattr(model, "capabilities", None)
    if isinstance(declared, ModelCapabilities):
        return declared
    return infer_capabilities(name)
