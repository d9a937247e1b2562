"""``circuitspin fit``: stack parameters from measured CPP-GMR data, with uncertainties.

    circuitspin fit TEMPLATE.toml DATA.csv [DATA.csv ...] --free PATH[=START] [--free ...]
                    [--free-layer LAYER] [--current I] [--interval PATH] [--json]
                    [--plot FILE] [-o BEST.toml] [--segments N] [--max-evaluations N]

Several DATA files fit together, sharing the parameters.  The work is
:func:`circuitspin.fit.fit`; its module docstring gives the data format and the
uncertainty convention.
"""
from __future__ import annotations

import json


def register(sub) -> None:
    from .common import _current, _positive_int

    p = sub.add_parser("fit", help="fit stack parameters to CPP-GMR data (A*dR, R_P, MR, "
                                   "...) with standard errors")
    p.add_argument("template", help="stack file (TOML) with the fixed values and the "
                                    "starts of the free ones")
    p.add_argument("data", nargs="+", metavar="DATA.csv",
                   help="data: first column a stack path (e.g. layers.F2.thickness), then "
                        "observables AdR, AR_P, AR_AP, R_P, R_AP, MR, V_UD and optional "
                        "sigma_<name> columns; several files fit together")
    p.add_argument("--free", action="append", required=True, metavar="PATH[=START]",
                   help="a stack entry to fit (the --param paths of sweep), optionally "
                        "with its start value; repeat for more")
    p.add_argument("--free-layer", metavar="LAYER[,LAYER...]", default=None,
                   help="the layer(s) reversed in the AP state (default: the motor layer, "
                        "else the last ferromagnetic layer)")
    p.add_argument("--current", "-I", type=_current, default=None,
                   help="current for V_UD rows without a 'current' column, A")
    p.add_argument("--interval", metavar="PATH",
                   help="also give the profile-likelihood interval of this parameter")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE", help="save data vs fit with residuals")
    p.add_argument("-o", "--output", metavar="BEST.toml",
                   help="write the best-fit stack file")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--max-evaluations", type=_positive_int, default=None, metavar="N",
                   help="give up (exit 2) after N optimizer steps (model evaluations "
                        "outside the Jacobians; default: 100 x (parameters + 1))")
    p.set_defaults(func=cmd_fit)


def cmd_fit(args) -> int:
    from .common import stack_errors
    from ..fit import fit
    from ..netlist import write_text_atomic

    with stack_errors(args.template):
        result = fit(args.template, args.data, args.free, free_layer=args.free_layer,
                     current=args.current, interval=args.interval,
                     segments=args.segments, max_nfev=args.max_evaluations)
    written = []
    if args.output:
        written.append(str(write_text_atomic(result.to_toml(), args.output)))
    if args.plot:
        from ..plot import save_figure
        from ..plot.gmr import plot_fit

        written.append(str(save_figure(plot_fit(result), args.plot)))
    if args.json:
        out = result.to_dict()
        if args.output:
            out["best_stack"] = written[0]
        if args.plot:
            out["plot"] = written[-1]
        print(json.dumps(out, indent=2))
        return 0
    print(readable(result))
    if written:
        print("written: " + ", ".join(written))
    return 0


def readable(result) -> str:
    width = max(len(p) for p in result.paths)
    lines = [f"fit of {result.n_points} points ({', '.join(s.name for s in result.series)})"
             f" with {len(result.paths)} parameter(s), {result.nfev} model evaluations "
             "(Jacobians included)",
             f"chi2 {result.chi2:.6g}, dof {result.dof}, reduced chi2 "
             f"{result.reduced_chi2:.4g}  ("
             + ("absolute sigmas from the data" if result.absolute_sigma else
                "no sigmas: errors scaled by the reduced chi2") + ")"]
    for p, d in result.parameters.items():
        lines.append(f"  {p:<{width}}  {d['value']:.8g} +- {d['stderr']:.3g}")
    if len(result.paths) > 1:
        lines.append("correlation")
        for p, row in zip(result.paths, result.correlation):
            lines.append(f"  {p:<{width}}  " + " ".join(f"{c:+.3f}" for c in row))
    if result.interval is not None:
        iv = result.interval
        lines.append(f"profile interval of {iv.path} (chi2 + {iv.delta_chi2:.4g}): "
                     f"[{iv.lower:.6g}, {iv.upper:.6g}]")
    return "\n".join(lines)
