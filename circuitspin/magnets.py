"""Magnet directions: the ``magnetization`` key, collinearity, and the rules of a
non-collinear stack (docs/noncollinear.md).  Used by the reader.

Public API
----------
read_magnetization(r, entry, table) -> (mx, my, mz)
    "up" = +z, "down" = -z, ``[mx, my, mz]`` (normalised) or ``{theta, phi}`` (polar
    angle from +z, azimuth from +x; a bare number is in degrees).
collinear_axis(parts) -> axis or None
    The common axis of the magnets (+z when they all lie along z), None if they are not
    collinear (|m x axis| > COLLINEAR_TOL for some magnet).
orient(parts, axis)
    The parts with ``magnetization`` "up"/"down" relative to the axis (collinear) or "up"
    (non-collinear: each magnet's bands are along its own direction).
check_mixing(r, a, b, params, pair)
    A non-collinear stack's interface rules: g_mix at every F|N contact, ferromagnets in
    contact parallel, normal metals without spin asymmetry.
check_wire_mixing(r, wires, kinds)
    The same rules for a ``[[wires]]`` geometry, at its junctions and contacts.
pumped_delta_alpha(r, layers, interfaces, index, params) -> float
    ``[motor] delta_alpha = "from g_mix"``: the spin-pumping enhancement of the motor
    layer's damping (Tserkovnyak, Brataas, Bauer, PRL 88, 117601 (2002)),
    g mu_B hbar sum(g_mix) / (2 e^2 M_s d) over its F|N interfaces (no backflow).
angular(data) -> bool
    Whether a stack mapping gives a magnetization as a vector or angles.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .units import to_si

#: |m x axis| at or below this: the magnet is along the axis (a stack file's "180 deg"
#: leaves sin(pi) ~ 1.2e-16)
COLLINEAR_TOL = 1e-12
#: the [motor] delta_alpha value that asks for spin pumping from g_mix
FROM_G_MIX = "from g_mix"


def read_magnetization(r, entry: dict, table: str) -> tuple:
    """The ``magnetization`` of a layer or wire as a lab unit vector: "up" = +z,
    "down" = -z, ``[mx, my, mz]`` (normalised), or ``{theta, phi}`` (polar angle from
    +z, azimuth from +x; a bare number is in degrees, a string may carry a unit)."""
    value = entry.get("magnetization", "up")
    if isinstance(value, str):
        if value not in ("up", "down"):
            r.fail(table, "magnetization", f"must be 'up', 'down', [mx, my, mz] or "
                                           f"{{ theta, phi }}, got {value!r}")
        return (0.0, 0.0, 1.0 if value == "up" else -1.0)
    if isinstance(value, list):
        if len(value) != 3:
            r.fail(table, "magnetization", f"a vector needs 3 components [mx, my, mz], got "
                                           f"{len(value)}")
        try:
            v = [to_si(c, "") for c in value]
        except ValueError as exc:
            r.fail(table, "magnetization", str(exc))
        norm = math.sqrt(sum(c * c for c in v))
        if not norm > 0 or not math.isfinite(norm):
            r.fail(table, "magnetization", f"must be a nonzero finite vector, got {value!r}")
        return tuple(c / norm for c in v)
    if isinstance(value, dict):
        t = f"{table} magnetization"
        r.unknown(value, {"theta", "phi"}, t)
        angles = []
        for key in ("theta", "phi"):
            raw = value.get(key, 0.0)
            if key not in value and key == "theta":
                r.fail(t, "theta", "missing")
            try:
                a = math.radians(float(raw)) if isinstance(raw, (int, float)) \
                    and not isinstance(raw, bool) else to_si(raw, "rad")
            except (ValueError, TypeError) as exc:
                r.fail(t, key, str(exc))
            if not math.isfinite(a):
                r.fail(t, key, f"must be finite, got {raw!r}")
            angles.append(a)
        th, ph = angles
        return (math.sin(th) * math.cos(ph), math.sin(th) * math.sin(ph), math.cos(th))
    r.fail(table, "magnetization", f"must be 'up', 'down', [mx, my, mz] or "
                                   f"{{ theta, phi }}, got {value!r}")


def collinear_axis(parts) -> tuple | None:
    """The common axis of the ferromagnetic parts' directions (+z when they are all
    along z, else the first magnet's direction), or None when they are not collinear."""
    dirs = [np.array(p.direction) for p in parts if p.material.ferromagnetic]
    for axis in (np.array([0.0, 0.0, 1.0]), dirs[0] if dirs else None):
        if axis is None:
            break
        if all(np.linalg.norm(np.cross(d, axis)) <= COLLINEAR_TOL for d in dirs):
            return tuple(float(c) for c in axis)
    return None


