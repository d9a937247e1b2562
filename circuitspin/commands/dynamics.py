"""``circuitspin dynamics``: the free layer as a macrospin driven by the circuit's torque.

    circuitspin dynamics STACK --current I --duration T [--tilt DEG] [--json]
                        [--plot FILE] [--csv FILE] [--thermal] [--seed N] [--step S]

Integrates the Landau-Lifshitz-Gilbert equation of the ``[dynamics]`` layer
(:mod:`circuitspin.dynamics`) for ``T`` seconds from its initial magnetization turned by
``--tilt`` degrees.  JSON: ``time`` (s), ``m_final``, ``switched`` (m_final . m_initial < 0,
m_initial the layer's initial magnetization), ``frequency`` (Hz, dominant precession
frequency over the last half; 0 when static), ``max_cone_angle`` (deg, from the initial
magnetization), and ``kittel_frequency`` (Hz, small-angle precession about the initial
magnetization without current).  ``--csv`` writes m(t), ``--plot`` m(t) and the
trajectory on the sphere.  ``--thermal`` adds thermal noise at the stack's temperature.
"""
from __future__ import annotations

import argparse
import json
import math


def _duration(text: str) -> float:
    from ..units import to_si

    try:
        value = to_si(text, "s")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--duration: {exc}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"--duration: must be a time > 0, got {text!r}")
    return value


def _step(text: str) -> float:
    try:
        return _duration(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("--duration", "--step")) from None


def _degrees(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--tilt: expected degrees, got {text!r}") from None
    if not (math.isfinite(value) and 0 <= value <= 180):
        raise argparse.ArgumentTypeError(f"--tilt: must be in 0..180 degrees, got {text!r}")
    return value


def _seed(text: str) -> int:
    from .common import _positive_int

    return _positive_int(text)


def register(sub) -> None:
    from .common import _current, _positive_int, add_segment_limit

    p = sub.add_parser("dynamics", help="macrospin of the [dynamics] layer driven by the "
                                        "circuit's spin-transfer torque")
    p.add_argument("stack", help="stack file (TOML) with a [dynamics] table")
    p.add_argument("--current", "-I", type=_current, required=True,
                   help="current into the first layer, A (or with units: '1 mA')")
    p.add_argument("--duration", "-T", type=_duration, required=True,
                   help="simulated time, s (or with units: '5 ns')")
    p.add_argument("--tilt", type=_degrees, default=0.0, metavar="DEG",
                   help="start m this many degrees off its initial direction (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="FILE", help="save m(t) and the trajectory on the "
                                                   "sphere to FILE (.png, .svg, .pdf)")
    p.add_argument("--csv", metavar="FILE", help="write m(t) to FILE: t_s,mx,my,mz")
    p.add_argument("--thermal", action="store_true",
                   help="thermal noise at the stack's temperature (stochastic LLG, Heun)")
    p.add_argument("--seed", type=_seed, default=None, help="--thermal: random seed")
    p.add_argument("--step", type=_step, default=None,
                   help="--thermal: fixed time step, s (default 1/50 of the fastest "
                        "precession period)")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None)
    add_segment_limit(p)
    p.set_defaults(func=cmd_dynamics)


def csv_text(traj) -> str:
    """m(t) as CSV: a header line and one row per stored time."""
    rows = ["t_s,mx,my,mz"]
    rows += [f"{t:.12g},{m[0]:.12g},{m[1]:.12g},{m[2]:.12g}" for t, m in zip(traj.t, traj.m)]
    return "\n".join(rows) + "\n"


def run(args) -> tuple[dict, object]:
    """The JSON fields and the trajectory of one ``dynamics`` command."""
    from ..dynamics import kittel_frequency, macrospin_of, simulate
    from ..reader import load_stack
    from .common import stack_errors

    stack = load_stack(args.stack)
    with stack_errors(args.stack):
        traj = simulate(args.stack, args.current, args.duration, tilt=args.tilt,
                        temperature="stack" if args.thermal else None, step=args.step,
                        seed=args.seed, segments=args.segments, method=args.method)
    magnet = macrospin_of(stack)
    fields = {"stack": str(args.stack), "layer": stack.dynamics.layer,
              "current": args.current, "duration": args.duration, "tilt": args.tilt}
    fields.update(traj.to_dict())
    axis = [float(x) for x in magnet.axis]
    fields["m_initial"] = axis  # the layer's initial magnetization (switched is against it)
    fields["m_start"] = [float(x) for x in traj.m_initial]
    fields["kittel_frequency"] = (kittel_frequency(magnet)
                                  if abs(axis[0]) < 1e-12 else None)
    fields["samples"] = int(len(traj.t))
    fields["thermal"] = bool(args.thermal)
    if args.thermal:
        fields["temperature"] = stack.temperature
    return fields, traj


def cmd_dynamics(args) -> int:
    fields, traj = run(args)
    if args.csv:
        from ..netlist import write_text_atomic

        fields["csv"] = str(write_text_atomic(csv_text(traj), args.csv))
    if args.plot:
        from ..plot import save_figure
        from ..plot.dynamics import plot_trajectory

        title = f"{fields['layer']}: I = {args.current:.4g} A, {args.duration * 1e9:.4g} ns"
        fields["plot"] = str(save_figure(plot_trajectory(traj, title=title), args.plot))
    if args.json:
        print(json.dumps(fields, indent=2))
        return 0
    print(_readable(fields))
    return 0


def _readable(f: dict) -> str:
    from .common import printable

    fmt = lambda v: "[" + ", ".join(f"{x:.6f}" for x in v) + "]"  # noqa: E731
    lines = [
        f"stack            {printable(f['stack'])}, layer {printable(f['layer'])!r}",
        f"current          {f['current']:.6g} A over {f['time']:.6g} s, tilt "
        f"{f['tilt']:g} deg" + (f", thermal at {f['temperature']:g} K" if f["thermal"] else ""),
        f"m_initial        {fmt(f['m_initial'])}",
        f"m_final          {fmt(f['m_final'])}   switched: {'yes' if f['switched'] else 'no'}",
        f"frequency        {f['frequency']:.9g} Hz  (last half; 0 = static)",
        f"max cone angle   {f['max_cone_angle']:.6g} deg",
    ]
    if f["kittel_frequency"] is not None:
        lines.append(f"Kittel           {f['kittel_frequency']:.9g} Hz (small-angle, I = 0)")
    for key, what in (("csv", "m(t) CSV"), ("plot", "plot")):
        if key in f:
            lines.append(f"{what:16} {f[key]}")
    return "\n".join(lines)
