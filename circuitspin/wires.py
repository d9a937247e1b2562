"""Branched geometries: 1D wires joined at point junctions (docs/model.md).

The second form of a stack file, beside ``[[layers]]``::

    [[wires]]                 # one 1D wire
    name = "F1"
    material = "Co"
    length = 100e-9
    area = 1e-14              # default: the top-level ``area``
    from = "inj"              # node names: a terminal, a junction or an open end
    to = "J"
    interface_to = "Co/Cu"    # an interface between this end and the node
    contact_area = 1e-14      # area of this wire's interfaces (default: its face area)
    # interface_from = "...", magnetization = "down", segments = N, area_profile = {...}

    [terminals]
    inj = "source"            # --current I enters here
    gnd = "ground"            # 0 V
    det = "floating"          # an electrode (bands shorted) with no net current: a probe

    [motor]
    wire = "F2"               # U, D: the nodes of wire F2 at its ``end``, past its interface
    end = "from"

A node named by several wire ends is a junction (per band: one potential, currents sum
to zero); a node named by one end and not a terminal is an open end (no current).  x runs
along each wire from its ``from`` end.

The gamma of a wire's interface follows the magnetization of the ferromagnetic side of
the pair: the wire itself if it is made of the ferromagnetic member, otherwise the wires
of that material meeting it at the node (between two ferromagnets: the wire that holds
the interface).

Public API
----------
WireStack
    Frozen geometry; duck-types :class:`~circuitspin.stack.Stack` for the network, the
    solvers and the motor (``title``, ``temperature``, ``layers`` = the wires, ``motor``,
    ``source`` = the file, ``layer_index``, ``with_motor``) and adds ``nodes``,
    ``terminals``, ``node_kind(name)``, ``ends(name)``.
Wire, Contact
    A wire (a :class:`~circuitspin.stack.Layer` with ``length`` = thickness, ``area``,
    ``node_from``/``node_to`` and their contacts) and one interface at a wire end.
wires_from_dict(data, source) -> WireStack
    Validate a parsed ``[[wires]]`` file (called by ``stack_from_dict``/``load_stack``).
wires_from_stack(stack) -> WireStack
    A straight stack written as a chain of wires (same physics, same layer order).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import StackError
from .flaring import read_area_profile
from .materials import InterfaceParams, builtin_interface
from .stack import (Layer, Motor, NamedParts, Stack, _positive, _read_interfaces,
                    _read_material, _Reader, check_motor_magnet, read_motor_params,
                    read_name_and_material)

TERMINAL_KINDS = ("source", "ground", "floating")
NODE_KINDS = TERMINAL_KINDS + ("junction", "open")
_TOP_KEYS = {"title", "area", "temperature", "materials", "interfaces", "wires",
             "terminals", "motor"}
_WIRE_KEYS = {"name", "material", "length", "area", "from", "to", "interface_from",
              "interface_to", "contact_area", "magnetization", "segments", "area_profile"}
_MOTOR_KEYS = {"wire", "layer", "end", "frequency", "delta_alpha", "magnons", "mode",
               "alpha", "ms", "g_factor"}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
ENDS = ("from", "to")


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


@dataclass(frozen=True)
class WireStack(NamedParts):
    """A validated branched geometry (see the module docstring).

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