def orient(parts, axis):
    """The parts with ``magnetization`` "up"/"down" relative to the collinear ``axis``
    (lab up = +axis), or "up" for every part of a non-collinear stack (axis None: a
    magnet's bands are along its own direction)."""
    out = []
    for p in parts:
        if axis is None:
            mag = "up"
        else:
            mag = "up" if sum(a * b for a, b in zip(p.direction, axis)) >= 0 else "down"
        out.append(replace(p, magnetization=mag) if mag != p.magnetization else p)
    return out


def check_mixing(r, a, b, params, pair: str) -> None:
    """In a non-collinear stack an F|N interface needs ``g_mix`` (and ar > 0), and two
    ferromagnets may meet only when parallel."""
    fa, fb = a.material.ferromagnetic, b.material.ferromagnetic
    table = f'interfaces."{pair}"'
    if not (fa and fb) and params is not None and params.delta > 0.0:
        r.fail(table, "delta", f"interface spin flip between {a.name!r} and {b.name!r} "
                               "is not modelled in a non-collinear stack (only along one "
                               "axis): set delta = 0 there or keep the magnets collinear")
    if fa and fb:
        if np.linalg.norm(np.array(a.direction) - np.array(b.direction)) > COLLINEAR_TOL:
            r.fail(table, None, f"{a.name!r} and {b.name!r} are ferromagnets in contact "
                                "that are not parallel, in a non-collinear stack: not "
                                "supported (put a normal metal between them)")
        return
    if fa or fb:
        if params is None or params.ar == 0.0:
            r.fail(table, "ar", f"must be > 0 between {a.name!r} and {b.name!r}: an F|N "
                                "contact of a non-collinear stack has its own nodes")
        if params.g_mix is None:
            r.fail(table, "g_mix", f"missing: the magnets are not collinear, so the "
                                   f"contact of {a.name!r} and {b.name!r} needs the "
                                   "spin-mixing conductance (S/m^2; no built-in value)")
    elif a.material.beta != 0.0 or b.material.beta != 0.0 or \
            (params is not None and params.gamma != 0.0):
        r.fail(table, None, f"{a.name!r}|{b.name!r}: a normal metal with a spin "
                            "asymmetry (beta or gamma != 0) in a non-collinear stack is "
                            "not supported")


def pumped_delta_alpha(r, layers, interfaces, index, params) -> float:
    """Delta_alpha of the motor layer from the spin-mixing conductance (spin pumping).

    Tserkovnyak, Brataas and Bauer (PRL 88, 117601 (2002)): a magnet of volume V = A d
    and magnetisation M_s pumps a spin current into a normal metal that is a perfect
    sink, raising its Gilbert damping by alpha' = g mu_B g_r / (4 pi M_s V), g_r the
    dimensionless (e^2/h units) real mixing conductance of the contact.  With the
    mixing conductance per area in the per-spin normalisation used here (g_mix, S/m^2:
    g_r = (h / e^2) A g_mix, so that an interface with no spin dependence has
    g_mix = 1 / r_s): alpha' = g mu_B hbar g_mix / (2 e^2 M_s d), summed over the
    magnet's F|N contacts.  No backflow: the normal metals are taken as ideal sinks.
    """
    from scipy import constants as c

    if params.get("ms") is None:
        r.fail("motor", "ms", f"missing: delta_alpha = {FROM_G_MIX!r} needs the motor "
                              "layer's saturation magnetisation (A/m)")
    total = 0.0
    lay = layers[index]
    for iface in interfaces or ():
        if index not in (iface.left, iface.left + 1) or iface.params is None:
            continue
        other = layers[iface.left + 1 if iface.left == index else iface.left]
        if other.material.ferromagnetic:
            continue
        if iface.params.g_mix is None:
            r.fail("motor", "delta_alpha", f"{FROM_G_MIX!r}: the interface of "
                   f"{lay.name!r} and {other.name!r} has no g_mix (give it in "
                   f'[interfaces."{lay.material.name}/{other.material.name}"])')
        total += iface.params.g_mix
    if total <= 0:
        r.fail("motor", "delta_alpha", f"{FROM_G_MIX!r}: {lay.name!r} has no F|N interface "
                                       "with g_mix > 0")
    mu_b = c.physical_constants["Bohr magneton"][0]
    return params["g_factor"] * mu_b * c.hbar * total / (2 * c.e**2 * params["ms"]
                                                        * lay.thickness)


