"""What the integration tests know of a llama-cpp-python server they started."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COMPLETIONS_LINE = '"POST /v1/chat/completions HTTP/1.1" 200'


@dataclass
class LlamaServer:
    base_url: str
    log: Path

    def completions_served(self) -> int:
        """How many chat completions the server has answered, from its access log."""
        return self.log.read_text(errors="replace").count(COMPLETIONS_LINE)