# --------------------------------------------------------------------------- reading
def wires_from_dict(data: dict, source: str = "<dict>") -> WireStack:
    """Validate a parsed ``[[wires]]`` stack mapping and return a :class:`WireStack`."""
    r = _Reader(source)
    r.unknown(data, _TOP_KEYS, "top level")
    title = data.get("title", Path(source).stem)
    if not isinstance(title, str):
        r.fail("top level", "title", f"must be a string, got {title!r}")
    area = r.number(data, "area", "m**2", "top level", required=False, check=_positive,
                    what="> 0")
    temperature = r.number(data, "temperature", "K", "top level", required=False,
                           default=4.2, check=lambda v: v >= 0, what=">= 0")
    materials = {name: _read_material(r, name, entry)
                 for name, entry in r.table(data.get("materials", {}), "materials").items()}
    interfaces = _read_interfaces(r, data.get("interfaces", {}))
    terminals = _read_terminals(r, data.get("terminals"))

    raw = data.get("wires")
    if not isinstance(raw, list) or not raw:
        r.fail("wires", None, "must be a non-empty array of tables ([[wires]])")
    entries, wires, seen = [], [], set()
    for i, entry in enumerate(raw, start=1):
        table = f"wires #{i}"
        entry = r.table(entry, table)
        if isinstance(entry.get("name"), str):
            table = f"wires #{i} {entry['name']!r}"
        wires.append(_read_wire(r, entry, table, i, area, materials, seen))
        entries.append((table, entry))

    # nodes: terminals, junctions (>= 2 ends), open ends (1 end), in order of first use
    uses: dict[str, int] = {}
    for w in wires:
        for end in ENDS:
            uses[w.node(end)] = uses.get(w.node(end), 0) + 1
    for name in terminals:
        if name not in uses:
            r.fail("terminals", name, f"no wire ends at terminal {name!r} (wire nodes: "
                                      f"{', '.join(uses)})")
    nodes = tuple((n, terminals.get(n, "junction" if k > 1 else "open"))
                  for n, k in uses.items())
    for kind in ("source", "ground"):
        count = sum(k == kind for k in terminals.values())
        if count != 1:
            r.fail("terminals", None, f'needs exactly one terminal = "{kind}", got {count}')
    _check_connected(r, wires, terminals)

    kinds = dict(nodes)
    wires = [_with_contacts(r, w, table, entry, wires, kinds, interfaces)
             for w, (table, entry) in zip(wires, entries)]
    ws = WireStack(title=title, temperature=temperature, layers=tuple(wires), nodes=nodes,
                   source=source, area=area, materials=materials)
    if "motor" in data:
        ws = replace(ws, motor=_read_wire_motor(r, data["motor"], ws))
    return ws


def _read_terminals(r: _Reader, value) -> dict[str, str]:
    if value is None:
        r.fail("terminals", None, 'missing: name the "source" and "ground" terminals, '
                                  'e.g. [terminals] inj = "source", gnd = "ground"')
    out = {}
    for name, kind in r.table(value, "terminals").items():
        if not _NAME.match(name):
            r.fail("terminals", name, "a node name must be a letter followed by letters, "
                                      "digits or _")
        if kind not in TERMINAL_KINDS:
            r.fail("terminals", name, f"must be one of {', '.join(map(repr, TERMINAL_KINDS))}, "
                                      f"got {kind!r}")
        out[name] = kind
    lower = [n.lower() for n in out]
    for n in out:
        if lower.count(n.lower()) > 1:
            r.fail("terminals", n, "two terminals differ only in case (SPICE names ignore it)")
    return out


def _read_wire(r, entry, table, i, default_area, materials, seen) -> Wire:
    r.unknown(entry, _WIRE_KEYS, table)
    name, material = read_name_and_material(r, entry, table, f"W{i}", "wire", materials,
                                            seen)
    length = r.number(entry, "length", "m", table, check=_positive, what="> 0")
    area = r.number(entry, "area", "m**2", table, required=default_area is None,
                    default=default_area, check=_positive, what="> 0")
    ends = {}
    for end in ENDS:
        node = r.string(entry, end, table)
        if not _NAME.match(node):
            r.fail(table, end, f"node name {node!r} must be a letter followed by letters, "
                               "digits or _")
        ends[end] = node
    if ends["from"] == ends["to"]:
        r.fail(table, "to", f"a wire must join two different nodes, got {ends['to']!r} twice")
    mag = r.string(entry, "magnetization", table, required=False, default="up",
                   choices=("up", "down"))
    segments = entry.get("segments")
    if segments is not None and (isinstance(segments, bool) or not isinstance(segments, int)
                                 or segments < 1):
        r.fail(table, "segments", f"must be a whole number >= 1, got {segments!r}")
    profile = None
    if "area_profile" in entry:
        profile = read_area_profile(r, entry["area_profile"], table, length)
    return Wire(name=name, material=material, thickness=length, magnetization=mag,
                segments=segments, area_profile=profile, area=area,
                node_from=ends["from"], node_to=ends["to"])


def _check_connected(r, wires, terminals):
    parent: dict[str, str] = {}

    def root(n):
        while parent.setdefault(n, n) != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for w in wires:
        parent[root(w.node_from)] = root(w.node_to)
    src = next(n for n, k in terminals.items() if k == "source")
    apart = [w.name for w in wires if root(w.node_from) != root(src)]
    if apart:
        r.fail("wires", apart[0], f"not connected to the source terminal {src!r} "
                                  f"(disconnected piece: {', '.join(apart)})")


