"""The geometry model: wires joined at nodes, terminals and the motor's place (SI units).

One model serves every stack file.  A layer is a wire with a length (its thickness), an
area, an optional area profile (:class:`~circuitspin.flaring.AreaProfile`), a
magnetization, a segment count and contacts (interfaces) at its ends.  A
:class:`Geometry` is a set of wires between named nodes: terminals (``source``,
``ground``, ``floating`` electrodes), junctions and open ends.  ``[[wires]]`` files
describe the general graph; a ``[[layers]]`` file is a :class:`Stack`, whose
:attr:`Stack.geometry` is the chain of wires ``source - j1 - ... - ground`` (each
interface the ``to`` contact of the layer before it).  The network builder and the
closed form take the geometry; the Stack keeps the chain views (interfaces, thickness,
x positions) that presentation uses.

Nothing here imports the network, the solvers or the reader.

Public API
----------
Layer, Interface, Motor, Dynamics, Stack
    A straight stack's parts (``Layer.thickness`` is its length) and the stack.
Wire, Contact, Geometry (alias WireStack)
    A wire (a Layer with ``area``, ``node_from``/``node_to`` and their contacts), one
    interface at a wire end, and the general geometry.
wires_from_stack(stack, named_nodes=True) -> Geometry
    The straight stack as a chain of wires; ``stack.geometry`` is that chain with its
    nodes named after the layers (``named_nodes=False``: the network of a stack).
TERMINAL_KINDS, NODE_KINDS, ENDS
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Self

import numpy as np
from . import constants as _c

from .errors import StackError
from .flaring import AreaProfile
from .materials import InterfaceParams, Material
from .units import eng

TERMINAL_KINDS = ("source", "ground", "floating")
NODE_KINDS = TERMINAL_KINDS + ("junction", "open")
#: ``EDITOR(stack, changes) -> stack``: what :meth:`Stack.replace` calls.  It writes the
#: entries with the sweep's paths and reads the mapping again, so it lives above this
#: module (:func:`circuitspin.sweep.replace_entries`, which sets this when imported)
EDITOR = None
#: the [motor] entries of a stack file that are Motor fields of the same name
MOTOR_FILE_KEYS = frozenset({"frequency", "delta_alpha", "magnons", "mode", "alpha", "ms",
                             "g_factor"})
ENDS = ("from", "to")


@dataclass(frozen=True)
class Layer:
    """One layer of the stack.

    ``beta`` is the signed bulk asymmetry used by the network (reversed for
    ``magnetization == "down"``); ``x0`` is the position of its first face (m);
    ``area_profile`` (None: constant cross-section) makes it a flaring lead.
    """

    name: str
    material: Material
    thickness: float
    magnetization: str = "up"
    segments: int | None = None
    x0: float = 0.0
    area_profile: AreaProfile | None = None
    #: the magnetization as a lab-frame unit vector (spin space); ``magnetization`` is
    #: "up"/"down" relative to the stack's ``spin_axis`` (collinear stacks) or "up"
    #: (non-collinear stacks: a magnet's bands are along its own ``direction``)
    direction: tuple = (0.0, 0.0, 1.0)

    def area_at(self, base_area: float, xi):
        """Cross-section (m^2) at local positions ``xi`` (m, from the first face).

        ``base_area`` is the stack's (or the wire's) area: the constant section, or the
        narrow-face area of a spherical profile.
        """
        xi = np.asarray(xi, dtype=float)
        if self.area_profile is None:
            return np.full(xi.shape, float(base_area))
        return self.area_profile.areas(base_area, self.thickness, xi)

    @property
    def beta(self) -> float:
        return -self.material.beta if self.magnetization == "down" else self.material.beta

    @property
    def band_resistivities(self) -> tuple[float, float]:
        """(rho_up, rho_dn), ohm m, with this layer's magnetization."""
        return self.material.band_resistivities(self.beta)

    @property
    def lsf(self) -> float:
        return self.material.lsf

    @property
    def x1(self) -> float:
        return self.x0 + self.thickness

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_part_text(self)}, x {_nm(self.x0)}..{_nm(self.x1)})"


