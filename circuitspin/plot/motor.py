"""Figures of the spin-wave motor across threshold (matplotlib inside the functions only).

Public API
----------
plot_motor_sweep(result, fig=None, log_n=False, ax=None) -> matplotlib.figure.Figure
    Six panels against the current (mA) of a sweep result
    (:func:`circuitspin.devices.sweep_currents` or
    :func:`circuitspin.solvers.motor_newton.sweep_network`): V_UD with the threshold
    V_th and the open-circuit bridge output k I (the clamp); the magnon number n with
    n_T and 2 S; the motor current I_M; the cone angle theta (when the stack
    gives ``ms``); the I-V curve; the power into the motor and the part that goes to the
    magnons.  The threshold current I_th = V_th / k is a dotted vertical line throughout.
plot_param_sweep(ds, fig=None, ax=None) -> matplotlib.figure.Figure
    A parameter sweep's Dataset (:func:`circuitspin.sweep`): V_UD, threshold current and
    resistance against one parameter, or maps over two.
"""
from __future__ import annotations

import numpy as np


def plot_motor_sweep(result: dict, fig=None, log_n: bool = False, ax=None):
    """The sweep of ``result`` as a Figure (see the module docstring); no pyplot state.

    The V_UD panel's first line (label ``"V_UD"``) holds the data in volts, unscaled in
    y; its x data are the currents in mA.  ``log_n``: the magnon panel on a log scale
    (shows the sub-threshold rise; the default linear scale shows the linear growth).
    ``ax``: 2 x 3 Axes (V_UD, n, I_M; cone angle, I-V, power).
    """
    from .figure import Figure

    from .axes import axes_for

    if fig is None and ax is None:
        fig = Figure(figsize=(12.0, 7.0), layout="constrained")
    fig, axes, own = axes_for(ax, fig, (2, 3), None, sharex=True)
    x = np.asarray(result["current"]) * 1e3
    motor = result.get("mode") is not None
    i_th = result.get("threshold_current", np.nan)
    title = result.get("title") or result.get("stack") or "sweep"
    head = f"{title}: motor mode {result.get('mode') or '- (no [motor])'}"
    if np.isfinite(i_th):
        head += f", threshold I_th = V_th / k = {i_th * 1e3:.4g} mA"
    if own:
        fig.suptitle(head, fontsize=11)
    else:
        axes[0, 0].set_title(head, fontsize=8, loc="left")
    (a_v, a_n, a_m), (a_t, a_iv, a_p) = axes

    if motor:
        a_v.plot(x, result["V_UD"], color="k", lw=1.5, label="V_UD")
        a_v.plot(x, result["V_open"], color="0.6", ls="--", lw=1,
                 label="open circuit k I")
        a_v.axhline(result["V_th"], color="C3", lw=1, label="V_th")
        lo, hi = np.nanmin(result["V_UD"]), np.nanmax(result["V_UD"])
        pad = 0.15 * max(hi - lo, abs(result["V_th"]) * 0.1)
        a_v.set_ylim(min(lo, result["V_th"]) - pad, max(hi, result["V_th"]) + pad)
        a_v.legend(fontsize=8, loc="lower right")
        n = np.asarray(result["magnons"], dtype=float)
        if log_n:
            pos = n > 0
            a_n.semilogy(x[pos], n[pos], color="C0", label="n")
        else:
            a_n.plot(x, n, color="C0", label="n")
        if result.get("n_thermal"):
            a_n.axhline(result["n_thermal"], color="0.5", ls=":", lw=1, label="n_T")
        if result.get("spins"):
            a_n.axhline(2.0 * result["spins"], color="C3", ls=":", lw=1,
                        label="2 S (theta = 180 deg)")
        a_n.legend(fontsize=8, loc="upper left")
        a_m.plot(x, np.asarray(result["motor_current"]) * 1e6, color="C2")
        if "theta_deg" in result:
            a_t.plot(x, result["theta_deg"], color="C4")
        else:
            a_t.text(0.5, 0.5, "no [motor] ms:\nno cone angle", ha="center", va="center",
                     transform=a_t.transAxes, color="0.4")
        a_p.plot(x, np.asarray(result["P_motor"]) * 1e9, color="k", label="I_M V_UD")
        a_p.plot(x, np.asarray(result["P_magnons"]) * 1e9, color="C1", ls="--",
                 label="hbar omega Gamma (magnons)")
        a_p.legend(fontsize=8, loc="upper left")
    else:
        for ax in (a_v, a_n, a_m, a_t, a_p):
            ax.text(0.5, 0.5, "no [motor]", ha="center", va="center",
                    transform=ax.transAxes, color="0.4")
    volts = np.asarray(result["voltage"], dtype=float)
    a_iv.plot(x, volts * 1e3, color="k", label="V")
    if x.size > 2:  # the differential resistance drops by k^2/Z above threshold
        a_r = a_iv.twinx()
        a_r.plot(x, np.gradient(volts, x * 1e-3), color="C5", lw=1)
        a_r.set_ylabel("dV/dI (ohm)", color="C5")

    labels = [(a_v, "V_UD (V)"), (a_n, "magnons n"), (a_m, "motor current I_M (uA)"),
              (a_t, "cone angle theta (deg)"), (a_iv, "stack voltage (mV)"),
              (a_p, "motor power (nW)")]
    for ax, label in labels:
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        if np.isfinite(i_th) and x.size and min(x) <= i_th * 1e3 <= max(x):
            ax.axvline(i_th * 1e3, color="C3", ls=":", lw=1)
    for ax in axes[1]:
        ax.set_xlabel("current I (mA)")
    return fig


