"""Figures (matplotlib is imported inside the functions only).

Public API
----------
plot_profile(solution, diffusion=True, fig=None) -> Figure
    Three panels along x: Delta(x) (the spin accumulation, V), both band potentials,
    both band currents; layers shaded and named; the circuit's node values as markers
    and, for a straight stack, the analytic diffusion solution as lines.
save_figure(fig, path)
    Write a figure atomically (temporary file, then rename).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_LAYER_COLOURS = {True: "#f3d9c6", False: "#dbe7f3"}  # ferromagnet, normal metal


def _shade_layers(ax, stack, scale):
    for layer in stack.layers:
        ax.axvspan(layer.x0 * scale, layer.x1 * scale, alpha=0.5, lw=0,
                   color=_LAYER_COLOURS[layer.material.ferromagnetic])


def _label_layers(ax, stack, scale):
    for layer in stack.layers:
        arrow = {"up": "↑", "down": "↓"}[layer.magnetization] if layer.material.ferromagnetic \
            else ""
        ax.text((layer.x0 + layer.x1) / 2 * scale, 1.02, f"{layer.name}{arrow}",
                transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=8)


def plot_profile(solution, diffusion: bool = True, fig=None):
    """Profiles along x of a solved straight stack; returns the Figure.

    The Delta panel's first line is the circuit's node values (``Line2D`` label
    ``"circuit"``); its y data is Delta in volts, unscaled.
    """
    fig = _new_figure(fig, (7.5, 8.0))
    axes = fig.subplots(3, 1, sharex=True)
    net = solution.network
    stack = net.stack
    prof = solution.profile()
    scale = 1e9  # nm on the x axis
    x = prof["x"] * scale
    for ax in axes:
        _shade_layers(ax, stack, scale)
    _label_layers(axes[0], stack, scale)
    kw = dict(ls="none", marker="o", ms=3.5)
    axes[0].plot(x, prof["Delta"], color="k", label="circuit", **kw)
    axes[1].plot(x, prof["V_up"] * 1e3, color="C3", label="V_up (circuit)", **kw)
    axes[1].plot(x, prof["V_dn"] * 1e3, color="C0", label="V_dn (circuit)", **kw)
    axes[2].plot(x, prof["I_up"] * 1e3, color="C3", label="I_up (circuit)", **kw)
    axes[2].plot(x, prof["I_dn"] * 1e3, color="C0", label="I_dn (circuit)", **kw)
    if diffusion:
        from .diffusion import solve_diffusion

        ref = solve_diffusion(stack, solution.current).profile(200)
        xr = ref["x"] * scale
        for layer in range(len(stack.layers)):
            m = ref["layer"] == layer
            first = layer == 0
            axes[0].plot(xr[m], ref["Delta"][m], color="k", lw=1,
                         label="diffusion (Valet–Fert)" if first else None)
            axes[1].plot(xr[m], ref["V_up"][m] * 1e3, color="C3", lw=1)
            axes[1].plot(xr[m], ref["V_dn"][m] * 1e3, color="C0", lw=1)
            axes[2].plot(xr[m], ref["I_up"][m] * 1e3, color="C3", lw=1)
            axes[2].plot(xr[m], ref["I_dn"][m] * 1e3, color="C0", lw=1)
    if net.u is not None:
        xu = net.node_x[net.u] * scale
        axes[0].axvline(xu, color="C2", ls="--", lw=1)
        axes[0].annotate(f"U–D: Δμ̄ = {solution.delta_mu_bar_eV:.3e} eV", (xu, solution.V_UD),
                         xytext=(8, 8), textcoords="offset points", fontsize=8, color="C2")
    axes[0].set_ylabel("Δ = V_up − V_dn (V)")
    axes[1].set_ylabel("band potential (mV)")
    axes[2].set_ylabel("band current (mA)")
    axes[2].set_xlabel("x (nm)")
    for ax in axes:
        ax.legend(fontsize=7, loc="best")
    axes[0].set_title(f"{stack.title}  (I = {solution.current:g} A, {net.method}, "
                      f"{net.n_segments} segments)", fontsize=9, pad=16)
    fig.tight_layout()
    return fig


def _new_figure(fig, size):
    """A fresh Figure with no pyplot state (works headless and in notebooks)."""
    if fig is not None:
        return fig
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def save_figure(fig, path) -> Path:
    """Save ``fig`` to ``path`` atomically (format from the suffix); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=150)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
