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
* The non-collinear network (netlists/noncollinear/pillar_90deg.toml, ``--noncollinear``
  segments, default 1e6): build and first solve in a fresh process, per tree.
* Start-up: the interpreter alone (``python -c pass``), ``python -c "import numpy"`` and
  ``circuitspin solve`` of the pillar, each run ``--startup-runs`` times in turn
  (hyperfine-style: minimum, mean and standard deviation); every tree's bytecode is
  compiled first (``compileall``), as ``pip install`` leaves it.
* Many small stacks: ``circuitspin.batch.solve_parameters`` on B pillar variants
  (thickness of N and magnons varied; 11 currents) against the per-stack loop
  (``build_network`` + ``sweep_network`` per stack), stacks per second on one process;
  and ``solve_batch`` from Stack objects (the parameter read-out included).
"""
from __future__ import annotations

import argparse
import importlib
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
NONCOLLINEAR = ROOT / "netlists" / "noncollinear" / "pillar_90deg.toml"
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


def _child_noncollinear(segments: int) -> dict:
    """The 90-degree pillar (charge + spin-vector network): build, then the first solve
    (factorisation, condition estimate, refinement), in a fresh process."""
    import warnings

    from circuitspin import build_network, load_stack, solve

    stack = load_stack(NONCOLLINEAR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solve(build_network(stack), CURRENT)   # scipy loaded
        t0 = time.perf_counter()
        net = build_network(stack, segments=segments // 4)
        t1 = time.perf_counter()
        sol = solve(net, CURRENT)
        t2 = time.perf_counter()
    return {"build": t1 - t0, "solve": t2 - t1, "R": sol.resistance,
            "steps": sol.info["refinement_steps"],
            "peak_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def noncollinear_rows(trees: dict, segments: int, reps: int) -> list[dict]:
    best: dict = {}
    for _ in range(reps):
        for label, tree in trees.items():
            try:
                _, out = _run(tree, [__file__, "--child-noncollinear", str(segments)])
            except subprocess.CalledProcessError:
                continue      # a version without the non-collinear network
            r = json.loads(out.strip().splitlines()[-1])
            r["total"] = r["build"] + r["solve"]
            if label not in best or r["total"] < best[label]["total"]:
                best[label] = r
            print(label, "noncollinear", segments, json.dumps(r), flush=True)
    return [dict(version=k, segments=segments, **v) for k, v in best.items()]


def _run(tree: Path, args: list[str], timeout=600) -> tuple[float, str]:
    wall, out, _ = _run_rss(tree, args, timeout)
    return wall, out


def _run_rss(tree: Path | None, args: list[str], timeout=600) -> tuple[float, str, float]:
    """Wall time, stdout and peak resident memory (MB) of ``python ARGS`` run with
    ``tree`` first on the path."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    with tempfile.TemporaryFile("w+") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out,
                                stderr=subprocess.DEVNULL, env=env,
                                cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, args)
        out.seek(0)
        return wall, out.read(), usage.ru_maxrss / 1024.0


