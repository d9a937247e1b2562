"""Benchmark: memory of repeated ngspice solves through PySpice (shared library, one process).

Solves the paper's pillar (netlists/berger_pillar.toml, one exact segment per layer)
``--runs`` times (default 1,000) with ``solve(..., backend="ngspice", mode="shared")``
and reads the process's resident set size (``VmRSS`` in /proc/self/status; psutil is not
needed) before the first solve, after ``--early`` solves (default 100) and after the
last.  Every answer is checked against the nodal solver (1e-9 relative), so a leak
cannot hide behind failing runs.  Writes benchmarks/MEMORY.md.

    python benchmarks/memory_pyspice.py --compare       # 1,000 solves, writes MEMORY.md
                                                        # (+ no-cleanup and ladder runs)
    python benchmarks/memory_pyspice.py --runs 200 --no-write

``--no-cleanup`` skips the ``remcirc`` / ``destroy all`` that
:func:`circuitspin.solvers.spice._run_shared` sends after every run, to show what they
save (ngspice keeps every loaded circuit and every plot otherwise).
"""
from __future__ import annotations

import argparse
import datetime
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "netlists" / "berger_pillar.toml"
CURRENT = 1e-3


def rss_mb() -> float:
    """Resident set size of this process, MB (VmRSS from /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def measure(runs: int, early: int, cleanup: bool = True, segments=None) -> dict:
    """Solve ``runs`` times; RSS (MB) before, after ``early`` and after ``runs`` solves
    (``segments``: ladder segments per layer, default one exact segment per layer)."""
    from circuitspin import build_network, load_stack, solve
    from circuitspin.solvers import spice

    net = build_network(load_stack(STACK), segments)
    ref = solve(net, CURRENT)
    if not cleanup:
        real = spice._shared_instance().exec_command

        def exec_command(command, *args, **kwargs):
            if command in ("remcirc", "destroy all"):
                return ""
            return real(command, *args, **kwargs)

        spice._shared_instance().exec_command = exec_command
    spice._shared_instance()          # load libngspice before the first reading
    out = {"runs": runs, "early": early, "cleanup": cleanup, "rss_before": rss_mb(),
           "nodes": net.n_nodes, "segments": net.n_segments}
    t0 = time.perf_counter()
    worst = 0.0
    for k in range(1, runs + 1):
        sol = solve(net, CURRENT, backend="ngspice", mode="shared")
        rel = abs(sol.V_UD - ref.V_UD) / abs(ref.V_UD)
        worst = max(worst, rel)
        if rel > 1e-9:
            raise SystemExit(f"run {k}: V_UD {sol.V_UD!r} differs from the nodal "
                             f"{ref.V_UD!r} by {rel:.2g}")
        if k == early:
            out["rss_early"] = rss_mb()
    out.update(rss_after=rss_mb(), seconds=time.perf_counter() - t0, worst_rel=worst)
    return out


def report(res: dict) -> str:
    import numpy

    try:
        import PySpice
        pyspice = PySpice.__version__
    except Exception:  # pragma: no cover
        pyspice = "?"
    grow_total = res["rss_after"] - res["rss_before"]
    grow_late = res["rss_after"] - res["rss_early"]
    per_run_kb = 1024.0 * grow_late / max(1, res["runs"] - res["early"])
    lines = [
        "# Memory of repeated PySpice (shared-library) solves",
        "",
        f"Written by `benchmarks/memory_pyspice.py` on "
        f"{datetime.date.today().isoformat()} ({platform.platform()}, Python "
        f"{platform.python_version()}, numpy {numpy.__version__}, PySpice {pyspice}).",
        "",
        f"The pillar (`netlists/berger_pillar.toml`, exact segments, {res['nodes']} nodes) solved "
        f"{res['runs']} times in one process with `solve(net, 1e-3, backend=\"ngspice\", "
        f"mode=\"shared\")`; resident set size (VmRSS) read from /proc/self/status after "
        f"libngspice is loaded. Every answer agreed with the nodal solver (worst relative "
        f"difference in V_UD {res['worst_rel']:.1e}).",
        "",
        "| point | RSS (MB) |",
        "|---|---|",
        f"| before the first solve | {res['rss_before']:.1f} |",
        f"| after {res['early']} solves | {res['rss_early']:.1f} |",
        f"| after {res['runs']} solves | {res['rss_after']:.1f} |",
        "",
        f"Growth: {grow_total:+.1f} MB in all, {grow_late:+.1f} MB from solve {res['early']} "
        f"to {res['runs']} ({per_run_kb:+.2f} kB per solve); {res['seconds']:.1f} s for "
        f"{res['runs']} solves ({1e3 * res['seconds'] / res['runs']:.1f} ms each).",
    ]
    if "ladder" in res:
        la = res["ladder"]
        lines += [
            "",
            f"A ladder ({la['segments']} segments, {la['nodes']} nodes), {la['runs']} solves "
            f"in a fresh process: {la['rss_before']:.1f} -> {la['rss_early']:.1f} (after "
            f"{la['early']}) -> {la['rss_after']:.1f} MB.",
        ]
    if "no_cleanup" in res:
        nc = res["no_cleanup"]
        nc_late = nc["rss_after"] - nc["rss_early"]
        lines += [
            "",
            "Without the `remcirc` and `destroy all` that `_run_shared` sends after every run "
            f"(`--no-cleanup`, {nc['runs']} solves in a fresh process): "
            f"{nc['rss_before']:.1f} -> {nc['rss_early']:.1f} (after {nc['early']}) -> "
            f"{nc['rss_after']:.1f} MB, {1024.0 * nc_late / max(1, nc['runs'] - nc['early']):+.2f}"
            " kB per solve: ngspice keeps every circuit and every plot it has run.",
        ]
    lines += [
        "",
        "The test `tests/test_robustness.py::test_repeated_shared_solves_do_not_grow_rss` "
        "holds 200 solves (after 20 to warm up) to less than 4 MB of growth.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--early", type=int, default=100)
    p.add_argument("--no-cleanup", action="store_true",
                   help="skip remcirc / destroy all between runs (shows the leak they stop)")
    p.add_argument("--compare", action="store_true",
                   help="also run --no-cleanup in a child process and add it to MEMORY.md")
    p.add_argument("--segments", type=int, default=None,
                   help="ladder segments per layer (default: one exact segment per layer)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON only")
    p.add_argument("--no-write", action="store_true", help="do not write MEMORY.md")
    args = p.parse_args(argv)
    res = measure(args.runs, args.early, cleanup=not args.no_cleanup,
                  segments=args.segments)
    if args.json:
        import json

        print(json.dumps(res))
        return 0
    if args.compare:
        import json
        import subprocess

        def child(*extra):
            run = subprocess.run([sys.executable, __file__, "--json", *extra],
                                 capture_output=True, text=True, check=True)
            return json.loads(run.stdout.strip().splitlines()[-1])

        res["no_cleanup"] = child("--runs", str(args.runs), "--early", str(args.early),
                                  "--no-cleanup")
        res["ladder"] = child("--runs", "300", "--early", "50", "--segments", "250")
    text = report(res)
    print(text)
    if not args.no_write and not args.no_cleanup:
        (Path(__file__).parent / "MEMORY.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
