"""Thresholds and current sweeps of the spin-wave motor (library functions).

Everything but the motor is linear, so the open-circuit bridge output is V_UD = k I
(k in V/A, the bridge gain, one factorised solve with the motor left open).  The motor
starts to pump at e V_th = hbar omega (1 + alpha / delta_alpha) (alpha -> 0 when the
[motor] table gives none: the paper's delta_mu_bar + hbar omega = 0), so the threshold
current is I_th = V_th / k (one computation:
:func:`circuitspin.solvers.motor_newton.threshold_current`).  Comparing the 1D pillar,
the pillar with flared leads and the zero-current SWASER shows what the geometry does to
delta_mu_bar per ampere.

Public API
----------
threshold(stack, *, segments=None, method=None) -> Threshold
    The threshold of a stack's motor: ``.current`` (A), ``.current_density`` (A/m^2),
    ``.V_th`` (V), ``.bridge_gain`` (V/A), ``.bridge_resistance`` (ohm), ``.to_dict()``.
threshold_fields(network) -> dict
    The same as the dict ``circuitspin threshold --json`` prints: V_th, bridge gain and
    resistance, threshold current and density, and for a steady motor the
    self-consistent state at I_th.
sweep_currents(stack, currents, segments=None, method=None) -> dict
    One stack at every current (what ``circuitspin sweep`` prints).
bridge_gain(network) -> float
    k = open-circuit V_UD per ampere of source current (V/A).
DeviceThreshold
    Frozen record: ``name``, ``title``, ``bridge_gain`` (V/A), ``V_th`` (V),
    ``I_th`` (A, signed: the current direction that pumps), ``motor_layer`` (the layer or
    wire of U-D) and ``motor_wire_current`` (charge current through it per ampere of
    source current: 1 in a pillar, 0 on a current-free arm).
device_threshold(stack, name=None, segments=None) -> DeviceThreshold
compare_thresholds(devices, segments=None) -> list[DeviceThreshold]
    ``devices``: stacks or stack-file paths (a mapping name -> stack/path also works).
torque_sweep(network, currents) -> dict
    The torque on the free magnet at every current (non-collinear stacks), N m.

The plots of these results are in :mod:`circuitspin.plot.devices`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import math
from os import PathLike

import numpy as np

from .errors import NetworkError, SolverError
from .geometry import Geometry, Stack


def bridge_gain(network) -> float:
    """Open-circuit V_UD per ampere of source current (V/A), the motor branch left open."""
    from .solvers.motor_newton import bridge_thevenin

    if network.u is None:
        raise NetworkError(f"{network.stack.source}: no [motor] table, so no U-D bridge")
    return bridge_thevenin(network).gain


def threshold_fields(network) -> dict:
    """The threshold of ``network``'s motor as a dict of SI values (see the module)."""
    from .motor import MotorLaw
    from .solvers.motor_newton import bridge_thevenin, solve_point, threshold_current

    stack = network.stack
    if network.u is None:
        raise SolverError(f"{stack.source}: no [motor] table: no threshold to compute")
    law = MotorLaw.from_stack(stack)
    th = bridge_thevenin(network)
    if th.gain == 0.0:
        raise SolverError(f"{stack.source}: the bridge has no output at U-D (gain 0 V/A): "
                          "no current reaches the threshold")
    i_th = threshold_current(law, th)
    area = stack.motor_area  # the current density in the motor layer at U-D
    out = {
        "stack": stack.source, "title": stack.title, "mode": law.mode,
        "motor_layer": stack.motor.layer, "frequency": law.frequency,
        "delta_alpha": law.delta_alpha, "alpha": law.alpha_used,
        "alpha_given": law.alpha is not None, "temperature": law.temperature,
        "emf": law.emf, "V_th": law.V_th,
        "bridge_gain": th.gain, "bridge_resistance": th.resistance,
        "threshold_current": i_th,
        "threshold_current_density": i_th / area,
        "method": network.method, "segments": network.n_segments,
    }
    notes = []
    if law.alpha is None:
        notes.append("alpha not given in [motor]: alpha -> 0, threshold "
                     "delta_mu_bar + hbar omega = 0 (V_th = h f / e)")
    if th.gain < 0:
        notes.append("negative: the bridge output has the pumping sign for current "
                     "flowing from the last layer to the first")
    if law.mode == "steady":
        V, n, _ = solve_point(law, th, i_th)
        out.update(magnons_at_threshold=n, V_UD_at_threshold=V,
                   motor_current_at_threshold=(th.gain * i_th - V) / th.resistance,
                   n_thermal=law.n_thermal)
    out["note"] = "; ".join(notes)
    return out


@dataclass(frozen=True, repr=False)
class Threshold:
    """The threshold of a stack's motor (SI units); ``to_dict()``: every field of
    :func:`threshold_fields` (what ``circuitspin threshold --json`` prints)."""

    current: float
    current_density: float
    V_th: float
    bridge_gain: float
    bridge_resistance: float
    fields: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return dict(self.fields)

    def __repr__(self) -> str:
        f = self.fields
        return (f"Threshold({f.get('stack', '?')}: motor {f.get('motor_layer', '?')!r}, "
                f"mode {f.get('mode', '?')})\n"
                f"  current {self.current:.6g} A ({self.current_density:.4g} A/m^2), "
                f"V_th {self.V_th:.6g} V\n"
                f"  bridge_gain {self.bridge_gain:.6g} V/A, bridge_resistance "
                f"{self.bridge_resistance:.6g} ohm")


