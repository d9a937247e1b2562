"""Parameter sweeps over stacks: cartesian grids, local processes or a Dask cluster.

A sweep varies any numeric entry of a stack file, named by its path, over a grid, and
evaluates each stack at a list of currents with ONE factorisation per stack (the network
is linear in the current; the motor law is applied on the Thevenin view).

Paths (``--param PATH=SPEC``)::

    area | temperature
    layers.<layer name>.<thickness|...>     (wires.<wire name>.<length|area|...>)
    materials.<material>.<rho|beta|lsf|kF|kF_up|kF_dn>
    interfaces.<A/B>.<ar|gamma|delta>
    motor.<frequency|delta_alpha|magnons|alpha|ms>

SPEC is ``START:STOP:N`` (N values, linear), ``log:START:STOP:N`` (logarithmic) or a
comma-separated list; numbers in SI units or with units (``"5 nm,10 nm"``).

Public API
----------
ParamAxis, parse_param(spec) -> ParamAxis, parse_values(spec, what, unit) -> array
check_axes(axes, n_currents, max_points=None)   (aliased axes, grid size)
set_param(data, path, value) -> dict      (a new mapping; the input is not changed)
get_param(data, path) -> value            (the entry at ``path``, built-in tables included)
run_sweep(data, axes, currents, *, source, segments=None, workers=None, scheduler=None,
          progress=True, max_points=None, gmr=False) -> xarray.Dataset
evaluate_stack(data, currents, segments=None) -> dict of arrays    (one grid point)

``run_sweep`` takes the stack mapping (or a loaded stack); ``run_sweep(..., gmr=True)``
(or the free layer name(s)) adds the per-stack CPP-GMR fields
of :func:`circuitspin.gmr` (R_P, R_AP, dR, AdR, MR, AR_P, AR_AP); ``currents`` may then be
empty (no per-current fields).
"""
from __future__ import annotations

import contextlib
import copy
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import CircuitSpinError, StackError
from .magnets import TORQUE_FIELDS, angular

#: per-current outputs of one stack (names of the Dataset variables)
CURRENT_FIELDS = ("voltage", "V_UD", "delta_mu_bar_eV", "motor_current", "magnons")
#: per-stack outputs
STACK_FIELDS = ("resistance", "bridge_gain", "bridge_resistance", "V_th",
                "threshold_current")
#: per-current outputs of a stack whose magnetizations are vectors or angles (an angular
#: sweep): the torque on the free magnet (the motor layer, else the last magnet)
#: sweep paths of a magnetization's angles (degrees when a bare number)
ANGLE_KEYS = ("theta", "phi")
UNITS = {"torque_damping_like": "N m", "torque_field_like": "N m",
         "torque_magnitude": "N m",
         "voltage": "V", "V_UD": "V", "delta_mu_bar_eV": "eV", "motor_current": "A",
         "magnons": "1", "resistance": "ohm", "bridge_gain": "V/A",
         "bridge_resistance": "ohm", "V_th": "V", "threshold_current": "A", "current": "A"}


@dataclass(frozen=True)
class ParamAxis:
    """One swept parameter: its path in the stack file and its values (SI)."""

    path: str
    values: np.ndarray


#: the SI unit of each sweepable key (the last part of a path); others are pure numbers
PARAM_UNITS = {"area": "m**2", "temperature": "K", "thickness": "m", "length": "m",
               "contact_area": "m**2", "rho": "ohm*m", "lsf": "m", "kF": "1/m",
               "kF_up": "1/m", "kF_dn": "1/m", "ar": "ohm*m**2", "frequency": "Hz",
               "ms": "A/m"}
#: the most values one axis may have, and the most grid cells (stacks x currents) a
#: sweep holds unless raised (``max_points``, ``sweep --max-points``)
MAX_AXIS = 10_000_000
MAX_GRID_POINTS = 10_000_000


