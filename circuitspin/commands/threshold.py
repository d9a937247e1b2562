"""``circuitspin threshold``: the current where precession starts.

    circuitspin threshold STACK [--segments N] [--method exact|ladder] [--json]

The threshold is where the open-circuit bridge output reaches
``V_th = h f (1 + alpha / delta_alpha) / e``: ``I_th = V_th / bridge_gain`` (A), with the
bridge gain (V/A) and the output resistance seen by the motor (ohm) from one
factorisation of the network without its motor.  Works for a linear or a steady motor;
without ``alpha`` in ``[motor]`` it takes alpha -> 0, the paper's
``delta_mu_bar + hbar omega = 0``, and says so.  For a steady motor it also gives the
self-consistent magnon number and V_UD at I_th: there the motor already draws the
thermal/spontaneous current I_M = e (n - n_T) / tau0, so V_UD sits below V_th by
``bridge_resistance * I_M`` (the thermal correction to the clamp).
"""
from __future__ import annotations

import json
import math


def register(sub) -> None:
    from .common import _positive_int

    p = sub.add_parser("threshold", help="threshold current of the spin-wave motor "
                                         "(open-circuit V_UD = V_th)")
    p.add_argument("stack", help="stack file (TOML) with a [motor] table")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_threshold)


def _readable(f: dict) -> str:
    from .common import printable

    dens = f["threshold_current_density"]
    lines = [
        f"stack              {printable(f['stack'])}  ({printable(f['title'])})",
        f"motor              layer {f['motor_layer']!r}, mode {f['mode']}, "
        f"f {f['frequency']:.6g} Hz, delta_alpha {f['delta_alpha']:g}, alpha "
        f"{f['alpha']:g}{'' if f['alpha_given'] else ' (not given: alpha -> 0)'}",
        f"V_th               {f['V_th']:.10g} V   (h f/e = {f['emf']:.6g} V, "
        "times 1 + alpha/delta_alpha)",
        f"bridge_gain        {f['bridge_gain']:.10g} V/A   (open-circuit V_UD per ampere)",
        f"bridge_resistance  {f['bridge_resistance']:.10g} ohm (seen by the motor at U-D)",
        f"threshold current  {f['threshold_current']:.10g} A",
        "current density    " + (f"{dens:.6g} A/m^2" if dens is not None else "-"),
    ]
    if "magnons_at_threshold" in f:
        lines.append(f"at threshold       n = {f['magnons_at_threshold']:.6g} (n_T "
                     f"{f['n_thermal']:.4g}), V_UD = {f['V_UD_at_threshold']:.10g} V, "
                     f"I_M = {f['motor_current_at_threshold']:.4g} A")
    if f["note"]:
        lines.append(f"note               {f['note']}")
    return "\n".join(lines)


def cmd_threshold(args) -> int:
    from ..devices import threshold_fields
    from ..network import build_network
    from ..reader import load_stack
    from .common import stack_errors

    stack = load_stack(args.stack)
    with stack_errors(args.stack):
        network = build_network(stack, args.segments, args.method)
        fields = threshold_fields(network)
    if args.json:
        print(json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                          for k, v in fields.items()}, indent=2))
    else:
        print(_readable(fields))
    return 0
