"""Command line: ``circuitspin solve|plot|materials ...`` (docs/commands.md).

Bad input of any kind ends in one line on stderr, ``circuitspin: error: ...``, and exit
status 2, never a traceback; an error found while building or solving a stack's network
names the stack file.  A result that cannot be trusted to the usual accuracy gives one
line ``circuitspin: warning: ...`` (a :class:`~circuitspin.errors.CircuitSpinWarning`)
and the answer.  Heavy modules are imported inside the commands so that the command line
starts fast.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import warnings

from .commands import (compare_thresholds, dynamics, fermi, fit, gmr, netlist, schematic,
                       sweep, threshold)
from .commands.common import (NGSPICE_TIMEOUT, _positive_float, add_network_options,
                              printable, solve_from_args)
from .errors import CircuitSpinError

#: the command modules beyond solve, plot and materials, each with ``register(sub)``
COMMANDS = (compare_thresholds, dynamics, fermi, fit, gmr, netlist, schematic, sweep,
            threshold)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage first otherwise)
        self.exit(2, f"circuitspin: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command (``only="solve"``, ``"plot"`` or ``"materials"``: of
    that command alone, what a run of it needs)."""
    parser = _Parser(prog="circuitspin",
                     description="Magnetic multilayers as Berger's two-band circuit.")
    from ._version import __version__

    parser.add_argument("--version", action="version", version=f"circuitspin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    if only in (None, "solve"):
        _add_solve(sub)
    if only in (None, "plot"):
        p = sub.add_parser("plot", help="profile plot of a solved stack")
        add_network_options(p)
        p.add_argument("-o", "--output", required=True,
                       help="output file (.png, .svg, .pdf)")
        p.set_defaults(func=cmd_plot)
    if only in (None, "materials"):
        p = sub.add_parser("materials", help="list the built-in materials and interfaces")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_materials)
    if only is None:
        for module in COMMANDS:
            module.register(sub)
    return parser


def _add_solve(sub) -> None:
    p = sub.add_parser("solve", help="solve a stack: bridge output V_UD, delta_mu_bar, R")
    add_network_options(p)
    p.add_argument("--backend", choices=("nodal", "ngspice"), default="nodal")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--compare", action="store_true",
                   help="add the analytic diffusion solution and the relative errors")
    p.add_argument("--plot", metavar="FILE", help="also save the profile plot to FILE")
    p.add_argument("--profile", metavar="OUT.csv",
                   help="also write the profile along x to this CSV file (x, layer, "
                        "V_up, V_dn, Delta, I_up, I_dn; units in the header)")
    p.add_argument("--timeout", type=_positive_float, default=NGSPICE_TIMEOUT,
                   metavar="SECONDS", help="--backend ngspice: kill an `ngspice -b` run "
                   f"after this many seconds (default {NGSPICE_TIMEOUT:g})")
    p.set_defaults(func=cmd_solve)


def _compare_fields(sol) -> dict:
    from .diffusion import solve_diffusion

    if sol.network.collinear:
        ref = solve_diffusion(sol.network.stack, sol.current)
    else:  # the charge + spin-vector closed form
        import numpy as np

        from .diffusion_vector import solve_noncollinear

        ref = solve_noncollinear(sol.network.stack, sol.current)
        tau, tau_ref = sol.torque(), ref.torque()
        scale = max(float(np.linalg.norm(v)) for v in tau_ref.values())
        err = max(float(np.linalg.norm(np.subtract(tau[k], tau_ref[k]))) for k in tau_ref)
        out = {"diffusion_torque": tau_ref,
               "rel_error_torque": err / scale if scale else err}
    out = {"diffusion_V_UD": ref.V_UD, "diffusion_resistance": ref.resistance,
           **({} if sol.network.collinear else out)}
    if ref.V_UD:
        out["rel_error_V_UD"] = abs(sol.V_UD - ref.V_UD) / abs(ref.V_UD)
    if sol.current:
        out["rel_error_resistance"] = abs(sol.resistance - ref.resistance) / ref.resistance
    return out


def _json_safe(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in d.items()}


def cmd_solve(args) -> int:
    sol = solve_from_args(args)
    fields = sol.to_dict()
    from .torque import torque_fields

    fields.update(torque_fields(sol))
    if sol.network.u is not None:  # the bridge seen by the motor (issue 5)
        from .solvers.motor_newton import bridge_thevenin

        thevenin = bridge_thevenin(sol.network)
        fields.update(bridge_gain=thevenin.gain, bridge_resistance=thevenin.resistance)
    if args.compare:
        fields.update(_compare_fields(sol))
    if args.plot:
        from .plot import plot_profile, save_figure

        fields["plot"] = str(save_figure(plot_profile(sol), args.plot))
    if args.profile:
        from .safe_io import write_text

        fields["profile"] = str(write_text(sol.profile_csv(), args.profile,
                                           encoding="utf-8"))
    if args.json:
        print(json.dumps(_json_safe(fields), indent=2))
        return 0
    print(_readable(fields, sol))
    return 0


