"""``circuitspin sweep``: a stack at many currents, one factorisation.

    circuitspin sweep STACK --current START:STOP:N [--segments N] [--method exact|ladder]
                      [--json] [-o OUT.csv] [--plot FILE]

Per current (A): the stack voltage, V_UD, delta_mu_bar, the magnon number n, the motor
current, the motor's electrical power and the part that goes to the magnons, and the cone
angle theta (when ``[motor] ms`` is given).  CSV on stdout by default (``-o`` writes a
file instead), or one JSON object with ``--json``; ``--plot`` saves V_UD(I) against V_th,
n(I), I_M(I), theta(I), the I-V curve and the power split.  ``START`` and ``STOP`` take
units (``0:2 mA:201``); a negative START needs ``--current=-1e-3:1e-3:201``.

The per-stack work is :func:`sweep_currents`, so that a parameter sweep (``--param
PATH=SPEC``) can call it once per stack and stack the results.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import sys

import numpy as np

#: CSV columns, in order (those a stack does not give are left out)
COLUMNS = ("current", "voltage", "V_UD", "delta_mu_bar_eV", "V_open", "magnons",
           "motor_current", "P_motor", "P_magnons", "theta_deg")
UNITS = {"current": "A", "voltage": "V", "V_UD": "V", "delta_mu_bar_eV": "eV",
         "V_open": "V", "magnons": "1", "motor_current": "A", "P_motor": "W",
         "P_magnons": "W", "theta_deg": "deg"}
MAX_POINTS = 10_000_000


def parse_current_range(text: str) -> np.ndarray:
    """``START:STOP:N`` -> N currents (A), linearly spaced; START/STOP may carry units."""
    from ..units import to_si

    parts = text.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"--current: expected START:STOP:N (e.g. 0:2e-3:201), got {text!r}")
    try:
        start, stop = to_si(parts[0], "A"), to_si(parts[1], "A")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--current: {exc}") from None
    try:
        count = int(parts[2])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--current: N must be a whole number, got {parts[2]!r}") from None
    if not 1 <= count <= MAX_POINTS:
        raise argparse.ArgumentTypeError(f"--current: N must be in 1..{MAX_POINTS}, "
                                         f"got {count}")
    return np.linspace(start, stop, count)


def register(sub) -> None:
    from ..cli import _positive_int

    p = sub.add_parser("sweep", help="sweep the current: I-V, V_UD, magnons, cone angle "
                                     "(one factorisation)")
    p.add_argument("stack", help="stack file (TOML)")
    p.add_argument("--current", "-I", type=parse_current_range, required=True,
                   metavar="START:STOP:N",
                   help="currents, A: N values from START to STOP (units allowed: "
                        "'0:2 mA:201'; a negative START needs '=': --current=-1e-3:1e-3:201)")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write the CSV to this file")
    p.add_argument("--plot", metavar="FILE", help="save the sweep plot (.png, .svg, .pdf)")
    p.set_defaults(func=cmd_sweep)


def sweep_currents(stack, currents, segments=None, method=None) -> dict:
    """One stack at every current (A): dict of arrays and scalars (SI units).

    See :func:`circuitspin.solvers.motor_newton.sweep_network` for the keys; adds
    ``stack``, ``title``, ``segments`` and ``method``.
    """
    from ..network import build_network
    from ..solvers.motor_newton import sweep_network

    network = build_network(stack, segments, method)
    out = sweep_network(network, currents)
    out.update(stack=stack.source, title=stack.title, segments=network.n_segments,
               method=network.method)
    return out


def columns(result: dict) -> list[str]:
    """The per-current columns ``result`` holds (all-NaN ones left out)."""
    return [c for c in COLUMNS if c in result and not np.all(np.isnan(result[c]))]


def csv_text(result: dict) -> str:
    """The sweep as CSV: a header of ``name (unit)``, then one row per current."""
    cols = columns(result)
    buf = io.StringIO()
    buf.write(",".join(f"{c} ({UNITS[c]})" for c in cols) + "\n")
    data = np.column_stack([result[c] for c in cols])
    np.savetxt(buf, data, delimiter=",", fmt="%.17g")
    return buf.getvalue().replace("nan", "")


def _scalar(v):
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def json_object(result: dict) -> dict:
    """The sweep as one JSON-ready object: scalars, then ``data`` (column -> list)."""
    cols = columns(result)
    out = {k: _scalar(v) for k, v in result.items() if not isinstance(v, np.ndarray)}
    out["units"] = {c: UNITS[c] for c in cols}
    out["data"] = {c: [None if not math.isfinite(x) else x for x in result[c].tolist()]
                   for c in cols}
    return out


def cmd_sweep(args) -> int:
    from ..netlist import write_text_atomic
    from ..stack import load_stack

    stack = load_stack(args.stack)
    result = sweep_currents(stack, args.current, args.segments, args.method)
    if args.plot:
        from ..plot import save_figure
        from ..plot_motor import plot_motor_sweep

        result["plot"] = str(save_figure(plot_motor_sweep(result), args.plot))
    if args.output:
        result["csv"] = str(write_text_atomic(csv_text(result), args.output))
    if args.json:
        print(json.dumps(json_object(result)))
    elif not args.output:
        sys.stdout.write(csv_text(result))
    else:
        th = result.get("threshold_current")
        th_text = "" if th is None or not math.isfinite(th) else \
            f"; threshold current {th:.6g} A (V_th {result['V_th']:.6g} V)"
        print(f"sweep of {result['current'].size} currents written to {result['csv']}"
              f"{th_text}" + (f"; plot {result['plot']}" if "plot" in result else ""))
    return 0
