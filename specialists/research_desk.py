"""Research: search -> synthesize -> cite."""

from __future__ import annotations

import re

from specialists.grounded import choice_format, lines
from specialists.shapes import plain_text, prose, says
from supervisor import (
    AnswerContext,
    Card,
    CheckContext,
    OutputChecks,
    Specialist,
    Team,
    Tool,
    WorkflowStep,
    most_similar,
)

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
# A reference list: a line that starts with its heading ("References:", "Sources"), then a dated entry ...
_REFERENCE_LIST = re.compile(
    r"^\W*(?:references|reference list|bibliography|works cited|sources)\s*(?::|$).*?" + _YEAR,
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
# ... or, without a heading, lines that each open with a dated source: "IEA (2024): ...", "[2] Hattie, J. (2009).".
_DATED_ENTRY = re.compile(
    r"^\s*(?:\[\d{1,2}\]|\d{1,2}[.)]|[-*\u2022])?\s*[A-Z][^\n]{0,100}?\(?" + _YEAR + r"[a-z]?\)?\s*[.:,]",
    re.MULTILINE,
)


def reference_list(context: CheckContext) -> str | None:
    """The output lists the sources it cites, each with its year: under a heading, or as two or more entries."""
    if _REFERENCE_LIST.search(context.output) or len(_DATED_ENTRY.findall(context.output)) >= 2:
        return None
    return "End with a 'References:' list, one source per line with its author, year and title."


def _sources(query: str) -> list[str]:
    """The library's topics the query names (all of them when it names none)."""
    words = query.lower()
    return [topic for topic in LIBRARY if topic in words] or list(LIBRARY)


def search_library(query: str) -> str:
    """Sources whose topic appears in the query (all of them when none match)."""
    return "\n".join(LIBRARY[topic] for topic in _sources(query))


def reference_entries(query: str) -> str:
    """A reference list for the library's sources on the query's topics, one entry per line."""
    entries = [f"{LIBRARY[topic].split(':', 1)[0]}. {topic.capitalize()} data." for topic in _sources(query)]
    return "\n".join(["References:", *entries])


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
    checks=OutputChecks(min_chars=60, max_chars=4000),
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
    tools=("reference_list",),
    checks=OutputChecks(min_chars=100),
)


_SOURCE_LINE = re.compile(r"^([^()\n]+?) \((\d{4})\): (.+)$", re.MULTILINE)


def _found_sources(texts: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(organisation, year, finding) for every source line in ``texts``."""
    return list(dict.fromkeys(m for text in texts for m in _SOURCE_LINE.findall(text)))


def _sentence(finding: str) -> str:
    finding = finding.strip().rstrip(".")
    return finding[0].upper() + finding[1:] + "."


def sources_format(given: AnswerContext) -> type:
    """The sources the library search found, closest to the question first."""
    found = lines("\n".join(given.tool_results)) or ["The library has no source on this question."]
    return choice_format(
        "SourcesFound",
        {"sources": most_similar(given.goal, found, 2)},
        lambda a: "\n".join(a.sources),
        many={"sources": 2},
    )


def summary_format(given: AnswerContext) -> type:
    """A summary in the sources' own findings: the model chooses which ones answer the question."""
    findings = [_sentence(f) for _, _, f in _found_sources(given.inputs)] or ["The sources found do not answer it."]
    # The model chooses the finding that leads; every finding found follows, each once.
    return choice_format(
        "Summary",
        {"lead": findings},
        lambda a: "What the sources say: " + " ".join([a.lead, *[f for f in findings if f != a.lead]]),
    )


def cited_format(given: AnswerContext) -> type:
    """The summary's findings, each with its citation, then the reference list the desk's tool built."""
    cited = [f"{_sentence(f)[:-1]} ({org}, {year})." for org, year, f in _found_sources(given.inputs)]
    references = "\n".join(given.tool_results).strip() or "References:"
    cited = cited or ["No source was found."]
    return choice_format(
        "CitedSummary",
        {"lead": cited, "references": [references]},
        lambda a: " ".join([a.lead, *[c for c in cited if c != a.lead]]) + "\n\n" + a.references,
    )


def research_desk_team() -> Team:
    """Searcher, synthesizer and citer, in that order; the cited summary is the answer."""
    return Team(
        [
            Specialist(
                name="searcher",
                card=SEARCHER,
                instructions="List the sources found by the library search.",
                # Each source found is named with its date, so the citer can cite it.
                predicates=(plain_text, says(_YEAR, "Name each source with its year, as in 'IEA (2024): ...'.")),
                tools=(
                    Tool(
                        "library_search",
                        "the library's sources on a question: give the question",
                        search_library,
                        argument="goal",
                    ),
                ),
                answer_format=sources_format,
            ),
            Specialist(
                name="synthesizer",
                card=SYNTHESIZER,
                instructions="Summarize what the sources say about the question.",
                predicates=(plain_text, prose),
                answer_format=summary_format,
            ),
            Specialist(
                name="citer",
                card=CITER,
                instructions="Cite the sources of each finding, then list the references.",
                predicates=(
                    plain_text,
                    says(_CITATION, "Cite the sources in the text, as in '(IEA, 2024)'."),
                    reference_list,
                ),
                tools=(
                    Tool(
                        "reference_list",
                        "the library's reference entries on a question: give the question",
                        reference_entries,
                        argument="goal",
                    ),
                ),
                answer_format=cited_format,
            ),
        ],
        workflow=[
            WorkflowStep("searcher", description="Find sources on the research question"),
            WorkflowStep("synthesizer", after=(1,), description="Synthesize the findings into an answer"),
            # The citer cites the sources found (step 1) in the summary (step 2): it needs both.
            WorkflowStep("citer", after=(1, 2), description="Add citations and a reference list to the summary"),
        ],
        deliverable=("citer",),
    )