def threshold(stack: Stack | Geometry | str | PathLike, *, segments: int | None = None,
              method: str | None = None) -> Threshold:
    """The threshold of the motor of ``stack`` (a Stack or Geometry, or a stack file
    path): :func:`threshold_fields` of its network, as a :class:`Threshold`.

    ``segments``, ``method``: as for :func:`circuitspin.build_network`.
    """
    from pathlib import Path

    from .network import build_network
    from .reader import load_stack

    if isinstance(stack, (str, Path)):
        stack = load_stack(stack)
    f = threshold_fields(build_network(stack, segments, method))
    return Threshold(current=f["threshold_current"],
                     current_density=f["threshold_current_density"], V_th=f["V_th"],
                     bridge_gain=f["bridge_gain"], bridge_resistance=f["bridge_resistance"],
                     fields=f)


def sweep_currents(stack, currents, segments=None, method=None) -> dict:
    """One stack at every current (A): dict of arrays and scalars (SI units).

    See :func:`circuitspin.solvers.motor_newton.sweep_network` for the keys; adds
    ``stack``, ``title``, ``segments`` and ``method``.
    """
    from .network import build_network
    from .solvers.motor_newton import sweep_network

    network = build_network(stack, segments, method)
    out = sweep_network(network, currents)
    out.update(stack=stack.source, title=stack.title, segments=network.n_segments,
               method=network.method)
    return out


def _motor_wire_current(network, v) -> float:
    """Charge current (A) along the motor's layer or wire at its U-D end."""
    from .solution import segment_end_currents

    motor = network.stack.motor
    segs = np.flatnonzero(network.rows_layer[network.seg_a] == motor.index)
    i_up_a, i_dn_a, i_up_b, i_dn_b = segment_end_currents(network, v)
    if motor.end == "to":
        k = segs[-1]
        return float(i_up_b[k] + i_dn_b[k])
    k = segs[0]
    return float(i_up_a[k] + i_dn_a[k])


@dataclass(frozen=True)
class DeviceThreshold:
    """Threshold of one device (SI units; see the module docstring)."""

    name: str
    title: str
    bridge_gain: float
    V_th: float
    I_th: float
    motor_layer: str
    motor_wire_current: float


def device_threshold(stack: Stack | Geometry | str | PathLike, name: str | None = None,
                     segments: int | None = None
                     ) -> DeviceThreshold:
    """Bridge gain, threshold voltage and current of ``stack`` (a stack or a file path)."""
    from pathlib import Path

    from .motor import MotorLaw
    from .network import build_network
    from .reader import load_stack
    from .solvers.motor_newton import bridge_thevenin, threshold_current

    if isinstance(stack, (str, Path)):
        stack = load_stack(stack)
    if stack.motor is None:
        raise NetworkError(f"{stack.source}: no [motor] table: no threshold to compute")
    net = build_network(stack, segments)
    th = bridge_thevenin(net)
    law = MotorLaw.from_stack(stack)
    k, v_th = th.gain, law.V_th
    i_th = threshold_current(law, th)
    if math.isnan(i_th):
        i_th = math.inf
    v = th.v_source
    label = name or Path(str(stack.source)).stem
    return DeviceThreshold(name=label, title=stack.title, bridge_gain=k, V_th=v_th,
                           I_th=i_th, motor_layer=stack.motor.layer,
                           motor_wire_current=_motor_wire_current(net, v))


def compare_thresholds(devices, segments: int | None = None) -> list[DeviceThreshold]:
    """:func:`device_threshold` of every device, in order."""
    if isinstance(devices, dict):
        return [device_threshold(s, name=n, segments=segments) for n, s in devices.items()]
    return [device_threshold(s, segments=segments) for s in devices]


def torque_sweep(network, currents) -> dict:
    """The torque on the free magnet (the motor layer, else the last magnet) at every
    current: :data:`~circuitspin.magnets.TORQUE_FIELDS`, arrays in N m (damping-like
    and field-like relative to the other magnet,
    :meth:`~circuitspin.solution.Solution.torque_parts`)."""
    from .magnets import TORQUE_FIELDS
    from .solvers import solve

    layers = network.stack.layers
    motor = network.stack.motor
    magnets = [lay.name for lay in layers if lay.material.ferromagnetic]
    free = motor.layer if motor is not None else (magnets[-1] if magnets else None)
    out = {f: np.full(len(currents), np.nan) for f in TORQUE_FIELDS}
    if free is None:
        return out
    for k, cur in enumerate(currents):
        sol = solve(network, float(cur))
        parts = sol.torque_parts()[free]
        out["torque_damping_like"][k] = parts["damping_like"]
        out["torque_field_like"][k] = parts["field_like"]
        out["torque_magnitude"][k] = float(np.linalg.norm(sol.torque(free)))
    return out