def _readable(f: dict, sol) -> str:
    net = sol.network
    lines = [
        f"stack          {printable(f['stack'])}  ({printable(f['title'])})",
        f"network        {f['method']}, {f['segments']} segments, {f['nodes']} nodes, "
        f"{f['edges']} edges; backend {f['backend']}",
        f"current        {f['current']:.6g} A",
        f"voltage        {f['voltage']:.10g} V",
        f"resistance     {f['resistance']:.10g} ohm",
    ]
    if net.u is None:
        lines.append("V_UD           - (no [motor] table: no U-D points)")
    else:
        motor = net.stack.motor
        lines += [
            f"V_UD           {f['V_UD']:.10g} V   (bridge output at {motor.layer!r}, "
            f"in its own frame)",
            f"delta_mu_bar   {f['delta_mu_bar_eV']:.10g} eV",
            f"motor          EMF {motor.emf:.6g} V, magnons {f['magnons']:g}, "
            f"I_M {f['motor_current']:.6g} A (U->D)"
            + ("  [steady: n self-consistent]" if motor.mode == "steady"
               else "" if f["magnons"] else "  [open branch]"),
            f"bridge         gain {f['bridge_gain']:.10g} V/A, resistance seen by the "
            f"motor {f['bridge_resistance']:.10g} ohm",
        ]
        if "V_th" in f:
            lines.append(f"threshold      V_th {f['V_th']:.6g} V; motor power "
                         f"{f['motor_power']:.4g} W, to magnons {f['magnon_power']:.4g} W"
                         + (f"; cone angle {f['theta_deg']:.4g} deg"
                            if f.get("theta_deg") is not None else ""))
    acc = f.get("spin_accumulation") or {}
    # every stack gives "torque" (zero vectors when collinear); only a non-collinear one
    # has "torque_parts" and is printed as vectors
    if acc and "left" in next(iter(acc.values())) and "torque_parts" not in f:
        lines.append("spin accum.    V_up - V_dn (lab frame) at each interface, left | right:")
        lines += [f"  {k:14} {a['left'][2]:.6g} V | {a['right'][2]:.6g} V"
                  for k, a in acc.items()]
    elif acc and "left" in next(iter(acc.values())):   # non-collinear: vectors

        def vec(v, unit):
            return "[" + ", ".join(f"{c:.6g}" for c in v) + f"] {unit}"

        lines.append("spin accum.    vector (V, lab frame) at each interface, left | right:")
        lines += [f"  {k:14} {vec(a['left'], 'V')} | {vec(a['right'], 'V')}"
                  for k, a in acc.items()]
        lines.append("torque         spin-transfer torque on each magnet (lab frame), "
                     "damping-like / field-like relative to the other magnet:")
        parts = f.get("torque_parts", {})
        for k, t in f["torque"].items():
            p = parts.get(k, {})
            lines.append(f"  {k:14} {vec(t, 'N m')}; DL {p.get('damping_like', 0.0):.6g}, "
                         f"FL {p.get('field_like', 0.0):.6g} N m (vs {p.get('reference')})")
    if "torque_per_sin_theta" in f:
        lines.append(f"torque on F2   {f['torque_per_sin_theta']:.6g} J/m^2 x sin(theta) "
                     f"(Eq. 12 x delta_mu_bar; {f['torque_total_per_sin_theta']:.6g} N m)")
    if "terminal_voltages" in f:  # branched geometries (circuitspin.geometry)
        lines.append("terminals      " + ", ".join(f"{k} {v:.10g} V" for k, v
                                                   in f["terminal_voltages"].items()))
    lines.append(f"KCL residual   {f['kcl_residual']:.2g} (backward error)")
    if "diffusion_V_UD" in f:
        lines.append(f"diffusion      V_UD {f['diffusion_V_UD']:.10g} V, R "
                     f"{f['diffusion_resistance']:.10g} ohm; rel. error V_UD "
                     f"{f.get('rel_error_V_UD', float('nan')):.2e}, R "
                     f"{f.get('rel_error_resistance', float('nan')):.2e}"
                     + (f", torque {f['rel_error_torque']:.2e}" if "rel_error_torque" in f
                        else ""))
    if "plot" in f:
        lines.append(f"profile plot   {f['plot']}")
    if "profile" in f:
        lines.append(f"profile CSV    {f['profile']}")
    return "\n".join(lines)


