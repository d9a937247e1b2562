"""Per-interface and per-magnet quantities of a stack at many currents, and of a sweep.

Every quantity here is linear in the node potentials, and the potentials at source
current ``I`` with motor current ``I_M`` are ``I v_s - I_M v_m`` (the Thevenin view of
:mod:`circuitspin.solvers.motor_newton`; ``v_s`` alone without a motor).  So each one is
computed twice per stack, from ``v_s`` and ``v_m``, and combined at every current with
the motor current of the operating point: one factorisation per stack, as for the
scalar fields of a sweep.

Fields (lab frame, the JSON shapes of ``solve --json``; :class:`~circuitspin.solution.Solution`):

``spin_accumulation`` (V), dimensions ``interface``, ``side``, ``component``
    :meth:`Solution.spin_accumulation`: at both sides (``left``, ``right``) of every
    interface (``"LEFT|RIGHT"``, by the layer names), the vector (x, y, z); a collinear
    stack's is ``[0, 0, V_up - V_dn]``.
``spin_current`` (A, units of I_up - I_dn), the same dimensions
    :meth:`Solution.spin_currents`.
``torque`` (N m), dimensions ``magnet``, ``component``
    :meth:`Solution.torque`: the spin-transfer torque on every ferromagnet (by layer
    name); zero for collinear magnets.

Public API
----------
LAYER_FIELDS, LAYER_UNITS, MAX_LAYER_VALUES
layer_fields(network, currents) -> dict
    ``{name: array}`` of the fields above with a leading current axis, and the labels
    (``interface``, ``magnet``).
check_layer_fields(data, axes, n_currents, *, source, segments=None) -> dict
    The labels of a sweep's per-layer fields (a straight stack), and a StackError when
    they would hold more than ``MAX_LAYER_VALUES`` numbers: before any work.
add_layer_fields(ds, data, axes, currents, *, source, segments, workers, scheduler,
                 progress) -> Dataset
    The fields of every grid point of a sweep added to its Dataset (each grid point's
    network solved on its own: the per-stack path, not the batched solver).
"""
from __future__ import annotations

import functools
import itertools
import math
import os

import numpy as np

from .errors import CircuitSpinError, StackError

#: the per-layer fields and their dimensions after the grid's and ``current``
LAYER_FIELDS = {"spin_accumulation": ("interface", "side", "component"),
                "spin_current": ("interface", "side", "component"),
                "torque": ("magnet", "component")}
LAYER_UNITS = {"spin_accumulation": "V", "spin_current": "A", "torque": "N m"}
SIDES = ("left", "right")
#: the most numbers the per-layer fields of one sweep may hold (8 bytes each: 800 MB)
MAX_LAYER_VALUES = 100_000_000
COMPONENTS = ("x", "y", "z")


def _unit_fields(network, v) -> dict:
    """The per-layer fields of potentials ``v`` (a Solution of those potentials)."""
    from .solution import Solution

    sol = Solution(network=network, potentials=v, current=1.0)
    acc, spin, tau = sol.spin_accumulation(), sol.spin_currents(), sol.torque()
    return {"spin_accumulation": np.array([[acc[k][s] for s in SIDES] for k in acc]),
            "spin_current": np.array([[spin[k][s] for s in SIDES] for k in spin]),
            "torque": np.array(list(tau.values()), dtype=float).reshape(len(tau), 3),
            "interface": list(acc), "magnet": list(tau)}


def layer_fields(network, currents) -> dict:
    """The per-layer fields of ``network`` at every current (A): arrays whose first axis
    is the current, and the coordinate labels ``interface`` and ``magnet``."""
    from .geometry import Stack
    from .solution import injections
    from .solvers.general import factor_for
    from .solvers.motor_newton import bridge_thevenin, operating_points

    if not isinstance(network.stack, Stack) or network.terminals is not None:
        raise StackError(f"{network.stack.source}: per-layer fields need a straight stack "
                         "(a branched geometry has wire ends, not interfaces)")
    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    if network.u is None:
        v_s = factor_for(network, include_motor=False).solve(injections(network, 1.0))
        v_m, i_m = None, np.zeros(currents.size)
    else:
        th = bridge_thevenin(network)
        v_s, v_m = th.v_source, th.v_motor
        i_m = operating_points(network.stack, th, currents)["motor_current"]
    per_source = _unit_fields(network, v_s)
    per_motor = _unit_fields(network, v_m) if v_m is not None else None
    out = {"interface": per_source["interface"], "magnet": per_source["magnet"]}
    for name in LAYER_FIELDS:
        a = currents.reshape(-1, *[1] * per_source[name].ndim) * per_source[name]
        if per_motor is not None:
            a = a - i_m.reshape(a.shape[:1] + (1,) * (a.ndim - 1)) * per_motor[name]
        out[name] = a + 0.0  # no -0.0
    return out


