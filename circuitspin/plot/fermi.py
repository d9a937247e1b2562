"""The Fermi-surface plot (:mod:`circuitspin.fermi`'s decay and integrands).

Public API
----------
plot_fermi(kN, kup, kdn, ax=None) -> Figure
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import FermiError
from ..fermi import _g, _wavenumbers, decay


def plot_fermi(kN, kup, kdn, ax=None):
    """Plot Sigma P(x)/Sigma P(0) for both kinds and the integrands of Eqs. 8 and 12.

    Left panel: :func:`decay` over 0 <= x <= 4 pi/|kup - kdn| (x in nm).  Right panel: the
    integrands ``g cos(a) sin(a)`` (Eq. 8) and ``g sin(a)`` (Eq. 12) in 1/nm versus alpha,
    with g as in :func:`sum_P_translation`.  ``ax``: None, or a pair of Axes to draw on.
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    if ax is None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    else:
        try:
            ax1, ax2 = ax
        except (TypeError, ValueError):
            raise FermiError("ax must be None or a pair of matplotlib Axes") from None
        fig = ax1.figure
    span = 4.0 * math.pi / (abs(kup - kdn) if kup != kdn else 0.1 * kN)
    x = np.linspace(0.0, span, 161)
    for kind in ("expansion", "translation"):
        ax1.plot(x * 1e9, decay(x, kN, kup, kdn, kind), label=kind)
    ax1.axhline(0.0, color="0.7", lw=0.8)
    ax1.set(xlabel="x in F2 (nm)", ylabel=r"$\Sigma P(x)/\Sigma P(0)$",
            title="Decay of the spin current")
    ax1.legend()
    a = np.linspace(0.0, 0.5 * math.pi, 181)
    g = _g(a, kN, kup, kdn)[0]
    ax2.plot(a, g * np.cos(a) * np.sin(a) * 1e-9, label=r"Eq. 8: $g\cos\alpha\sin\alpha$")
    ax2.plot(a, g * np.sin(a) * 1e-9, label=r"Eq. 12: $g\sin\alpha$")
    ax2.set(xlabel=r"$\alpha$ (rad)", ylabel="integrand (1/nm)", title="Integrands at x = 0")
    ax2.legend()
    return fig