def parse_values(spec: str, what: str = "values", unit: str = "") -> np.ndarray:
    """``START:STOP:N``, ``log:START:STOP:N`` or ``a,b,c`` -> float array in ``unit``.

    Each number may carry units (``"5 nm,10 nm"``, ``"1 nm:50 nm:50"``,
    ``"log:1 nm:1 um:20"``), read by :func:`circuitspin.units.to_si` (a number and a
    unit, never arithmetic)."""
    from .units import to_si

    text = spec.strip()
    try:
        if text.startswith("log:"):
            start, stop, n = text[4:].split(":")
            lo, hi, k = to_si(start, unit), to_si(stop, unit), _count(n)
            if lo <= 0 or hi <= 0:
                raise ValueError("log spacing needs positive bounds")
            values = np.logspace(np.log10(lo), np.log10(hi), k)
        elif ":" in text:
            start, stop, n = text.split(":")
            values = np.linspace(to_si(start, unit), to_si(stop, unit), _count(n))
        else:
            values = np.array([to_si(v, unit) for v in text.split(",")])
    except ValueError as exc:
        raise StackError(f"{what} {spec!r}: expected START:STOP:N, log:START:STOP:N or "
                         f"a,b,c ({exc})") from None
    if values.size < 1 or not np.all(np.isfinite(values)):
        raise StackError(f"{what} {spec!r}: needs at least one finite value")
    return values


def _count(text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"N must be a whole number, got {text[:40]!r}")
    if len(text) > 12 or not 1 <= int(text) <= MAX_AXIS:
        raise ValueError(f"N must be in 1..{MAX_AXIS}, got {text[:40]}")
    return int(text)


def parse_param(spec: str) -> ParamAxis:
    """Parse ``PATH=SPEC`` (see the module docstring); SPEC may carry units."""
    if "=" not in spec:
        raise StackError(f"--param {spec!r}: expected PATH=START:STOP:N")
    path, values = spec.split("=", 1)
    path = path.strip()
    unit = PARAM_UNITS.get(path.rsplit(".", 1)[-1], "")
    return ParamAxis(path=path, values=parse_values(values, f"--param {path}", unit))


def param_key(path: str) -> tuple:
    """What ``path`` names in a stack, for telling whether two paths alias each other
    (``interfaces.Co/Cu.ar`` and ``interfaces.Cu/Co.ar`` are one entry)."""
    parts = path.split(".")
    if parts[0] == "interfaces" and len(parts) == 3:
        a, _, b = parts[1].partition("/")
        return ("interfaces", tuple(sorted((a, b))), parts[2])
    return tuple(parts)


def check_axes(axes, n_currents: int = 1, max_points: int | None = None) -> None:
    """StackError for two axes naming the same entry, or a grid (stacks x currents)
    larger than ``max_points`` (default ``MAX_GRID_POINTS``)."""
    seen = {}
    for axis in axes:
        key = param_key(axis.path)
        if key in seen:
            same = "twice" if seen[key] == axis.path else f"and {seen[key]!r}"
            raise StackError(f"--param {axis.path}: the same stack entry is swept {same} "
                             "(give one --param per entry)")
        seen[key] = axis.path
    limit = MAX_GRID_POINTS if max_points is None else int(max_points)
    cells = n_currents
    for axis in axes:
        cells *= axis.values.size
    if cells > limit:
        raise StackError(f"the sweep grid has {cells:.3g} points (stacks x currents), more "
                         f"than the limit {limit:.3g}: use fewer values, or raise the "
                         "limit (--max-points)")


#: the numeric entries a sweep path may name, per table
NUMERIC_KEYS = {
    "top level": ("area", "temperature"),
    "layers": ("thickness", "segments"),
    "wires": ("length", "area", "contact_area", "segments"),
    "materials": ("rho", "beta", "lsf", "kF", "kF_up", "kF_dn"),
    "interfaces": ("ar", "gamma", "delta", "g_mix", "g_mix_im"),
    "motor": ("frequency", "delta_alpha", "magnons", "alpha", "ms", "g_factor"),
}


def _check_key(path: str, table: str, key: str) -> None:
    """StackError unless ``key`` is a numeric entry of ``table`` (a misspelt key would
    make every grid point invalid: a bad path, not a grid of NaN)."""
    if key not in NUMERIC_KEYS[table]:
        raise StackError(f"--param {path}: {key!r} is not a numeric entry of [{table}] "
                         f"(one of: {', '.join(NUMERIC_KEYS[table])})")


