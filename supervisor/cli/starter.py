"""``baton init``: a commented starter ``baton.toml`` and a sample team module that runs as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supervisor.cli.terminal import EXIT_USAGE, err, out, print_json
from supervisor.config import DEFAULT_CONFIG_FILE, DEFAULT_MODEL

TEAM_MODULE = "my_team"

STARTER_CONFIG = f"""\
# Baton configuration. Every key is optional; the defaults are shown. The whole reference, with every table and
# key: docs/configuration.md. An environment variable BATON_<TABLE>__<KEY> overrides one key, e.g.
# BATON_MODELS__DEFAULT=openai/gpt-4o-mini.

[models]
# The model every role uses unless overridden: local/smollm2 (embedded, no key needed), openai/<model>,
# litellm/<provider>/<model>.
default = "{DEFAULT_MODEL}"
# supervisor = "openai/gpt-4o-mini"     # the model that plans, routes and judges
# [models.agents]
# writer = "openai/gpt-4o-mini"         # one specialist's model

[team]
# module:function returning the team; a module beside this file is found without setting PYTHONPATH.
factory = "{TEAM_MODULE}:team"

[limits]
max_attempts = 3          # tries per subtask (first + retries)
# token_budget = 20000    # tokens per goal, all calls together
# goal_timeout_s = 300    # wall clock per goal

[guards]
action = "quarantine"     # what a detected prompt injection gets: quarantine, sanitize or escalate
# [guards.tools]
# issue_refund = "ask"    # a side-effecting tool: allow, ask (a person approves) or deny (the default)

[audit]
enabled = true            # the tamper-evident log of every decision: 'baton audit list'
"""

STARTER_TEAM = '''\
"""A sample team for Baton: a researcher who looks facts up, and a writer who answers with them.

Baton runs a goal through the team's pipeline: the researcher, then the writer. Edit the cards (what each
specialist does, in words the supervisor routes on), the instructions, the tool and the answer formats.

The answer formats let a small model choose among the shop's own facts instead of writing them: it cannot
invent an opening hour. With a capable model, drop them and let the specialists write freely.
"""

from typing import Literal

from pydantic import BaseModel

from supervisor import Card, OutputChecks, Specialist, Team, Tool

FACTS = {
    "opening hours": "The shop is open Monday to Saturday, 9:00 to 18:00.",
    "returns": "Items can be returned within 30 days with the receipt, for a full refund.",
    "delivery": "Orders ship within 2 business days; delivery is free above 50 euros.",
}
Fact = Literal[tuple(FACTS.values())]  # type: ignore[valid-type]


class Finding(BaseModel):
    """The fact that answers the question, word for word."""

    fact: Fact

    def as_text(self) -> str:
        return self.fact


class Answer(BaseModel):
    """A short answer to the customer: a greeting, the fact, a closing line."""

    greeting: Literal["Hello,", "Dear customer,"]
    fact: Fact
    closing: Literal["Best regards, the shop.", "Thank you for asking. The shop."]

    def as_text(self) -> str:
        return f"{self.greeting}\\n\\n{self.fact}\\n\\n{self.closing}"


def look_up(query: str) -> str:
    """The facts whose topic the query mentions (all of them if it mentions none)."""
    found = [fact for topic, fact in FACTS.items() if any(word in query.lower() for word in topic.split())]
    return "\\n".join(found or FACTS.values())


def team() -> Team:
    researcher = Specialist(
        name="researcher",
        card=Card(
            description="Looks up the shop's facts and policies that answer a customer's question.",
            skills=("find opening hours", "find the returns policy", "find delivery terms"),
            examples=("Look up the facts the answer needs",),
            tools=("look_up",),
            checks=OutputChecks(min_chars=20),
        ),
        instructions="Choose the fact that answers the customer's question.",
        tools=(Tool("look_up", "the shop's facts about a topic, given the question", look_up),),
        answer_format=Finding,
    )
    writer = Specialist(
        name="writer",
        card=Card(
            description="Writes a short, friendly answer to the customer using the facts found.",
            skills=("answer customers", "explain policies in plain words"),
            examples=("Write the answer to the customer",),
            checks=OutputChecks(min_chars=40),
        ),
        instructions="Answer the customer's question with the fact that was found.",
        answer_format=Answer,
    )
    return Team([researcher, writer], pipeline=["researcher", "writer"])
'''


def init(
    folder: Annotated[Path, typer.Argument(help="Where to write the files.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the files written as JSON.")] = False,
) -> None:
    """Write a commented starter baton.toml and a sample team module (my_team.py) that runs as it is."""
    files = {folder / DEFAULT_CONFIG_FILE: STARTER_CONFIG, folder / f"{TEAM_MODULE}.py": STARTER_TEAM}
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        err().print(f"[red]error[/]: {', '.join(existing)} already exist(s); --force overwrites")
        raise typer.Exit(EXIT_USAGE)
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    if as_json:
        print_json({"written": [str(path) for path in files]})
        return
    console = out()
    console.print(f"wrote {', '.join(str(path) for path in files)}")
    where = "" if folder == Path(".") else f"cd {folder} && "
    console.print(f'next: {where}baton run "What are your opening hours?"   (or: baton repl)')
