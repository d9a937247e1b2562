"""Stack files: layers, materials, interfaces and the motor, validated at the boundary.

Public API
----------
load_stack(path) -> Stack
    Read a TOML stack file (docs/stack-files.md).  Every bad value raises
    :class:`~circuitspin.errors.StackError` with one line naming the file, the table and
    the key, e.g. ``pillar.toml: [materials.Co] lsf: must be > 0 m, got -5e-09``.
stack_from_dict(data, source="<dict>") -> Stack
    The same from an already parsed mapping (tests, sweeps).  A file with ``[[wires]]``
    instead of ``[[layers]]`` is a branched geometry: both functions then return a
    :class:`circuitspin.wires.WireStack` (see that module).
Stack, Layer, Interface, Motor
    Frozen dataclasses, SI units.

A layer may carry ``area_profile`` (a flaring lead, :mod:`circuitspin.flaring`): its
cross-section is then A(x) instead of the stack's ``area``; an interface next to it
takes the smaller of the two face areas that meet there.

Signs: a layer with ``magnetization = "down"`` has its bulk asymmetry reversed
(beta -> -beta) and reverses gamma on the interfaces where it is the ferromagnetic side
(between two ferromagnets, gamma follows the earlier layer of the two).
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import constants as _c

from .errors import StackError
from .flaring import AreaProfile, read_area_profile
from .materials import InterfaceParams, Material, builtin_interface, builtin_material
from .units import to_si

_TOP_KEYS = {"title", "area", "temperature", "materials", "interfaces", "layers", "motor"}
_MATERIAL_KEYS = {"rho": "ohm*m", "beta": "", "lsf": "m", "kF": "1/m", "kF_up": "1/m",
                  "kF_dn": "1/m"}
_MATERIAL_OTHER = {"ferromagnetic", "source"}
_INTERFACE_KEYS = {"ar": "ohm*m**2", "gamma": ""}
_LAYER_KEYS = {"name", "material", "thickness", "magnetization", "segments", "area_profile"}
_MOTOR_PARAM_KEYS = {"frequency", "delta_alpha", "magnons", "mode", "alpha", "ms", "g_factor"}
_MOTOR_KEYS = {"layer"} | _MOTOR_PARAM_KEYS


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

    def with_motor(self, **changes):
        """A copy with motor fields changed (e.g. ``magnons=10``)."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        return replace(self, motor=replace(self.motor, **changes))


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

    @property
    def thickness(self) -> float:
        return self.layers[-1].x1

    @property
    def motor_area(self) -> float:
        """Cross-section (m^2) of the motor layer at U-D (its first face)."""
        if self.motor is None:
            raise StackError(f"{self.source}: [motor] table missing")
        return float(self.layers[self.motor.index].area_at(self.area, 0.0))


def check_geometry(geometry, who: str) -> None:
    """StackError unless ``geometry`` is a stack (or a branched geometry): the closed form
    is an independent check of a network, so it takes the stack, never a network."""
    if not hasattr(geometry, "layers") or not hasattr(geometry, "motor"):
        hint = (" (the closed form needs no network: pass network.stack)"
                if hasattr(geometry, "stack") else "")
        raise StackError(f"{who} takes a stack from load_stack or stack_from_dict, got "
                         f"{type(geometry).__name__}{hint}")


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


def load_stack(path) -> Stack:
    """Read and validate a TOML stack file (a WireStack for a ``[[wires]]`` file)."""
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
        pair = frozenset(parts) if parts[0] != parts[1] else frozenset([parts[0]])
        out[pair] = (tuple(parts), InterfaceParams(ar=ar, gamma=gamma, source="stack file"))
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


