"""Leave-one-family-out evaluation of the learned detector: hold out a whole attack family, carrier, language or
source, retrain on the rest (threshold included), and score what was held out.

Never a random split: a fold's test rows share nothing with its training rows but the benign material of other
kinds. False positives are counted on the fold's own held-out benign rows plus the benign texts no model is ever
trained on (tests/data/guard_holdout.jsonl's benign rows and tests/data/guard_lookalikes.jsonl, written by hand),
and, in a column of their own, on documentation prose from packages no model is trained on (``mined_rows("eval")``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from detector_corpus import Row, held_out_rows, mined_rows, training_rows
from train_detector import train

from supervisor.guards.detector.heuristic import HeuristicDetector
from supervisor.guards.detector.layered import LayeredDetector


@dataclass
class Fold:
    axis: str
    name: str
    attacks: int
    model_hits: int
    layered_hits: int
    rules_hits: int
    benign: int
    model_fp: int
    layered_fp: int
    rules_fp: int
    prose: int = 0
    layered_prose_fp: int = 0


def folds(rows: Sequence[Row]) -> list[tuple[str, str, Callable[[Row], bool]]]:
    """(axis, name, is-held-out) for every fold."""
    attacks = [r for r in rows if r["family"] != "benign"]
    out: list[tuple[str, str, Callable[[Row], bool]]] = []
    for family in sorted({r["family"] for r in attacks}):
        out.append(("family", family, lambda r, f=family: r["family"] == f))
    for carrier in sorted({r["carrier"] for r in attacks if r["source"] == "synthetic"} - {"bare"}):
        out.append(("carrier", carrier, lambda r, c=carrier: r["carrier"] == c))
    for lang in sorted({r["lang"] for r in attacks} - {"en"}):
        if sum(r["lang"] == lang for r in attacks) >= 5:
            out.append(("language", lang, lambda r, lang=lang: r["lang"] == lang))
    for source in ("corpus", "garak", "synthetic"):
        out.append(("source", source, lambda r, s=source: r["source"] == s))
    return out


def evaluate(only: str | None = None) -> list[Fold]:
    rows = training_rows()
    never_trained = [r for r in held_out_rows() if r["family"] == "benign"]
    prose = [r["text"] for r in mined_rows("eval")]
    rules = HeuristicDetector()
    results = []
    for axis, name, held in folds(rows):
        if only and axis != only:
            continue
        model = train([r for r in rows if not held(r)])
        layered = LayeredDetector(model)
        test_attacks = [r for r in rows if held(r) and r["family"] != "benign"]
        test_benign = [r for r in rows if held(r) and r["family"] == "benign"] + never_trained
        results.append(
            Fold(
                axis,
                name,
                len(test_attacks),
                sum(model.flags(r["text"]) for r in test_attacks),
                sum(bool(layered.scan(r["text"])) for r in test_attacks),
                sum(bool(rules.scan(r["text"])) for r in test_attacks),
                len(test_benign),
                sum(model.flags(r["text"]) for r in test_benign),
                sum(bool(layered.scan(r["text"])) for r in test_benign),
                sum(bool(rules.scan(r["text"])) for r in test_benign),
                len(prose),
                sum(bool(layered.scan(text)) for text in prose),
            )
        )
        f = results[-1]
        print(f"  {axis}/{name}: layered {f.layered_hits}/{f.attacks}, FP {f.layered_fp}/{f.benign}, "
              f"prose FP {f.layered_prose_fp}/{f.prose}", flush=True)  # fmt: skip
    return results


def print_folds(results: list[Fold]) -> None:
    def pct(a: int, b: int) -> str:
        return f"{100 * a / max(b, 1):5.1f}%"

    print(f"{'axis':<9} {'held out':<19} {'attacks':>7} {'model':>7} {'rules':>7} {'layered':>8} "
          f"{'benign':>6} {'FP model':>8} {'FP rules':>8} {'FP layered':>10} {'prose FP':>8}")  # fmt: skip
    for axis in dict.fromkeys(f.axis for f in results):
        group = [f for f in results if f.axis == axis]
        for f in group:
            print(f"{f.axis:<9} {f.name:<19} {f.attacks:>7} {pct(f.model_hits, f.attacks):>7} "
                  f"{pct(f.rules_hits, f.attacks):>7} {pct(f.layered_hits, f.attacks):>8} {f.benign:>6} "
                  f"{pct(f.model_fp, f.benign):>8} {pct(f.rules_fp, f.benign):>8} "
                  f"{pct(f.layered_fp, f.benign):>10} {pct(f.layered_prose_fp, f.prose):>8}")  # fmt: skip
        a = sum(f.attacks for f in group)
        b = sum(f.benign for f in group)
        print(f"{axis:<9} {'ALL (pooled)':<19} {a:>7} {pct(sum(f.model_hits for f in group), a):>7} "
              f"{pct(sum(f.rules_hits for f in group), a):>7} {pct(sum(f.layered_hits for f in group), a):>8} "
              f"{b:>6} {pct(sum(f.model_fp for f in group), b):>8} {pct(sum(f.rules_fp for f in group), b):>8} "
              f"{pct(sum(f.layered_fp for f in group), b):>10} "
              f"{pct(sum(f.layered_prose_fp for f in group), sum(f.prose for f in group)):>8}")  # fmt: skip
    a = sum(f.attacks for f in results)
    b = sum(f.benign for f in results)
    print(f"{'every fold, pooled':<29} {a:>7} {pct(sum(f.model_hits for f in results), a):>7} "
          f"{pct(sum(f.rules_hits for f in results), a):>7} {pct(sum(f.layered_hits for f in results), a):>8} "
          f"{b:>6} {pct(sum(f.model_fp for f in results), b):>8} {pct(sum(f.rules_fp for f in results), b):>8} "
          f"{pct(sum(f.layered_fp for f in results), b):>10} "
          f"{pct(sum(f.layered_prose_fp for f in results), sum(f.prose for f in results)):>8}")  # fmt: skip
