"""The one reader of stack files: ``[[layers]]`` (a straight stack) or ``[[wires]]``.

Public API
----------
load_stack(path) -> Stack or Geometry
    Read a TOML stack file (docs/stack-files.md).  Every bad value raises
    :class:`~circuitspin.errors.StackError` with one line naming the file, the table and
    the key, e.g. ``pillar.toml: [materials.Co] lsf: must be > 0 m, got -5e-09``.
stack_from_dict(data, source="<dict>") -> Stack or Geometry
    The same from an already parsed mapping (tests, sweeps).  A file with ``[[wires]]``
    instead of ``[[layers]]`` is a branched geometry: a
    :class:`~circuitspin.geometry.Geometry` (see :mod:`circuitspin.geometry`).
dumps_toml(mapping) -> str
    A stack mapping as TOML text (needs tomli-w: ``pip install 'circuitspin[fit]'``).

One part reader serves a layer and a wire, one motor reader the ``[motor]`` of both, and
the ``area_profile`` of either is read here too (:mod:`circuitspin.flaring` keeps the
profile's geometry).

Signs: a layer with ``magnetization = "down"`` has its bulk asymmetry reversed
(beta -> -beta) and reverses gamma on the interfaces where it is the ferromagnetic side
(between two ferromagnets, gamma follows the earlier layer of the two).  The gamma of a
wire's interface follows the magnetization of the ferromagnetic side of the pair: the
wire itself if it is made of the ferromagnetic member, otherwise the wires of that
material meeting it at the node (between two ferromagnets: the wire that holds the
interface).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from os import PathLike
from pathlib import Path

from .errors import StackError
from .flaring import AreaProfile
from .geometry import (ENDS, TERMINAL_KINDS, Contact, Geometry, Interface, Layer, Motor,
                       Stack, Wire)
from .materials import InterfaceParams, Material, builtin_interface, builtin_material
from .magnets import (FROM_G_MIX, check_mixing, check_wire_mixing, collinear_axis, orient,
                      pumped_delta_alpha, read_magnetization)
from .units import to_si

_COMMON_TOP = {"title", "area", "temperature", "materials", "interfaces", "motor"}
_TOP_KEYS = {"layer": _COMMON_TOP | {"layers", "dynamics"},
             "wire": _COMMON_TOP | {"wires", "terminals"}}
_MATERIAL_KEYS = {"rho": "ohm*m", "beta": "", "lsf": "m", "kF": "1/m", "kF_up": "1/m",
                  "kF_dn": "1/m"}
_MATERIAL_OTHER = {"ferromagnetic", "source"}
_INTERFACE_KEYS = {"ar": "ohm*m**2", "gamma": "", "delta": "", "g_mix": "S/m**2",
                   "g_mix_im": "S/m**2"}

_PART_COMMON = {"name", "material", "magnetization", "segments", "area_profile"}
_PART_KEYS = {"layer": _PART_COMMON | {"thickness"},
              "wire": _PART_COMMON | {"length", "area", "from", "to", "interface_from",
                                      "interface_to", "contact_area"}}
_MOTOR_PARAM_KEYS = {"frequency", "delta_alpha", "magnons", "mode", "alpha", "ms", "g_factor"}
_MOTOR_KEYS = {"layer": _MOTOR_PARAM_KEYS | {"layer"},
               "wire": _MOTOR_PARAM_KEYS | {"wire", "layer", "end"}}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_AREA_PROFILE_KEYS = {"spherical": {"kind", "r0", "origin"},
                      "table": {"kind", "points", "origin"}}


# --------------------------------------------------------------------------- loading
#: the largest stack file read (a long area_profile table is a few kB)
MAX_STACK_BYTES = 16 << 20


def read_stack_data(path) -> dict:
    """The TOML mapping of the stack file at ``path``, not yet validated.

    Only a regular file of at most ``MAX_STACK_BYTES`` is read (a FIFO or ``/dev/zero``
    is refused); TOML nested too deeply for the parser is a StackError, not a crash."""
    from .safe_io import read_input

    name = str(path)
    data = read_input(path, limit=MAX_STACK_BYTES, what="a TOML stack file",
                      error=StackError)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise StackError(f"{name}: not a text file (expected TOML)") from None
    except tomllib.TOMLDecodeError as exc:
        raise StackError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise StackError(f"{name}: not a stack file: tables or arrays nested too "
                         "deeply") from None


def load_stack(path: str | PathLike) -> Stack | Geometry:
    """Read and validate a TOML stack file (a Geometry for a ``[[wires]]`` file)."""
    return stack_from_dict(read_stack_data(path), source=str(path))


#: key -> (low, high, words): a bare number (SI) outside [low, high] is legal but most
#: likely a unit slip (``thickness = 20`` meaning nm is 20 m): one warning line
PLAUSIBLE = {
    "thickness": (1e-11, 1e-3, "0.1 Angstrom .. 1 mm", "nm"),
    "length": (1e-11, 1e-3, "0.1 Angstrom .. 1 mm", "nm"),
    "area": (1e-20, 1e-4, "1e-20 m^2 .. 1 cm^2", "um^2"),
    "contact_area": (1e-20, 1e-4, "1e-20 m^2 .. 1 cm^2", "um^2"),
    "rho": (0.0, 1e-4, "up to 1e-4 ohm m", "nOhm*m"),
    "ar": (0.0, 1e-8, "up to 1e-8 ohm m^2", "fOhm*m^2"),
    "temperature": (0.0, 1e4, "up to 1e4 K", "K"),
    "frequency": (0.0, 1e13, "up to 10 THz", "GHz"),
    # dimensionless: measured values are 0.1 .. 1 (Co/Pt 0.9); delta = 5 already flips
    # 99.3% of the spins crossing
    "delta": (0.0, 5.0, "0 .. 5; measured values are 0.1 .. 1", None),
}


class _Reader:
    """Validation helpers that know the file name for the error message."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, table: str, key: str | None, msg: str):
        where = f"[{table}]" + (f" {key}" if key else "")
        raise StackError(f"{self.source}: {where}: {msg}")

    def table(self, value, table: str) -> dict:
        if not isinstance(value, dict):
            self.fail(table, None, f"must be a table, got {type(value).__name__}")
        return value

    def unknown(self, d: dict, allowed, table: str):
        for key in d:
            if key not in allowed:
                self.fail(table, key, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def number(self, d: dict, key: str, unit: str, table: str, *, required=True,
               default=None, check=None, what=""):
        if key not in d:
            if required:
                self.fail(table, key, "missing")
            return default
        try:
            value = to_si(d[key], unit)
        except ValueError as exc:
            self.fail(table, key, str(exc))
        if check is not None and not check(value):
            self.fail(table, key, f"must be {what}{' ' + unit if unit else ''}, got {value:g}")
        self._plausible(d[key], value, key, unit, table)
        return value

    def _plausible(self, raw, value: float, key: str, unit: str, table: str) -> None:
        """Warn (one line) when a bare number lies far outside the physical range."""
        if isinstance(raw, str) or key not in PLAUSIBLE:
            return
        low, high, words, example = PLAUSIBLE[key]
        if low <= value <= high:
            return
        import warnings

        from .errors import CircuitSpinWarning

        if example is None:  # a pure number: no unit slip to suggest
            warnings.warn(CircuitSpinWarning(
                f"{self.source}: [{table}] {key}: {value:g} is implausible (expected "
                f"{words})"), stacklevel=2)
            return
        warnings.warn(CircuitSpinWarning(
            f"{self.source}: [{table}] {key}: {value:g} {unit} is implausible (expected "
            f"{words}); a bare number is in SI units ({unit}): if you meant another unit, "
            f"write it in a string, e.g. \"{raw:g} {example}\""), stacklevel=2)

    def string(self, d: dict, key: str, table: str, *, required=True, default=None,
               choices=None):
        if key not in d:
            if required:
                self.fail(table, key, "missing")
            return default
        value = d[key]
        if not isinstance(value, str):
            self.fail(table, key, f"must be a string, got {value!r}")
        if choices is not None and value not in choices:
            self.fail(table, key, f"must be one of {', '.join(repr(c) for c in choices)}, "
                                  f"got {value!r}")
        return value


def _positive(v):
    return v > 0


def _positive(v):
    return v > 0


def dumps_toml(mapping: dict) -> str:
    """A TOML text of ``mapping`` (tomllib reads it back to the same mapping): a stack
    file from a stack mapping (needs tomli-w)."""
    from .optional import require

    return require("tomli_w", "fit", "writing the best-fit stack (TOML)").dumps(mapping)


def stack_from_dict(data: dict, source: str = "<dict>") -> Stack | Geometry:
    """Validate a parsed stack mapping: a :class:`Stack` (``[[layers]]``) or a
    :class:`Geometry` (``[[wires]]``).

    Warnings about the values (an implausible bare number) are given only for a stack
    that is valid: an invalid one ends in its one error, nothing before it."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stack = _stack_from_dict(data, source)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return stack


def _stack_from_dict(data: dict, source: str):
    r = _Reader(source)
    if not isinstance(data, dict):
        raise StackError(f"{source}: expected a table at the top level")
    kind = "layer"
    if "wires" in data or "terminals" in data:
        if "layers" in data:
            r.fail("top level", "layers", "use either [[layers]] (a straight stack) or "
                                          "[[wires]] (a branched geometry), not both")
        kind = "wire"
    r.unknown(data, _TOP_KEYS[kind], "top level")
    title = data.get("title", Path(source).stem)
    if not isinstance(title, str):
        r.fail("top level", "title", f"must be a string, got {title!r}")
    area = r.number(data, "area", "m**2", "top level", required=kind == "layer",
                    check=_positive, what="> 0")
    temperature = r.number(data, "temperature", "K", "top level", required=False,
                           default=4.2, check=lambda v: v >= 0, what=">= 0")
    materials = {name: _read_material(r, name, entry)
                 for name, entry in r.table(data.get("materials", {}), "materials").items()}
    interfaces = _read_interfaces(r, data.get("interfaces", {}))
    # the mapping is kept (a copy: the caller's dict may change) for Stack.replace()
    head = dict(title=title, temperature=temperature, source=source, materials=materials,
                data=_copy_tables(data))
    if kind == "wire":
        return _read_wires(r, data, head, area, interfaces)
    return _read_layers(r, data, head, area, interfaces)


def _copy_tables(value):
    """A copy of a TOML mapping's tables and arrays (their leaves are immutable)."""
    if isinstance(value, dict):
        return {k: _copy_tables(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_tables(v) for v in value]
    return value


def _entries(r, raw, kind):
    """(table name, entry) of every ``[[layers]]`` / ``[[wires]]`` entry."""
    for i, entry in enumerate(raw, start=1):
        table = f"{kind}s #{i}"
        entry = r.table(entry, table)
        if isinstance(entry.get("name"), str):
            table = f"{kind}s #{i} {entry['name']!r}"
        yield i, table, entry


def _read_part(r: _Reader, entry, table, i, kind, materials, seen, default_area=None):
    """The fields of one layer or wire (a dict for :class:`Layer` / :class:`Wire`)."""
    r.unknown(entry, _PART_KEYS[kind], table)
    name, material = read_name_and_material(r, entry, table, f"{kind[0].upper()}{i}", kind,
                                            materials, seen)
    length_key = "thickness" if kind == "layer" else "length"
    length = r.number(entry, length_key, "m", table, check=_positive, what="> 0")
    out = dict(name=name, material=material, thickness=length)
    if kind == "wire":
        out["area"] = r.number(entry, "area", "m**2", table, required=default_area is None,
                               default=default_area, check=_positive, what="> 0")
        for end in ENDS:
            node = r.string(entry, end, table)
            if not _NAME.match(node):
                r.fail(table, end, f"node name {node!r} must be a letter followed by "
                                   "letters, digits or _")
            out[f"node_{end}"] = node
        if out["node_from"] == out["node_to"]:
            r.fail(table, "to", f"a wire must join two different nodes, got "
                                f"{out['node_to']!r} twice")
    out["direction"] = read_magnetization(r, entry, table)
    out["magnetization"] = "up" if out["direction"][2] >= 0 else "down"
    segments = entry.get("segments")
    if segments is not None and (isinstance(segments, bool) or not isinstance(segments, int)
                                 or segments < 1):
        r.fail(table, "segments", f"must be a whole number >= 1, got {segments!r}")
    out["segments"] = segments
    out["area_profile"] = None
    if "area_profile" in entry:
        out["area_profile"] = read_area_profile(r, entry["area_profile"], table, length)
    return out


def _read_layers(r, data, head, area, interfaces) -> Stack:
    raw = data.get("layers")
    if raw is None:
        r.fail("layers", None, "missing: a stack needs at least one [[layers]] entry "
                               "(or [[wires]] for a branched geometry)")
    if not isinstance(raw, list) or not raw:
        r.fail("layers", None, "must be a non-empty array of tables ([[layers]])")
    layers: list[Layer] = []
    seen = set()
    x0 = 0.0
    for i, table, entry in _entries(r, raw, "layer"):
        fields = _read_part(r, entry, table, i, "layer", head["materials"], seen)
        layers.append(Layer(x0=x0, **fields))
        x0 += fields["thickness"]
    axis = collinear_axis(layers)
    layers = orient(layers, axis)

    iface_list = []
    for i in range(len(layers) - 1):
        a, b = layers[i], layers[i + 1]
        pair = frozenset([a.material.name, b.material.name])
        found = interfaces.get(pair)
        params = found[1] if found else builtin_interface(a.material.name, b.material.name)
        if params is None:
            if a.material.name == b.material.name:
                iface_list.append(Interface(left=i, params=None))
                continue
            r.fail("interfaces", f"{a.material.name}/{b.material.name}",
                   f"missing: layers {a.name!r} and {b.name!r} meet there; give "
                   f'[interfaces."{a.material.name}/{b.material.name}"] ar and gamma')
        gamma = params.gamma
        # gamma follows the magnetization of the ferromagnetic side; between two
        # ferromagnets, that of the earlier layer (the one the current enters from)
        ferro = [lay for lay in (a, b) if lay.material.ferromagnetic]
        if ferro and ferro[0].magnetization == "down":
            gamma = -gamma
        iface_list.append(Interface(left=i, params=params, gamma=gamma))
    if axis is None:
        for i in range(len(layers) - 1):
            a, b = layers[i], layers[i + 1]
            check_mixing(r, a, b, iface_list[i].params,
                         f"{a.material.name}/{b.material.name}")


    motor = None
    if "motor" in data:
        motor = _read_motor(r, data["motor"], layers, "layer", interfaces=iface_list)
    dynamics = None
    if "dynamics" in data:
        from .dynamics_table import read_dynamics

        dynamics = read_dynamics(r, data["dynamics"], layers)
    return Stack(area=area, layers=tuple(layers), interfaces=tuple(iface_list), motor=motor,
                 dynamics=dynamics, spin_axis=axis, **head)


def _read_wires(r, data, head, area, interfaces) -> Geometry:
    terminals = _read_terminals(r, data.get("terminals"))
    raw = data.get("wires")
    if not isinstance(raw, list) or not raw:
        r.fail("wires", None, "must be a non-empty array of tables ([[wires]])")
    entries, wires, seen = [], [], set()
    for i, table, entry in _entries(r, raw, "wire"):
        wires.append(Wire(**_read_part(r, entry, table, i, "wire", head["materials"], seen,
                                       area)))
        entries.append((table, entry))
    axis = collinear_axis(wires)
    wires = orient(wires, axis)

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
    if axis is None:
        check_wire_mixing(r, wires, kinds)
    geo = Geometry(layers=tuple(wires), nodes=nodes, area=area, spin_axis=axis, **head)
    if "motor" in data:
        geo = replace(geo, motor=_read_motor(r, data["motor"], wires, "wire", geo))
    return geo


def _read_motor(r: _Reader, entry, parts, kind, geo=None, interfaces=None) -> Motor:
    """The ``[motor]`` of a stack (``kind="layer"``) or of a geometry (``"wire"``)."""
    table = "motor"
    entry = r.table(entry, table)
    pumped = entry.get("delta_alpha") == FROM_G_MIX
    if pumped:
        if kind != "layer":
            r.fail(table, "delta_alpha", f"{FROM_G_MIX!r} is for [[layers]] stacks")
        entry = dict(entry, delta_alpha=1.0)  # replaced below
    r.unknown(entry, _MOTOR_KEYS[kind], table)
    key = "layer"
    if kind == "wire":
        if "wire" in entry and "layer" in entry:
            r.fail(table, "layer", 'give either "wire" or "layer" (the same thing), not both')
        key = "layer" if "layer" in entry else "wire"
    name = r.string(entry, key, table)
    names = [p.name for p in parts]
    if name not in names:
        r.fail(table, key, f"no {kind} named {name!r} ({kind}s: {', '.join(names)})")
    index = names.index(name)
    end = "from"
    if kind == "layer" and index == 0:
        r.fail(table, "layer", f"{name!r} is the first layer: its first nodes are the "
                               "electrode, where the bands are shorted")
    if kind == "layer":
        check_motor_magnet(r, parts[index], key)
    if kind == "wire":
        end = r.string(entry, "end", table, required=False, default="from", choices=ENDS)
        wire = parts[index]
        node = wire.node(end)
        if geo.node_kind(node) in TERMINAL_KINDS and wire.contact(end) is None:
            r.fail(table, "end", f"the {end!r} end of {name!r} is terminal {node!r} with no "
                                 f"interface: U and D would be the electrode, where the "
                                 f"bands are shorted (add interface_{end} or choose the "
                                 "other end)")
        check_motor_magnet(r, wire, key)
    params = read_motor_params(r, entry, table)
    if pumped:
        params["delta_alpha"] = pumped_delta_alpha(r, parts, interfaces, index, params)
    return Motor(layer=name, index=index, end=end, **params)


def check_motor_magnet(r: _Reader, part, key: str) -> None:
    """U and D are the majority and minority bands of a magnet: refuse any other part."""
    if not part.material.ferromagnetic:
        r.fail("motor", key, f"{part.name!r} is {part.material.name}, not a ferromagnet: "
                             "the motor's U and D are the spin bands of a magnetic layer")


def _read_material(r: _Reader, name: str, entry) -> Material:
    table = f"materials.{name}"
    entry = r.table(entry, table)
    r.unknown(entry, set(_MATERIAL_KEYS) | _MATERIAL_OTHER, table)
    base = builtin_material(name)
    values = {}
    for key, unit in _MATERIAL_KEYS.items():
        required = base is None and key in ("rho", "beta", "lsf")
        v = r.number(entry, key, unit, table, required=required)
        if v is not None:
            values[key] = v
    if "rho" in values and values["rho"] <= 0:
        r.fail(table, "rho", f"must be > 0 ohm*m, got {values['rho']:g}")
    if "lsf" in values and values["lsf"] <= 0:
        r.fail(table, "lsf", f"must be > 0 m, got {values['lsf']:g}")
    if "beta" in values and not abs(values["beta"]) < 1:
        r.fail(table, "beta", f"must be in (-1, 1), got {values['beta']:g}")
    for key in ("kF", "kF_up", "kF_dn"):
        if key in values and values[key] <= 0:
            r.fail(table, key, f"must be > 0 1/m, got {values[key]:g}")
    ferro = entry.get("ferromagnetic")
    if ferro is not None and not isinstance(ferro, bool):
        r.fail(table, "ferromagnetic", f"must be true or false, got {ferro!r}")
    source = entry.get("source", "stack file")
    if not isinstance(source, str):
        r.fail(table, "source", f"must be a string, got {source!r}")
    if base is None:
        beta = values["beta"]
        return Material(name=name, rho=values["rho"], beta=beta, lsf=values["lsf"],
                        ferromagnetic=bool(ferro) if ferro is not None else beta != 0.0,
                        kF=values.get("kF"), kF_up=values.get("kF_up"),
                        kF_dn=values.get("kF_dn"), source=source)
    changes = dict(values)
    if ferro is not None:
        changes["ferromagnetic"] = ferro
    changes["source"] = f"{base.source}; overridden in stack file: {', '.join(values) or '-'}"
    return replace(base, **changes)


def _read_interfaces(r: _Reader, data) -> dict[frozenset, tuple[str, InterfaceParams]]:
    out = {}
    for key, entry in r.table(data, "interfaces").items():
        table = f'interfaces."{key}"'
        parts = key.split("/")
        if len(parts) != 2 or not all(parts):
            r.fail("interfaces", key, 'must name a pair of materials as "A/B"')
        entry = r.table(entry, table)
        r.unknown(entry, set(_INTERFACE_KEYS) | {"source"}, table)
        ar = r.number(entry, "ar", "ohm*m**2", table, check=lambda v: v >= 0, what=">= 0")
        gamma = r.number(entry, "gamma", "", table, required=False, default=0.0,
                         check=lambda v: abs(v) < 1, what="in (-1, 1)")
        delta = r.number(entry, "delta", "", table, required=False, default=0.0,
                         check=lambda v: v >= 0, what=">= 0")
        g_mix = r.number(entry, "g_mix", "S/m**2", table, required=False,
                         check=lambda v: v >= 0, what=">= 0")
        g_mix_im = r.number(entry, "g_mix_im", "S/m**2", table, required=False,
                            default=0.0)
        pair = frozenset(parts) if parts[0] != parts[1] else frozenset([parts[0]])
        out[pair] = (tuple(parts), InterfaceParams(ar=ar, gamma=gamma, source="stack file",
                                                   delta=delta, g_mix=g_mix,
                                                   g_mix_im=g_mix_im))
    return out


def read_name_and_material(r: _Reader, entry: dict, table: str, default_name: str,
                           kind: str, materials: dict, seen: set):
    """The unique ``name`` and the ``material`` (stack file's or built-in) of a layer or
    wire entry; adds the name to ``seen``."""
    name = r.string(entry, "name", table, required=False, default=default_name)
    if not name.strip():
        r.fail(table, "name", "must not be empty")
    if name in seen:
        r.fail(table, "name", f"duplicate {kind} name {name!r}")
    seen.add(name)
    mname = r.string(entry, "material", table)
    material = materials.get(mname) or builtin_material(mname)
    if material is None:
        r.fail(table, "material", f"unknown material {mname!r} (define it in "
                                  f"[materials.{mname}] or use a built-in one)")
    return name, material


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


def read_motor_params(r: _Reader, entry: dict, table: str = "motor") -> dict:
    """The [motor] values other than its place (shared by stacks and wire geometries)."""
    frequency = r.number(entry, "frequency", "Hz", table, check=_positive, what="> 0")
    delta_alpha = r.number(entry, "delta_alpha", "", table, check=_positive, what="> 0")
    mode = r.string(entry, "mode", table, required=False, default="linear",
                    choices=("linear", "steady"))
    magnons = r.number(entry, "magnons", "", table, required=False, default=0.0,
                       check=lambda v: v >= 0, what=">= 0")
    alpha = r.number(entry, "alpha", "", table, required=mode == "steady",
                     check=_positive, what="> 0")
    ms = r.number(entry, "ms", "A/m", table, required=False, check=_positive, what="> 0")
    g_factor = r.number(entry, "g_factor", "", table, required=False, default=2.0,
                        check=_positive, what="> 0")
    return dict(frequency=frequency, delta_alpha=delta_alpha, magnons=magnons, mode=mode,
                alpha=alpha, ms=ms, g_factor=g_factor)



def read_area_profile(r, value, table: str, thickness: float) -> AreaProfile:
    """Validate an ``area_profile`` value; ``r`` is the stack reader (``fail``...)."""
    key = "area_profile"
    if not isinstance(value, dict):
        r.fail(table, key, 'must be a table such as { kind = "spherical", r0 = 50e-9 }, '
                           f"got {value!r}")
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in _AREA_PROFILE_KEYS:
        r.fail(table, f"{key}.kind", f'must be "spherical" or "table", got {kind!r}')
    for k in value:
        if k not in _AREA_PROFILE_KEYS[kind]:
            r.fail(table, f"{key}.{k}", f"unknown key for kind {kind!r} (allowed: "
                                         f"{', '.join(sorted(_AREA_PROFILE_KEYS[kind]))})")
    origin = value.get("origin", "first")
    if origin not in ("first", "last"):
        r.fail(table, f"{key}.origin", f'must be "first" or "last", got {origin!r}')
    if kind == "spherical":
        if "r0" not in value:
            r.fail(table, f"{key}.r0", "missing")
        try:
            r0 = to_si(value["r0"], "m")
        except ValueError as exc:
            r.fail(table, f"{key}.r0", str(exc))
        if not r0 > 0:
            r.fail(table, f"{key}.r0", f"must be > 0 m, got {r0:g}")
        return AreaProfile(kind="spherical", r0=r0, origin=origin)
    points = value.get("points")
    if not isinstance(points, list) or len(points) < 2:
        r.fail(table, f"{key}.points", "must be a list of at least two [x, A] pairs")
    out = []
    for i, p in enumerate(points):
        if not isinstance(p, list) or len(p) != 2:
            r.fail(table, f"{key}.points", f"entry {i + 1} must be a pair [x, A], got {p!r}")
        try:
            x, a = to_si(p[0], "m"), to_si(p[1], "m**2")
        except ValueError as exc:
            r.fail(table, f"{key}.points", f"entry {i + 1}: {exc}")
        if not a > 0:
            r.fail(table, f"{key}.points", f"entry {i + 1}: area must be > 0 m**2, got {a:g}")
        out.append((x, a))
    xs = [p[0] for p in out]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        r.fail(table, f"{key}.points", "x must increase strictly from one point to the next")
    tol = 1e-9 * thickness
    if xs[0] > tol or xs[-1] < thickness - tol:
        r.fail(table, f"{key}.points", f"must cover the whole layer, x from 0 to "
                                       f"{thickness:g} m; got {xs[0]:g} .. {xs[-1]:g} m")
    return AreaProfile(kind="table", points=tuple(out), origin=origin)
