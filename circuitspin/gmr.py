"""CPP giant magnetoresistance of a stack: R_P, R_AP, dR, A dR and MR in one call.

The two states are made from the stack's own file (its TOML mapping) by writing the
magnets' ``magnetization`` entries, so the stack reader decides every sign exactly as
for a file written by hand:

- **P**: every ferromagnetic layer magnetised as the first one;
- **AP**: the same with the *free* part reversed.  The free part defaults to the motor
  layer, else the last ferromagnetic layer; it may be several layers (reversed together,
  e.g. every other layer of a [F/N]xN multilayer).

R is the two-terminal resistance between the current source and the ground, solved by
the nodal solver on the network of :func:`circuitspin.build_network` (exact segments
unless ``segments`` is given) with the motor branch open: the ohmic CPP resistance, the
quantity Bass and Pratt measure.  ``AR`` is that resistance times the stack's ``area``.

For a branched ``[[wires]]`` geometry the free part is named by wire names, R is the
resistance between the ``source`` and ``ground`` terminals (probe wires carrying no
current still shape the spin accumulation), and ``area`` is the file's top-level
``area``, or the first free wire's cross-section when the file gives none.

Public API
----------
gmr(stack, free=None, *, segments=None, method=None) -> GMR
    ``stack``: a stack file path, its parsed TOML mapping, or a Stack/Geometry loaded
    from a file with :func:`circuitspin.load_stack`.
gmr_of_mappings(datas, free=None, source, segments=None) -> list of GMR
    Many stack mappings at once (fits): straight stacks of one shape batched.
GMR
    Frozen: ``R_P``, ``R_AP``, ``dR`` (ohm), ``AdR``, ``AR_P``, ``AR_AP`` (ohm m^2),
    ``MR`` (dR / R_P), ``area`` (m^2), ``free`` (the reversed layers), ``reference``
    (the magnetization of the first ferromagnet), ``stack``; ``to_dict()``.
stack_mapping(stack) -> (dict, source)
    The TOML mapping behind a path, a mapping or a loaded stack (a deep copy).
FIELDS, UNITS
    The output names, in order, and their units.
"""
from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from .errors import StackError
from .geometry import Geometry, Stack

#: output names, in order
FIELDS = ("R_P", "R_AP", "dR", "AdR", "MR", "AR_P", "AR_AP")
UNITS = {"R_P": "ohm", "R_AP": "ohm", "dR": "ohm", "AdR": "ohm*m^2", "MR": "1",
         "AR_P": "ohm*m^2", "AR_AP": "ohm*m^2", "area": "m^2"}


@dataclass(frozen=True)
class GMR:
    """R_P, R_AP (ohm) of one stack and what follows from them (see the module)."""

    R_P: float
    R_AP: float
    area: float
    free: tuple[str, ...]
    reference: str
    stack: str

    @property
    def dR(self) -> float:
        return self.R_AP - self.R_P

    @property
    def MR(self) -> float:
        return self.dR / self.R_P

    @property
    def AR_P(self) -> float:
        return self.area * self.R_P

    @property
    def AR_AP(self) -> float:
        return self.area * self.R_AP

    @property
    def AdR(self) -> float:
        return self.area * self.dR

    def to_dict(self) -> dict:
        """The JSON fields: FIELDS, ``area``, ``free``, ``reference``, ``stack``."""
        out = {name: float(getattr(self, name)) for name in FIELDS}
        out.update(area=self.area, free=list(self.free), reference=self.reference,
                   stack=self.stack)
        return out


def stack_mapping(stack) -> tuple[dict, str]:
    """(TOML mapping, source name) of a stack file path, a mapping, or a loaded stack.

    A Stack/Geometry object gives the mapping it was read from (``stack.data``; a stack
    from :meth:`Stack.replace` has its changes in it), else it is read back from its file
    (``stack.source``); either must give the object again: the two states are made by
    editing the file's entries, never by guessing them from a changed object.
    """
    from .stack import load_stack, stack_from_dict

    if isinstance(stack, (str, Path)):
        load_stack(stack)  # the file's own one-line errors first
        return tomllib.loads(Path(stack).read_text(encoding="utf-8")), str(stack)
    if isinstance(stack, Mapping):
        data = copy.deepcopy(dict(stack))
        stack_from_dict(data, source="<dict>")
        return data, "<dict>"
    source = getattr(stack, "source", None)
    if source is None or not hasattr(stack, "layers"):
        raise StackError(f"expected a stack file, its TOML mapping or a loaded stack, "
                         f"got {type(stack).__name__}")
    kept = getattr(stack, "data", None)  # the mapping it was read from (Stack.replace)
    if kept is not None:
        data = copy.deepcopy(kept)
        if stack_from_dict(data, source=source) != stack:
            raise StackError(f"{source}: the stack object differs from the mapping it was "
                             "read from (changed in memory): use Stack.replace() to change "
                             "a stack")
        return data, source
    path = Path(source)
    if not path.is_file():
        raise StackError(f"{source}: this stack was not read from a file: pass its TOML "
                         "mapping (the dict given to stack_from_dict) instead")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        same = stack_from_dict(data, source=source) == stack
    except Exception:  # noqa: BLE001 - a changed or unreadable file is "not the same"
        same = False
    if not same:
        raise StackError(f"{source}: the stack object differs from its file (changed in "
                         "memory, or the file changed since): pass the file or its mapping")
    return data, source


def _part_table(data: dict) -> str:
    return "wires" if "wires" in data else "layers"


