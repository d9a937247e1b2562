"""Figures of CPP-GMR sweeps and fits (matplotlib imported inside the functions).

Public API
----------
plot_fit(result, fig=None, points=40, ax=None) -> Figure
    For each (x path, observable) pair of the fitted data: the data with their error bars
    and the best-fit curve on top, the normalised residuals (data - fit) / sigma below.
    Without sigma columns the error bars are the scatter the fit infers (RMS weight times
    sqrt(reduced chi2)), the convention of :mod:`circuitspin.fit`.
plot_gmr_sweep(ds, fig=None, ax=None) -> Figure
    A ``sweep --gmr`` Dataset: A dR and MR against the first swept parameter (lines for
    the values of a second one).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

#: axis scale and label unit of an entry, by its key (lengths in nm, ohm m^2 in fOhm m^2)
_DISPLAY = {"thickness": (1e9, "nm"), "length": (1e9, "nm"), "lsf": (1e9, "nm"),
            "AdR": (1e15, "fOhm m^2"), "AR_P": (1e15, "fOhm m^2"),
            "AR_AP": (1e15, "fOhm m^2"), "ar": (1e15, "fOhm m^2"), "R_P": (1.0, "ohm"),
            "R_AP": (1.0, "ohm"), "MR": (100.0, "%"), "V_UD": (1.0, "V")}


def _display(name: str):
    return _DISPLAY.get(name.split(".")[-1], (1.0, "SI"))


def plot_fit(result, fig=None, points: int = 40, ax=None):
    """Data against the best fit, with residuals (see the module docstring).

    ``ax``: 2 x P Axes (P = the (x path, observable) pairs): the data and fit of each
    pair in the first row, its residuals below."""
    panels = []
    for s in result.series:
        for name in s.values:
            if (s.x_path, name) not in panels:
                panels.append((s.x_path, name))
    if ax is None:
        from .figure import Figure

        fig = fig if fig is not None else Figure(figsize=(5.0, 5.5))
        grid = fig.add_gridspec(2, len(panels), height_ratios=(3, 1), hspace=0.08)
        own = True
    else:
        from .axes import axes_for

        fig, given, own = axes_for(ax, fig, (2, len(panels)), None)
        given = np.asarray(given, dtype=object).reshape(2, len(panels))
    scatter = np.sqrt(result.reduced_chi2)
    for col, (x_path, name) in enumerate(panels):
        if own:
            ax = fig.add_subplot(grid[0, col])
            axr = fig.add_subplot(grid[1, col], sharex=ax)
        else:
            ax, axr = given[0, col], given[1, col]
        xs, xu = _display(x_path)
        ys, yu = _display(name)
        for k, s in enumerate(result.series):
            if s.x_path != x_path or name not in s.values:
                continue
            color = f"C{k}"
            y = s.values[name]
            m = np.isfinite(y)
            if result.absolute_sigma:
                sig = s.sigmas[name]
            else:  # the inferred scatter: RMS weight of the column x sqrt(chi2/dof)
                rms = np.sqrt(np.mean(np.concatenate(
                    [t.values[name][np.isfinite(t.values[name])] for t in result.series
                     if name in t.values]) ** 2))
                sig = np.full(y.size, rms * scatter)
            pred = result.model.series_values(result.values, s)[name]
            ax.errorbar(s.x[m] * xs, y[m] * ys, yerr=sig[m] * ys, fmt="o", ms=4,
                        color=color, label=f"{Path(s.name).name} (data)")
            if len(s.settings) == 1:
                lo, hi = float(np.min(s.x)), float(np.max(s.x))
                xd = np.linspace(lo, hi, points)
                curve = result.model.curve(result.values, s, xd, [name])[name]
                ax.plot(xd * xs, curve * ys, "-", color=color, label="fit")
            else:  # other settings vary row by row: the fit at the data rows
                order = np.argsort(s.x[m])
                ax.plot(s.x[m][order] * xs, pred[m][order] * ys, "-", color=color,
                        label="fit (at the data rows)")
            axr.errorbar(s.x[m] * xs, (y[m] - pred[m]) / sig[m], yerr=np.ones(m.sum()),
                         fmt="o", ms=3, color=color)
        axr.axhline(0.0, color="0.5", lw=0.8)
        ax.set_ylabel(f"{name} ({yu})")
        ax.legend(fontsize=7)
        ax.tick_params(labelbottom=False)
        axr.set_xlabel(f"{x_path} ({xu})")
        axr.set_ylabel("(data - fit) / sigma", fontsize=8)
    text = ", ".join(f"{p.split('.')[-2]}.{p.split('.')[-1]} = {d['value']:.4g} "
                     f"+- {d['stderr']:.2g}" for p, d in result.parameters.items())
    (fig.suptitle if own else given[0, 0].set_title)(
        f"fit: {text}\nchi2/dof = {result.chi2:.3g}/{result.dof}", fontsize=8)
    return fig


def plot_gmr_sweep(ds, fig=None, ax=None):
    """A dR and MR of a ``sweep --gmr`` Dataset (see the module docstring); ``ax``: two
    Axes (A dR, MR)."""
    from .axes import axes_for

    fig, axes, own = axes_for(ax, fig, (1, 2), (10, 4))
    params = [d for d in ds["AdR"].dims]
    p = params[0]
    rest = {d: 0 for d in params[2:]}
    xs, xu = _display(p)
    for ax, name in zip(axes, ("AdR", "MR")):
        ys, yu = _display(name)
        da = ds[name].isel(**rest)
        if len(params) >= 2:
            q = params[1]
            for k, qv in enumerate(ds[q].values):
                ax.plot(ds[p].values * xs, da.isel({q: k}).values * ys, marker=".",
                        label=f"{q} = {qv:.4g}")
            ax.legend(fontsize=7)
        else:
            ax.plot(ds[p].values * xs, da.values * ys, marker=".")
        ax.set(xlabel=f"{p} ({xu})", ylabel=f"{name} ({yu})")
    if own:
        fig.suptitle(f"CPP-GMR sweep: {ds.attrs.get('stack', '')}", fontsize=9)
        fig.tight_layout()
    return fig
