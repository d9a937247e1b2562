"""Device comparisons: threshold currents from the bridge view, branched-profile plots.

Everything but the motor is linear, so the open-circuit bridge output is V_UD = k I
(k in V/A, the bridge gain, one factorised solve with the motor left open).  The motor
starts to pump at e V_th = hbar omega (1 + alpha / delta_alpha) (alpha -> 0 when the
[motor] table gives none: the paper's delta_mu_bar + hbar omega = 0), so the threshold
current of a device is I_th = V_th / k.  Comparing the 1D pillar, the pillar with flared
leads and the zero-current SWASER shows what the geometry does to delta_mu_bar per
ampere.  matplotlib is imported inside the plotting functions only.

Public API
----------
threshold_voltage(motor) -> float
    V_th (V) of a :class:`~circuitspin.stack.Motor`.
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
plot_threshold_comparison(results, fig=None) -> Figure
    Bars of |I_th| (mA), annotated with delta_mu_bar per mA and the current through F2.
plot_wire_profiles(solution, fig=None) -> Figure
    Delta(x) and the charge current along every wire of a solved branched geometry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import constants as _c

from .errors import NetworkError


def _figure(fig, size):
    if fig is not None:
        return fig
    from matplotlib.figure import Figure  # no pyplot state: headless and notebooks

    return Figure(figsize=size)


def threshold_voltage(motor) -> float:
    """e V_th = h f (1 + alpha / delta_alpha), in volts (alpha None -> 0)."""
    alpha = motor.alpha or 0.0
    return _c.h * motor.frequency * (1.0 + alpha / motor.delta_alpha) / _c.e


def bridge_gain(network) -> float:
    """Open-circuit V_UD per ampere of source current (V/A), the motor branch left open."""
    from .solution import injections
    from .solvers.nodal import NodalFactor

    if network.u is None:
        raise NetworkError(f"{network.stack.source}: no [motor] table, so no U-D bridge")
    v = NodalFactor(network, include_motor=False).solve(injections(network, 1.0))
    return float(v[network.u] - v[network.d])


def _motor_wire_current(network, v) -> float:
    """Charge current (A) along the motor's layer or wire at its U-D end."""
    from .solution import segment_end_currents

    motor = network.stack.motor
    segs = np.flatnonzero(network.rows_layer[network.seg_a] == motor.index)
    i_up_a, i_dn_a, i_up_b, i_dn_b = segment_end_currents(network, v)
    if getattr(motor, "end", "from") == "to":
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


def device_threshold(stack, name: str | None = None, segments: int | None = None
                     ) -> DeviceThreshold:
    """Bridge gain, threshold voltage and current of ``stack`` (a stack or a file path)."""
    from pathlib import Path

    from .network import build_network
    from .solution import injections
    from .solvers.nodal import NodalFactor
    from .reader import load_stack

    if isinstance(stack, (str, Path)):
        stack = load_stack(stack)
    if stack.motor is None:
        raise NetworkError(f"{stack.source}: no [motor] table: no threshold to compute")
    net = build_network(stack, segments)
    v = NodalFactor(net, include_motor=False).solve(injections(net, 1.0))
    k = float(v[net.u] - v[net.d])
    v_th = threshold_voltage(stack.motor)
    i_th = v_th / k if k else float("inf")
    label = name or Path(str(stack.source)).stem
    return DeviceThreshold(name=label, title=stack.title, bridge_gain=k, V_th=v_th,
                           I_th=i_th, motor_layer=stack.motor.layer,
                           motor_wire_current=_motor_wire_current(net, v))


def compare_thresholds(devices, segments: int | None = None) -> list[DeviceThreshold]:
    """:func:`device_threshold` of every device, in order."""
    if isinstance(devices, dict):
        return [device_threshold(s, name=n, segments=segments) for n, s in devices.items()]
    return [device_threshold(s, segments=segments) for s in devices]


def plot_threshold_comparison(results, fig=None):
    """Bar chart of |I_th| (mA) per device; returns the Figure.

    Each bar is annotated with |delta_mu_bar| per mA (ueV/mA, = |k| x 1e-3 x 1e6) and the
    charge current through the motor's layer per ampere: 0 for the zero-current SWASER
    (shown as 0 below 1e-12).
    """
    fig = _figure(fig, (7.0, 4.2))
    ax = fig.subplots()
    names = [r.name for r in results]
    ith = np.array([abs(r.I_th) * 1e3 for r in results])
    bars = ax.bar(names, ith, color=[f"C{i}" for i in range(len(results))])
    for bar, r in zip(bars, results):
        frac = r.motor_wire_current if abs(r.motor_wire_current) > 1e-12 else 0.0
        ax.annotate(f"{abs(r.I_th) * 1e3:.3g} mA\n|Δμ̄|/I = {abs(r.bridge_gain) * 1e3:.3g} "
                    f"µeV/mA\nI({r.motor_layer})/I = {frac:.3g}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                    fontsize=7)
    ax.set_ylabel("threshold current |I_th| (mA)")
    ax.set_yscale("log")
    ax.set_ylim(ith.min() / 3, ith.max() * 8)
    v_th = {round(r.V_th, 15) for r in results}
    ax.set_title("Threshold current: V_th / (open-circuit V_UD per ampere)"
                 + (f", V_th = {results[0].V_th * 1e6:.3g} µV" if len(v_th) == 1 else ""),
                 fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return fig


def plot_wire_profiles(solution, fig=None):
    """Delta(x) (V) and the charge current (A) along every wire; returns the Figure."""
    fig = _figure(fig, (7.5, 6.0))
    ax_d, ax_i = fig.subplots(2, 1, sharex=True)
    net = solution.network
    prof = solution.profile()
    for i, wire in enumerate(net.stack.layers):
        m = prof["layer"] == i
        x = (prof["x"][m] - wire.x0) * 1e9
        ls = "-" if wire.material.ferromagnetic else "--"
        ax_d.plot(x, prof["Delta"][m], ls, marker="o", ms=3, label=wire.name)
        ax_i.plot(x, (prof["I_up"][m] + prof["I_dn"][m]) * 1e3, ls, marker="o", ms=3,
                  label=wire.name)
    if net.u is not None:
        ax_d.annotate(f"U–D ({net.stack.motor.layer}): Δμ̄ = "
                      f"{solution.delta_mu_bar_eV:.3e} eV",
                      (0.98, 0.5), xycoords="axes fraction", ha="right", va="center",
                      fontsize=8, color="C2")
    ax_d.set_ylabel("Δ = V_up − V_dn (V)")
    ax_i.set_ylabel("charge current (mA)")
    ax_i.set_xlabel("x along each wire, from its 'from' end (nm)")
    ax_d.legend(fontsize=7, ncol=2)
    ax_d.set_title(f"{net.stack.title}  (I = {solution.current:g} A)", fontsize=9)
    fig.tight_layout()
    return fig