def check_wire_mixing(r, wires, kinds) -> None:
    """A non-collinear ``[[wires]]`` geometry: at a junction the wire ends that meet
    without an interface share their nodes, so they must be all normal metals or all
    parallel magnets; a junction reached only through interfaces has no material of its
    own (not supported); an F|N contact needs ``g_mix``; normal metals carry no spin
    asymmetry."""
    for w in wires:
        if not w.material.ferromagnetic and w.material.beta != 0.0:
            r.fail("wires", w.name, f"{w.material.name} is a normal metal with beta != 0: "
                                    "not supported in a non-collinear geometry")
    for node, kind in kinds.items():
        if kind not in ("junction", "open"):
            continue
        ends = [(w, e) for w in wires for e in ("from", "to") if w.node(e) == node]
        free = [w for w, e in ends if w.contact(e) is None]
        if not free:
            r.fail("wires", ends[0][0].name, f"junction {node!r} is reached only through "
                   "interfaces: not supported in a non-collinear geometry (join one wire "
                   "to it directly)")
        magnets = [w for w in free if w.material.ferromagnetic]
        if magnets and len(magnets) < len(free):
            r.fail("wires", magnets[0].name, f"at junction {node!r} a magnet meets a normal "
                   "metal without an interface: give the magnet an interface there")
        for w in magnets[1:]:
            if np.linalg.norm(np.array(w.direction) - np.array(magnets[0].direction)) \
                    > COLLINEAR_TOL:
                r.fail("wires", w.name, f"magnets {magnets[0].name!r} and {w.name!r} meet "
                       f"at {node!r} without being parallel: not supported")
        for w, e in ends:
            c = w.contact(e)
            if c is None:
                continue
            other_f = bool(free) and free[0].material.ferromagnetic
            if not (w.material.ferromagnetic and other_f) and c.params.delta > 0.0:
                r.fail(f'interfaces."{c.pair}"', "delta", f"interface spin flip at "
                       f"{w.name!r}'s end {node!r} is not modelled in a non-collinear "
                       "geometry (only along one axis): set delta = 0 there or keep the "
                       "magnets collinear")
            if w.material.ferromagnetic == other_f:
                if not w.material.ferromagnetic and c.params.gamma != 0.0:
                    r.fail("wires", w.name, f"interface_{e} {c.pair!r}: gamma != 0 between "
                           "normal metals is not supported in a non-collinear geometry")
                if w.material.ferromagnetic and np.linalg.norm(
                        np.array(w.direction) - np.array(free[0].direction)) > COLLINEAR_TOL:
                    r.fail("wires", w.name, f"interface_{e}: magnets in contact that are "
                           "not parallel: not supported")
                continue
            if c.params.g_mix is None:
                r.fail(f'interfaces."{c.pair}"', "g_mix", f"missing: the magnets are not "
                       f"collinear, so the contact of {w.name!r} at {node!r} needs the "
                       "spin-mixing conductance (S/m^2; no built-in value)")


#: the torque fields of an angular sweep (N m), per current
TORQUE_FIELDS = ("torque_damping_like", "torque_field_like", "torque_magnitude")


def angular(data: dict) -> bool:
    """Whether a stack mapping gives a magnetization as a vector or angles (its sweeps
    report the torque)."""
    return any(isinstance(part, dict) and not isinstance(part.get("magnetization", "up"), str)
               for head in ("layers", "wires") for part in data.get(head, []) or [])