def _used_materials(data: dict) -> set:
    return {part.get("material") for head in ("layers", "wires")
            for part in data.get(head, []) if isinstance(part, dict)}


def set_param(data: dict, path: str, value) -> dict:
    """A deep copy of the stack mapping ``data`` with the entry at ``path`` set to ``value``.

    A path that names nothing in the stack (no such layer, wire, material or interface,
    or a key that is not a numeric entry of its table) is a StackError."""
    out = copy.deepcopy(data)
    parts = path.split(".")
    head = parts[0]
    if len(parts) == 1 and head in NUMERIC_KEYS["top level"]:
        out[head] = value
        return out
    if head == "motor" and len(parts) == 2:
        if "motor" not in out:
            raise StackError(f"--param {path}: the stack has no [motor] table")
        _check_key(path, "motor", parts[1])
        out["motor"][parts[1]] = value
        return out
    if head in ("layers", "wires") and len(parts) == 4 and parts[2] == "magnetization":
        if parts[3] not in ANGLE_KEYS:
            raise StackError(f"--param {path}: a magnetization's swept entries are "
                             f"{', '.join(ANGLE_KEYS)} (degrees)")
        table = "wires" if "wires" in out else "layers"
        for layer in out.get(table, []):
            if isinstance(layer, dict) and layer.get("name") == parts[1]:
                angles = _angles(layer.get("magnetization", "up"), path)
                angles[parts[3]] = value
                layer["magnetization"] = angles
                return out
        raise StackError(f"--param {path}: no {table[:-1]} named {parts[1]!r}")
    if head in ("layers", "wires") and len(parts) == 3:
        table = "wires" if "wires" in out else "layers"  # either word, for either file
        for layer in out.get(table, []):
            if isinstance(layer, dict) and layer.get("name") == parts[1]:
                _check_key(path, table, parts[2])
                layer[parts[2]] = value
                return out
        raise StackError(f"--param {path}: no {table[:-1]} named {parts[1]!r}")
    if head in ("materials", "interfaces") and len(parts) == 3:
        _check_key(path, head, parts[2])
        if head == "materials" and parts[1] not in out.get("materials", {}) \
                and parts[1] not in _used_materials(out):
            raise StackError(f"--param {path}: no material {parts[1]!r} in the stack")
        table = out.setdefault(head, {})
        if head == "interfaces" and parts[1] not in table:
            a, _, b = parts[1].partition("/")
            if f"{b}/{a}" in table:
                parts[1] = f"{b}/{a}"
            elif head == "interfaces":
                from .materials import builtin_interface

                builtin = builtin_interface(a, b)
                if builtin is None:
                    raise StackError(f"--param {path}: no interface {parts[1]!r}")
                table[parts[1]] = {"ar": builtin.ar, "gamma": builtin.gamma,
                                   "delta": builtin.delta}
        table.setdefault(parts[1], {})[parts[2]] = value
        return out
    raise StackError(f"--param {path}: unknown path (use area, temperature, "
                     "layers.NAME.KEY, wires.NAME.KEY, materials.NAME.KEY, "
                     "interfaces.A/B.KEY, motor.KEY)")


def _angles(value, path: str) -> dict:
    """A magnetization entry as ``{"theta": deg, "phi": deg}`` (what a sweep of one of
    its angles starts from): "up" (0, 0), "down" (180, 0), a vector, or the table."""
    import math

    if isinstance(value, dict):
        return dict(value)
    if value == "up":
        return {"theta": 0.0, "phi": 0.0}
    if value == "down":
        return {"theta": 180.0, "phi": 0.0}
    try:
        mx, my, mz = (float(c) for c in value)
        norm = math.sqrt(mx * mx + my * my + mz * mz)
        return {"theta": math.degrees(math.acos(max(-1.0, min(1.0, mz / norm)))),
                "phi": math.degrees(math.atan2(my, mx))}
    except (TypeError, ValueError, ZeroDivisionError):
        raise StackError(f"--param {path}: the magnetization {value!r} is not 'up', "
                         "'down', a vector or {theta, phi}") from None


