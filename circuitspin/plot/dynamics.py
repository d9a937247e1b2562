"""Figures of macrospin runs (matplotlib imported inside the functions).

Public API
----------
plot_trajectory(traj, fig=None, title=None, ax=None) -> Figure
    m_x, m_y, m_z against time (ns), and the trajectory on the unit sphere (3D) with
    its start and end marked.  ``ax``: two Axes, the second a 3D one
    (``projection="3d"``).
plot_state_map(ds, fig=None, ax=None) -> Figure
    A :func:`circuitspin.dynamics.state_map` Dataset: the final m along the initial
    magnetization and the precession frequency over the current x field grid.
"""
from __future__ import annotations

import numpy as np


def plot_trajectory(traj, fig=None, title=None, ax=None):
    """m(t) and the trajectory on the sphere (see the module docstring)."""
    from ..errors import CircuitSpinError
    from .axes import axes_for

    if ax is None:
        if fig is None:
            from .figure import Figure

            fig = Figure(figsize=(10.0, 4.2))
        ax, ax3 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2, projection="3d")
    else:
        fig, (ax, ax3), _ = axes_for(ax, fig, (1, 2), None)
        if getattr(ax3, "name", "") != "3d":
            raise CircuitSpinError("ax: the second Axes of plot_trajectory must be a 3D "
                                   "one (projection='3d')")
    t = np.asarray(traj.t) * 1e9
    m = np.asarray(traj.m)
    for k, name in enumerate("xyz"):
        ax.plot(t, m[:, k], lw=0.8, label=f"$m_{name}$")
    ax.set_xlabel("time (ns)")
    ax.set_ylabel("m (lab axes; x = stack axis)")
    ax.set_ylim(-1.05, 1.05)
    ax.legend(loc="lower left", fontsize="small")
    u, v = np.mgrid[0:2 * np.pi:25j, 0:np.pi:13j]
    ax3.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v),
                       color="0.85", lw=0.4)
    ax3.plot(m[:, 0], m[:, 1], m[:, 2], lw=0.7, color="C3")
    ax3.scatter(*m[0], color="C2", s=20, label="start")
    ax3.scatter(*m[-1], color="k", s=20, label="end")
    a = np.asarray(traj.axis)
    ax3.plot([0, 1.3 * a[0]], [0, 1.3 * a[1]], [0, 1.3 * a[2]], color="C0", lw=1,
             label="initial magnetization")
    ax3.set_xlabel("x")
    ax3.set_ylabel("y")
    ax3.set_zlabel("z")
    ax3.set_box_aspect((1, 1, 1))
    ax3.legend(loc="upper left", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def plot_state_map(ds, fig=None, ax=None):
    """Final m . (initial magnetization) and precession frequency (see the docstring).
    ``ax``: two Axes to draw on instead of a new Figure."""
    from .axes import axes_for

    fig, (ax, ax2), _ = axes_for(ax, fig, (1, 2), (10.0, 4.0))
    axis = np.asarray(ds.attrs.get("field_direction", [0.0, 0.0, 1.0]))
    along = ds["mx"] * axis[0] + ds["my"] * axis[1] + ds["mz"] * axis[2]
    i = ds["current"].values * 1e3
    b = ds["field"].values * 1e3
    mesh = ax.pcolormesh(i, b, along.values, shading="nearest", cmap="coolwarm",
                         vmin=-1, vmax=1)
    fig.colorbar(mesh, ax=ax, label="final m . field direction")
    ax.set_xlabel("current (mA)")
    ax.set_ylabel("field (mT)")
    mesh = ax2.pcolormesh(i, b, ds["frequency"].values / 1e9, shading="nearest")
    fig.colorbar(mesh, ax=ax2, label="precession frequency (GHz)")
    ax2.set_xlabel("current (mA)")
    ax2.set_ylabel("field (mT)")
    return fig