@dataclass(frozen=True)
class Interface:
    """The interface between layers ``left`` and ``left + 1``.

    ``params`` is None between two layers of the same material with no interface given:
    then, as with ``ar == 0``, the two layers share their boundary nodes (``merged``).
    """

    left: int
    params: InterfaceParams | None
    gamma: float = 0.0

    @property
    def merged(self) -> bool:
        return self.params is None or self.params.ar == 0.0

    @property
    def band_resistances(self) -> tuple[float, float]:
        """(r_up, r_dn) in ohm m^2, signed gamma applied."""
        if self.params is None:
            return 0.0, 0.0
        return self.params.band_resistances(self.gamma)


@dataclass(frozen=True)
class Motor:
    """The spin-wave motor between U and D, the first nodes of layer ``layer``.

    In a branched geometry ``layer`` names a wire and ``end`` ("from" or "to") the end
    of it whose nodes (past its interface) are U and D.

    Counter-EMF ``emf = h f / e`` (V); ``R_1 = hbar / (2 e^2 delta_alpha)`` (ohm);
    linear branch resistance ``R_M = R_1 / magnons`` (open for magnons = 0).
    """

    layer: str
    index: int
    frequency: float
    delta_alpha: float
    magnons: float = 0.0
    mode: str = "linear"
    alpha: float | None = None
    ms: float | None = None
    g_factor: float = 2.0
    end: str = "from"

    @property
    def emf(self) -> float:
        return _c.h * self.frequency / _c.e

    @property
    def r1(self) -> float:
        g1 = (2.0 * _c.e**2 / _c.hbar) * self.delta_alpha  # no underflow to 1/0
        return 1.0 / g1 if g1 > 0 else math.inf

    @property
    def conductance(self) -> float:
        """1/R_M of the linear branch, S (0: open)."""
        return self.magnons * (2.0 * _c.e**2 / _c.hbar) * self.delta_alpha


@dataclass(frozen=True)
class Dynamics:
    """The ``[dynamics]`` table: the macrospin of layer ``layer`` (index ``index``).

    ``ms`` (A/m), ``alpha`` (Gilbert damping), ``anisotropy_field`` (T, uniaxial along
    the layer's initial magnetization), ``field`` (T, applied, lab axes), ``gamma``
    (rad/(s T)); see :mod:`circuitspin.dynamics`."""

    layer: str
    index: int
    ms: float
    alpha: float
    anisotropy_field: float = 0.0
    field: tuple = (0.0, 0.0, 0.0)
    gamma: float = 1.76e11
    #: add the spin-pumping damping of the layer's F|N interfaces (from their g_mix)
    spin_pumping: bool = False


