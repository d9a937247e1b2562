"""``circuitspin compare-thresholds``: threshold currents of several devices, one plot.

    circuitspin compare-thresholds STACK [STACK ...] [--segments N] [-o PLOT] [--json]

For each stack (straight, flared or branched) the threshold current is
``I_th = V_th / k``: ``V_th = h f (1 + alpha / delta_alpha) / e`` from its [motor]
table (alpha -> 0 when not given) and ``k`` the open-circuit V_UD per ampere
(:mod:`circuitspin.devices`).  ``-o`` writes the bar chart (.png, .svg, .pdf).
"""
from __future__ import annotations

import json


def register(sub) -> None:
    from .common import _positive_int

    p = sub.add_parser("compare-thresholds",
                       help="threshold currents of several devices, with a bar chart")
    p.add_argument("stacks", nargs="+", metavar="STACK", help="stack files (TOML) with [motor]")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="ladder segments per layer (default: exact segments)")
    p.add_argument("-o", "--output", default=None, help="save the bar chart to this file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    from ..devices import compare_thresholds

    results = compare_thresholds(args.stacks, segments=args.segments)
    plot = None
    if args.output:
        from ..plot.devices import plot_threshold_comparison
        from ..plot import save_figure

        plot = str(save_figure(plot_threshold_comparison(results), args.output))
    if args.json:
        print(json.dumps({"devices": [
            {"name": r.name, "title": r.title, "stack": s, "bridge_gain": r.bridge_gain,
             "V_th": r.V_th, "threshold_current": r.I_th,
             "motor_layer": r.motor_layer, "motor_wire_current": r.motor_wire_current}
            for s, r in zip(args.stacks, results)], "plot": plot}, indent=2))
        return 0
    print(f"{'device':28} {'k = V_UD/I (V/A)':>17} {'V_th (V)':>11} {'I_th (mA)':>10} "
          f"{'I(U-D layer)/I':>15}")
    for r in results:
        print(f"{r.name[:28]:28} {r.bridge_gain:17.6g} {r.V_th:11.5g} {r.I_th * 1e3:10.5g} "
              f"{r.motor_wire_current:15.3g}")
    if plot:
        print(f"bar chart written to {plot}")
    return 0