def nodal_rows(trees: dict, sizes, reps: int) -> list[dict]:
    best: dict = {}
    for _ in range(reps):
        for n in sizes:
            for label, tree in trees.items():   # interleaved: before, after, before, ...
                _, out = _run(tree, [__file__, "--child", str(n)])
                r = json.loads(out.strip().splitlines()[-1])
                cli, _, rss = _run_rss(tree, ["-m", "circuitspin", "solve", str(STACK),
                                              "--current", str(CURRENT), "--segments",
                                              str(n // 4), "--json"])
                r["cli"], r["cli_MB"] = cli, rss
                key = (label, n)
                if key not in best:
                    best[key] = r
                else:
                    for k in ("build", "solve", "cli", "peak_MB", "cli_MB"):
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


def startup_times(trees: dict, runs: int) -> dict:
    """Hyperfine-style: each command ``runs`` times, in turn; min, mean, sd (s)."""
    import statistics

    cmds = {"python -c pass": (None, ["-c", "pass"]),
            'python -c "import numpy"': (None, ["-c", "import numpy"])}
    for label, tree in trees.items():
        cmds[f"circuitspin solve (pillar), {label}"] = (
            tree, ["-m", "circuitspin", "solve", str(STACK), "--current", str(CURRENT)])
    times: dict = {k: [] for k in cmds}
    for _ in range(runs):
        for k, (tree, args) in cmds.items():
            times[k].append(_run(tree, args)[0])
    return {k: (min(v), statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0)
            for k, v in times.items()}


def _compile(tree: Path) -> None:
    """Bytecode for every module of the tree (what ``pip install`` leaves), so that no
    run pays for compiling sources (PYTHONDONTWRITEBYTECODE may be set)."""
    import compileall

    compileall.compile_dir(str(tree / "circuitspin"), quiet=1)


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
    import tomllib

    sweep_module = importlib.import_module("circuitspin.sweep")  # the module, not cs.sweep
    from circuitspin.sweep import ParamAxis, run_sweep

    data = tomllib.loads(STACK.read_text())
    axes = [ParamAxis("layers.N.thickness", np.linspace(1e-9, 5e-8, 50)),
            ParamAxis("motor.magnons", np.linspace(0.0, 1e4, 40))]
    n_sweep = 50 * 40
    run_sweep(data, axes[:1], currents[:1], workers=1, progress=False)   # imports
    t_sweep = min(_timed(lambda: run_sweep(data, axes, currents, workers=1,
                                           progress=False)) for _ in range(reps))
    real = sweep_module._solve_together
    sweep_module._solve_together = lambda *a: {}     # the per-stack path, for reference
    try:
        t_sweep_loop = _timed(lambda: run_sweep(data, axes[:1], currents, workers=1,
                                                progress=False))
    finally:
        sweep_module._solve_together = real
    return {"n_sweep": n_sweep, "sweep_per_s": n_sweep / t_sweep,
            "n_sweep_loop": 50, "sweep_loop_per_s": 50 / t_sweep_loop,
            "n_batch": n_stacks, "batch_per_s": n_stacks / t_batch,
            "n_objects": n_obj, "objects_per_s": n_obj / t_obj,
            "n_loop": n_loop, "loop_per_s": n_loop / t_loop}


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def write(rows, spice, rates, startup, out: Path, reps: int, loads, nc_rows=()):
    after = {r["segments"]: r for r in rows if r["version"] == "after"}
    before = {r["segments"]: r for r in rows if r["version"] == "before"}
    lines = ["# Speed: before/after, ngspice -b, start-up, batched solver", "",
             f"`python benchmarks/bench_speed.py` on {os.cpu_count()} cores "
             f"({platform.machine()}), Python {platform.python_version()}, "
             f"{time.strftime('%Y-%m-%d %H:%M')}; best of {reps}, before and after "
             "interleaved in one session (1-minute load average "
             f"{loads[0]:.1f} at the start, {loads[1]:.1f} at the end, the benchmark's own "
             "work included). The pillar's ladder with N/4 segments per layer, 1 mA.", ""]
    lines += ["## Targets", "", "| target | reference | before | after | met |",
              "|---|---|---:|---:|---|"]

    def row(target, ref, b, a, met):
        lines.append(f"| {target} | {ref} | {b} | {a} | {'yes' if met else 'no'} |")

    def fmt(d, n, key, f="{:.2f} s"):
        return f.format(d[n][key]) if n in d else "-"

    if startup:
        np_min = startup['python -c "import numpy"'][0]
        for label in ("before", "after"):
            k = f"circuitspin solve (pillar), {label}"
            if k in startup:
                startup[label] = startup[k][0]
        row("`solve` of the pillar: start-up and answer",
            f"`python -c \"import numpy\"` {np_min:.3f} s",
            f"{startup['before']:.3f} s" if "before" in startup else "-",
            f"{startup['after']:.3f} s (+{startup['after'] - np_min:.3f} s)",
            startup["after"] - np_min < 0.15)
    if spice is not None and 100_000 in after:
        ratio = {k: spice / d[100_000]["cli"] for k, d in (("b", before), ("a", after))
                 if 100_000 in d}
        row("1e5 segments, command line, >= 30x faster than `ngspice -b`",
            f"`ngspice -b` {spice:.2f} s",
            f"{fmt(before, 100_000, 'cli')} ({ratio['b']:.0f}x)" if "b" in ratio else "-",
            f"{fmt(after, 100_000, 'cli')} ({ratio['a']:.0f}x)", ratio["a"] >= 30)
    if 1_000_000 in after:
        n = 1_000_000
        row("1e6 segments: solve < 0.5 s", "", fmt(before, n, "solve"),
            fmt(after, n, "solve"), after[n]["solve"] < 0.5)
        row("1e6 segments: command line < 2 s", "", fmt(before, n, "cli"),
            fmt(after, n, "cli"), after[n]["cli"] < 2.0)
        row("1e6 segments: memory < 700 MB (command line, peak RSS)", "",
            fmt(before, n, "cli_MB", "{:.0f} MB"), fmt(after, n, "cli_MB", "{:.0f} MB"),
            after[n]["cli_MB"] < 700)
    nc_after = [r for r in nc_rows if r["version"] == "after"]
    if nc_after:
        nc_before = [r for r in nc_rows if r["version"] == "before"]
        row(f"non-collinear, {nc_after[0]['segments']:.0e} segments: build + solve in a "
            "few seconds (< 5 s)", "",
            f"{nc_before[0]['total']:.2f} s" if nc_before else "-",
            f"{nc_after[0]['total']:.2f} s", nc_after[0]["total"] < 5.0)
    if rates:
        row(">= 20,000 pillar solves per second, one core (batched)",
            f"per-stack loop {rates['loop_per_s']:,.0f}/s", "-",
            f"{rates['batch_per_s']:,.0f}/s", rates["batch_per_s"] >= 20_000)
    lines += ["", "## Nodal solver, before/after", "",
              "| version | segments | build s | solve s | refinement steps | CLI end to end s "
              "| CLI peak MB | V_UD (V) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["segments"], r["version"] != "before")):
        lines.append(f"| {r['version']} | {r['segments']:.0e} | {r['build']:.3f} | "
                     f"{r['solve']:.3f} | {r['steps']} | {r['cli']:.2f} | "
                     f"{r['cli_MB']:.0f} | {r['V_UD']:.12e} |")
    lines.append("")
    if spice is not None and 100_000 in after:
        a = after[100_000]
        lines.append(f"`ngspice -b` on the 1e5-segment deck: {spice:.2f} s (nodal command "
                     f"line {a['cli']:.2f} s: {spice / a['cli']:.0f}x; nodal build + solve "
                     f"{a['build'] + a['solve']:.3f} s: "
                     f"{spice / (a['build'] + a['solve']):.0f}x)")
        lines.append("")
    if nc_rows:
        lines += ["## Non-collinear network (the 90-degree pillar, a fresh process)", "",
                  "| version | segments | build s | solve s (factor, condition, refinement)"
                  " | refinement steps | peak MB | R (ohm) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in sorted(nc_rows, key=lambda r: r["version"] != "before"):
            lines.append(f"| {r['version']} | {r['segments']:.0e} | {r['build']:.3f} | "
                         f"{r['solve']:.3f} | {r['steps']} | {r['peak_MB']:.0f} | "
                         f"{r['R']:.12g} |")
        lines.append("")
    if startup:
        lines += ["## Start-up (each command in turn, hyperfine-style)", "",
                  "| command | min s | mean s | sd s |", "|---|---:|---:|---:|"]
        for k, v in startup.items():
            if isinstance(v, tuple):
                lines.append(f"| {k} | {v[0]:.3f} | {v[1]:.3f} | {v[2]:.3f} |")
        lines.append("")
    if rates:
        lines += ["## Many small stacks (the pillar, 11 currents each, one process)", "",
                  "| path | stacks | stacks per second |", "|---|---:|---:|",
                  f"| batch, parameter arrays (`solve_parameters`) | {rates['n_batch']} | "
                  f"{rates['batch_per_s']:,.0f} |",
                  f"| batch from Stack objects (`solve_batch`) | {rates['n_objects']} | "
                  f"{rates['objects_per_s']:,.0f} |",
                  f"| per-stack loop (`build_network` + `sweep_network`) | "
                  f"{rates['n_loop']} | {rates['loop_per_s']:,.0f} |",
                  f"| `run_sweep`, one process (batched) | {rates['n_sweep']} | "
                  f"{rates['sweep_per_s']:,.0f} |",
                  f"| `run_sweep`, one process, per-stack path | {rates['n_sweep_loop']} | "
                  f"{rates['sweep_loop_per_s']:,.0f} |", ""]
    (out / "SPEED.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-noncollinear", type=int, help=argparse.SUPPRESS)
    p.add_argument("--noncollinear", type=float, default=1e6,
                   help="segments of the non-collinear pillar (0: skip)")
    p.add_argument("--before", help="another checkout of the package, timed alongside")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--startup-runs", type=int, default=20)
    p.add_argument("--stacks", type=int, default=20_000)
    p.add_argument("--sizes", default="1e5,1e6")
    p.add_argument("--out", default=str(Path(__file__).parent))
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(_child_nodal(args.child)))
        return 0
    if args.child_noncollinear:
        print(json.dumps(_child_noncollinear(args.child_noncollinear)))
        return 0
    loads = [os.getloadavg()[0]]
    trees = {"after": ROOT}
    if args.before:
        trees = {"before": Path(args.before).resolve(), "after": ROOT}
    for tree in trees.values():
        _compile(tree)
    startup = startup_times(trees, args.startup_runs) if args.startup_runs else None
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    rows = nodal_rows(trees, sizes, args.reps)
    nc_rows = noncollinear_rows(trees, int(args.noncollinear), args.reps) \
        if args.noncollinear else []
    spice = ngspice_time(100_000, max(1, args.reps - 1)) if 100_000 in sizes else None
    rates = batch_rates(args.stacks, args.reps) if args.stacks else None
    loads.append(os.getloadavg()[0])
    write(rows, spice, rates, startup, Path(args.out), args.reps, loads, nc_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