class NamedParts:
    """Lookups shared by :class:`Stack` (parts: layers) and the branched ``WireStack``
    (parts: wires); needs ``layers``, ``motor``, ``source``."""

    _part = "layer"

    def layer_index(self, name: str) -> int:
        for i, layer in enumerate(self.layers):
            if layer.name == name:
                return i
        raise StackError(f"{self.source}: no {self._part} named {name!r}")

    @property
    def motor_sign(self) -> float:
        """s = +1 (motor layer "up") or -1 ("down"): V_UD = s (V_up - V_dn) in the motor
        layer's own frame, where Berger's up and down are along its spins."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        return -1.0 if self.layers[self.motor.index].magnetization == "down" else 1.0

    @property
    def collinear(self) -> bool:
        """Whether every magnet is parallel or antiparallel to :attr:`spin_axis`."""
        return self.spin_axis is not None

    def band_axis(self, index: int) -> np.ndarray:
        """The lab unit vector along which the "up" band of part ``index`` points in the
        network: the spin axis of a collinear stack; in a non-collinear one, a magnet's
        own direction and +z for a normal metal (whose x and y spin components are
        nodes of their own)."""
        part = self.layers[index]
        if self.spin_axis is not None:
            return np.array(self.spin_axis, dtype=float)
        if part.material.ferromagnetic:
            return np.array(part.direction, dtype=float)
        return np.array([0.0, 0.0, 1.0])

    def with_motor(self, **changes):
        """A copy with motor fields changed (e.g. ``magnons=10``)."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        data = self.data
        if data is not None:  # the mapping follows, so that replace() keeps the change
            if set(changes) <= MOTOR_FILE_KEYS and isinstance(data.get("motor"), dict):
                data = {**data, "motor": {**data["motor"], **changes}}
            else:
                data = None
        return replace(self, motor=replace(self.motor, **changes), data=data)

    def replace(self, changes: Mapping[str, object]) -> Self:
        """A new validated stack with the entries at the given paths changed.

        ``changes`` maps a path (``"layers.N.thickness"``, ``"materials.Co.lsf"``,
        ``"interfaces.Co/Cu.ar"``, ``"motor.frequency"``, ``"area"``: the paths of a
        sweep, :mod:`circuitspin.sweep`) to a value: a number in SI units or a string
        with units (``"10 nm"``).  The new stack is read from this stack's mapping with
        those entries written, exactly as a stack file with them would be (the same
        validation and errors; positions, profiles and interface signs recomputed); this
        stack is not changed.  A path that names nothing in the stack is a StackError.
        """
        if EDITOR is None:  # pragma: no cover - set when the package is imported
            raise StackError("replace() needs the circuitspin package imported")
        return EDITOR(self, changes)


