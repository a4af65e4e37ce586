"""The bundled example teams, one module each: support desk, content studio, research desk, order desk."""

from __future__ import annotations

from specialists.content_studio import content_studio_team
from specialists.order_desk import order_desk_team
from specialists.research_desk import research_desk_team
from specialists.support_desk import support_desk_team

__all__ = ["content_studio_team", "order_desk_team", "research_desk_team", "support_desk_team"]
