"""Research: search -> synthesize -> cite."""

from __future__ import annotations

import re

from specialists.shapes import plain_text, prose, says
from supervisor import Card, Specialist, Team, Tool
from supervisor.checking import CheckContext, OutputChecks

LIBRARY = {
    "solar": "IEA (2024): solar PV was the largest source of new electricity capacity in 2023.",
    "battery": "BloombergNEF (2023): average lithium-ion pack prices fell to 139 USD/kWh.",
    "wind": "GWEC (2024): 117 GW of new wind capacity was installed worldwide in 2023.",
    "heat pump": "IEA (2023): heat pump sales grew 11% in 2022, led by Europe.",
}
# A source is dated: "(2024)", "2023:", "Smith et al., 2021".
_YEAR = r"\b(?:1[89]|20)\d{2}\b"
# An in-text citation: "(IEA, 2024)", "(2023)", "(Bloom et al., 2015)" or "[1]".
_CITATION = r"\([^()\n]{0,80}?(?:1[89]|20)\d{2}[a-z]?\)|\[\d{1,2}\]"
# A reference list: a line that starts with its heading ("References:", "Sources"), then a dated entry.
_REFERENCE_LIST = re.compile(
    r"^\W*(?:references|reference list|bibliography|works cited|sources)\s*(?::|$).*?" + _YEAR,
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)


def reference_list(context: CheckContext) -> str | None:
    """The output ends in a reference list whose entries carry their year."""
    if not _REFERENCE_LIST.search(context.output):
        return "End with a 'References:' list, one source per line with its author, year and title."
    return None


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
    examples=(
        "Search for sources on the question",
        "Find data about battery prices",
        "Look for studies, reports and datasets on the topic",
        "Collect evidence from the library",
    ),
    tools=("library_search",),
    checks=OutputChecks(min_chars=60),
)
SYNTHESIZER = Card(
    name="synthesizer",
    description="Synthesizes the findings of several sources into a short, balanced summary that answers the question.",
    skills=("summarize findings", "compare sources", "draw conclusions"),
    inputs=("the sources found",),
    outputs=("a summary answering the question",),
    examples=(
        "Summarize what the sources say",
        "Synthesize the findings into an answer",
        "Explain what the evidence says, in a paragraph",
        "Compare the findings and state the conclusion",
    ),
    checks=OutputChecks(min_chars=120, max_chars=4000),
)
CITER = Card(
    name="citer",
    description="Formats the references and citations of a summary in a consistent citation style.",
    skills=("format citations", "build a reference list", "match claims to sources"),
    inputs=("a summary", "the sources"),
    outputs=("the summary with formatted citations and references",),
    examples=(
        "Format the references",
        "Add citations to the summary",
        "List the sources used with author, year and title",
        "Put the bibliography in a citation style",
    ),
    checks=OutputChecks(min_chars=100),
)


def research_desk_team() -> Team:
    """Searcher, synthesizer and citer, in that order."""
    return Team(
        [
            Specialist(
                name="searcher",
                card=SEARCHER,
                instructions="You search for sources. List each source found, with its author and year, and what "
                "it says.",
                # Each source found is named with its date, so the citer can cite it.
                predicates=(plain_text, says(_YEAR, "Name each source with its year, as in 'IEA (2024): ...'.")),
                tools=(Tool("library_search", "search the research library", search_library),),
            ),
            Specialist(
                name="synthesizer",
                card=SYNTHESIZER,
                instructions="You synthesize sources into a short summary, in prose, that answers the question.",
                predicates=(plain_text, prose),
            ),
            Specialist(
                name="citer",
                card=CITER,
                instructions="You add citations such as (IEA, 2024) to the summary, then a 'References:' list of "
                "the sources used.",
                # Cited text and the reference list it points to.
                predicates=(
                    plain_text,
                    says(_CITATION, "Cite the sources in the text, as in '(IEA, 2024)'."),
                    reference_list,
                ),
            ),
        ],
        pipeline=("searcher", "synthesizer", "citer"),
    )
