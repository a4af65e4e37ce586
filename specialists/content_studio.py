"""Content production: outline -> write sections in parallel -> edit tone -> fact-check."""

from __future__ import annotations

import re

from specialists.grounded import choice_format, lines, sentences
from specialists.shapes import a_list, plain_text, prose
from supervisor import AnswerContext, Card, OutputChecks, Specialist, Team, WorkflowStep, most_similar

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
    # An outline's lines are headings, not sentences.
    checks=OutputChecks(min_chars=60, max_chars=2500, complete_sentences=False),
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
    checks=OutputChecks(min_chars=120, max_chars=4000),
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


# The subject of a brief: what follows "about" or "on", up to the audience or the end of the clause.
_SUBJECT = re.compile(r"\b(?:about|on|covering|explaining)\s+(.+?)(?:\s+for\s+|\s+to\s+|[,.;:!?]|$)", re.IGNORECASE)
SECTION_FORMS = (
    "Why {subject} matters",
    "How to get started with {subject}",
    "Common mistakes with {subject}",
    "What to expect from {subject}",
    "Tips for {subject}",
)


def subject_of(brief: str) -> str:
    found = _SUBJECT.search(brief)
    subject = (found.group(1) if found else brief).strip().rstrip(".")
    return " ".join(subject.split()[:8])


# The studio's writing notes: what a section of each kind says, in sentences that fit any subject. A small model
# cannot write an article; it can choose and order the notes that fit the brief.
NOTES = {
    "Why {subject} matters": (
        "Getting {subject} right saves time and keeps everyone pulling in the same direction.",
        "Teams that take {subject} seriously tend to make fewer mistakes and recover from them faster.",
        "When {subject} is neglected, small problems quietly grow into expensive ones.",
        "The good news is that {subject} does not need a big budget, only steady attention.",
    ),
    "How to get started with {subject}": (
        "Start small: pick one part of {subject} and try it for a week before changing anything else.",
        "Write down what you want {subject} to achieve, so that you can tell whether it is working.",
        "Ask the people involved what gets in their way, and fix the easiest of those things first.",
        "Set a date to look back at what changed, and keep what helped.",
    ),
    "Common mistakes with {subject}": (
        "A common mistake with {subject} is trying to change everything at once.",
        "Another is copying what a much larger organisation does without asking whether it fits.",
        "Skipping the follow-up is the quietest mistake: a good start fades without it.",
        "Finally, leaving people out of the decision makes any change to {subject} harder to keep.",
    ),
    "What to expect from {subject}": (
        "Expect the first weeks of {subject} to feel slower before they feel faster.",
        "Some habits will stick at once, and others will need a second try.",
        "Over a few months, {subject} usually pays back the effort it asked for.",
        "Keep a short note of what changed, so that the progress is easy to see.",
    ),
    "Tips for {subject}": (
        "Keep {subject} simple enough that a new colleague can follow it on day one.",
        "Agree on one place where decisions and updates about {subject} are written down.",
        "Review {subject} regularly and drop whatever nobody uses.",
        "Celebrate small wins: they keep people interested in {subject}.",
    ),
}


def section_format(given: AnswerContext) -> type:
    """One section: a heading from the outline and three of the studio's notes for that kind of section."""
    headings = [re.sub(r"^\d+\.\s*", "", line) for text in given.inputs for line in lines(text)[1:]]
    second = bool(re.search(r"\bsecond\b|\b2\b", given.task, re.IGNORECASE))
    heading = headings[min(int(second), len(headings) - 1)] if headings else subject_of(given.goal)
    subject = subject_of(given.goal)
    form = next((f for f in NOTES if f.format(subject=subject) == heading), None)
    notes = [n.format(subject=subject) for n in NOTES[form]] if form else [f"{heading}."]
    # The model chooses the note that opens the section; the others follow, so a section always says three things.
    return choice_format(
        "Section",
        {"heading": [heading], "opening": notes},
        lambda a: a.heading + "\n\n" + " ".join([a.opening, *[n for n in notes if n != a.opening][:2]]),
    )


def outline_format(given: AnswerContext) -> type:
    """The outline: a title and two section headings about the brief's own subject."""
    subject = subject_of(given.goal)
    headings = [form.format(subject=subject) for form in SECTION_FORMS]
    return choice_format(
        "Outline",
        {
            "title": [f"{subject[0].upper()}{subject[1:]}: a short guide"],
            "sections": most_similar(given.goal, headings, 3),
        },
        # A heading chosen twice is one section: the outline must still list two.
        lambda a: "\n".join([a.title, *(f"{n}. {h}" for n, h in enumerate(dict.fromkeys(a.sections), 1))]),
        many={"sections": 2},
    )


def article_format(given: AnswerContext) -> type:
    """The edited article: the outline's title, then the sections' paragraphs in the order the editor picks."""
    subject = subject_of(given.goal)
    title = f"{subject[0].upper()}{subject[1:]}: a short guide"
    paragraphs = [text.strip() for text in given.inputs if len(text.strip()) > 40] or ["The sections were empty."]
    # The editor chooses which section leads; the article keeps every section.
    return choice_format(
        "Article",
        {"title": [title], "lead": paragraphs},
        lambda a: "\n\n".join([a.title, a.lead, *[p for p in paragraphs if p != a.lead]]),
    )


def fact_check_format(given: AnswerContext) -> type:
    """Claims copied from the article, each verified or flagged."""
    # Claims are the article's sentences, its title line left out.
    claims = [s for text in given.inputs[-1:] for s in sentences(text.split("\n", 1)[-1]) if len(s) > 30][:6]
    return choice_format(
        "FactCheck",
        {"claim": claims or ["The article makes no claim."], "verdict": VERDICTS},
        lambda a: f"{a.claim} {a.verdict}.",
    )


def content_studio_team() -> Team:
    """Planner, writer (two sections in parallel), editor and fact-checker; the edited article is the answer."""
    members = [
        Specialist(
            name="planner",
            card=PLANNER,
            instructions="Plan the article: a title and two sections.",
            predicates=(plain_text, a_list(2, "the sections of the outline")),
            answer_format=outline_format,
        ),
        Specialist(
            name="writer",
            card=WRITER,
            instructions="Write one section of the article from the outline.",
            predicates=(plain_text, prose),
            answer_format=section_format,
        ),
        Specialist(
            name="editor",
            card=EDITOR,
            instructions="Put the sections together into one article.",
            predicates=(plain_text, prose),
            answer_format=article_format,
        ),
        Specialist(
            name="fact_checker",
            card=FACT_CHECKER,
            instructions="Check a claim of the article: verified or flagged.",
            predicates=(plain_text,),
            answer_format=fact_check_format,
        ),
    ]
    workflow = [
        WorkflowStep("planner", description="Outline the blog post"),
        WorkflowStep("writer", after=(1,), description="Write the first section"),
        WorkflowStep("writer", after=(1,), description="Write the second section"),
        WorkflowStep("editor", after=(2, 3), description="Polish the sections into one article"),
        WorkflowStep("fact_checker", after=(4,), description="Fact-check the article: each claim verified or flagged"),
    ]
    return Team(members, workflow=workflow, deliverable=("editor",))