@dataclass(frozen=True)
class Stack(NamedParts):
    """A validated straight stack (layers along x, current perpendicular to them)."""

    title: str
    area: float
    temperature: float
    layers: tuple[Layer, ...]
    interfaces: tuple[Interface, ...]
    motor: Motor | None = None
    source: str = "<dict>"
    materials: dict = field(default_factory=dict, compare=False, repr=False)
    #: the ``[dynamics]`` table (macrospin of one layer), or None
    dynamics: Dynamics | None = None
    #: the common axis of a collinear stack's magnets (lab unit vector: "up" is along
    #: it), None for a non-collinear stack (physics: docs/noncollinear.md)
    spin_axis: tuple | None = (0.0, 0.0, 1.0)
    #: the stack mapping this stack was read from (None: built by hand); see replace()
    data: dict | None = field(default=None, compare=False, repr=False)

    @property
    def thickness(self) -> float:
        return self.layers[-1].x1

    @property
    def motor_area(self) -> float:
        """Cross-section (m^2) of the motor layer at U-D (its first face)."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        return float(self.layers[self.motor.index].area_at(self.area, 0.0))

    @cached_property
    def geometry(self) -> "Geometry":
        """This stack as a chain of wires (see :func:`wires_from_stack`), its nodes
        named after the layers."""
        return wires_from_stack(self, named_nodes=False)

    def __repr__(self) -> str:
        head = (f"Stack {self.title!r} ({self.source}): {len(self.layers)} layers, "
                f"{_nm(self.thickness)}, area {self.area:.4g} m^2, {self.temperature:g} K")
        return "\n".join([head, _parts_line(self.layers, " | "), *_motor_line(self)])


@dataclass(frozen=True)
class Contact:
    """An interface between a wire end and its node: AR*, signed gamma, area (m^2)."""

    pair: str
    params: InterfaceParams
    gamma: float
    area: float

    @property
    def band_resistances(self) -> tuple[float, float]:
        """(r_up, r_dn) in ohm m^2, signed gamma applied."""
        return self.params.band_resistances(self.gamma)

    @property
    def resistances(self) -> tuple[float, float]:
        """(R_up, R_dn) in ohm: r_s / area."""
        r_up, r_dn = self.band_resistances
        return r_up / self.area, r_dn / self.area


@dataclass(frozen=True)
class Wire(Layer):
    """One wire: a layer (thickness = length) with its own area and two end nodes."""

    area: float = 0.0
    node_from: str = ""
    node_to: str = ""
    contact_from: Contact | None = None
    contact_to: Contact | None = None

    @property
    def length(self) -> float:
        return self.thickness

    def node(self, end: str) -> str:
        return self.node_from if end == "from" else self.node_to

    def contact(self, end: str) -> Contact | None:
        return self.contact_from if end == "from" else self.contact_to

    def face_area(self, end: str) -> float:
        """Cross-section (m^2) at the ``from`` or ``to`` face."""
        return float(self.area_at(self.area, 0.0 if end == "from" else self.thickness))

    def __repr__(self) -> str:
        return (f"Wire({_part_text(self)}, {self.node_from} -> {self.node_to}, area "
                f"{self.area:.4g} m^2)")


@dataclass(frozen=True)
class Geometry(NamedParts):
    """Wires between named nodes (see the module docstring).

    ``nodes`` is a tuple of (name, kind) with kind in NODE_KINDS, in order of first use;
    ``area`` is the file's top-level area (m^2) or None.
    """

    _part = "wire"

    title: str
    temperature: float
    layers: tuple[Wire, ...]
    nodes: tuple[tuple[str, str], ...]
    motor: Motor | None = None
    source: str = "<dict>"
    area: float | None = None
    materials: dict = field(default_factory=dict, compare=False, repr=False)
    data: dict | None = field(default=None, compare=False, repr=False)
    #: False for the chain of a ``[[layers]]`` stack, whose nodes are named after its
    #: layers (``source``, ``j1``... are internal): no terminal labels in its network
    named_nodes: bool = True
    #: as :attr:`Stack.spin_axis`
    spin_axis: tuple | None = (0.0, 0.0, 1.0)

    @property
    def wires(self) -> tuple[Wire, ...]:
        return self.layers

    @property
    def thickness(self) -> float:
        """The largest x of the profile (m): the longest wire (x runs along each wire)."""
        return max(w.x1 for w in self.layers)

    @property
    def motor_area(self) -> float:
        """Cross-section (m^2) of the motor wire at its U-D end."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        return self.layers[self.motor.index].face_area(self.motor.end)

    def node_kind(self, name: str) -> str:
        return dict(self.nodes)[name]

    @property
    def terminals(self) -> dict[str, str]:
        """Terminal name -> "source", "ground" or "floating"."""
        return {n: k for n, k in self.nodes if k in TERMINAL_KINDS}

    def terminal(self, kind: str) -> str:
        """The name of the (single) "source" or "ground" terminal."""
        return next(n for n, k in self.nodes if k == kind)

    def ends(self, name: str) -> list[tuple[int, str]]:
        """The wire ends (wire index, "from"/"to") at node ``name``, in wire order."""
        return [(i, e) for i, w in enumerate(self.layers) for e in ENDS if w.node(e) == name]

    @property
    def geometry(self) -> "Geometry":
        return self

    def __repr__(self) -> str:
        kinds = ", ".join(f"{n} ({k})" for n, k in self.nodes if k in TERMINAL_KINDS)
        head = (f"Geometry {self.title!r} ({self.source}): {len(self.layers)} wires, "
                f"{len(self.nodes)} nodes; terminals {kinds}")
        return "\n".join([head, _parts_line(self.layers, "; "), *_motor_line(self)])


#: the most parts a repr lists by name
REPR_PARTS = 16


def _nm(x: float) -> str:
    return eng(x, "m")


def _magnet(part) -> str:
    """A magnet's direction for a repr: "up"/"down" along the stack's axis, else m."""
    d = tuple(getattr(part, "direction", (0.0, 0.0, 1.0)))
    if d in ((0.0, 0.0, 1.0), (0.0, 0.0, -1.0)):
        return part.magnetization
    return "m [" + ", ".join(f"{c:.3g}" for c in d) + "]"