def cmd_plot(args) -> int:
    from .plot import plot_profile, save_figure

    sol = solve_from_args(args)
    path = save_figure(plot_profile(sol), args.output)
    print(f"profile plot written to {path}")
    return 0


def cmd_materials(args) -> int:
    from .materials import BUILTIN_INTERFACES, BUILTIN_MATERIALS

    if args.json:
        print(json.dumps({"materials": BUILTIN_MATERIALS,
                          "interfaces": {"/".join(k): v for k, v in BUILTIN_INTERFACES.items()}},
                         indent=2))
        return 0
    print(f"{'material':10} {'rho (ohm m)':>12} {'beta':>6} {'lsf (m)':>10}  source")
    for name, m in BUILTIN_MATERIALS.items():
        print(f"{name:10} {m['rho']:12.3g} {m['beta']:6.2f} {m['lsf']:10.3g}  {m.get('source', '')}")
    print(f"\n{'interface':14} {'AR* (ohm m2)':>12} {'gamma':>6} {'delta':>6}  source")
    for (a, b), i in BUILTIN_INTERFACES.items():
        print(f"{a + '/' + b:14} {i['ar']:12.3g} {i['gamma']:6.2f} {i.get('delta', 0.0):6.2f}  "
              f"{i.get('source', '')}")
    return 0


def _one_line(text) -> str:
    return printable(" ".join(str(text).split()))


def _warning_printer():
    """A ``warnings.showwarning`` that prints each distinct warning once, on one line."""
    from .errors import CircuitSpinWarning

    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = _one_line(message)
        if not issubclass(category, CircuitSpinWarning):
            text = f"{category.__name__}: {text}"
        if text not in seen:
            seen.add(text)
            print(f"circuitspin: warning: {text}", file=sys.stderr)

    return show


def main(argv=None) -> int:
    """Run the command line; returns the exit status (see the module docstring).

    SIGTERM and SIGHUP end a run like Ctrl-C (temporary files removed, child processes
    and worker pools killed; exit status 128 + the signal's number)."""
    from .processes import raising_signals

    with raising_signals():
        try:
            status = _main(argv)
        except KeyboardInterrupt as exc:  # before the command started, or Terminated
            status = _interrupted(exc)
    _exit_if_ngspice_busy(status)
    return status


def _interrupted(exc) -> int:
    from .errors import Terminated

    if isinstance(exc, Terminated):
        print("circuitspin: terminated", file=sys.stderr)
        return 128 + exc.signum
    print("circuitspin: interrupted", file=sys.stderr)
    return 130


def _exit_if_ngspice_busy(status: int) -> None:
    """A shared-library ngspice run abandoned still running (timeout, Ctrl-C) is a native
    thread that calls back into Python: end the process now rather than finalise Python
    under it."""
    spice = sys.modules.get("circuitspin.solvers.spice")
    if spice is not None and spice.abandoned_run():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # a built-in command's parser alone (the others' options are not needed to run it)
    only = argv[0] if argv and argv[0] in ("solve", "plot", "materials") else None
    args = build_parser(only).parse_args(argv)
    import numpy as np

    # Floating-point overflow inside numpy is not reported as numpy's multi-line
    # RuntimeWarning: the solvers check every conductance and potential for finiteness
    # and raise or warn in one line themselves.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore",
                                                divide="ignore", under="ignore"):
        from .errors import CircuitSpinWarning

        warnings.simplefilter("always", CircuitSpinWarning)
        warnings.showwarning = _warning_printer()
        from . import network

        limit = network.MAX_SEGMENTS
        try:
            if getattr(args, "segment_limit", None) is not None:
                network.MAX_SEGMENTS = args.segment_limit
            return args.func(args)
        except CircuitSpinError as exc:
            print(f"circuitspin: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as exc:
            return _interrupted(exc)
        except BrokenPipeError:
            return 0
        except MemoryError:
            print("circuitspin: error: out of memory (the network is too large for this "
                  "machine: use fewer --segments)", file=sys.stderr)
            return 2
        except RecursionError:
            print("circuitspin: error: input nested too deeply", file=sys.stderr)
            return 2
        except OSError as exc:  # an output file that cannot be written, a full disk...
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"circuitspin: error: {where}{_one_line(exc.strerror or exc)}",
                  file=sys.stderr)
            return 2
        finally:
            network.MAX_SEGMENTS = limit


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