def resolve_free(stack, free=None) -> tuple[str, ...]:
    """The names of the free (reversed) layers: ``free`` checked, or the default."""
    magnets = [lay.name for lay in stack.layers if lay.material.ferromagnetic]
    part = "wire" if getattr(stack, "_part", "layer") == "wire" else "layer"
    if len(magnets) < 2:
        raise StackError(f"{stack.source}: gmr needs two ferromagnetic {part}s (found "
                         f"{len(magnets)}: {', '.join(magnets) or 'none'})")
    if free is None:
        names = (stack.motor.layer,) if stack.motor is not None else (magnets[-1],)
    elif isinstance(free, str):
        names = tuple(n.strip() for n in free.split(","))
    elif isinstance(free, Sequence):
        names = tuple(free)
    else:
        raise StackError(f"free: expected a {part} name or a list of them, got {free!r}")
    for name in names:
        if name not in [lay.name for lay in stack.layers]:
            stack.layer_index(name)  # raises "no layer named ..."
        if name not in magnets:
            raise StackError(f"{stack.source}: free {part} {name!r} is not ferromagnetic "
                             f"(ferromagnetic {part}s: {', '.join(magnets)})")
    if set(magnets) <= set(names):
        raise StackError(f"{stack.source}: free {part}s {', '.join(names)} are all the "
                         "magnets: reversing all of them gives the same state")
    return names


def state_mappings(data: dict, stack, free: tuple[str, ...]) -> tuple[dict, dict, str]:
    """(P mapping, AP mapping, reference magnetization): the motor removed, every magnet
    along the first one, and in AP the ``free`` ones reversed (their ``magnetization``
    entries written, as a stack file would write them)."""
    magnets = [lay for lay in stack.layers if lay.material.ferromagnetic]
    ref = magnets[0].magnetization
    other = "down" if ref == "up" else "up"
    head = _part_table(data)
    base = {k: v for k, v in data.items() if k != "motor"}
    states = []
    for reversed_ in ((), free):
        d = copy.deepcopy(base)
        for entry in d[head]:
            if isinstance(entry, dict) and entry.get("name") in [m.name for m in magnets]:
                entry["magnetization"] = other if entry["name"] in reversed_ else ref
        states.append(d)
    return states[0], states[1], ref


def two_terminal_resistance(stack, segments=None, method=None, check=True) -> float:
    """R (ohm) between the current source and the ground of ``stack`` (motor open);
    ``check``: the nodal solver's trust check (condition estimate and warning)."""
    from .network import build_network
    from .solvers import solve

    return float(solve(build_network(stack, segments, method), 1.0, check=check).resistance)


def gmr_area(stack, free: tuple[str, ...]) -> float:
    area = getattr(stack, "area", None)
    if area is None:  # a [[wires]] file without a top-level area
        area = stack.layers[stack.layer_index(free[0])].area
    return float(area)


def gmr_of_mapping(data: dict, free=None, source: str = "<dict>", segments=None,
                   method=None, check=True) -> GMR:
    """:func:`gmr` of a stack mapping (what sweeps and fits call, once per stack)."""
    from .stack import stack_from_dict

    stack = stack_from_dict(data, source=source)
    names = resolve_free(stack, free)
    p_data, ap_data, ref = state_mappings(data, stack, names)
    r_p = two_terminal_resistance(stack_from_dict(p_data, source), segments, method, check)
    r_ap = two_terminal_resistance(stack_from_dict(ap_data, source), segments, method,
                                   check)
    return GMR(R_P=r_p, R_AP=r_ap, area=gmr_area(stack, names), free=names, reference=ref,
               stack=source)


def gmr_of_mappings(datas, free=None, source: str = "<dict>", segments=None) -> list:
    """:func:`gmr_of_mapping` of many stack mappings without the trust check (a fit's
    rows and its Jacobian's steps): straight stacks of one shape in the exact
    discretisation, their P and AP states solved together by the batched solver
    (:mod:`circuitspin.batch`); any other stacks one by one."""
    from .stack import stack_from_dict

    if segments is None and len(datas) > 1:
        from .batch import solve_batch

        states, parts = [], []
        for data in datas:
            stack = stack_from_dict(data, source=source)
            names = resolve_free(stack, free)
            p_data, ap_data, ref = state_mappings(data, stack, names)
            states += [stack_from_dict(p_data, source), stack_from_dict(ap_data, source)]
            parts.append((gmr_area(stack, names), names, ref))
        try:
            r = solve_batch(states, [1.0])["resistance"]
        except StackError:   # not one straight shape: one by one below
            pass
        else:
            return [GMR(R_P=float(r[2 * i]), R_AP=float(r[2 * i + 1]), area=area,
                        free=names, reference=ref, stack=source)
                    for i, (area, names, ref) in enumerate(parts)]
    return [gmr_of_mapping(d, free, source, segments, check=False) for d in datas]


def gmr(stack: Stack | Geometry | Mapping | str | PathLike,
        free: str | Sequence[str] | None = None, *, segments: int | None = None,
        method: str | None = None) -> GMR:
    """R_P, R_AP, dR, A dR and MR of ``stack`` (see the module docstring).

    Parameters
    ----------
    stack : path, mapping or loaded Stack/Geometry (:meth:`Stack.replace` too)
    free : str or list of str, optional
        The layer(s) (wires) reversed in the AP state; default: the motor layer, else the
        last ferromagnetic layer.  A comma-separated string names several.
    segments, method
        As for :func:`circuitspin.build_network` (default: exact segments).
    """
    data, source = stack_mapping(stack)
    return gmr_of_mapping(data, free, source, segments, method)
