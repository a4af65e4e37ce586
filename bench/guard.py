"""Injection detector: detection and false-positive rates, and what scanning one message costs.

    .venv/bin/python bench/guard.py [--passes 20] [--folds family|carrier|language|source|all|none]

Detectors: ``rules`` (HeuristicDetector alone, ``[guards] learned = false``) and ``layered`` (the default: the
rules with the learned n-gram model beside them). (A head over MiniLM sentence embeddings was measured as a
stricter level and is not shipped: bench/train_embedded.py prints its table.)
The paraphrase probes (tests/data/guard_issue_probes.jsonl, never trained on) and the cost per typical message
(harmless tool output and prose, what a guard mostly reads) follow. Then the leave-one-family-out table
(bench/detector_folds.py):
each fold retrains the model without a whole attack family, carrier, language or source and scores what was held
out; each fold retrains and recalibrates (eight fits), a few minutes per axis on two cores.

Sets: the main corpus (tests/data/guard_attacks.jsonl + guard_benign.jsonl, which the patterns were tuned on) and
the held-out set (tests/data/guard_holdout.jsonl, written before tuning and never tuned against).

Columns: attacks and the share detected (any finding); benign texts and the share wrongly flagged; "kind ok", the
share of detected attacks whose findings include the labelled kind; then the cost of ``HeuristicDetector.scan``
per message in microseconds, median and 95th percentile over every message of every pass (``time.perf_counter_ns``
around each call, after one warm-up pass). The baseline row is the least any guard does: a bare
``unicodedata.normalize("NFKC", text)`` plus one compiled regex search, on the same messages in the same run; the
difference is what the detector's normalisation, decoding and rule families add.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from supervisor.guards.detector.heuristic import HeuristicDetector
from supervisor.guards.detector.layered import LayeredDetector
from supervisor.guards.detector.learned import shipped_model

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ modules, also when run from elsewhere

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
BASELINE_PATTERN = re.compile(r"ignore (?:all )?(?:previous|prior) instructions", re.IGNORECASE)


def load(*names: str) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        rows += [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def without_prefilter(rules: HeuristicDetector) -> Callable[[str], object]:
    """The same rules searched one by one over the whole text: what the trie prefilter saves."""
    from supervisor.guards.detector.normalize import normalize
    from supervisor.guards.detector.ruleset import ruleset

    compiled = ruleset().rules

    def scan(text: str) -> list[int]:
        norm = normalize(text)
        hits = []
        for segment in (norm.text, *norm.decoded):
            for index, rule in enumerate(compiled):
                if any(rule.check is None or rule.check(m) for m in rule.pattern.finditer(segment)):
                    hits.append(index)
        return hits

    return scan


def print_prefilter(rules: HeuristicDetector, passes: int) -> None:
    texts = [r["text"] for r in load("guard_attacks.jsonl", "guard_benign.jsonl", "guard_lookalikes.jsonl")]
    naive = without_prefilter(rules)
    agree = sum(bool(rules.scan(t)) == bool(naive(t)) for t in texts)
    with_median, with_p95 = cost_us(rules.scan, texts, passes)
    naive_median, naive_p95 = cost_us(naive, texts, passes)
    print(f"\n[trie prefilter] same verdict on {agree}/{len(texts)} texts; rules with the prefilter "
          f"{with_median:.1f} us median ({with_p95:.1f} p95), each rule searched alone {naive_median:.1f} us median "
          f"({naive_p95:.1f} p95)")  # fmt: skip


def baseline(text: str) -> bool:
    return BASELINE_PATTERN.search(unicodedata.normalize("NFKC", text)) is not None


def cost_us(call: Callable[[str], object], texts: list[str], passes: int) -> tuple[float, float]:
    """Median and p95 microseconds per message over ``passes`` passes of ``texts``."""
    for text in texts:
        call(text)
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(passes):
        for text in texts:
            start = clock()
            call(text)
            samples.append(clock() - start)
    samples.sort()
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.95)] / 1000


def report(name: str, rows: list[dict[str, Any]], detector: HeuristicDetector, passes: int) -> None:
    attacks = [r for r in rows if r["kind"] != "benign"]
    benign = [r for r in rows if r["kind"] == "benign"]
    found = [(r, detector.scan(r["text"])) for r in attacks]
    detected = [(r, f) for r, f in found if f]
    kind_ok = sum(1 for r, f in detected if r["kind"] in {x.kind for x in f})
    flagged = [r["id"] for r in benign if detector.scan(r["text"])]
    texts = [r["text"] for r in rows]
    median, p95 = cost_us(detector.scan, texts, passes)
    base_median, base_p95 = cost_us(baseline, texts, passes)
    base_hits = sum(1 for r in attacks if baseline(r["text"]))
    print(
        f"{name:<10} {len(attacks):>7} {100 * len(detected) / len(attacks):>9.1f}% {len(benign):>7} "
        f"{100 * len(flagged) / len(benign):>9.1f}% {100 * kind_ok / max(1, len(detected)):>8.1f}% "
        f"{median:>8.1f} {p95:>8.1f}"
    )
    print(
        f"{'  baseline':<10} {'':>7} {100 * base_hits / len(attacks):>9.1f}% {'':>7} {'':>10} {'':>9} "
        f"{base_median:>8.1f} {base_p95:>8.1f}"
    )
    missed = [r["id"] for r, f in found if not f]
    if missed:
        print(f"{'':<10} missed: {', '.join(missed)}")
    if flagged:
        print(f"{'':<10} flagged benign: {', '.join(flagged)}")


def typical_texts() -> list[str]:
    """What a guard mostly reads: harmless tool output and prose (the benign sets and documentation paragraphs)."""
    from detector_corpus import mined_rows

    rows = load("guard_benign.jsonl", "guard_lookalikes.jsonl", "guard_lookalikes_more.jsonl")
    return [r["text"] for r in rows] + [r["text"] for r in mined_rows("eval")[:200]]


def print_cost(detectors: list[tuple[str, HeuristicDetector]], passes: int) -> None:
    """Cost per message on what a guard mostly reads (harmless text), and on attacks, each detector on the same
    texts in the same run."""
    typical = typical_texts()
    attacks = [r["text"] for r in load("guard_attacks.jsonl", "guard_holdout.jsonl") if r["kind"] != "benign"]
    for label, texts in (("typical message", typical), ("attack", attacks)):
        print(f"\n[cost per {label}: {len(texts)} texts, {statistics.fmean(len(t) for t in texts):.0f} characters "
              f"on average]")  # fmt: skip
        for name, detector in detectors:
            median, p95 = cost_us(detector.scan, texts, passes)
            print(f"{name:<10} {median:>8.1f} us median {p95:>8.1f} us p95")


def report_probes(detectors: list[tuple[str, HeuristicDetector]]) -> None:
    """The paraphrased examples the detector is judged against (tests/data/guard_issue_probes.jsonl): never
    trained on, one family each."""
    rows = load("guard_issue_probes.jsonl")
    print(
        f"\n[paraphrase probes: {len(rows)} attacks in {len({r['family'] for r in rows})} families, never trained on]"
    )
    for name, detector in detectors:
        hits = {r["id"]: bool(detector.scan(r["text"])) for r in rows}
        per = {}
        for r in rows:
            per.setdefault(r["family"], []).append(hits[r["id"]])
        shown = ", ".join(f"{family} {sum(h)}/{len(h)}" for family, h in per.items())
        print(f"{name:<10} {sum(hits.values()):>3}/{len(rows)}  ({shown})")


def main(passes: int, folds: str) -> None:
    start = time.perf_counter()
    rules = HeuristicDetector()
    print(f"rules ready in {1000 * (time.perf_counter() - start):.0f} ms (patterns compiled once per process)")
    start = time.perf_counter()
    layered = LayeredDetector(shipped_model())
    print(f"layered ready in {1000 * (time.perf_counter() - start):.0f} ms (weights read and sha256-checked once)")
    detectors: list[tuple[str, HeuristicDetector]] = [("rules", rules), ("layered", layered)]
    for name, detector in detectors:
        print(f"\n[{name}]")
        print(f"{'set':<10} {'attacks':>7} {'detected':>10} {'benign':>7} {'false pos':>10} {'kind ok':>9} "
              f"{'med us':>8} {'p95 us':>8}")  # fmt: skip
        report("main", load("guard_attacks.jsonl", "guard_benign.jsonl"), detector, passes)
        report("held-out", load("guard_holdout.jsonl"), detector, passes)
        lookalikes = load("guard_lookalikes.jsonl", "guard_lookalikes_more.jsonl")
        report("lookalike", lookalikes + load("guard_attacks.jsonl")[:22], detector, passes)
    report_probes(detectors)
    print_cost(detectors, passes)
    print_prefilter(rules, passes)
    if folds != "none":
        from detector_folds import evaluate, print_folds

        print("\n[leave-one-family-out: model retrained per fold; FP on held-out benign + never-trained benign]")
        print_folds(evaluate(None if folds == "all" else folds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--passes", type=int, default=20, help="timed passes over each set (default 20)")
    parser.add_argument("--folds", default="all", choices=["family", "carrier", "language", "source", "all", "none"])
    arguments = parser.parse_args()
    main(arguments.passes, arguments.folds)
