"""The Figure every plotting function makes: matplotlib's, shown inline by Jupyter.

A ``matplotlib.figure.Figure`` made without pyplot has no display hook in IPython until
``%matplotlib inline`` registers one; this subclass carries its own (``_repr_png_``),
so a plot returned by a cell shows as a PNG in any Jupyter front end, magic or not
(with the magic, IPython's own formatter for Figures draws it, once).  Imported inside
the plotting functions only (matplotlib is an optional extra).

Public API
----------
Figure
    ``matplotlib.figure.Figure`` with ``_repr_png_`` (``savefig`` as PNG, tight box,
    the figure's own dpi).
"""
from __future__ import annotations

import io

from matplotlib.figure import Figure as _MatplotlibFigure


class Figure(_MatplotlibFigure):
    """A matplotlib Figure that Jupyter displays as a PNG (see the module docstring)."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