def _evaluate_layer_batch(data, batch, currents, segments, source, max_segments=None):
    """The per-layer fields of a batch of grid points: [(index, dict)]; a point whose
    stack is invalid gives ``{"error": ...}`` (its fields stay NaN)."""
    from .network import build_network
    from .reader import stack_from_dict
    from .sweep import set_param

    if max_segments is not None:
        from . import network

        network.MAX_SEGMENTS = max_segments
    out = []
    for index, point in batch:
        d = data
        for path, value in point.items():
            d = set_param(d, path, float(value))
        try:
            net = build_network(stack_from_dict(d, source=source), segments)
            out.append((index, layer_fields(net, currents)))
        except CircuitSpinError as exc:
            out.append((index, {"error": str(exc)}))
    return out


def check_layer_fields(data, axes, n_currents: int, *, source, segments=None) -> dict:
    """The per-layer labels of the stack ``data`` (see the module docstring), after
    checking that the fields of the grid fit in ``MAX_LAYER_VALUES`` numbers."""
    from .network import build_network
    from .reader import stack_from_dict

    labels = layer_fields(build_network(stack_from_dict(data, source=source), segments),
                          [0.0])  # the coordinates (and a straight stack)
    per_cell = sum(labels[name][0].size for name in LAYER_FIELDS)
    n_values = math.prod(axis.values.size for axis in axes) * n_currents * per_cell
    if n_values > MAX_LAYER_VALUES:
        raise StackError(f"per_layer: the grid's per-layer fields would hold {n_values:,} "
                         f"numbers ({n_values * 8 / 1e9:.3g} GB; at most "
                         f"{MAX_LAYER_VALUES:,}): sweep fewer points or currents")
    return labels


def add_layer_fields(ds, data, axes, currents, *, source, segments=None, workers=1,
                     scheduler=None, progress=False):
    """``ds`` (the sweep's Dataset over ``axes`` x ``currents``) with the per-layer fields
    of every grid point, on the sweep's machinery (serial, processes or Dask)."""
    from .sweep import _dispatch

    currents = np.atleast_1d(np.asarray(currents, dtype=float))
    labels = check_layer_fields(data, axes, currents.size, source=source,
                                segments=segments)
    shape = tuple(axis.values.size for axis in axes)
    points = [(idx, {ax.path: ax.values[i] for ax, i in zip(axes, idx)})
              for idx in itertools.product(*(range(n) for n in shape))]
    n_workers = workers or os.cpu_count() or 1
    n_batches = max(1, min(len(points), 8 * n_workers))
    batches = [points[k::n_batches] for k in range(n_batches)]
    results = _dispatch(data, batches, currents, segments, source, n_workers, scheduler,
                        progress, len(points),
                        evaluate=functools.partial(_evaluate_layer_batch),
                        adaptive=workers is None)
    arrays = {name: np.full(shape + (currents.size,) + labels[name].shape[1:], np.nan)
              for name in LAYER_FIELDS}
    for index, res in results:
        if "error" not in res:
            for name in LAYER_FIELDS:
                arrays[name][index] = res[name]
    dims = [ax.path for ax in axes] + ["current"]
    ds = ds.assign_coords(interface=labels["interface"], side=list(SIDES),
                          component=list(COMPONENTS), magnet=labels["magnet"])
    for name, extra in LAYER_FIELDS.items():
        ds[name] = (dims + list(extra), arrays[name])
        ds[name].attrs["units"] = LAYER_UNITS[name]
    ds["interface"].attrs["long_name"] = "interface LEFT|RIGHT (layer names)"
    ds["magnet"].attrs["long_name"] = "ferromagnetic layer"
    return ds
