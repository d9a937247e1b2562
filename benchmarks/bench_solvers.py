"""Benchmark: nodal solver vs ngspice -b vs ngspice through PySpice, 1e3 ... 1e6 segments.

Each measurement runs in a fresh Python process so that its peak memory (max RSS of the
process and of any ngspice child) is its own.  The network is the paper's pillar
(netlists/berger_pillar.toml) as a ladder with N/4 segments per layer.  For every engine
the size grows until a run passes the time limit (60 s by default).

    python benchmarks/bench_solvers.py              # writes benchmarks/RESULTS.md and
                                                    # benchmarks/results.png
    python benchmarks/bench_solvers.py --max 1e5    # a quicker run

Columns: build (stack -> network), deck (writing the SPICE deck), solve (factor + solve
for the nodal solver; the ngspice run for ngspice), total, peak memory, and for the
nodal solver the end-to-end time of the command line (`circuitspin solve --segments`,
process start to exit).
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


def _child(engine: str, segments: int) -> dict:
    """Run one measurement in this process; print a JSON line."""
    from circuitspin import build_network, load_stack, solve
    # import what each engine needs before the clock starts (the CLI column counts them)
    import importlib

    from circuitspin.solvers import nodal

    for module in ("circuitspin.netlist", "circuitspin.solvers.spice"):
        importlib.import_module(module)

    nodal.NodalFactor(build_network(load_stack(STACK)))  # loads scipy.linalg
    stack = load_stack(STACK)
    per_layer = segments // len(stack.layers)
    t0 = time.perf_counter()
    net = build_network(stack, segments=per_layer)
    t1 = time.perf_counter()
    out = {"engine": engine, "segments": net.n_segments, "nodes": net.n_nodes,
           "build": t1 - t0}
    if engine == "nodal":
        sol = solve(net, CURRENT)
        t2 = time.perf_counter()
        out.update(solve=t2 - t1, deck=0.0)
    elif engine == "ngspice-b":
        from circuitspin.netlist import to_spice  # already imported before the clock

        with tempfile.TemporaryDirectory() as tmp:
            deck = Path(tmp) / "deck.cir"
            deck.write_text(to_spice(net, CURRENT))
            t2 = time.perf_counter()
            (Path(tmp) / ".spiceinit").write_text("set filetype=ascii\n")
            subprocess.run(["ngspice", "-b", "-r", "out.raw", "deck.cir"], cwd=tmp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            t3 = time.perf_counter()
            from circuitspin.solvers.spice import parse_rawfile

            values = parse_rawfile((Path(tmp) / "out.raw").read_text())
        out.update(deck=t2 - t1, solve=t3 - t2)
        sol = None
        out["V_UD"] = float(values["u"] - values["d"])
    elif engine == "pyspice":
        from circuitspin.netlist import to_spice
        from circuitspin.solvers.spice import solve_ngspice

        deck_t0 = time.perf_counter()
        to_spice(net, CURRENT)  # timed separately: solve_ngspice writes its own deck
        t2 = time.perf_counter()
        # ngspice itself: the answer check (a nodal factorisation) is not timed here
        sol = solve_ngspice(net, CURRENT, mode="shared", check=False)
        t3 = time.perf_counter()
        out.update(deck=t2 - deck_t0, solve=t3 - t2 - (t2 - deck_t0))
    else:
        raise SystemExit(f"unknown engine {engine}")
    if sol is not None:
        out["V_UD"] = sol.V_UD
    out["total"] = out["build"] + out["deck"] + out["solve"]
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_MB"] = max(self_rss, child_rss) / 1024.0
    return out


def _cli_time(segments: int) -> float:
    per_layer = segments // 4
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "circuitspin", "solve", str(STACK), "--current",
                    str(CURRENT), "--segments", str(per_layer), "--json"], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure(engine: str, segments: int, limit: float) -> dict | None:
    cmd = [sys.executable, __file__, "--child", engine, str(segments)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=limit * 3,
                             check=True)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "segments": segments, "timeout": True}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--max", type=float, default=1e6, help="largest segment count")
    p.add_argument("--limit", type=float, default=60.0, help="seconds per run")
    p.add_argument("--out", default=str(Path(__file__).parent))
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]))))
        return 0
    sizes = [s for s in (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)
             if s <= args.max]
    rows = []
    for engine in ("nodal", "ngspice-b", "pyspice"):
        for n in sizes:
            r = measure(engine, n, args.limit)
            if engine == "nodal" and r and not r.get("timeout"):
                r["cli"] = _cli_time(n)
            rows.append(r)
            print(json.dumps(r), flush=True)
            if r.get("timeout") or r.get("total", 0) > args.limit:
                break
    write_results(rows, Path(args.out))
    return 0


def _slope(rows, engine, key="total"):
    import numpy as np

    pts = [(r["segments"], r[key]) for r in rows
           if r["engine"] == engine and not r.get("timeout") and r["segments"] >= 10_000]
    if len(pts) < 2:
        return float("nan")
    x, y = np.log10(np.array(pts, dtype=float)).T
    return float(np.polyfit(x, y, 1)[0])


def write_results(rows, out: Path):
    import numpy as np
    from matplotlib.figure import Figure

    out.mkdir(parents=True, exist_ok=True)
    cpu = platform.processor() or platform.machine()
    lines = ["# Benchmark results", "",
             f"`python benchmarks/bench_solvers.py` on {os.cpu_count()} cores ({cpu}), "
             f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. "
             "The paper's pillar as a ladder (N/4 segments per layer), 1 mA. Times in "
             "seconds, each run in a fresh process; peak = max RSS of the process or its "
             "ngspice child.", "",
             "| engine | segments | nodes | build | deck | solve | total | CLI end to end "
             "| peak MB | V_UD (V) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r.get("timeout"):
            lines.append(f"| {r['engine']} | {r['segments']} | | | | timed out | | | | |")
            continue
        cli = f"{r['cli']:.3f}" if "cli" in r else ""
        vud = f"{r['V_UD']:.12e}" if r.get("V_UD") is not None else ""
        lines.append(f"| {r['engine']} | {r['segments']} | {r['nodes']} | {r['build']:.3f} "
                     f"| {r['deck']:.3f} | {r['solve']:.3f} | {r['total']:.3f} | {cli} "
                     f"| {r['peak_MB']:.0f} | {vud} |")
    lines += ["", "Log-log slope of total time vs segments (>= 1e4 segments): "
              + ", ".join(f"{e} {_slope(rows, e):.2f}" for e in ("nodal", "ngspice-b",
                                                                 "pyspice")), ""]
    by = {(r["engine"], r["segments"]): r for r in rows if not r.get("timeout")}
    for n in (100_000, 1_000_000):
        nod, ng = by.get(("nodal", n)), by.get(("ngspice-b", n))
        if nod and ng:
            lines.append(f"- {n:.0e} segments: nodal CLI end to end {nod['cli']:.2f} s vs "
                         f"deck + ngspice -b {ng['deck'] + ng['solve']:.2f} s: "
                         f"{(ng['deck'] + ng['solve']) / nod['cli']:.0f}x; nodal build + "
                         f"solve {nod['build'] + nod['solve']:.3f} s vs ngspice -b alone "
                         f"{ng['solve']:.2f} s: {ng['solve'] / (nod['build'] + nod['solve']):.0f}x.")
    if ("nodal", 1_000_000) in by:
        r = by[("nodal", 1_000_000)]
        lines.append(f"- 1e6 segments, nodal: solve {r['solve']:.2f} s (target < 1 s), CLI end "
                     f"to end {r['cli']:.2f} s (target < 5 s), peak {r['peak_MB']:.0f} MB "
                     "(target < 1536 MB).")
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n")

    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.subplots()
    for engine, marker in (("nodal", "o"), ("ngspice-b", "s"), ("pyspice", "^")):
        pts = sorted((r["segments"], r["total"]) for r in rows
                     if r["engine"] == engine and not r.get("timeout"))
        if pts:
            x, y = np.array(pts).T
            ax.loglog(x, y, marker=marker, label=f"{engine} (slope {_slope(rows, engine):.2f})")
    ax.set(xlabel="segments", ylabel="build + deck + solve (s)",
           title="circuitspin nodal vs ngspice, Berger pillar ladder")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "results.png", dpi=120)


if __name__ == "__main__":
    sys.exit(main())
