"""Baton beside its peers in one run: the peer harness's matrix plus Baton's rows, and the comparison table.

    .venv/bin/python bench/peers/run.py                   # about 8-12 min on 2 cores
    .venv/bin/python bench/peers/run.py --quick           # 3 timed runs per cell, no K sweep
    .venv/bin/python bench/peers/run.py --peers ../shared/peerbench --venvs ~/.cache/baton-peerbench

The harness (fake model, ``harness.py``, ``run_all.py``, the peers' adapters) is imported from the peer benchmark
folder (``--peers``, ``$PEERBENCH_DIR``, or ``../shared/peerbench`` beside the repository), not copied. The peers'
venvs are made by that folder's ``setup.sh`` when missing (it needs PyPI); Baton runs in this interpreter, with
``bench/peers/fw_baton.py`` as its adapter. Every cell is a fresh process, one at a time; the raw JSON and the
harness's own tables go to ``--out`` (outside the repository by default).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PEERS = ("asyncio-baseline", "langgraph", "langgraph+InMemorySaver", "langgraph+SqliteSaver", "openai-agents")
SETUP_NAMES = {"asyncio-baseline": "baseline", "langgraph": "langgraph", "openai-agents": "oai", "crewai": "crewai"}
# Long pipelines only where per-call cost stays flat: the Agents SDK grows quadratically with K (RESULTS.md).
LONG_K = 500
LONG_K_ROWS = ("asyncio-baseline", "langgraph", "baton", "baton+journal")
BATON_ROWS = ("baton", "baton+journal")


def find_peers(given: str | None) -> Path:
    for candidate in (given, os.environ.get("PEERBENCH_DIR"), str(REPO.parent / "shared" / "peerbench")):
        if candidate and (Path(candidate) / "run_all.py").is_file():
            return Path(candidate).resolve()
    raise SystemExit("peer harness not found: pass --peers DIR (the folder with run_all.py) or set PEERBENCH_DIR")


def ensure_venvs(peers: Path, venvs: Path, names: list[str]) -> None:
    """Make the missing peers' venvs with the harness's own setup.sh (pinned versions, from PyPI)."""
    wanted = {SETUP_NAMES[n.split("+")[0]] for n in names if n.split("+")[0] in SETUP_NAMES}
    for name in sorted(wanted):
        if not (venvs / f"venv-{name}" / "bin" / "python").exists():
            print(f"== making venv-{name} with setup.sh", file=sys.stderr, flush=True)
            env = {**os.environ, "PEERBENCH_VENVS": str(venvs)}
            subprocess.run(["bash", str(peers / "setup.sh"), name], check=True, env=env)


def per_call(cell: dict[str, Any] | None) -> str:
    return f"{cell['per_call_us']:,.0f}" if cell and cell.get("per_call_us") is not None else "-"


def ratio(cell: dict[str, Any] | None) -> str:
    return f"{cell['ratio_to_limit']:.3f}" if cell and cell.get("ratio_to_limit") else "-"


def rss_per_goal_kb(cell: dict[str, Any] | None, goals: int) -> str:
    # Peak RSS of the C process over its RSS after imports, per concurrent goal (framework setup included).
    if not cell or "peak_rss_kb" not in cell:
        return "-"
    return f"{(cell['peak_rss_kb'] - cell['rss_after_import_kb']) / goals:,.0f}"


def table(results: dict[str, Any], goals: int, n: int) -> str:
    rows = [
        f"| | A: us per model call, L=0 (K = 5 / 12 / 20 / 80 / {LONG_K}) | A K=20: x plain asyncio "
        f"| B: x critical path (N={n}, L=100 ms) | C: x critical path ({goals} goals, L=50 ms) "
        "| C: goals/s at L=0 | import s | RSS per goal in C, KiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    frameworks = results["frameworks"]
    floor = frameworks.get("asyncio-baseline", {}).get("A", {}).get("per_call_us")
    for name, fr in frameworks.items():
        sweep = " / ".join(per_call(fr.get(key)) for key in ("A_K5", "A_K12", "A", "A_K80", f"A_K{LONG_K}"))
        a = fr.get("A", {}).get("per_call_us")
        times = f"{a / floor:,.0f}" if a and floor else "-"
        c0 = fr.get("C_L0", {})
        ceiling = f"{c0['throughput_goals_s']:,.0f}" if c0.get("throughput_goals_s") else "-"
        imported = f"{fr['import']['median_s']:.2f}" if "median_s" in fr.get("import", {}) else "-"
        cells = [name, sweep, times, ratio(fr.get("B")), ratio(fr.get("C")), ceiling, imported]
        rows.append("| " + " | ".join([*cells, rss_per_goal_kb(fr.get("C"), goals)]) + " |")
    return "\n".join(rows)


def noise(results: dict[str, Any]) -> str:
    """How busy the rest of the machine was while each row ran (run_all's cpu_accounting, in cores)."""
    lines = []
    for name, fr in results["frameworks"].items():
        cells = [c for c in fr.values() if isinstance(c, dict) and "cpu_accounting" in c]
        other = [c["cpu_accounting"]["other_cores"] for c in cells]
        if other:
            lines.append(f"- {name}: other processes used {min(other):.2f}-{max(other):.2f} of {os.cpu_count()} cores")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", help="the peer harness folder (default: $PEERBENCH_DIR or ../shared/peerbench)")
    default_venvs = os.environ.get("PEERBENCH_VENVS", str(Path.home() / ".cache" / "baton-peerbench"))
    parser.add_argument("--venvs", default=default_venvs, help="where setup.sh makes the peers' venvs")
    parser.add_argument("--only", default=",".join((*PEERS, *BATON_ROWS)), help="comma-separated rows")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "baton-peers"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--K", type=int, default=20)
    parser.add_argument("--N", type=int, default=16)
    parser.add_argument("--M", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="3 timed runs per cell, no K sweep")
    args = parser.parse_args()

    peers, venvs = find_peers(args.peers), Path(args.venvs).expanduser().resolve()
    names = [n for n in args.only.split(",") if n]
    ensure_venvs(peers, venvs, [n for n in names if n not in BATON_ROWS])
    os.environ["PEERBENCH_VENVS"] = str(venvs)  # read by run_all when it is imported
    # Every child finds fw_baton.py and this checkout's supervisor package.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, (str(HERE), str(REPO), os.environ.get("PYTHONPATH"))))
    sys.path.insert(0, str(peers))
    import run_all  # the harness's own driver, unchanged

    # ``import supervisor`` alone loads the error tree (every other name on first use): the statement timed loads
    # what a run needs, as the peers' statements load their graph or agent machinery.
    imported = "from supervisor import BatonConfig, Supervisor"
    run_all.FRAMEWORKS.append(("baton", "fw_baton", "venv-baton", imported))
    run_all.FRAMEWORKS.append(("baton+journal", "fw_baton_journal", "venv-baton", imported))
    # The harness times imports with .pyc files present (its warm-up import writes them); where
    # PYTHONDONTWRITEBYTECODE forbids that, compile the checkout as installing the package would.
    compileall.compile_dir(REPO / "supervisor", quiet=1)
    reps = 3 if args.quick else args.reps
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    raw = out / f"peers-{time.strftime('%Y%m%d-%H%M%S')}.json"
    argv = ["run_all.py", "--only", ",".join(names), "--out", str(raw)]
    argv += [arg for row in BATON_ROWS for arg in ("--python", f"{row}={sys.executable}")]
    argv += ["--reps", str(reps), "--K", str(args.K), "--N", str(args.N), "--M", str(args.M)]
    sys.argv = [*argv, *(["--no-extras"] if args.quick else [])]
    run_all.main()

    results = json.loads(raw.read_text())
    if not args.quick:  # the rest of the K sweep: K=12 everywhere, a long pipeline where it stays flat
        for name, fr in results["frameworks"].items():
            module, py = fr["module"], fr["python"]
            for k in (12, LONG_K):
                if k == LONG_K and name not in LONG_K_ROWS:
                    continue
                print(f"== {name} A K={k}", file=sys.stderr, flush=True)
                fr[f"A_K{k}"] = run_all.run_harness(py, module, "A", reps=reps, warmup=1, timeout=1200, K=k, L=0.0)
        raw.write_text(json.dumps(results, indent=1))
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{platform.node()} ({os.cpu_count()} cores, {python})"
    print(f"\nBaton beside its peers, {results['started']} on {machine}; median of {reps} runs per cell\n")
    print(table(results, args.M, args.N))
    print("\nInterference (CPU of unrelated processes while each row ran):\n" + noise(results))
    print(f"\nRaw timings: {raw}")


if __name__ == "__main__":
    main()
