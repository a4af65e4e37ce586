"""Content production: outline -> write sections in parallel -> edit tone -> fact-check."""

from __future__ import annotations

from specialists.formats import FACT_CHECK_MAX_TOKENS, SECTION_MAX_TOKENS, FactCheck, Section
from specialists.shapes import a_list, plain_text, prose
from supervisor import Card, OutputChecks, Specialist, Team, WorkflowStep

VERDICTS = ("verified", "flagged")

PLANNER = Card(
    name="planner",
    description="Plans a piece of content: its angle, audience and an outline of sections with their key points.",
    skills=("outline articles", "structure content", "choose the angle and audience"),
    inputs=("a content brief",),
    outputs=("an outline: title and sections with key points",),
    examples=(
        "Outline the blog post",
        "Plan the structure of the article",
        "Decide the angle, audience and section headings",
        "Break the content idea into sections with key points",
    ),
    checks=OutputChecks(min_chars=60, max_chars=2500),
)
WRITER = Card(
    name="writer",
    description="Writes the prose of one section of an article or post from an outline.",
    skills=("write sections", "draft paragraphs", "turn outline points into prose"),
    inputs=("an outline", "the section to write"),
    outputs=("the text of one section",),
    examples=(
        "Write the first section",
        "Draft the section on pricing",
        "Turn the outline points of one section into paragraphs",
        "Write the introduction of the post",
    ),
    checks=OutputChecks(min_chars=150, max_chars=4000),
)
EDITOR = Card(
    name="editor",
    description="Edits drafted sections into one piece: consistent tone and voice, smooth flow, tight wording.",
    skills=("edit for tone", "improve flow and clarity", "merge sections", "cut wordiness"),
    inputs=("the drafted sections",),
    outputs=("the edited article",),
    examples=(
        "Edit the draft for a friendly tone",
        "Polish the sections into one article",
        "Make the voice consistent across the sections",
        "Tighten the wording and smooth the transitions",
    ),
    checks=OutputChecks(min_chars=200, max_chars=8000),
)
FACT_CHECKER = Card(
    name="fact_checker",
    description="Verifies the factual claims, numbers and dates in a text and flags anything wrong or unsupported.",
    skills=("verify claims", "check numbers and dates", "flag unsupported statements"),
    inputs=("an edited article",),
    outputs=("a list of claims with verified or flagged",),
    examples=(
        "Fact-check the article",
        "Verify the statistics in the post",
        "Check that the dates, prices and percentages are correct",
        "Mark every claim that has no source",
    ),
    # Every claim checked ends in a verdict the editor can act on.
    checks=OutputChecks(min_chars=40, must_mention_any=VERDICTS),
)


def content_studio_team() -> Team:
    """Planner, writer (two sections in parallel), editor and fact-checker."""
    members = [
        Specialist(
            name="planner",
            card=PLANNER,
            instructions="You plan content. Write a title line, then an outline of two sections as a numbered list, "
            "each section with its key points.",
            predicates=(plain_text, a_list(2, "the sections of the outline")),
        ),
        Specialist(
            name="writer",
            card=WRITER,
            instructions="You write one section of an article from the outline, in clear prose paragraphs.",
            predicates=(plain_text, prose),
            answer_format=Section,
            answer_max_tokens=SECTION_MAX_TOKENS,
        ),
        Specialist(
            name="editor",
            card=EDITOR,
            instructions="You edit the sections into one article with a consistent, friendly tone. Write the "
            "edited article itself, in prose.",
            predicates=(plain_text, prose),
        ),
        Specialist(
            name="fact_checker",
            card=FACT_CHECKER,
            instructions="List the article's claims, each marked verified or flagged.",
            predicates=(plain_text,),
            answer_format=FactCheck,
            answer_max_tokens=FACT_CHECK_MAX_TOKENS,
        ),
    ]
    workflow = [
        WorkflowStep("planner"),
        WorkflowStep("writer", after=(1,), description="Write the first section"),
        WorkflowStep("writer", after=(1,), description="Write the second section"),
        WorkflowStep("editor", after=(2, 3)),
        WorkflowStep("fact_checker", after=(4,), description="Fact-check the article: each claim verified or flagged"),
    ]
    return Team(members, workflow=workflow)
