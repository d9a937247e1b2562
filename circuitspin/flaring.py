"""Cross-sections that change along a layer or wire: flaring leads (docs/model.md).

A lead whose area grows away from the pillar relaxes spin in a larger volume.  In the
quasi-1D (radial) model the band currents are I_s = -A(x) sigma_s dV_s/dx and the
spin-flip conductance per unit length is A(x) / (4 rho* lsf^2); for spherical spreading,
A = A0 (1 + d/r0)^2 with d the distance from the narrow face, the spin accumulation
solves the radial equation (1/r^2) d/dr (r^2 dDelta/dr) = Delta / lsf^2 with r = r0 + d.

Both kinds of profile are cone frustums piece by piece (sqrt(A) linear in x): the
spherical form is one frustum over the whole layer; a table is one frustum between each
pair of points (its radius, sqrt(A / pi) for a round section, varies linearly).  Over a
frustum the two-band equations have closed-form solutions (exp(+-r/lsf)/r), so
:func:`circuitspin.segments.flared_segment` is exact: the default network (one exact
segment per frustum) has no discretisation error at all.

Public API
----------
AreaProfile
    Frozen: ``kind`` ("spherical" or "table"), ``r0`` (m), ``points`` ((x m, A m^2)...),
    ``origin`` ("first" or "last": the face from which the distance d is measured).
    ``areas(base_area, thickness, x)`` -> A (m^2) at positions x (m, from the first face);
    ``breakpoints(thickness)`` -> the positions where a table's frustums meet.
mesh(thickness, n, profile) -> positions (m)
    n uniform segments plus every breakpoint of the profile.

The stack reader (:mod:`circuitspin.reader`) reads an ``area_profile`` value.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

@dataclass(frozen=True)
class AreaProfile:
    """The cross-section A(x) of one layer or wire (SI units).

    ``spherical``: A = base (1 + d / r0)^2; ``table``: sqrt(A) interpolated linearly
    between the points (d, A), clamped outside them.  d is the distance from the
    ``origin`` face: the layer's first face (x = 0) or its last (x = thickness), so
    that ``origin = "last"`` makes a layer widen backwards, as the fixed layer F1 of a
    pillar whose lower lead flares.
    """

    kind: str
    r0: float | None = None
    points: tuple[tuple[float, float], ...] = ()
    origin: str = "first"

    def distance(self, thickness: float, x):
        """Distance d (m) of positions x (m, from the first face) from the origin face."""
        x = np.asarray(x, dtype=float)
        return x if self.origin == "first" else thickness - x

    def areas(self, base_area: float, thickness: float, x) -> np.ndarray:
        """A (m^2) at positions x (m, from the layer's first face)."""
        d = self.distance(thickness, x)
        if self.kind == "spherical":
            return base_area * (1.0 + d / self.r0) ** 2
        xs, a = np.array(self.points, dtype=float).T
        return np.interp(d, xs, np.sqrt(a)) ** 2

    def breakpoints(self, thickness: float) -> np.ndarray:
        """Positions strictly inside (0, thickness) where the frustums of a table meet."""
        if self.kind != "table":
            return np.zeros(0)
        d = np.array([p[0] for p in self.points], dtype=float)
        x = d if self.origin == "first" else thickness - d
        return np.sort(x[(x > 0.0) & (x < thickness)])


def mesh(thickness: float, n: int, profile: AreaProfile | None) -> np.ndarray:
    """Node positions (m, from the first face): n uniform segments and the breakpoints."""
    x = thickness * np.arange(n + 1) / n
    if profile is None:
        return x
    extra = profile.breakpoints(thickness)
    if extra.size == 0:
        return x
    x = np.union1d(x, extra)
    # drop points closer than 1e-9 of the thickness to a neighbour (rounding twins)
    keep = np.concatenate([[True], np.diff(x) > 1e-9 * thickness])
    x = x[keep]
    x[-1] = thickness
    return x
