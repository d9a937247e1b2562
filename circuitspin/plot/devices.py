"""Plots of device comparisons and of branched geometries (matplotlib, no pyplot state).

Public API
----------
plot_threshold_comparison(results, fig=None, ax=None) -> Figure
    Bars of |I_th| (mA), annotated with delta_mu_bar per mA and the current through F2
    (``results`` from :func:`circuitspin.devices.compare_thresholds`).
plot_wire_profiles(solution, fig=None, ax=None) -> Figure
    Delta(x) and the charge current along every wire of a solved branched geometry.
"""
from __future__ import annotations

import numpy as np


from .axes import axes_for


def plot_threshold_comparison(results, fig=None, ax=None):
    """Bar chart of |I_th| (mA) per device; returns the Figure.

    Each bar is annotated with |delta_mu_bar| per mA (ueV/mA, = |k| x 1e-3 x 1e6) and the
    charge current through the motor's layer per ampere: 0 for the zero-current SWASER
    (shown as 0 below 1e-12).
    """
    fig, ax, own = axes_for(ax, fig, (), (7.0, 4.2))
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
    if own:
        fig.tight_layout()
    return fig


def plot_wire_profiles(solution, fig=None, ax=None):
    """Delta(x) (V) and the charge current (A) along every wire; returns the Figure.
    ``ax``: two Axes (Delta, current)."""
    fig, (ax_d, ax_i), own = axes_for(ax, fig, (2, 1), (7.5, 6.0), sharex=True)
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
    if own:
        fig.tight_layout()
    return fig
