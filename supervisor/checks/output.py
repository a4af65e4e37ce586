"""Code checks on a specialist's output: what code can decide before any model is asked.

Acceptance criteria that code can check run first: length bounds, required terms, a regex,
a JSON schema or required fields, ids from the goal that the answer must carry, an answer cut off mid-sentence,
an answer off the topic of its task, and user predicates. A weak model is then only asked what code cannot
decide, and with ``checking.judge = "code"`` not at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from supervisor.checks.echo import echo_or_repetition
from supervisor.checks.grounding import GroundingMode, grounding_feedback, ungrounded
from supervisor.checks.text import SENTENCE_BREAK, ends_sentence, mentions

MIN_OUTPUT_CHARS = 20
# Stock non-answers: the model offers to help, or asks what to do, instead of doing it.
_NON_ANSWER = re.compile(
    r"\b(?:what(?:'s| is) (?:the|your) (?:task|question|request)|how (?:can|may) i (?:help|assist)"
    r"|i(?:'m| am) (?:ready|happy|here) to (?:help|assist)|please (?:provide|share|send) (?:the|your|more)"
    r"|as an ai\b|i (?:can(?:no|')t|am unable to) (?:help|assist|do that))",
    re.IGNORECASE,
)
# Words that claim an action happened: an agent whose tool call was refused must not say it did the thing.
_DONE = re.compile(
    r"\b(?:has been|have been|was|were|is now)?\s*(?:booked|created|issued|sent|processed|completed|shipped|"
    r"refunded|charged|cancell?ed|deleted|scheduled|dispatched)\b",
    re.IGNORECASE,
)


def refused_claims(text: str, refusals: Sequence[str]) -> list[str]:
    """A sentence claiming that a refused or withheld tool call happened: the refusal is evidence against it."""
    if not refusals:
        return []
    problems = []
    sentences = SENTENCE_BREAK.split(text)
    for refusal in refusals:
        tool = refusal.split(" ", 1)[0].removesuffix("'s")
        words = [w for w in re.split(r"[_\W]+", tool.lower()) if len(w) > 3 and w not in ("create", "make", "issue")]
        claimed = any(
            _DONE.search(sentence) and any(mentions(sentence, w) or mentions(sentence, w + "s") for w in words)
            for sentence in sentences
        )
        if claimed:
            problems.append(f"{refusal}; do not say it was done. Say what is still pending instead.")
    return problems


_ID_IN_GOAL = re.compile(r"(?<![\w.])#?([A-Z]{0,4}-?\d{3,})\b")


class OutputChecks(BaseModel):
    """Acceptance criteria code can check. A card carries defaults for its agent; a subtask may add its own."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    min_chars: int = Field(default=MIN_OUTPUT_CHARS, ge=0)
    max_chars: int | None = Field(default=None, ge=1)
    must_mention: tuple[str, ...] = Field(default=(), description="every term must appear as a word (any case)")
    must_mention_any: tuple[str, ...] = Field(default=(), description="at least one of these must appear")
    pattern: str | None = Field(default=None, description="a regular expression the output must match")
    json_schema: dict[str, Any] | None = Field(default=None, description="the output must be JSON valid under it")
    required_fields: tuple[str, ...] = Field(default=(), description="keys the output's JSON object must have")
    carry_goal_ids: bool = Field(default=False, description="ids and numbers in the goal (#1042) must appear")
    complete_sentences: bool = Field(default=True, description="an answer cut off mid-sentence is incomplete")
    min_relevance: float | None = Field(
        default=None, ge=0, le=1, description="least similarity to the task; None: the checker's default"
    )
    reject_echo: bool = Field(default=True, description="an output that reads its prompt back is rejected")
    reject_non_answers: bool = Field(
        default=True, description="an output that offers help or asks for the task instead of doing it is rejected"
    )

    def merged(self, other: OutputChecks | None) -> OutputChecks:
        """These checks with ``other``'s explicitly set fields on top."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_unset=True))


@dataclass(frozen=True)
class CheckContext:
    """What a check sees: the goal, the task, the output and whether the model stopped on its own."""

    goal: str
    task: str
    output: str
    agent: str
    truncated: bool = False
    sources: tuple[str, ...] = ()
    """Everything the step was given (goal, task, accepted inputs, tool results)."""
    scaffolding: tuple[str, ...] = ()
    """The prompt's own wording (instructions, task, criteria), which an answer should not read back."""
    refusals: tuple[str, ...] = ()
    """Tool calls of this attempt that were refused or whose result was withheld."""
    structured: bool = False
    """Whether the output was decoded under an answer format (its fields are decisions, not free text)."""


