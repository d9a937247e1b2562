"""The ``[dynamics]`` table of a stack file (docs/stack-files.md), read for the reader.

Public API
----------
read_dynamics(r, entry, layers) -> Dynamics
    ``r`` is the reader's validator (:class:`circuitspin.reader._Reader`: it names the
    file, the table and the key in every error); ``layers`` the stack's layers.
"""
from __future__ import annotations

from .geometry import Dynamics


def _positive(v):
    return v > 0


_DYNAMICS_KEYS = {"layer", "ms", "alpha", "anisotropy_field", "field", "gamma",
                  "spin_pumping"}


def read_dynamics(r, entry, layers) -> Dynamics:
    """The ``[dynamics]`` table of a straight stack (docs/stack-files.md)."""
    t = "dynamics"
    entry = r.table(entry, t)
    r.unknown(entry, _DYNAMICS_KEYS, t)
    name = r.string(entry, "layer", t)
    index = next((i for i, lay in enumerate(layers) if lay.name == name), None)
    if index is None:
        r.fail(t, "layer", f"no layer named {name!r} (layers: "
                           f"{', '.join(lay.name for lay in layers)})")
    if not layers[index].material.ferromagnetic:
        r.fail(t, "layer", f"{name!r} is {layers[index].material.name}, not a ferromagnet: "
                           "the macrospin is a magnetic layer")
    field = entry.get("field", [0.0, 0.0, 0.0])
    if not isinstance(field, list) or len(field) != 3:
        r.fail(t, "field", f"must be a list of three components [Bx, By, Bz] (T), got {field!r}")
    b = [r.number({"field": v}, "field", "T", t) for v in field]
    pumping = entry.get("spin_pumping", False)
    if not isinstance(pumping, bool):
        r.fail(t, "spin_pumping", f"must be true or false, got {pumping!r}")
    return Dynamics(
        layer=name, index=index, field=tuple(b), spin_pumping=pumping,
        ms=r.number(entry, "ms", "A/m", t, check=_positive, what="> 0"),
        alpha=r.number(entry, "alpha", "", t, check=lambda v: v >= 0, what=">= 0"),
        anisotropy_field=r.number(entry, "anisotropy_field", "T", t, required=False,
                                  default=0.0, check=lambda v: v >= 0, what=">= 0"),
        gamma=r.number(entry, "gamma", "rad/s/T", t, required=False, default=1.76e11,
                       check=_positive, what="> 0"))
