"""A specialist's answer format: decoding under its schema, the text it renders to, and an answer that never fits."""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from supervisor import BatonConfig, Card, ScriptedCall, ScriptedModel, Specialist, Supervisor, Team


class Note(BaseModel):
    points: list[str] = Field(min_length=2, max_length=3)

    def as_text(self) -> str:
        return " ".join(p.rstrip(".") + "." for p in self.points)


PLAN = {"subtasks": [{"id": "s1", "description": "Write the refund note for order 1042",
                      "acceptance_criteria": "done", "depends_on": [], "agent": "noter"}]}  # fmt: skip


def run(answers: list[object]) -> tuple[ScriptedModel, object]:
    queue = list(answers)

    def respond(call: ScriptedCall) -> object:
        kind = call.output_type.__name__ if call.output_type else None
        if kind == "Plan":
            return json.dumps(PLAN)
        if kind == "Note":
            return queue.pop(0)
        return "The final answer."

    model = ScriptedModel(respond=respond, name="formatted")
    noter = Specialist(
        name="noter",
        card=Card(name="noter", description="Writes refund notes"),
        instructions="You write notes.",
        answer_format=Note,
        answer_max_tokens=300,
    )
    config = BatonConfig.model_validate({"routing": {"similarity": "bm25"}, "checking": {"judge": "code"}})
    result = Supervisor(Team([noter]), model=model, config=config).run_sync("Refund order 1042")
    return model, result


def test_the_answer_is_asked_under_its_format_and_rendered_as_text() -> None:
    model, result = run([{"points": ["The refund for order 1042 is approved", "It reaches the card in five days"]}])
    assert result.status == "done", result.error  # type: ignore[attr-defined]
    output = result.steps[0].output  # type: ignore[attr-defined]
    assert output == "The refund for order 1042 is approved. It reaches the card in five days."
    work = [c for c in model.calls if c.output_type is Note]
    assert len(work) == 1 and work[0].max_tokens == 384  # the larger of the limit and the format's budget


def test_an_answer_that_never_fits_its_format_is_retried_like_a_cut_off_one() -> None:
    never = {"points": ["only one point"]}
    good = {"points": ["The refund for order 1042 is approved", "It reaches the card in five days"]}
    _, result = run([never, never, never, good])
    assert result.status == "done", result.error  # type: ignore[attr-defined]
    first, second = result.steps[0].attempts  # type: ignore[attr-defined]
    assert first.verdict.decision == "retry" and "mid-sentence" in first.verdict.feedback
    assert second.verdict.decision == "accept"