#: what the reader takes for an interface key the file's table leaves out
_INTERFACE_DEFAULTS = {"gamma": 0.0, "delta": 0.0, "g_mix_im": 0.0}


def get_param(data: dict, path: str):
    """The entry of the stack mapping ``data`` at ``path`` as written (a number or a string
    with units), or the built-in value of a material or interface the file does not set;
    None when neither gives one.  Raises StackError for a path :func:`set_param` refuses.
    """
    from .materials import builtin_interface, builtin_material

    set_param(data, path, None)  # the same grammar and the same errors
    parts = path.split(".")
    head = parts[0]
    if len(parts) == 1:
        return data.get(head)
    if head == "motor":
        return data["motor"].get(parts[1])
    if head in ("layers", "wires"):
        table = "wires" if "wires" in data else "layers"  # as set_param: either word
        entry = next(e for e in data[table] if isinstance(e, dict) and e.get("name") == parts[1])
        if len(parts) == 4:
            return _angles(entry.get("magnetization", "up"), path)[parts[3]]
        return entry.get(parts[2])
    name, key = parts[1], parts[2]
    if head == "interfaces":
        a, _, b = name.partition("/")
        for k in (name, f"{b}/{a}"):
            entry = data.get("interfaces", {}).get(k)
            if isinstance(entry, dict):  # the file's table replaces the built-in one
                return entry.get(key, _INTERFACE_DEFAULTS.get(key))
        builtin = builtin_interface(a, b)
        return None if builtin is None else getattr(builtin, key, None)
    given = data.get("materials", {}).get(name, {})
    if isinstance(given, dict) and key in given:
        return given[key]
    builtin = builtin_material(name)
    return None if builtin is None else getattr(builtin, key, None)


def evaluate_stack(data: dict, currents, segments=None, source="<sweep>") -> dict:
    """Solve one stack at every current with one factorisation; arrays keyed by field.

    The keys are those of :func:`circuitspin.solvers.motor_newton.sweep_network`.
    """
    from .network import build_network
    from .solvers.motor_newton import sweep_network
    from .reader import stack_from_dict

    stack = stack_from_dict(data, source=source)
    network = build_network(stack, segments)
    currents = np.asarray(currents, dtype=float)
    out = sweep_network(network, currents)
    if angular(data):
        from .devices import torque_sweep

        out.update(torque_sweep(network, currents))
    return out


def _evaluate_batch(data, batch, currents, segments, source, max_segments=None,
                    gmr=False):
    """Evaluate a batch of grid points: [(index, {path: value}), ...] -> [(index, dict)].

    ``max_segments``: the network size limit of the process that sent the batch."""
    if max_segments is not None:
        from . import network

        network.MAX_SEGMENTS = max_segments
    solved = (_solve_together(data, batch, np.asarray(currents, dtype=float), source)
              if segments is None and len(currents) and not angular(data) else {})
    out = []
    for index, point in batch:
        if index in solved and (gmr is False or "error" in solved[index]):
            out.append((index, solved[index]))
            continue
        d = data
        for path, value in point.items():
            d = set_param(d, path, float(value))
        try:
            if index in solved:
                res = solved[index]
            else:
                res = evaluate_stack(d, currents, segments, source) if len(currents) else {}
            if gmr is not False:
                res.update(_gmr_fields(d, gmr, source, segments))
            out.append((index, res))
        except CircuitSpinError as exc:  # an invalid grid point is reported, not fatal
            out.append((index, {"error": str(exc)}))
    return out


#: grid points per batch of the batched solver (a pool only beyond one batch)
BATCH_POINTS = 2048


def _batched_shape(data, source) -> bool:
    """Whether the batched solver takes the sweep's stack (straight, exact segments)."""
    from .batch import BatchShape
    from .reader import stack_from_dict

    try:
        BatchShape.of(stack_from_dict(data, source=source))
    except CircuitSpinError:
        return False
    return True


