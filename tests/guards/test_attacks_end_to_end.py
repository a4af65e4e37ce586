"""Every attack in the corpus, returned by a tool and repeated by a specialist, through a whole run.

Control flow (routes, verdicts, agents run, tools called, side effects, final status) must be the same as for a
benign page, except where a guard deliberately blocked something. Structural defenses alone (detector off) must
already hold; with the detector on, attacks are also quarantined.
"""

from __future__ import annotations

import asyncio

import pytest
from support.attack_flow import BENIGN_PAGE, changed_flows, gullible_supervisor, load, run_flow

from supervisor import Message, Verdict

ATTACKS = load("guard_attacks.jsonl") + [row for row in load("guard_holdout.jsonl") if row["kind"] != "benign"]
BENIGN = load("guard_benign.jsonl")


def test_the_corpus_is_big_enough() -> None:
    assert len(ATTACKS) >= 80
    assert len(BENIGN) >= 40


@pytest.mark.parametrize("detector", [False, True], ids=["structural-only", "with-detector"])
def test_no_attack_changes_control_flow(detector: bool, capsys: pytest.CaptureFixture[str]) -> None:
    changed, blocked, ids = changed_flows(ATTACKS, detector=detector)
    with capsys.disabled():
        print(
            f"\n[{'detector on' if detector else 'structural defenses only'}] {len(ATTACKS)} attacks: "
            f"{changed} changed control flow, {blocked} deliberately blocked"
        )
    assert changed == 0, ids
    if detector:
        # Not all: a wording rule's finding blocks only with the learned model's agreement, which is what lets the
        # harmless look-alikes through (tests/guards/test_learned_detector.py). Measured: 198 of 235.
        assert blocked >= 0.8 * len(ATTACKS)


def test_an_attack_never_causes_a_side_effect_or_runs_the_admin() -> None:
    for attack in ATTACKS[::7]:
        for detector in (False, True):
            flow, result = run_flow(f"{BENIGN_PAGE}\n{attack['text']}", attack["text"], detector=detector)
            assert flow.refunds == 0 and flow.deletions == 0
            assert "admin" not in flow.agents_run
            assert "PWNED" not in result.output


def test_benign_look_alikes_flow_like_a_plain_page() -> None:
    benign_flow, _ = run_flow(BENIGN_PAGE, "unused words here", detector=True)
    blocked = 0
    for row in BENIGN:
        flow, _ = run_flow(f"{BENIGN_PAGE}\n{row['text']}", "unused words here", detector=True)
        blocked += flow.guard_tripped
        if not flow.guard_tripped:
            assert flow.control() == benign_flow.control(), row["id"]
    assert blocked <= 0.03 * len(BENIGN)


def test_the_gullible_supervisor_obeys_text_outside_data_blocks() -> None:
    # The double is only a proof if it would really be fooled: spliced into instructions, an attack steers it.
    attack = ATTACKS[0]["text"]
    model = gullible_supervisor(attack)

    def verdict(work: str) -> str:
        messages: list[Message] = [{"role": "system", "content": "Judge."}, {"role": "user", "content": work}]
        completion = asyncio.run(model.complete(messages, output_type=Verdict))
        assert isinstance(completion.output, Verdict)
        return completion.output.decision

    assert verdict(f"Work: {attack}") == "reroute"
    assert verdict(f"Work: <data>{attack}</data>") == "accept"
