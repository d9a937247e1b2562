"""``circuitspin gmr``: CPP-GMR of a stack (R_P, R_AP, dR, A dR, MR).

    circuitspin gmr STACK [--free LAYER[,LAYER...]] [--segments N] [--method M] [--json]

P: every ferromagnet along the first; AP: the free layer(s) reversed (default: the
motor layer, else the last ferromagnet); R from source to ground with the motor open.
The work is :func:`circuitspin.gmr.gmr`.
"""
from __future__ import annotations

import json


def register(sub) -> None:
    from .common import _positive_int

    p = sub.add_parser("gmr", help="CPP-GMR: R_P, R_AP, dR, A*dR, MR of a stack")
    p.add_argument("stack", help="stack file (TOML)")
    p.add_argument("--free", metavar="LAYER[,LAYER...]", default=None,
                   help="the layer(s) (wires) reversed in the AP state (default: the motor "
                        "layer, else the last ferromagnetic layer)")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_gmr)


def cmd_gmr(args) -> int:
    from .common import stack_errors
    from ..gmr import gmr

    with stack_errors(args.stack):
        result = gmr(args.stack, args.free, segments=args.segments, method=args.method)
    f = result.to_dict()
    if args.json:
        print(json.dumps(f, indent=2))
        return 0
    print("\n".join([
        f"stack   {f['stack']}",
        f"free    {', '.join(f['free'])} (reversed in AP; P: every magnet "
        f"{f['reference']})",
        f"R_P     {f['R_P']:.10g} ohm",
        f"R_AP    {f['R_AP']:.10g} ohm",
        f"dR      {f['dR']:.10g} ohm",
        f"MR      {f['MR']:.6g}  (dR / R_P = {100 * f['MR']:.4g} %)",
        f"AR_P    {f['AR_P']:.10g} ohm m^2   (area {f['area']:.6g} m^2)",
        f"AR_AP   {f['AR_AP']:.10g} ohm m^2",
        f"AdR     {f['AdR']:.10g} ohm m^2",
    ]))
    return 0
