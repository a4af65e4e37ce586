"""Content production: outline -> write sections in parallel -> edit tone -> fact-check."""

from __future__ import annotations

from supervisor import Card, Specialist, Team, WorkflowStep

PLANNER = Card(
    name="planner",
    description="Plans a piece of content: its angle, audience and an outline of sections with their key points.",
    skills=("outline articles", "structure content", "choose the angle and audience"),
    inputs=("a content brief",),
    outputs=("an outline: title and sections with key points",),
    examples=("Outline the blog post", "Plan the structure of the article"),
)
WRITER = Card(
    name="writer",
    description="Writes the prose of one section of an article or post from an outline.",
    skills=("write sections", "draft paragraphs", "turn outline points into prose"),
    inputs=("an outline", "the section to write"),
    outputs=("the text of one section",),
    examples=("Write the first section", "Draft the section on pricing"),
)
EDITOR = Card(
    name="editor",
    description="Edits drafted sections into one piece: consistent tone and voice, smooth flow, tight wording.",
    skills=("edit for tone", "improve flow and clarity", "merge sections", "cut wordiness"),
    inputs=("the drafted sections",),
    outputs=("the edited article",),
    examples=("Edit the draft for a friendly tone", "Polish the sections into one article"),
)
FACT_CHECKER = Card(
    name="fact_checker",
    description="Verifies the factual claims, numbers and dates in a text and flags anything wrong or unsupported.",
    skills=("verify claims", "check numbers and dates", "flag unsupported statements"),
    inputs=("an edited article",),
    outputs=("a list of claims with verified or flagged",),
    examples=("Fact-check the article", "Verify the statistics in the post"),
)


def content_studio_team() -> Team:
    """Planner, writer (two sections in parallel), editor and fact-checker."""
    members = [
        Specialist(
            name="planner",
            card=PLANNER,
            instructions="You plan content. Write a title and an outline of two sections with key points.",
        ),
        Specialist(
            name="writer",
            card=WRITER,
            instructions="You write one section of an article from the outline, in clear prose.",
        ),
        Specialist(
            name="editor",
            card=EDITOR,
            instructions="You edit the sections into one article with a consistent, friendly tone.",
        ),
        Specialist(
            name="fact_checker",
            card=FACT_CHECKER,
            instructions="You check every factual claim in the article and list each as verified or flagged.",
        ),
    ]
    workflow = [
        WorkflowStep("planner"),
        WorkflowStep("writer", after=(1,), description="Write the first section"),
        WorkflowStep("writer", after=(1,), description="Write the second section"),
        WorkflowStep("editor", after=(2, 3)),
        WorkflowStep("fact_checker", after=(4,)),
    ]
    return Team(members, workflow=workflow)