Predicate = Callable[[CheckContext], str | None]
"""A user check: returns a problem to report, or ``None`` when the output passes."""

RelevanceScorer = Callable[[str, str], float]


def _json_problems(output: str, checks: OutputChecks) -> list[str]:
    if checks.json_schema is None and not checks.required_fields:
        return []
    text = output.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return ["The answer must be a JSON object, but it is not valid JSON."]
    problems = []
    if checks.required_fields:
        missing = [f for f in checks.required_fields if not isinstance(data, dict) or f not in data]
        if missing:
            problems.append(f"The JSON answer lacks the field(s): {', '.join(missing)}.")
    if checks.json_schema is not None:
        import jsonschema

        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(checks.json_schema).iter_errors(data))
        if error is not None:
            problems.append(f"The JSON answer does not match the schema: {error.message}.")
    return problems


def goal_ids(goal: str) -> list[str]:
    """Ticket numbers, order ids and similar tokens a faithful answer repeats (``#1042`` -> ``1042``)."""
    return list(dict.fromkeys(match.group(1) for match in _ID_IN_GOAL.finditer(goal)))


def code_problems(  # noqa: PLR0917 - the checker's inputs, each optional but the first two
    context: CheckContext,
    checks: OutputChecks,
    predicates: Sequence[Predicate] = (),
    relevance: RelevanceScorer | None = None,
    default_min_relevance: float | None = None,
    grounding: GroundingMode = "off",
) -> list[str]:
    """Every problem code can find in an output; empty when it passes.

    The built-in checks come first (an echo of the prompt, a non-answer, a claim about a refused tool, figures
    from nowhere): each says what is wrong in one sentence the specialist can act on.
    """
    text = context.output.strip()
    if not text:
        return ["The answer was empty. Write the answer."]
    problems = []
    if checks.reject_echo:
        echoed = echo_or_repetition(text, context.scaffolding)
        if echoed:
            problems.append(echoed)
    if checks.reject_non_answers and len(text) < 400 and _NON_ANSWER.search(text):
        problems.append("The answer asks for the task or offers help instead of doing the task. Do the task.")
    problems.extend(refused_claims(text, context.refusals))
    missing_sources = ungrounded(text, context.sources, grounding) if context.sources else []
    if missing_sources:
        problems.append(grounding_feedback(missing_sources))
    if len(text) < checks.min_chars:
        problems.append(f"The answer was only {len(text)} characters; give a complete answer.")
    if checks.max_chars is not None and len(text) > checks.max_chars:
        problems.append(f"The answer is {len(text)} characters; keep it under {checks.max_chars}.")
    if context.truncated or (checks.complete_sentences and not ends_sentence(text)):
        problems.append("The answer stops mid-sentence; finish it.")
    missing = [term for term in checks.must_mention if not mentions(text, term)]
    if missing:
        problems.append(f"The answer must mention: {', '.join(missing)}.")
    if checks.must_mention_any and not any(mentions(text, term) for term in checks.must_mention_any):
        problems.append(f"The answer must mention one of: {', '.join(checks.must_mention_any)}.")
    if checks.pattern is not None and not re.search(checks.pattern, text):
        problems.append(f"The answer does not have the required form ({checks.pattern}).")
    if checks.carry_goal_ids:
        absent = [i for i in goal_ids(context.goal) if i not in text]
        if absent:
            problems.append(f"The answer must refer to {', '.join(absent)} from the request.")
    problems.extend(_json_problems(text, checks))
    threshold = checks.min_relevance if checks.min_relevance is not None else default_min_relevance
    if relevance is not None and threshold is not None and not problems and not context.structured:
        # On topic of what the step was given: the goal, the task, and the inputs and tool results it worked from.
        score = relevance(text, "\n".join((context.goal, context.task, *context.sources)))
        if score < threshold:
            problems.append("The answer is off the topic of the task; answer the task itself.")
    for predicate in predicates:
        problem = predicate(context)
        if problem:
            problems.append(problem)
    return problems