def _solve_together(data, batch, currents, source) -> dict:
    """The grid points of a batch whose stacks are straight and share a shape, solved
    with the batched solver (:mod:`circuitspin.batch`: one vectorised solve for all,
    no per-stack network), as :func:`evaluate_stack` gives them: ``{index: dict}``.
    A point left out (another shape, a branched geometry, a stack the batched solver
    cannot take or gives a non-finite number for) is solved on its own by the caller,
    which also reports its error."""
    from .batch import BatchParameters, BatchShape, solve_parameters
    from .reader import stack_from_dict
    from .solvers.motor_newton import BridgeNumbers, open_points, operating_points

    groups: dict = {}
    for index, point in batch:
        d = data
        for path, value in point.items():
            d = set_param(d, path, float(value))
        try:
            stack = stack_from_dict(d, source=source)
            shape = BatchShape.of(stack)
        except CircuitSpinError:
            continue
        groups.setdefault(shape, []).append((index, stack))
    solved = {}
    for shape, members in groups.items():
        try:
            out = solve_parameters(shape, BatchParameters.of([s for _, s in members]), ())
        except CircuitSpinError:
            continue
        for j, (index, stack) in enumerate(members):
            r_in = float(out["resistance"][j])
            if shape.motor is None:
                if np.isfinite(r_in) and r_in > 0:
                    solved[index] = open_points(currents, r_in)
                continue
            th = BridgeNumbers(float(out["bridge_gain"][j]), float(out["bridge_resistance"][j]),
                               r_in, float(out["transfer"][j]))
            if not (np.isfinite([th.gain, th.resistance, r_in, th.transfer]).all()
                    and r_in > 0 and th.resistance > 0):
                continue
            try:
                solved[index] = operating_points(stack, th, currents)
            except CircuitSpinError as exc:
                solved[index] = {"error": str(exc)}
    return solved


def _gmr_fields(data, gmr, source, segments) -> dict:
    from .gmr import FIELDS, gmr_of_mapping

    g = gmr_of_mapping(data, None if gmr is True else gmr, source, segments)
    return {f: getattr(g, f) for f in FIELDS}