def _with_contacts(r, w, table, entry, wires, kinds, interfaces) -> Wire:
    contact_area = r.number(entry, "contact_area", "m**2", table, required=False,
                            check=_positive, what="> 0")
    contacts = {}
    for end in ENDS:
        key = f"interface_{end}"
        if key not in entry:
            contacts[end] = None
            continue
        pair = r.string(entry, key, table)
        node = w.node(end)
        if kinds[node] == "open":
            r.fail(table, key, f"node {node!r} is an open end (no other wire, no terminal): "
                               "an interface there joins nothing")
        parts = pair.split("/")
        if len(parts) != 2 or not all(parts):
            r.fail(table, key, f'must name a pair of materials as "A/B", got {pair!r}')
        if w.material.name not in parts:
            r.fail(table, key, f"pair {pair!r} does not contain this wire's material "
                               f"{w.material.name!r}")
        found = interfaces.get(frozenset(parts))
        params = found[1] if found else builtin_interface(*parts)
        if params is None:
            r.fail(table, key, f'unknown interface {pair!r}: give [interfaces."{pair}"] '
                               "ar and gamma")
        if params.ar == 0.0:  # a transparent interface: the end joins the node directly
            contacts[end] = None
            continue
        gamma = params.gamma * _gamma_sign(r, table, key, w, node, parts, wires)
        area = contact_area if contact_area is not None else w.face_area(end)
        contacts[end] = Contact(pair=pair, params=params, gamma=gamma, area=area)
    if contact_area is not None and not any(k in entry for k in ("interface_from",
                                                                 "interface_to")):
        r.fail(table, "contact_area", "this wire has no interface_from or interface_to")
    return replace(w, contact_from=contacts["from"], contact_to=contacts["to"])


def _gamma_sign(r, table, key, w, node, parts, wires) -> float:
    """+1 or -1: the magnetization of the ferromagnetic side of the pair."""
    if w.material.ferromagnetic:
        return -1.0 if w.magnetization == "down" else 1.0
    other = parts[1] if parts[0] == w.material.name else parts[0]
    mags = {v.magnetization for v in wires if v is not w and v.material.name == other
            and v.material.ferromagnetic and node in (v.node_from, v.node_to)}
    if len(mags) > 1:
        r.fail(table, key, f"the {other} wires at node {node!r} have opposite "
                           "magnetizations: put the interface on one of them instead")
    return -1.0 if mags == {"down"} else 1.0


def _read_wire_motor(r: _Reader, entry, ws: WireStack) -> Motor:
    table = "motor"
    entry = r.table(entry, table)
    r.unknown(entry, _MOTOR_KEYS, table)
    if "wire" in entry and "layer" in entry:
        r.fail(table, "layer", 'give either "wire" or "layer" (the same thing), not both')
    key = "layer" if "layer" in entry else "wire"
    name = r.string(entry, key, table)
    names = [w.name for w in ws.layers]
    if name not in names:
        r.fail(table, key, f"no wire named {name!r} (wires: {', '.join(names)})")
    end = r.string(entry, "end", table, required=False, default="from", choices=ENDS)
    index = names.index(name)
    wire = ws.layers[index]
    node = wire.node(end)
    if ws.node_kind(node) in TERMINAL_KINDS and wire.contact(end) is None:
        r.fail(table, "end", f"the {end!r} end of {name!r} is terminal {node!r} with no "
                             f"interface: U and D would be the electrode, where the bands "
                             f"are shorted (add interface_{end} or choose the other end)")
    check_motor_magnet(r, wire, key)
    return Motor(layer=name, index=index, end=end, **read_motor_params(r, entry, table))


def wires_from_stack(stack: Stack) -> WireStack:
    """The straight ``stack`` as a chain of wires "source" - j1 - ... - "ground".

    Each interface of the stack becomes the ``to`` contact of the layer before it (area:
    the smaller face area of the two layers); wires keep the layers' ``x0``.
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
                          area_profile=layer.area_profile, area=stack.area,
                          node_from=names[i], node_to=names[i + 1], contact_to=contact))
    nodes = (("source", "source"),) + tuple((f"j{i}", "junction") for i in range(1, n)) \
        + (("ground", "ground"),)
    motor = stack.motor
    if motor is not None:
        motor = replace(motor, end="from")
    return WireStack(title=stack.title, temperature=stack.temperature, layers=tuple(wires),
                     nodes=nodes, motor=motor, source=stack.source, area=stack.area,
                     materials=stack.materials)
