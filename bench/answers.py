"""Are the example desks' answers usable? Goals as customers and colleagues write them, judged by code as a person
would, on the embedded model (or any model: ``--model``).

    .venv/bin/python bench/answers.py                  # bench/data/answer_goals.jsonl, local/smollm2
    .venv/bin/python bench/answers.py --goals FILE --desk support

Usable means, per desk:
- support: a letter (greeting and sign-off), the ticket's number, the policy of the ticket's topic, no echo of
  the prompt, no figure that is not in the ticket or the desk's policies;
- order: a safe order ships once, with the tracking number of the shipment really booked and the right total; a
  risky order waits for a person with nothing booked;
- research: the cited finding of the question's topic, a reference list, no figure outside the library;
- content: a titled article with two sections about the brief's subject, no echo, no figures from nowhere.
Prints usable / total and how many runs ended ``done`` with an answer that is not usable (must be 0).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from specialists import content_studio_team, order_desk_team, research_desk_team, support_desk_team
from specialists.order_desk import Carrier
from specialists.research_desk import LIBRARY
from specialists.support_desk import POLICIES, topics
from supervisor import RunResult, Supervisor, goal_ids, load_config, ungrounded

ROOT = Path(__file__).resolve().parent.parent
TEAMS = {
    "support": (support_desk_team, "support_desk"),
    "order": (order_desk_team, "order_desk"),
    "research": (research_desk_team, "research_desk"),
    "content": (content_studio_team, "content_studio"),
}
_ECHO = re.compile(r"your task|done when|overall goal|<data>|write your answer", re.IGNORECASE)


def judge_support(case: dict[str, Any], result: RunResult, _: Carrier | None) -> str | None:
    text = result.output
    if not re.match(r"(dear|hi|hello)\b", text.strip(), re.IGNORECASE) or "regards" not in text.lower():
        return "not a letter"
    if any(i not in text for i in goal_ids(case["goal"])):
        return "the ticket's number is missing"
    # The policy of the ticket's topic, or of another topic its words point to ("charged twice ... refund").
    applicable = {case["topic"], *topics(case["goal"])}
    if not any(POLICIES[t].lower()[:30] in text.lower() for t in applicable if t in POLICIES):
        return f"not a policy that applies ({', '.join(sorted(applicable))})"
    if _ECHO.search(text):
        return "echoes the prompt"
    invented = ungrounded(text, [case["goal"], *POLICIES.values()], "figures")
    return f"figures from nowhere: {invented}" if invented else None


def judge_order(case: dict[str, Any], result: RunResult, carrier: Carrier | None) -> str | None:
    booked = carrier.shipments if carrier is not None else []
    if case["risky"]:
        if booked:
            return f"a risky order was shipped: {booked}"
        return None if result.status == "waiting_for_human" else f"a risky order ended {result.status}"
    if len(booked) != 1:
        return f"{len(booked)} shipment(s) booked"
    if booked[0] not in result.output:
        return "the tracking number is not the one booked"
    if case["total"] not in result.output:
        return f"the total is not {case['total']}"
    return None


def judge_research(case: dict[str, Any], result: RunResult, _: Carrier | None) -> str | None:
    text = result.output
    source = LIBRARY[case["topic"]]
    organisation, year = source.split(" (")[0], source.split("(")[1][:4]
    if f"({organisation}, {year})" not in text:
        return f"the {case['topic']} finding is not cited"
    if "References:" not in text:
        return "no reference list"
    if _ECHO.search(text):
        return "echoes the prompt"
    invented = ungrounded(text, [case["goal"], *LIBRARY.values()], "figures")
    return f"figures from nowhere: {invented}" if invented else None


def judge_content(case: dict[str, Any], result: RunResult, _: Carrier | None) -> str | None:
    text = result.output
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) < 3:
        return "not a titled article with sections"
    if case["subject"].lower() not in text.lower():
        return "off the brief's subject"
    if _ECHO.search(text):
        return "echoes the prompt"
    invented = ungrounded(text, [case["goal"]], "figures")
    return f"figures from nowhere: {invented}" if invented else None


JUDGES: dict[str, Callable[[dict[str, Any], RunResult, Carrier | None], str | None]] = {
    "support": judge_support,
    "order": judge_order,
    "research": judge_research,
    "content": judge_content,
}


def run_case(case: dict[str, Any], model: str | None) -> tuple[RunResult, str | None, float]:
    build, example = TEAMS[case["desk"]]
    team = build()
    carrier = team["fulfillment"].tools[0].function.__self__ if case["desk"] == "order" else None  # type: ignore[attr-defined]
    config = load_config(ROOT / "examples" / example / "baton.toml")
    started = time.perf_counter()
    result = Supervisor(team, config=config, model=model).run_sync(case["goal"])
    seconds = time.perf_counter() - started
    if result.status not in ("done", "waiting_for_human"):
        return result, f"ended {result.status}: {result.error}", seconds
    return result, JUDGES[case["desk"]](case, result, carrier), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goals", type=Path, default=ROOT / "bench" / "data" / "answer_goals.jsonl")
    parser.add_argument("--desk", choices=sorted(TEAMS))
    parser.add_argument("--model", default=None, help="a model string; default: the config's (local/smollm2)")
    args = parser.parse_args()
    cases = [json.loads(line) for line in args.goals.read_text().splitlines() if line.strip()]
    cases = [c for c in cases if args.desk is None or c["desk"] == args.desk]
    usable = bad_done = 0
    for case in cases:
        result, problem, seconds = run_case(case, args.model)
        usable += problem is None
        bad_done += problem is not None and result.status == "done"
        verdict = "usable" if problem is None else f"NOT USABLE ({problem})"
        print(f"{case['desk']:<9} {result.status:<18} {seconds:6.1f}s  {verdict}  | {case['goal'][:60]}", flush=True)
    print(f"\nusable: {usable} / {len(cases)} ({usable / max(1, len(cases)):.0%}); done with a bad answer: {bad_done}")


if __name__ == "__main__":
    main()
