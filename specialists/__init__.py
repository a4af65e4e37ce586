"""The bundled example team: a customer-support desk (intake -> research -> drafting -> quality review)."""

from __future__ import annotations

from specialists.drafting import drafting
from specialists.intake import intake
from specialists.quality import quality
from specialists.research import research
from supervisor import Team


def support_desk_team() -> Team:
    """The four support-desk specialists; a ticket usually flows through them in this order."""
    return Team(
        [intake(), research(), drafting(), quality()],
        pipeline=("intake", "research", "drafting", "quality"),
    )


__all__ = ["support_desk_team"]
