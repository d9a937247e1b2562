"""Speed of the non-collinear (charge + spin-vector) network against the collinear one.

    .venv/bin/python benchmarks/bench_noncollinear.py [SEGMENTS_PER_LAYER ...]

The pillar of netlists/noncollinear/pillar_90deg.toml (F2 at 90 degrees; g_mix_im = 0:
symmetric, banded Cholesky), the same with g_mix_im = 0.1e15 S/m^2 (not symmetric:
banded LU) and the pillar collinear (netlists/berger_pillar.toml), each layer cut into N
ladder segments: build and nodal solve (factorisation, condition estimate and
refinement: the factor cache is emptied before each), best of 3 (wall time on a shared
machine; in one process, so the first-touch cost of fresh memory is mostly not counted:
bench_speed.py --noncollinear times a fresh process).  The results of a run
are in benchmarks/NONCOLLINEAR.md.
"""
from __future__ import annotations

import sys
import time
import warnings

import circuitspin as cs
from circuitspin.network import build_network
from circuitspin.solvers import solve


def best(f, repeat=3, setup=None):
    out = None
    t_best = float("inf")
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        out = f()
        t_best = min(t_best, time.perf_counter() - t0)
    return t_best, out


def _forget_factors():
    from circuitspin.solvers import general, nodal

    general._FACTORS.clear()
    nodal._FACTORS.clear()


def main(argv):
    sizes = [int(a) for a in argv] or [2_500, 25_000, 250_000]
    print("| stack | segments | nodes | build (s) | solve (s) | R (ohm) |")
    print("|---|---|---|---|---|---|")
    from circuitspin.reader import read_stack_data, stack_from_dict
    from circuitspin.solvers.general import factor_for

    im = read_stack_data("netlists/noncollinear/pillar_90deg.toml")
    im["interfaces"]["Co/Cu"]["g_mix_im"] = 0.1e15
    stacks = [("berger_pillar.toml", cs.load_stack("netlists/berger_pillar.toml")),
              ("pillar_90deg.toml", cs.load_stack("netlists/noncollinear/pillar_90deg.toml")),
              ("pillar_90deg.toml, g_mix_im", stack_from_dict(im))]
    for name, st in stacks:
        for n in sizes:
            t_b, net = best(lambda: build_network(st, n))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # every solve factorises anew (the factor cache emptied, untimed)
                t_s, sol = best(lambda: solve(net, 1e-3), setup=_forget_factors)
            print(f"| {name} ({factor_for(net).method}) | {net.n_segments:,} | "
                  f"{net.n_nodes:,} | {t_b:.3f} | {t_s:.3f} | {sol.resistance:.12g} |",
                  flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