def plot_param_sweep(ds, fig=None, ax=None):
    """A parameter sweep (the Dataset of :func:`circuitspin.sweep.run_sweep`).

    One swept parameter: V_UD against it at the first, middle and last current, and the
    threshold current and stack resistance against it.  Two or more: maps of V_UD at the
    last current and of the threshold current over the first two parameters (the others
    at their first value).  Axes and colour bars in engineering units (nm, mA, µV...:
    :func:`circuitspin.units.eng_scale`).  Returns the Figure.  ``ax``: two Axes.
    """
    from ..units import eng
    from .axes import axes_for

    fig, axes, own = axes_for(ax, fig, (1, 2), (10, 4))
    params = [d for d in ds["V_UD"].dims if d != "current"]
    rest = {d: 0 for d in params[2:]}
    currents = ds["current"].values
    if len(params) == 1:
        p = params[0]
        x, x_label = _scaled(ds, p)
        v_ud, v_label = _scaled(ds, "V_UD")
        for k in sorted({0, currents.size // 2, currents.size - 1}):
            axes[0].plot(x, v_ud[..., k], marker=".", label=f"I = {eng(currents[k], 'A')}")
        axes[0].set(xlabel=x_label, ylabel=v_label, title="bridge output")
        for ax in axes:
            ax.set_xscale("log" if _log_spaced(ds[p].values) else "linear")
        axes[0].legend(fontsize=8)
        th, th_label = _scaled(ds, "threshold_current", "threshold current")
        axes[1].plot(x, th, marker=".", color="C3", label="threshold current")
        axes[1].set(xlabel=x_label, ylabel=th_label)
        twin = axes[1].twinx()
        r, r_label = _scaled(ds, "resistance")
        twin.plot(x, r, marker=".", color="C0", label="resistance")
        twin.set_ylabel(r_label)
        axes[1].set_title("threshold (red) and resistance (blue)")
    else:
        p, q = params[:2]
        (y, y_label), (x, x_label) = _scaled(ds, p), _scaled(ds, q)
        at = f" at I = {eng(currents[-1], 'A')}"
        for ax, name, what in ((axes[0], "V_UD", "V_UD"),
                               (axes[1], "threshold_current", "threshold current")):
            da = ds[name].isel(**rest)
            if "current" in da.dims:
                da = da.isel(current=-1)
            values = np.asarray(da.transpose(p, q).values)
            values, title = _scaled_values(values, ds[name].attrs.get("units", ""), what)
            norm, values, title = _colour_scale(values, title + (at if name == "V_UD"
                                                                 else ""))
            mesh = ax.pcolormesh(x, y, values, shading="auto", norm=norm)
            fig.colorbar(mesh, ax=ax)
            ax.set(xlabel=x_label, ylabel=y_label, title=title)
            ax.set_xscale("log" if _log_spaced(ds[q].values) else "linear")
            ax.set_yscale("log" if _log_spaced(ds[p].values) else "linear")
    if own:
        fig.suptitle(f"parameter sweep: {ds.attrs.get('stack', '')}", fontsize=9)
        fig.tight_layout()
    return fig


def _scaled(ds, name: str, what: str | None = None):
    """(values, label) of a variable or swept path in engineering units, the label
    ``what (unit)`` (``layers.N.thickness (nm)``); ``what`` defaults to the name."""
    return _scaled_values(np.asarray(ds[name].values, dtype=float),
                          ds[name].attrs.get("units", ""), what or name)


def _scaled_values(values, unit: str, what: str):
    from ..units import eng_scale

    factor, label = eng_scale(values, unit) if unit else (1.0, "")
    return values * factor, f"{what} ({label})" if label else what


def _colour_scale(values, title: str):
    """(norm, values, title) of a map: a logarithmic colour scale for values of one sign
    that span more than two decades (their magnitude, the title saying so), else linear."""
    from matplotlib.colors import LogNorm

    finite = values[np.isfinite(values)]
    if finite.size and (np.all(finite > 0) or np.all(finite < 0)):
        mag = np.abs(finite)
        if mag.max() > 100 * mag.min():
            if np.all(finite < 0):
                values, title = np.abs(values), f"|{title}| (negative)"
            return LogNorm(vmin=mag.min(), vmax=mag.max()), values, title
    return None, values, title


def _log_spaced(values) -> bool:
    """True for three or more positive values with a constant ratio (log:START:STOP:N)."""
    v = np.asarray(values, dtype=float)
    if v.size < 3 or np.any(v <= 0):
        return False
    r = v[1:] / v[:-1]
    return bool(np.allclose(r, r[0], rtol=1e-9) and not np.isclose(r[0], 1.0))
