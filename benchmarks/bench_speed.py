"""Benchmark: the nodal solver before/after, the batched solver vs the per-stack loop,
and ``ngspice -b`` as the reference, side by side in one run.

    python benchmarks/bench_speed.py --before /path/to/older/checkout   # writes SPEED.md
    python benchmarks/bench_speed.py --reps 5 --stacks 20000

* nodal, 1e5 and 1e6 segments of the pillar's ladder (N/4 per layer): build, solve
  (factor + refinement + condition number, ``circuitspin.solve``), peak memory of a
  fresh process, and the whole command line (``circuitspin solve --segments --json``).
  ``--before`` names another checkout of the package (e.g. ``git worktree add
  /tmp/base main``); its runs alternate with this tree's (the machine may be shared),
  each figure is the best of ``--reps``.
* ``ngspice -b`` on the 1e5 deck (written by ``circuitspin netlist``), once per rep.
* Many small stacks: ``circuitspin.batch.solve_parameters`` on B pillar variants
  (thickness of N and magnons varied; 11 currents) against the per-stack loop
  (``build_network`` + ``sweep_network`` per stack), stacks per second on one process;
  and ``solve_batch`` from Stack objects (the parameter read-out included).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "netlists" / "berger_pillar.toml"
CURRENT = 1e-3


def _child_nodal(segments: int) -> dict:
    import numpy as np  # noqa: F401

    from circuitspin import build_network, load_stack, solve
    from circuitspin.solvers import nodal

    nodal.NodalFactor(build_network(load_stack(STACK)))  # scipy.linalg loaded
    stack = load_stack(STACK)
    t0 = time.perf_counter()
    net = build_network(stack, segments=segments // 4)
    t1 = time.perf_counter()
    sol = solve(net, CURRENT)
    t2 = time.perf_counter()
    return {"build": t1 - t0, "solve": t2 - t1, "V_UD": sol.V_UD,
            "steps": sol.info["refinement_steps"],
            "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def _run(tree: Path, args: list[str], timeout=600) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                         env=env, cwd=tempfile.gettempdir(), timeout=timeout, check=True)
    return time.perf_counter() - t0, res.stdout


def nodal_rows(trees: dict, sizes, reps: int) -> list[dict]:
    best: dict = {}
    for _ in range(reps):
        for n in sizes:
            for label, tree in trees.items():   # interleaved: before, after, before, ...
                _, out = _run(tree, [__file__, "--child", str(n)])
                r = json.loads(out.strip().splitlines()[-1])
                cli, _ = _run(tree, ["-m", "circuitspin", "solve", str(STACK), "--current",
                                     str(CURRENT), "--segments", str(n // 4), "--json"])
                r["cli"] = cli
                key = (label, n)
                if key not in best:
                    best[key] = r
                else:
                    for k in ("build", "solve", "cli", "peak_MB"):
                        best[key][k] = min(best[key][k], r[k])
                print(label, n, json.dumps(r), flush=True)
    return [dict(version=k[0], segments=k[1], **v) for k, v in best.items()]


def ngspice_time(segments: int, reps: int) -> float | None:
    import shutil

    if shutil.which("ngspice") is None:
        return None
    from circuitspin import build_network, load_stack
    from circuitspin.netlist import to_spice

    with tempfile.TemporaryDirectory() as tmp:
        deck = Path(tmp) / "deck.cir"
        deck.write_text(to_spice(build_network(load_stack(STACK), segments=segments // 4),
                                 CURRENT))
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            subprocess.run(["ngspice", "-b", "deck.cir"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            best = min(best, time.perf_counter() - t0)
        return best


def batch_rates(n_stacks: int, reps: int) -> dict:
    import numpy as np

    from circuitspin import build_network, load_stack
    from circuitspin.batch import BatchParameters, BatchShape, solve_batch, solve_parameters
    from circuitspin.solvers.motor_newton import sweep_network

    pillar = load_stack(STACK)
    currents = np.linspace(-5e-3, 5e-3, 11)
    rng = np.random.default_rng(0)
    base = BatchParameters.of([pillar])
    p = BatchParameters(**{k: np.repeat(getattr(base, k), n_stacks, axis=0)
                           for k in base.__dataclass_fields__})
    p.thickness[:, 1] = rng.uniform(1e-9, 50e-9, n_stacks)
    magnons = rng.uniform(0, 1e4, n_stacks)
    p.motor_g[:] = magnons / pillar.motor.r1
    shape = BatchShape.of(pillar)
    t_batch = min(_timed(lambda: solve_parameters(shape, p, currents)) for _ in range(reps))
    n_obj = min(n_stacks, 5000)
    stacks = [pillar.with_motor(magnons=float(m)) for m in magnons[:n_obj]]
    t_obj = min(_timed(lambda: solve_batch(stacks, currents)) for _ in range(reps))
    n_loop = 300
    t_loop = min(_timed(lambda: [sweep_network(build_network(s), currents)
                                 for s in stacks[:n_loop]]) for _ in range(reps))
    return {"n_batch": n_stacks, "batch_per_s": n_stacks / t_batch,
            "n_objects": n_obj, "objects_per_s": n_obj / t_obj,
            "n_loop": n_loop, "loop_per_s": n_loop / t_loop}


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def write(rows, spice, rates, out: Path, reps: int):
    lines = ["# Speed: before/after, batched solver, ngspice -b", "",
             f"`python benchmarks/bench_speed.py` on {os.cpu_count()} cores "
             f"({platform.machine()}), Python {platform.python_version()}, "
             f"{time.strftime('%Y-%m-%d')}; best of {reps}, before and after interleaved "
             "in one session (a shared machine: other jobs ran too). The pillar's ladder "
             "with N/4 segments per layer, 1 mA.", "",
             "| version | segments | build s | solve s | refinement steps | CLI end to end s "
             "| peak MB | V_UD (V) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["segments"], r["version"] != "before")):
        lines.append(f"| {r['version']} | {r['segments']:.0e} | {r['build']:.3f} | "
                     f"{r['solve']:.3f} | {r['steps']} | {r['cli']:.2f} | "
                     f"{r['peak_MB']:.0f} | {r['V_UD']:.12e} |")
    lines.append("")
    if spice is not None:
        after = [r for r in rows if r["version"] == "after" and r["segments"] == 100_000]
        lines.append(f"`ngspice -b` on the 1e5-segment deck: {spice:.2f} s"
                     + (f" (nodal CLI end to end {after[0]['cli']:.2f} s: "
                        f"{spice / after[0]['cli']:.0f}x; nodal build + solve "
                        f"{after[0]['build'] + after[0]['solve']:.3f} s: "
                        f"{spice / (after[0]['build'] + after[0]['solve']):.0f}x)"
                        if after else ""))
        lines.append("")
    if rates:
        lines += ["Many small stacks (the pillar, 11 currents each, one process):", "",
                  "| path | stacks | stacks per second |", "|---|---:|---:|",
                  f"| batch, parameter arrays (`solve_parameters`) | {rates['n_batch']} | "
                  f"{rates['batch_per_s']:,.0f} |",
                  f"| batch from Stack objects (`solve_batch`) | {rates['n_objects']} | "
                  f"{rates['objects_per_s']:,.0f} |",
                  f"| per-stack loop (`build_network` + `sweep_network`) | "
                  f"{rates['n_loop']} | {rates['loop_per_s']:,.0f} |", ""]
    (out / "SPEED.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--before", help="another checkout of the package, timed alongside")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--stacks", type=int, default=20_000)
    p.add_argument("--sizes", default="1e5,1e6")
    p.add_argument("--out", default=str(Path(__file__).parent))
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(_child_nodal(args.child)))
        return 0
    trees = {"after": ROOT}
    if args.before:
        trees = {"before": Path(args.before).resolve(), "after": ROOT}
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = nodal_rows(trees, sizes, args.reps)
    spice = ngspice_time(100_000, max(1, args.reps - 1)) if 100_000 in sizes else None
    rates = batch_rates(args.stacks, args.reps)
    write(rows, spice, rates, Path(args.out), args.reps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
