"""Benchmark: a two-parameter CPP-GMR fit of a dozen points.

The problem of the README and of notebooks/06_cpp_gmr_fit.ipynb: A dR of the
Py(20 nm)/Cu(10 nm)/Py(t)/Cu(300 nm) pillar (netlists/py_cu_py.toml) at 12 thicknesses
t = 1..30 nm, synthetic data with 2 % Gaussian noise and given sigmas; free: the
spin-diffusion length and the bulk asymmetry of Py.  Two starts: the template's values,
and 30 % / 20 % away from them.  Each fit runs ``--repeats`` times; the table gives the
median wall time and process CPU time, the model evaluations (each = 12 rows x P and AP
network solves) and the cost of one row, then the pieces of a row: the stack reader, the
network build and the nodal solve, and the 12 rows solved together (batched).

    python benchmarks/bench_fit.py            # writes benchmarks/FIT.md
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "netlists" / "py_cu_py.toml"
LSF, BETA = "materials.Ni80Fe20.lsf", "materials.Ni80Fe20.beta"


def _timed(f, repeats):
    walls, cpus, out = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = f()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("-o", "--output", default=str(ROOT / "benchmarks" / "FIT.md"))
    args = parser.parse_args(argv)

    import tomllib

    import numpy as np

    import circuitspin as cs
    from circuitspin.fit import Model
    from circuitspin.gmr import gmr_of_mapping, gmr_of_mappings
    from circuitspin.sweep import set_param

    template = tomllib.loads(STACK.read_text())
    thick = np.linspace(1e-9, 30e-9, 12)
    adr = np.array([gmr_of_mapping(set_param(template, "layers.F2.thickness", t)).AdR
                    for t in thick])
    sigma = 0.02 * adr
    data = {"layers.F2.thickness": thick,
            "AdR": adr + sigma * np.random.default_rng(2026).normal(size=thick.size),
            "sigma_AdR": sigma}
    mat = cs.load_stack(STACK).layers[0].material

    rows = {"n": 0}
    original = Model.series_values

    def counting(self, theta, s, rows_=None):   # the rows of every model evaluation
        rows["n"] += s.x.size if rows_ is None else len(rows_)
        return original(self, theta, s, rows_)

    Model.series_values = counting
    results = []
    for label, free in (("template values", [LSF, BETA]),
                        ("30 % / 20 % away", [f"{LSF}={mat.lsf * 1.3}",
                                              f"{BETA}={mat.beta * 0.8}"])):
        cs.fit(template, data, free)  # warm-up (imports, caches)
        rows["n"] = 0
        wall, cpu, r = _timed(lambda: cs.fit(template, data, free), args.repeats)
        per_fit_rows = rows["n"] // args.repeats
        results.append((label, wall, cpu, per_fit_rows, r))
        print(f"{label}: wall {wall:.3f} s, cpu {cpu:.3f} s, {per_fit_rows // 12} model "
              f"evaluations, {1e3 * cpu / per_fit_rows:.2f} ms per row")
    Model.series_values = original

    stack = cs.load_stack(STACK)
    piece = {
        "stack reader (stack_from_dict)": lambda: cs.stack_from_dict(template),
        "build_network": lambda: cs.build_network(stack),
        "build_network + solve (check=False)": lambda: cs.solve(cs.build_network(stack),
                                                                 1.0, check=False),
        "one row: gmr of a stack mapping (P and AP)": lambda: gmr_of_mapping(template,
                                                                             check=False),
        "12 rows solved together (gmr_of_mappings, batched)":
            lambda: gmr_of_mappings(twelve),
    }
    twelve = [set_param(template, "layers.F2.thickness", t) for t in thick]
    pieces = []
    for name, f in piece.items():
        f()
        _, cpu, _ = _timed(lambda: [f() for _ in range(100)], 3)
        pieces.append((name, cpu / 100))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# CPP-GMR fit benchmark",
        "",
        f"`python benchmarks/bench_fit.py` on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
        f"{load:.1f} when it ran; median of {args.repeats} fits.",
        "",
        "Two parameters (lsf and beta of Py) from 12 points of A dR against the free "
        "layer's thickness (synthetic, 2 % noise, sigmas given):",
        "",
        "| start | wall (s) | CPU (s) | model evaluations | rows solved (P+AP) | "
        "CPU per row (ms) | lsf (nm) | beta |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, wall, cpu, n_rows, r in results:
        p = r.parameters
        lines.append(f"| {label} | {wall:.3f} | {cpu:.3f} | {n_rows // 12} | {n_rows} | "
                     f"{1e3 * cpu / n_rows:.2f} | {1e9 * p[LSF]['value']:.3f} +- "
                     f"{1e9 * p[LSF]['stderr']:.3f} | {p[BETA]['value']:.4f} +- "
                     f"{p[BETA]['stderr']:.4f} |")
    lines += ["", "Pieces of one row (CPU, median of 3 x 100 calls):", "",
              "| piece | ms |", "|---|---:|"]
    lines += [f"| {name} | {1e3 * t:.3f} |" for name, t in pieces]
    lines += ["", "The cost is the model evaluations (the optimizer's steps and its "
              "finite-difference Jacobian, plus the central-difference Jacobian at the "
              "optimum) times 12 rows, each a P and an AP stack: while the optimizer "
              "probes, the 12 rows' stacks are solved together by the batched solver "
              "(gmr_of_mappings); the evaluation at the optimum solves them one by one "
              "with the nodal solver's trust check."]
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
