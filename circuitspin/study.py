"""The Python entry points of a study: changing a stack, and a sweep as a Dataset.

Public API
----------
replace_entries(stack, changes) -> Stack   (what Stack.replace does: set_param, read again)
sweep(stack, currents=(), params=None, **options) -> xarray.Dataset
stack_data(stack) -> dict   (the stack mapping a loaded stack was read from)

Both use the sweep's paths and writer (:func:`circuitspin.sweep.set_param`) and the one
reader (:func:`circuitspin.reader.stack_from_dict`): a changed stack is read exactly as a
stack file with those entries would be.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from . import geometry as _geometry
from .errors import StackError
from .geometry import Geometry, Stack
from .sweep import PARAM_UNITS, ParamAxis, parse_values, run_sweep, set_param

if TYPE_CHECKING:  # an optional extra (circuitspin[sweep])
    import xarray as xr


def replace_entries(stack, changes):
    """:meth:`circuitspin.geometry.Stack.replace`: the stack read again from its mapping
    with the entry at each path of ``changes`` set (:func:`set_param`)."""
    from .reader import stack_from_dict

    if not isinstance(changes, Mapping):
        raise StackError(f"{stack.source}: replace() takes a mapping {{PATH: value}}, "
                         f"got {type(changes).__name__}")
    if stack.data is None:
        raise StackError(f"{stack.source}: this stack was not read by load_stack or "
                         "stack_from_dict, so it has no stack mapping to change")
    if stack_from_dict(stack.data, source=stack.source) != stack:
        raise StackError(f"{stack.source}: the stack differs from the mapping it was read "
                         "from (changed in memory, not by replace()): no entry to change")
    data = stack.data
    for path, value in changes.items():
        if not isinstance(path, str):
            raise StackError(f"{stack.source}: a path is a string such as "
                             f"'layers.N.thickness', got {path!r}")
        data = set_param(data, path, value)
    return stack_from_dict(data, source=stack.source)


_geometry.EDITOR = replace_entries


def stack_data(stack) -> dict:
    """The stack mapping a loaded Stack or Geometry was read from (see Stack.replace)."""
    data = getattr(stack, "data", None)
    if data is None or not hasattr(stack, "layers"):
        raise StackError(f"a sweep takes a stack from load_stack, stack_from_dict or "
                         f"Stack.replace (or its mapping), got {type(stack).__name__}")
    return data


def sweep(stack: Stack | Geometry, currents=(), params: Mapping | None = None, *,
          segments: int | None = None, workers: int | None = 1, scheduler=None,
          progress: bool = False, max_points: int | None = None, gmr=False,
          per_layer: bool = False) -> xr.Dataset:
    """The grid of ``params`` at ``currents`` as an ``xarray.Dataset``.

    ``stack``: a Stack or Geometry (:func:`circuitspin.load_stack`,
    :meth:`~circuitspin.geometry.Stack.replace`).  ``params``: ``{PATH: values}``, the
    paths of the module docstring, values a sequence of numbers (SI) or strings with
    units, or a spec string (``"1 nm:50 nm:50"``, ``"log:..."``, ``"a,b,c"``).
    ``currents`` (A): a sequence (numbers or strings with units) or a spec string.
    Dimensions: the paths in order, then ``current``; every variable and coordinate has
    its ``units`` attribute; ``motor_layer`` names the layer where V_UD is taken.
    ``workers`` (default 1: in this process), ``scheduler``, ``progress``,
    ``max_points``, ``gmr`` and ``segments``: as for
    :func:`circuitspin.sweep.run_sweep`.

    ``per_layer=True`` (a straight stack, with currents) adds the fields of
    :mod:`circuitspin.layer_sweep`, labelled by layer names: ``spin_accumulation`` (V)
    and ``spin_current`` (A) with dimensions ``interface`` (``"LEFT|RIGHT"``),
    ``side`` (``left``, ``right``) and ``component`` (``x``, ``y``, ``z``), and
    ``torque`` (N m) with dimensions ``magnet`` (the ferromagnets' names) and
    ``component``: ``ds["spin_accumulation"].sel(interface="N|F2", side="right")`` is
    :meth:`Solution.spin_accumulation("N|F2")["right"] <circuitspin.solution.Solution.spin_accumulation>`
    at every grid point and current.  They solve each grid point's network on its own
    (the per-stack path, not the batched solver), about as long again as the sweep;
    a grid whose fields would hold more than ``layer_sweep.MAX_LAYER_VALUES`` (1e8)
    numbers is refused before any work.
    """
    data = stack_data(stack)
    axes = []
    for path, values in (params or {}).items():
        if not isinstance(path, str):
            raise StackError(f"params: a path is a string such as 'layers.N.thickness', "
                             f"got {path!r}")
        unit = PARAM_UNITS.get(path.rsplit(".", 1)[-1], "")
        axes.append(ParamAxis(path, _values(values, f"params[{path!r}]", unit)))
    currents = _values(currents, "currents", "A", empty=True)
    if per_layer and currents.size:  # its size and a straight stack, before any work
        from .layer_sweep import check_layer_fields

        check_layer_fields(data, axes, currents.size, source=stack.source, segments=segments)
    ds = run_sweep(data, axes, currents,
                   source=stack.source, segments=segments, workers=workers,
                   scheduler=scheduler, progress=progress, max_points=max_points, gmr=gmr)
    for axis in axes:
        ds[axis.path].attrs.setdefault(
            "units", PARAM_UNITS.get(axis.path.rsplit(".", 1)[-1], "1"))
    if "current" in ds.coords and stack.motor is not None:  # where V_UD is taken
        ds.coords["motor_layer"] = stack.motor.layer
    if per_layer and "current" in ds.coords:
        from .layer_sweep import add_layer_fields

        ds = add_layer_fields(ds, data, axes, ds["current"].values, source=stack.source,
                              segments=segments, workers=workers, scheduler=scheduler,
                              progress=progress)
    return ds


def _values(values, what: str, unit: str, empty: bool = False) -> np.ndarray:
    """A spec string, a number or a sequence of numbers / strings with units -> array."""
    from .units import to_si

    if isinstance(values, str):
        return parse_values(values, what, unit)
    flat = np.ravel(np.asarray(values, dtype=object))
    try:
        out = np.array([to_si(v.item() if isinstance(v, np.generic) else v, unit)
                        for v in flat], dtype=float)
    except ValueError as exc:
        raise StackError(f"{what}: {exc}") from None
    if out.size == 0 and not empty:
        raise StackError(f"{what}: needs at least one value")
    return out
