"""Speed of the macrospin driven by the circuit's torque: one torque evaluation of the
reduced circuit against building and solving the network at m, and whole runs.

    python benchmarks/bench_dynamics.py        # writes benchmarks/DYNAMICS.md

CPU time (time.process_time), median of 3 repetitions.
"""
from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from circuitspin import build_network, solve
from circuitspin.dynamics import circuit_model, simulate
from circuitspin.dynamics_circuit import with_direction
from circuitspin.reader import read_stack_data, stack_from_dict

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "netlists" / "berger_pillar_dynamics.toml"


def cpu(fn, n=1, reps=3):
    out = []
    for _ in range(reps):
        t0 = time.process_time()
        for _ in range(n):
            fn()
        out.append((time.process_time() - t0) / n)
    return statistics.median(out)


def main():
    data = read_stack_data(PATH)
    stack = stack_from_dict(data, source=str(PATH))
    t_model = cpu(lambda: circuit_model(stack, data), reps=3)
    model = circuit_model(stack, data)
    m = np.array([0.3, 0.4, np.sqrt(1 - 0.25)])
    t_fast = cpu(lambda: model.per_ampere(m), n=200)
    st_m = with_direction(model.stack, model.index, m)
    t_full = cpu(lambda: solve(build_network(st_m), 1.0).torque("F2"), n=20)
    full = np.array(solve(build_network(st_m), 1.0).torque("F2"))
    err = float(np.max(np.abs(model.per_ampere(m) - full)) / np.max(np.abs(full)))
    runs = []
    for current, duration, what in ((0.0, 5e-9, "free ringdown (no circuit)"),
                                    (10e-3, 5e-9, "switching at 10 mA"),
                                    (-10e-3, 5e-9, "held at -10 mA")):
        t = cpu(lambda: simulate(PATH, current, duration, tilt=2.0, model=model), reps=1)
        tr = simulate(PATH, current, duration, tilt=2.0, model=model)
        runs.append((what, duration, t, len(tr.t), tr.switched))
    lines = [
        "# Macrospin dynamics benchmark", "",
        f"`python benchmarks/bench_dynamics.py` on {platform.machine()}, {os.cpu_count()} "
        f"CPUs, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} when it ran; CPU time, median of 3.", "",
        f"The pillar `netlists/berger_pillar_dynamics.toml` ({model.ports.size} port nodes "
        "kept by the reduction).", "",
        "| piece | CPU |", "|---|---:|",
        f"| reducing the circuit once (CircuitTorque: 26 builds, fit, check) | {t_model:.3f} s |",
        f"| one torque, reduced circuit | {t_fast * 1e6:.0f} us |",
        f"| one torque, build_network + solve at m | {t_full * 1e3:.2f} ms |", "",
        f"Speed-up {t_full / t_fast:.0f}x; the two agree to {err:.1e} (relative).", "",
        "| run | simulated | CPU (s) | samples | switched |", "|---|---:|---:|---:|---|",
    ] + [f"| {w} | {d * 1e9:g} ns | {t:.2f} | {n} | {s} |" for w, d, t, n, s in runs]
    out = ROOT / "benchmarks" / "DYNAMICS.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