def _part_text(part) -> str:
    mag = f", {_magnet(part)}" if part.material.ferromagnetic else ""
    return f"{part.name!r}: {part.material.name}, {_nm(part.thickness)}{mag}"


def _parts_line(parts, sep: str) -> str:
    def short(p):
        mag = f" {_magnet(p)}" if p.material.ferromagnetic else ""
        ends = f" {p.node_from}-{p.node_to}" if isinstance(p, Wire) and p.node_from else ""
        return f"{p.name} {p.material.name} {_nm(p.thickness)}{mag}{ends}"

    import textwrap

    shown = [short(p) for p in parts[:REPR_PARTS]]
    more = len(parts) - REPR_PARTS
    if more > 0:
        shown.append(f"... ({more} more)")
    # wrapped at the separators only (a part's text is never split)
    lines, line = [], ""
    for text in shown:
        if line and len(line) + len(sep) + len(text) > 86:
            lines.append(line + sep.rstrip())
            line = text
        else:
            line = f"{line}{sep}{text}" if line else text
    lines.append(line)
    return textwrap.indent("\n".join(lines), "  ")


def _motor_line(stack) -> list[str]:
    m = stack.motor
    if m is None:
        return []
    return [f"  motor at {m.layer!r} ({m.end} end): {eng(m.frequency, 'Hz')}, delta_alpha "
            f"{m.delta_alpha:g}, {m.mode}" + (f", magnons {m.magnons:g}"
                                              if m.mode == "linear" else "")]


WireStack = Geometry


def check_geometry(geometry, who: str) -> None:
    """StackError unless ``geometry`` is a stack (or a branched geometry): the closed form
    is an independent check of a network, so it takes the stack, never a network."""
    if not hasattr(geometry, "layers") or not hasattr(geometry, "motor"):
        hint = (" (the closed form needs no network: pass network.stack)"
                if hasattr(geometry, "stack") else "")
        raise StackError(f"{who} takes a stack from load_stack or stack_from_dict, got "
                         f"{type(geometry).__name__}{hint}")


def wires_from_stack(stack: Stack, named_nodes: bool = True) -> Geometry:
    """The straight ``stack`` as a chain of wires "source" - j1 - ... - "ground".

    Each interface of the stack becomes the ``to`` contact of the layer before it (area:
    the smaller face area of the two layers); wires keep the layers' ``x0``.
    ``named_nodes=False``: the network names its nodes after the layers, as a stack's
    (the chain's node names stay internal).
    """
    n = len(stack.layers)
    names = ["source"] + [f"j{i}" for i in range(1, n)] + ["ground"]
    wires = []
    for i, layer in enumerate(stack.layers):
        contact = None
        if i < n - 1 and not stack.interfaces[i].merged:
            iface = stack.interfaces[i]
            nxt = stack.layers[i + 1]
            area = min(float(layer.area_at(stack.area, layer.thickness)),
                       float(nxt.area_at(stack.area, 0.0)))
            pair = f"{layer.material.name}/{nxt.material.name}"
            contact = Contact(pair=pair, params=iface.params, gamma=iface.gamma, area=area)
        wires.append(Wire(name=layer.name, material=layer.material,
                          thickness=layer.thickness, magnetization=layer.magnetization,
                          segments=layer.segments, x0=layer.x0,
                          area_profile=layer.area_profile, direction=layer.direction,
                          area=stack.area,
                          node_from=names[i], node_to=names[i + 1], contact_to=contact))
    nodes = (("source", "source"),) + tuple((f"j{i}", "junction") for i in range(1, n)) \
        + (("ground", "ground"),)
    motor = stack.motor
    if motor is not None:
        motor = replace(motor, end="from")
    return Geometry(title=stack.title, temperature=stack.temperature, layers=tuple(wires),
                     nodes=nodes, motor=motor, source=stack.source, area=stack.area,
                     materials=stack.materials, named_nodes=named_nodes,
                     spin_axis=stack.spin_axis)
