"""Speed of the non-collinear (charge + spin-vector) network against the collinear one.

    .venv/bin/python benchmarks/bench_noncollinear.py [SEGMENTS_PER_LAYER ...]

The pillar of netlists/noncollinear/pillar_90deg.toml (F2 at 90 degrees) and the same
pillar collinear (netlists/berger_pillar.toml), each layer cut into N ladder segments:
build and nodal solve, best of 3 (wall time on a shared machine).  The results of a run
are in benchmarks/NONCOLLINEAR.md.
"""
from __future__ import annotations

import sys
import time
import warnings

import circuitspin as cs
from circuitspin.network import build_network
from circuitspin.solvers import solve


def best(f, repeat=3):
    out = None
    t_best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        t_best = min(t_best, time.perf_counter() - t0)
    return t_best, out


def main(argv):
    sizes = [int(a) for a in argv] or [2_500, 25_000, 250_000]
    print("| stack | segments | nodes | build (s) | solve (s) | R (ohm) |")
    print("|---|---|---|---|---|---|")
    for path in ("netlists/berger_pillar.toml", "netlists/noncollinear/pillar_90deg.toml"):
        st = cs.load_stack(path)
        for n in sizes:
            t_b, net = best(lambda: build_network(st, n))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_s, sol = best(lambda: solve(net, 1e-3))
            print(f"| {path.split('/')[-1]} | {net.n_segments:,} | {net.n_nodes:,} | "
                  f"{t_b:.3f} | {t_s:.3f} | {sol.resistance:.12g} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
