"""Maps of the macrospin's state over a current x field grid, on the sweep machinery.

Public API
----------
state_map(stack, currents, fields, duration, tilt=1.0, workers=None, ...) -> Dataset
    The state over a current x field grid (final m, frequency, cone angle).
MAP_FIELDS
    The names of its variables.
"""
from __future__ import annotations

import numpy as np

from .dynamics import _table, _unit, circuit_model, layer_direction, simulate

#: per-point outputs of :func:`state_map`
MAP_FIELDS = ("switched", "frequency", "max_cone_angle", "mx", "my", "mz")


def _evaluate_map_batch(data, batch, currents, segments, source, max_segments=None,
                        extra=None):
    """One batch of a state map (the sweep machinery's worker signature): batch is
    [((i_field,), {"field": b}), ...]; returns [(index, {name: array over currents})].
    The circuit is reduced once per batch (it does not depend on the field)."""
    from .reader import stack_from_dict

    stack = stack_from_dict(data, source=source)
    e = dict(extra)
    direction, torque, kw = e.pop("direction"), e.pop("torque"), e.pop("kw")
    model = None
    if torque is None and np.any(np.asarray(currents) != 0):
        model = circuit_model(stack, data, segments=segments)
    out = []
    for index, point in batch:
        rows = []
        for current in currents:
            traj = simulate(stack, float(current), torque=torque, model=model,
                            field=tuple(float(point["field"]) * direction), **e, **kw)
            mf = traj.m_final
            rows.append({"switched": float(traj.switched), "frequency": traj.frequency(),
                         "max_cone_angle": traj.max_cone_angle, "mx": mf[0], "my": mf[1],
                         "mz": mf[2]})
        out.append((index, {k: np.array([r[k] for r in rows]) for k in MAP_FIELDS}))
    return out


def state_map(stack, currents, fields, duration: float, *, tilt: float = 1.0,
              direction=None, torque=None, workers=None, scheduler=None, progress=False,
              segments=None, **kw):
    """Switching / precession state over a current x field grid: an xarray Dataset with
    ``switched`` (1/0), ``frequency`` (Hz, 0 when static), ``max_cone_angle`` (deg) and
    the final m (``mx``, ``my``, ``mz``) on dimensions ``field`` (T) and ``current`` (A).

    ``stack``: a stack file path or its mapping; ``fields``: applied field magnitudes
    (T) along ``direction`` (default: the layer's initial magnetization).  Runs on the
    sweep machinery: local processes (``workers``) or a Dask cluster (``scheduler``),
    one batch of fields per task.  ``torque``: as in
    :func:`circuitspin.dynamics.simulate` (a factory must be picklable for workers > 1;
    default: the circuit's own).  Other keywords go to ``simulate`` (``rtol``,
    ``temperature``, ``seed``...)."""
    import functools
    import os

    from .optional import require
    from .reader import read_stack_data, stack_from_dict
    from .sweep import _dispatch

    xr = require("xarray", "sweep", "a state map")
    source = "<dict>"
    if not isinstance(stack, dict):
        source = str(stack)
        stack = read_stack_data(stack)
    data = stack
    st = stack_from_dict(data, source=source)
    d = _table(st)
    direction = (layer_direction(st, d.index) if direction is None
                 else _unit(direction, "direction"))
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    fields = np.atleast_1d(np.asarray(fields, dtype=float))
    if torque is None and np.any(currents != 0):  # its errors now, not in every worker
        circuit_model(st, data, segments=segments)
    extra = dict(duration=duration, tilt=tilt, torque=torque, direction=direction, kw=kw)
    points = [((k,), {"field": b}) for k, b in enumerate(fields)]
    n_workers = workers or os.cpu_count() or 1
    n_batches = max(1, min(len(points), n_workers))
    batches = [points[k::n_batches] for k in range(n_batches)]
    evaluate = functools.partial(_evaluate_map_batch, extra=extra)
    results = _dispatch(data, batches, currents, segments, source, n_workers, scheduler,
                        progress, len(points), evaluate=evaluate)
    arrays = {k: np.full((fields.size, currents.size), np.nan) for k in MAP_FIELDS}
    for (k,), res in results:
        for name in MAP_FIELDS:
            arrays[name][k] = res[name]
    ds = xr.Dataset({k: (("field", "current"), v) for k, v in arrays.items()},
                    coords={"field": fields, "current": currents},
                    attrs={"stack": source, "duration": duration, "tilt_deg": tilt,
                           "field_direction": [float(x) for x in direction]})
    for name, unit in (("frequency", "Hz"), ("max_cone_angle", "deg"), ("field", "T"),
                       ("current", "A"), ("switched", "1")):
        ds[name].attrs["units"] = unit
    return ds
