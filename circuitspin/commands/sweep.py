"""``circuitspin sweep``: a stack at many currents, one factorisation; or a grid of stacks.

    circuitspin sweep STACK --current START:STOP:N [--segments N] [--method exact|ladder]
                      [--json] [-o OUT.csv] [--plot FILE]
    circuitspin sweep STACK --param PATH=SPEC [--param ...] --current START:STOP:N
                      [--workers N | --scheduler tcp://HOST:PORT] [--quiet]
                      [-o OUT.csv] [--netcdf OUT.nc] [--plot FILE] [--json]
    circuitspin sweep STACK --param PATH=SPEC [--param ...] --gmr [--free LAYER]
                      [--current START:STOP:N] [...]

``--gmr`` adds the CPP-GMR of every stack of the grid (R_P, R_AP, dR, AdR, MR, AR_P,
AR_AP; :func:`circuitspin.gmr`); ``--current`` is then optional, and ``--plot`` draws
A dR and MR against the swept parameter.

Per current (A): the stack voltage, V_UD, delta_mu_bar, the magnon number n, the motor
current, the motor's electrical power and the part that goes to the magnons, and the cone
angle theta (when ``[motor] ms`` is given).  CSV on stdout by default (``-o`` writes a
file instead), or one JSON object with ``--json``; ``--plot`` saves V_UD(I) against V_th,
n(I), I_M(I), theta(I), the I-V curve and the power split.  ``START`` and ``STOP`` take
units (``0:2 mA:201``); a negative START needs ``--current=-1e-3:1e-3:201``.

The per-stack work is :func:`circuitspin.devices.sweep_currents`, so that a parameter
sweep (``--param PATH=SPEC``) can call it once per stack and stack the results.
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


def parse_current_range(text: str) -> np.ndarray:
    """``START:STOP:N`` -> N currents (A), linearly spaced; also ``log:START:STOP:N``, a
    list ``a,b,c`` or one value.  Every number may carry units (``0:2 mA:201``,
    ``"1 mA"``)."""
    from ..errors import StackError
    from ..sweep import parse_values

    try:
        return parse_values(text, "--current", "A")
    except StackError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub) -> None:
    from .common import _positive_int, add_segment_limit

    p = sub.add_parser("sweep", help="sweep the current: I-V, V_UD, magnons, cone angle "
                                     "(one factorisation)")
    p.add_argument("stack", help="stack file (TOML)")
    p.add_argument("--current", "-I", type=parse_current_range, default=None,
                   metavar="START:STOP:N",
                   help="currents, A: N values from START to STOP, log:START:STOP:N, a "
                        "list a,b,c or one value (units allowed: '0:2 mA:201', '1 mA'; a "
                        "negative START needs '=': --current=-1e-3:1e-3:201)")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: exact segments)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None)
    add_segment_limit(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write the CSV to this file")
    p.add_argument("--plot", metavar="FILE", help="save the sweep plot (.png, .svg, .pdf)")
    g = p.add_argument_group("parameter sweeps (a grid of stacks)")
    g.add_argument("--param", action="append", default=[], metavar="PATH=SPEC",
                   help="vary a stack entry: PATH is area, temperature, "
                        "layers.NAME.KEY, materials.NAME.KEY, interfaces.A/B.KEY or "
                        "motor.KEY; SPEC is START:STOP:N, log:START:STOP:N or a,b,c (SI). "
                        "Repeat for a cartesian grid")
    g.add_argument("--workers", type=_positive_int, default=None,
                   help="local processes (default: this process, or one per CPU when the "
                        "first batch says the rest would take 2 s or more; 1 = serial)")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on this Dask distributed scheduler instead")
    g.add_argument("--netcdf", metavar="OUT.nc", help="write the xarray Dataset (netCDF)")
    g.add_argument("--per-layer", action="store_true",
                   help="add to the netCDF Dataset the spin accumulation and spin current "
                        "at every interface and the torque on every magnet, labelled by "
                        "layer names (needs --netcdf and --current)")
    g.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    g.add_argument("--max-points", type=_positive_int, default=None, metavar="N",
                   help="refuse a grid of more than N stacks x currents (default "
                        "10,000,000)")
    g.add_argument("--gmr", action="store_true",
                   help="add R_P, R_AP, dR, AdR, MR, AR_P, AR_AP of every stack (then "
                        "--current is optional)")
    g.add_argument("--free", metavar="LAYER[,LAYER...]", default=None,
                   help="--gmr: the layer(s) reversed in AP (default: the motor layer, "
                        "else the last ferromagnet)")
    p.set_defaults(func=cmd_sweep)


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
    from ..devices import sweep_currents
    from ..errors import StackError
    from ..netlist import write_text_atomic
    from ..reader import load_stack

    stack = load_stack(args.stack)
    if (args.gmr or args.free) and not args.param:
        raise StackError("--gmr: use with --param (for one stack: circuitspin gmr STACK)")
    if args.free and not args.gmr:
        raise StackError("--free: only with --gmr")
    if args.per_layer and not (args.param and args.netcdf and args.current is not None):
        raise StackError("--per-layer: use with --param, --current and --netcdf OUT.nc "
                         "(the per-layer fields go to the netCDF Dataset only)")
    if args.current is None and not args.gmr:
        raise StackError("the following arguments are required: --current/-I")
    if args.param:
        return _cmd_param_sweep(args)
    from .common import stack_errors

    with stack_errors(args.stack):
        result = sweep_currents(stack, args.current, args.segments, args.method)
    if args.plot:
        from ..plot import save_figure
        from ..plot.motor import plot_motor_sweep

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


# --------------------------------------------------------------------- parameter grids
def dataset_csv(ds) -> str:
    """A sweep Dataset as long CSV: one row per grid point and current."""
    from ..optional import require

    require("pandas", "sweep", "the sweep's CSV table")
    per_stack = ds[[v for v in ds.data_vars if v not in _current_vars(ds)]]
    if not _current_vars(ds):  # a --gmr sweep without currents: one row per grid point
        frame = per_stack.to_dataframe().reset_index()
    else:
        frame = ds[[*_current_vars(ds)]].to_dataframe().reset_index()
    if per_stack.data_vars and _current_vars(ds):
        dims = [d for d in ds.dims if d != "current"]
        frame = frame.merge(per_stack.to_dataframe().reset_index(), on=dims)
    units = {name: ds[name].attrs.get("units", "") for name in frame.columns
             if name in ds.variables}
    frame.columns = [f"{c} ({units[c]})" if units.get(c) else c for c in frame.columns]
    return frame.to_csv(index=False, float_format="%.17g")


def _current_vars(ds):
    return [v for v in ds.data_vars if "current" in ds[v].dims]


def _cmd_param_sweep(args) -> int:
    from ..netlist import write_text_atomic
    from ..reader import read_stack_data
    from ..sweep import parse_param, run_sweep

    data = read_stack_data(args.stack)  # validated above
    axes = [parse_param(spec) for spec in args.param]
    quiet = args.quiet or args.json
    gmr = (args.free or True) if args.gmr else False
    currents = [] if args.current is None else args.current
    options = dict(segments=args.segments, workers=args.workers, scheduler=args.scheduler,
                   progress=not quiet)
    if args.per_layer:  # their size and a straight stack: before any work
        from ..layer_sweep import check_layer_fields

        check_layer_fields(data, axes, len(currents), source=args.stack,
                           segments=args.segments)
    ds = run_sweep(data, axes, currents, source=args.stack, max_points=args.max_points,
                   gmr=gmr, **options)
    written = []
    if args.netcdf:
        full = ds
        if args.per_layer:
            from ..layer_sweep import add_layer_fields

            full = add_layer_fields(ds, data, axes, ds["current"].values,
                                    source=args.stack, **options)
        written.append(_write_netcdf(full, args.netcdf))
    if args.output:
        written.append(str(write_text_atomic(dataset_csv(ds), args.output)))
    if args.plot:
        from ..plot import save_figure
        from ..plot.motor import plot_param_sweep

        if args.gmr:
            from ..plot.gmr import plot_gmr_sweep

            figure = plot_gmr_sweep(ds)
        elif "torque_damping_like" in ds and any(".magnetization." in a.path for a in axes):
            from ..plot.angular import plot_angular_sweep

            figure = plot_angular_sweep(ds)
        else:
            figure = plot_param_sweep(ds)
        written.append(str(save_figure(figure, args.plot)))
    if ds.attrs["failed_points"]:
        print(f"circuitspin: warning: {ds.attrs['failed_points']} grid point(s) are not "
              f"valid stacks and hold NaN: {ds.attrs['errors'][:300]}", file=sys.stderr)
    if args.json:
        print(json.dumps(_dataset_json(ds)))
    elif not (args.output or args.netcdf or args.plot):
        sys.stdout.write(dataset_csv(ds))
    else:
        n = int(np.prod([ds.sizes[a.path] for a in axes]))
        what = f"{n} stacks x {ds.sizes['current']} currents" if "current" in ds.sizes \
            else f"{n} stacks (CPP-GMR)"
        print(f"sweep of {what} written to "
              + ", ".join(written))
    return 0


def _write_netcdf(ds, path) -> str:
    from ..safe_io import write_output

    # netCDF names may not contain "/" (interfaces.A/B.ar), and the scipy engine writes
    # Latin-1 names only: rename such dimensions (the path itself stays in an attribute)
    renames = {}
    for d in ds.dims:
        name = d.replace("/", "|").encode("latin-1", "backslashreplace").decode("latin-1")
        if name != d:
            renames[d] = name
    safe = ds.rename(renames)
    for old, new in renames.items():
        safe[new].attrs["path"] = old.encode("ascii", "backslashreplace").decode("ascii")
    data = safe.to_netcdf(engine="scipy")  # bytes: written like every other output
    return str(write_output(path, lambda fh: fh.write(data)))


def _dataset_json(ds) -> dict:
    def clean(a):
        return [None if not math.isfinite(x) else x for x in np.ravel(a).tolist()]

    return {"stack": ds.attrs["stack"], "dims": {d: int(n) for d, n in ds.sizes.items()},
            "coords": {c: clean(ds[c].values) for c in ds.coords},
            "data": {v: {"dims": list(ds[v].dims), "units": ds[v].attrs.get("units", ""),
                         "values": clean(ds[v].values)} for v in ds.data_vars},
            "failed_points": ds.attrs["failed_points"]}