def stack_from_dict(data: dict, source: str = "<dict>") -> Stack:
    """Validate a parsed stack mapping and return a :class:`Stack`.

    Warnings about the values (an implausible bare number) are given only for a stack
    that is valid: an invalid one ends in its one error, nothing before it."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stack = _stack_from_dict(data, source)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return stack


def _stack_from_dict(data: dict, source: str) -> Stack:
    r = _Reader(source)
    if not isinstance(data, dict):
        raise StackError(f"{source}: expected a table at the top level")
    if "wires" in data or "terminals" in data:
        if "layers" in data:
            r.fail("top level", "layers", "use either [[layers]] (a straight stack) or "
                                          "[[wires]] (a branched geometry), not both")
        from .wires import wires_from_dict

        return wires_from_dict(data, source)
    r.unknown(data, _TOP_KEYS, "top level")
    title = data.get("title", Path(source).stem)
    if not isinstance(title, str):
        r.fail("top level", "title", f"must be a string, got {title!r}")
    area = r.number(data, "area", "m**2", "top level", check=_positive, what="> 0")
    temperature = r.number(data, "temperature", "K", "top level", required=False,
                           default=4.2, check=lambda v: v >= 0, what=">= 0")

    materials = {}
    for name, entry in r.table(data.get("materials", {}), "materials").items():
        materials[name] = _read_material(r, name, entry)
    interfaces = _read_interfaces(r, data.get("interfaces", {}))

    raw_layers = data.get("layers")
    if raw_layers is None:
        r.fail("layers", None, "missing: a stack needs at least one [[layers]] entry "
                               "(or [[wires]] for a branched geometry)")
    if not isinstance(raw_layers, list) or not raw_layers:
        r.fail("layers", None, "must be a non-empty array of tables ([[layers]])")
    layers: list[Layer] = []
    seen = set()
    x0 = 0.0
    for i, entry in enumerate(raw_layers, start=1):
        table = f"layers #{i}"
        entry = r.table(entry, table)
        lname = entry.get("name", f"L{i}")
        if isinstance(lname, str):
            table = f"layers #{i} {lname!r}"
        r.unknown(entry, _LAYER_KEYS, table)
        lname, material = read_name_and_material(r, entry, table, f"L{i}", "layer",
                                                 materials, seen)
        thickness = r.number(entry, "thickness", "m", table, check=_positive, what="> 0")
        mag = r.string(entry, "magnetization", table, required=False, default="up",
                       choices=("up", "down"))
        segments = entry.get("segments")
        if segments is not None and (isinstance(segments, bool) or not isinstance(segments, int)
                                     or segments < 1):
            r.fail(table, "segments", f"must be a whole number >= 1, got {segments!r}")
        profile = None
        if "area_profile" in entry:
            profile = read_area_profile(r, entry["area_profile"], table, thickness)
        layers.append(Layer(name=lname, material=material, thickness=thickness,
                            magnetization=mag, segments=segments, x0=x0,
                            area_profile=profile))
        x0 += thickness

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

    motor = None
    if "motor" in data:
        motor = _read_motor(r, data["motor"], layers)
    return Stack(title=title, area=area, temperature=temperature, layers=tuple(layers),
                 interfaces=tuple(iface_list), motor=motor, source=source,
                 materials=materials)


def _read_motor(r: _Reader, entry, layers) -> Motor:
    table = "motor"
    entry = r.table(entry, table)
    r.unknown(entry, _MOTOR_KEYS, table)
    lname = r.string(entry, "layer", table)
    names = [lay.name for lay in layers]
    if lname not in names:
        r.fail(table, "layer", f"no layer named {lname!r} (layers: {', '.join(names)})")
    index = names.index(lname)
    if index == 0:
        r.fail(table, "layer", f"{lname!r} is the first layer: its first nodes are the "
                               "electrode, where the bands are shorted")
    check_motor_magnet(r, layers[index], "layer")
    return Motor(layer=lname, index=index, **read_motor_params(r, entry, table))


def check_motor_magnet(r: _Reader, part, key: str) -> None:
    """U and D are the majority and minority bands of a magnet: refuse any other part."""
    if not part.material.ferromagnetic:
        r.fail("motor", key, f"{part.name!r} is {part.material.name}, not a ferromagnet: "
                             "the motor's U and D are the spin bands of a magnetic layer")


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

