"""Prompt rendering: the same text jinja2's own ``Template.render`` gives, and strict about missing variables."""

from __future__ import annotations

from typing import Any

import pytest

from supervisor import Card, PromptTemplateError
from supervisor.decisions import prompts
from supervisor.decisions.schemas import Subtask
from supervisor.result import ToolCall

SUBTASK = Subtask(id="s2", description="Price the order", acceptance_criteria="a total in euros", depends_on=("s1",))
CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "specialist",
        {
            "instructions": "You price orders.",
            "card": Card(name="pricer", description="Prices orders", outputs=("a price",)),
            "goal": "Order 5531: 2 keyboards",
            "subtask": SUBTASK,
            "inputs": [{"id": "s1", "output": "Both items are in stock."}],
            "tool_calls": [
                ToolCall(tool="price_list", query="keyboard", output="keyboard: 40 EUR"),
                ToolCall(tool="discount", query="", output="", refused="the policy refuses it"),
            ],
            "feedback": "Give the total.",
        },
    ),
    (
        "answer",
        {"goal": "Order 5531", "results": [{"id": "s1", "agent": "pricer", "output": "80 EUR"}], "feedback": ""},
    ),
]


@pytest.mark.parametrize(("name", "variables"), CASES)
def test_a_prompt_renders_as_jinja2_renders_its_template(name: str, variables: dict[str, Any]) -> None:
    template, _ = prompts._template(name)
    system, _, user = template.render(**variables).partition(prompts.USER_MARKER)
    assert prompts.render(name, **variables) == [
        {"role": "system", "content": system.strip()},
        {"role": "user", "content": user.strip()},
    ]


def test_a_missing_variable_is_an_error_not_an_empty_string() -> None:
    variables = dict(CASES[1][1])
    del variables["feedback"]
    with pytest.raises(PromptTemplateError, match="feedback"):
        prompts.render("answer", **variables)
