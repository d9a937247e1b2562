"""Where a figure draws: new subplots of a new (or given) Figure, or the caller's Axes.

Every public plotting function takes ``ax=``: one matplotlib ``Axes`` for a one-panel
plot, or a sequence (or array) of as many Axes as the plot has panels, in its panel
order.  Given ``ax``, the function draws there and returns ``ax``'s Figure, leaving the
figure's layout (size, title, spacing) to the caller.

Public API
----------
axes_for(ax, fig, shape, size, **subplots) -> (Figure, Axes or array of Axes, own)
    ``own`` is True when the function made the axes (then it may lay out the figure).
"""
from __future__ import annotations

import math

from ..errors import CircuitSpinError


def axes_for(ax, fig, shape: tuple[int, ...], size, **subplots):
    """(figure, axes, own): the caller's ``ax`` checked and shaped as ``shape`` (``()``:
    one Axes), or ``fig.subplots(*shape, **subplots)`` of ``fig`` (a new Figure of
    ``size`` inches when None, with no pyplot state)."""
    import numpy as np

    if ax is not None:
        from matplotlib.axes import Axes

        if fig is not None:
            raise CircuitSpinError("give fig or ax, not both")
        flat = np.empty(0, dtype=object)
        if isinstance(ax, Axes):
            flat = np.array([ax], dtype=object)
        else:
            try:
                flat = np.array(list(np.ravel(np.asarray(ax, dtype=object))), dtype=object)
            except TypeError:
                pass
        n = math.prod(shape)
        if flat.size != n or not all(isinstance(a, Axes) for a in flat):
            what = "one matplotlib Axes" if not shape else f"{n} matplotlib Axes"
            raise CircuitSpinError(f"ax: this plot draws on {what}, got {_describe(ax)}")
        squeezed = np.empty(shape).squeeze().shape  # as fig.subplots(*shape) returns them
        return flat[0].figure, (flat[0] if not squeezed else flat.reshape(squeezed)), False
    if fig is None:
        from .figure import Figure

        fig = Figure(figsize=size)
    return fig, fig.subplots(*shape, **subplots) if shape else fig.subplots(), True


def _describe(ax) -> str:
    from matplotlib.axes import Axes

    if isinstance(ax, (str, bytes)) or not hasattr(ax, "__len__"):
        return f"a {type(ax).__name__}"
    kinds = {type(a).__name__ for a in ax}
    return f"{len(ax)} of {', '.join(sorted(kinds))}" if not all(
        isinstance(a, Axes) for a in ax) else f"{len(ax)} Axes"
