"""Research: search -> synthesize -> cite."""

from __future__ import annotations

from supervisor import Card, Specialist, Team, Tool

LIBRARY = {
    "solar": "IEA (2024): solar PV was the largest source of new electricity capacity in 2023.",
    "battery": "BloombergNEF (2023): average lithium-ion pack prices fell to 139 USD/kWh.",
    "wind": "GWEC (2024): 117 GW of new wind capacity was installed worldwide in 2023.",
    "heat pump": "IEA (2023): heat pump sales grew 11% in 2022, led by Europe.",
}


def search_library(query: str) -> str:
    """Sources whose topic appears in the query (all of them when none match)."""
    words = query.lower()
    hits = [text for topic, text in LIBRARY.items() if topic in words]
    return "\n".join(hits or LIBRARY.values())


SEARCHER = Card(
    name="searcher",
    description="Searches the library for sources, papers and data on a research question and lists what it finds.",
    skills=("search sources", "find papers and data", "collect evidence"),
    inputs=("a research question",),
    outputs=("a list of sources with what each says",),
    examples=("Search for sources on the question", "Find data about battery prices"),
    tools=("library_search",),
)
SYNTHESIZER = Card(
    name="synthesizer",
    description="Synthesizes the findings of several sources into a short, balanced summary that answers the question.",
    skills=("summarize findings", "compare sources", "draw conclusions"),
    inputs=("the sources found",),
    outputs=("a summary answering the question",),
    examples=("Summarize what the sources say", "Synthesize the findings into an answer"),
)
CITER = Card(
    name="citer",
    description="Formats the references and citations of a summary in a consistent citation style.",
    skills=("format citations", "build a reference list", "match claims to sources"),
    inputs=("a summary", "the sources"),
    outputs=("the summary with formatted citations and references",),
    examples=("Format the references", "Add citations to the summary"),
)


def research_desk_team() -> Team:
    """Searcher, synthesizer and citer, in that order."""
    return Team(
        [
            Specialist(
                name="searcher",
                card=SEARCHER,
                instructions="You search for sources. List each source found and what it says.",
                tools=(Tool("library_search", "search the research library", search_library),),
            ),
            Specialist(
                name="synthesizer",
                card=SYNTHESIZER,
                instructions="You synthesize sources into a short summary that answers the question.",
            ),
            Specialist(
                name="citer",
                card=CITER,
                instructions="You add citations to the summary and a reference list of the sources used.",
            ),
        ],
        pipeline=("searcher", "synthesizer", "citer"),
    )
