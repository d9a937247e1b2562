"""Angular sweeps of a non-collinear stack: R(theta) and the torque tau(theta).

Public API
----------
plot_angular_sweep(ds, fig=None, ax=None) -> Figure
    The Dataset of :func:`circuitspin.sweep.run_sweep` over one magnetization angle
    (``--param layers.F2.magnetization.theta=0:180:37``): the resistance and the
    normalised angular magnetoresistance, and the damping-like and field-like torque on
    the free magnet at every current.  ``ax``: two Axes to draw on.
"""
from __future__ import annotations


def plot_angular_sweep(ds, fig=None, ax=None):
    """R(theta) and tau(theta) of an angular sweep (see the module docstring).
    ``ax``: two Axes to draw on instead of a new Figure."""
    import numpy as np

    from ..units import eng
    from .axes import axes_for

    fig, axes, own = axes_for(ax, fig, (1, 2), (10, 4))
    params = [d for d in ds["torque_damping_like"].dims if d != "current"]
    p = params[0]
    rest = {d: 0 for d in params[1:]}
    angle = ds[p].values
    r = np.asarray(ds["resistance"].isel(**rest).values)
    axes[0].plot(angle, r, marker=".", color="C0")
    axes[0].set(xlabel=f"{p} (deg)", ylabel="resistance (ohm)",
                title="R(theta) (motor open)")
    if r.size > 1 and r[-1] != r[0]:
        twin = axes[0].twinx()
        twin.plot(angle, (r - r[0]) / (r[-1] - r[0]), ls=":", color="C1")
        twin.set_ylabel("(R - R(first)) / (R(last) - R(first))", color="C1")
    currents = ds["current"].values
    for k in sorted({0, currents.size - 1}):
        for name, ls in (("torque_damping_like", "-"), ("torque_field_like", "--")):
            axes[1].plot(angle, ds[name].isel(current=k, **rest).values, ls=ls, marker=".",
                         label=f"{name.split('_', 1)[1].replace('_', '-')}, "
                               f"I = {eng(currents[k], 'A')}")
    axes[1].axhline(0.0, color="0.7", lw=0.8)
    axes[1].set(xlabel=f"{p} (deg)", ylabel="torque (N m)",
                title="spin-transfer torque on the free magnet")
    axes[1].legend(fontsize=8)
    if own:
        fig.suptitle(f"angular sweep: {ds.attrs.get('stack', '')}", fontsize=9)
        fig.tight_layout()
    return fig