def run_sweep(data: dict, axes, currents, *, source="<sweep>", segments=None, workers=None,
              scheduler=None, progress=True, max_points=None,
              gmr=False):
    """Evaluate the cartesian grid of ``axes`` at ``currents``; returns an xarray Dataset.

    ``workers``: local processes (1 = serial in this process; default: serial when the
    first batch, timed in this process, says the rest would take under ``POOL_PAYS``
    seconds, else the rest on one process per CPU).
    ``scheduler``: a Dask scheduler address (``tcp://HOST:PORT``) or a
    ``dask.distributed.Client``; then the batches run on that cluster.
    Grid points whose stack is invalid get NaN and an entry in ``attrs["errors"]``.
    Two axes naming one entry, or more than ``max_points`` (default
    ``MAX_GRID_POINTS``) stacks x currents, are a StackError before any work.
    """
    from .optional import require

    xr = require("xarray", "sweep", "a parameter sweep")
    if not isinstance(data, Mapping):  # a loaded Stack or Geometry: the mapping it came from
        if getattr(data, "data", None) is None:
            raise StackError(f"a sweep takes a stack from load_stack, stack_from_dict or "
                             f"Stack.replace (or its mapping), got {type(data).__name__}")
        data, source = data.data, data.source
    axes = list(axes)
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    check_axes(axes, currents.size, max_points)
    if isinstance(scheduler, str):
        scheduler_address(scheduler)  # a bad address is one line, before any work
    for axis in axes:  # fail early, with the path, before any work is sent out
        set_param(data, axis.path, float(axis.values[0]))
    gmr_fields = ()
    if gmr is not False:
        from .gmr import FIELDS, UNITS as GMR_UNITS, resolve_free
        from .stack import stack_from_dict

        resolve_free(stack_from_dict(data, source), None if gmr is True else gmr)
        gmr_fields = FIELDS
    current_fields = CURRENT_FIELDS if currents.size else ()
    first = data
    for axis in axes:
        first = set_param(first, axis.path, float(axis.values[0]))
    if currents.size and angular(first):   # every point then gives the torque
        current_fields = current_fields + TORQUE_FIELDS
    stack_fields = (STACK_FIELDS if currents.size else ()) + gmr_fields
    shape = tuple(axis.values.size for axis in axes)
    points = [(idx, {ax.path: ax.values[i] for ax, i in zip(axes, idx)})
              for idx in itertools.product(*(range(n) for n in shape))]
    n_workers = workers or os.cpu_count() or 1
    if segments is None and not angular(data) and _batched_shape(data, source):
        # the batched solver: batches of a fixed size whatever the workers (each point's
        # answer is then the same serial or in processes); one batch runs serially
        n_batches = max(1, -(-len(points) // BATCH_POINTS))
    else:
        n_batches = max(1, min(len(points), 8 * n_workers))
    batches = [points[k::n_batches] for k in range(n_batches)]
    results = _dispatch(data, batches, currents, segments, source, n_workers, scheduler,
                        progress, len(points), gmr, adaptive=workers is None)

    arrays = {f: np.full(shape + (currents.size,), np.nan) for f in current_fields}
    arrays.update({f: np.full(shape, np.nan) for f in stack_fields})
    errors = {}
    for index, res in results:
        if "error" in res:
            errors[str(tuple(float(ax.values[i]) for ax, i in zip(axes, index)))] = res["error"]
            continue
        for f in current_fields:
            arrays[f][index] = res[f]
        for f in stack_fields:
            arrays[f][index] = res[f]
    dims = [ax.path for ax in axes]
    coords = {ax.path: ax.values for ax in axes}
    if currents.size:
        coords["current"] = currents
    ds = xr.Dataset(
        {f: (dims + ["current"], arrays[f]) for f in current_fields}
        | {f: (dims, arrays[f]) for f in stack_fields},
        coords=coords,
        attrs={"stack": source, "segments": -1 if segments is None else int(segments),
               "failed_points": len(errors),
               "errors": "; ".join(f"{k}: {v}" for k, v in errors.items())},
    )
    units = UNITS | (GMR_UNITS if gmr_fields else {})
    for name, unit in units.items():
        if name in ds.variables:
            ds[name].attrs["units"] = unit
    for axis in axes:
        if ".magnetization." in axis.path:
            ds[axis.path].attrs["units"] = "deg"
    return ds


#: seconds a Dask sweep waits with no worker alive before it gives up
NO_WORKER_TIMEOUT = 60.0
#: seconds of serial work left (estimated from the first batch) above which a sweep with
#: the default workers starts its process pool: starting the processes and importing
#: costs about half a second here, and two cores save at most half of the work
POOL_PAYS = 2.0


def _dispatch(data, batches, currents, segments, source, n_workers, scheduler, progress,
              total, gmr=False, evaluate=None, adaptive=False):
    """Run ``evaluate(data, batch, currents, segments, source, max_segments)`` (default:
    :func:`_evaluate_batch` with ``gmr``) on every batch: serially, on local processes
    or on a Dask cluster; returns the concatenated results.  ``adaptive``: the first
    batch in this process, and the others too unless they would take ``POOL_PAYS``
    seconds or more at its pace (a small grid is faster without processes).  Other grid
    evaluations (:func:`circuitspin.dynamics.state_map`) pass their own ``evaluate``."""
    import functools

    from .optional import require

    if evaluate is None:
        evaluate = functools.partial(_evaluate_batch, gmr=gmr)

    tqdm = require("tqdm", "sweep", "a parameter sweep").tqdm
    bar = tqdm(total=total, disable=not progress, unit="stack", leave=False)
    results = []

    def collect(part):
        results.extend(part)
        bar.update(len(part))

    try:
        if scheduler is not None:
            _run_dask(scheduler, data, batches, currents, segments, source, collect,
                      evaluate)
        elif n_workers == 1 or len(batches) == 1:
            for b in batches:
                collect(evaluate(data, b, currents, segments, source))
        else:
            if adaptive:
                import time

                t0 = time.perf_counter()
                collect(evaluate(data, batches[0], currents, segments, source))
                batches = batches[1:]
                if (time.perf_counter() - t0) * len(batches) < POOL_PAYS:
                    for b in batches:
                        collect(evaluate(data, b, currents, segments, source))
                    return results
            _run_pool(n_workers, data, batches, currents, segments, source, collect,
                      evaluate)
    finally:
        bar.close()
    return results


def _max_segments() -> int:
    from .network import MAX_SEGMENTS

    return MAX_SEGMENTS


def _worker_init():
    """Pool workers leave Ctrl-C and SIGTERM to the parent, which kills them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_pool(n_workers, data, batches, currents, segments, source, collect, evaluate):
    """Local worker processes; on any exception (Ctrl-C, SIGTERM, a crash) they are
    killed, not waited for."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=n_workers, initializer=_worker_init)
    try:
        futures = [pool.submit(evaluate, data, b, currents, segments, source,
                               _max_segments())
                   for b in batches]
        for fut in as_completed(futures):
            collect(fut.result())
    except BrokenProcessPool:
        _kill_pool(pool)
        raise CircuitSpinError("a sweep worker process died (killed, or out of memory): "
                               "no result") from None
    except BaseException:
        _kill_pool(pool)
        raise
    pool.shutdown(wait=True)


def _kill_pool(pool) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
    else:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.join(5)
    pool.shutdown(wait=False, cancel_futures=True)


def scheduler_address(text: str) -> str:
    """Check a ``--scheduler`` address: ``tcp://HOST:PORT`` (or ``tls://``,
    ``inproc://``, ``ucx://``, ``ws://``, ``wss://``), or ``HOST:PORT``."""
    from urllib.parse import urlsplit

    address = text.strip()
    plain = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(plain)
        port = parts.port
    except ValueError:
        port = None
        parts = None
    if (parts is None or parts.scheme not in ("tcp", "tls", "inproc", "ucx", "ws", "wss")
            or (parts.scheme != "inproc" and (not parts.hostname or port is None))
            or parts.path not in ("", "/")):
        raise CircuitSpinError(f"--scheduler {text!r}: expected a Dask scheduler address "
                               "tcp://HOST:PORT")
    return plain


def _run_dask(scheduler, data, batches, currents, segments, source, collect, evaluate):
    """Batches on a Dask cluster.  A task whose workers keep dying fails (Dask's
    ``allowed-failures``) and a cluster left with no worker for ``NO_WORKER_TIMEOUT``
    seconds ends the sweep: both are a CircuitSpinError, not a wait forever."""
    import time

    from .optional import require

    distributed = require("dask.distributed", "sweep", "--scheduler (Dask)")
    Client, wait = distributed.Client, distributed.wait

    if isinstance(scheduler, Client):
        client = scheduler
    else:
        address = scheduler_address(str(scheduler))
        try:
            client = Client(address, timeout="20s")
        except Exception as exc:  # OSError, TimeoutError, ValueError... one line
            raise CircuitSpinError(f"--scheduler {scheduler}: cannot connect "
                                   f"({type(exc).__name__}: {exc})") from None
    pending = set()
    try:
        pending = {client.submit(evaluate, data, b, currents, segments, source,
                                 _max_segments(), pure=False) for b in batches}
        lonely_since = None
        while pending:
            try:
                done, pending = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within the second
                done = set()
            for fut in done:
                try:
                    collect(fut.result())
                except Exception as exc:  # KilledWorker, CommClosedError, ...
                    raise CircuitSpinError(f"the Dask cluster lost this sweep's work "
                                           f"({type(exc).__name__}: {exc})") from None
            if done or not pending:
                lonely_since = None
                continue
            if client.scheduler_info().get("workers"):
                lonely_since = None
            elif lonely_since is None:
                lonely_since = time.monotonic()
            elif time.monotonic() - lonely_since > NO_WORKER_TIMEOUT:
                raise CircuitSpinError(f"the Dask cluster has had no worker for "
                                       f"{NO_WORKER_TIMEOUT:g} s: sweep abandoned")
    except BaseException:
        with contextlib.suppress(Exception):  # the cluster may be gone already
            client.cancel(list(pending))
        raise
    finally:
        if client is not scheduler:
            client.close()
