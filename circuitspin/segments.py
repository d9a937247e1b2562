"""Conductances of one layer segment: the paper's ladder and the exact two-band segment.

Pure array kernels (docs/model.md, "The network").  Every function takes per-segment
arrays and returns per-segment conductances in siemens.

Public API
----------
exact_segment(area, length, lsf, sigma_up, sigma_dn) -> (g_uu, g_dd, g_vert, g_diag)
    Exact for any length: up_a-up_b, dn_a-dn_b, the vertical at each end
    (up_a-dn_a and up_b-dn_b) and each diagonal (up_a-dn_b and dn_a-up_b).
ladder_segment(area, length, lsf, sigma_up, sigma_dn) -> (g_uu, g_dd, g_vert, g_diag)
    Horizontal band resistors rho_s h / A and half a spin-flip resistor at each end
    (the node's vertical is the sum of its neighbours' halves: w = h inside, h/2 at
    layer ends); no diagonal.
flared_segment(area_a, area_b, length, lsf, sigma_up, sigma_dn, method="exact")
    -> (g_uu, g_dd, g_vert_a, g_vert_b, g_diag)
    A segment whose cross-section is a cone frustum (sqrt(A) linear in x, from area_a
    at its first face to area_b at its last; spherical spreading is one such frustum).
    "exact" is exact for any length and taper (radial solutions exp(+-r/lsf)/r); for
    area_a == area_b it equals :func:`exact_segment`.  "ladder": horizontals
    sigma_s sqrt(A_a A_b) / h, the spin-flip conductance of each half segment at its end.
interface_element(area, r_up, r_dn, delta) -> (g_uu, g_dd, g_vert, g_diag)
    An interface with Bass-Pratt spin flip ``delta``: the exact segment of a thin layer
    with rho* t = AR*, beta = gamma and t/lsf = delta, which depends on those products
    only (no thickness).  ``delta = 0`` gives the two interface resistors A / r_s and
    no vertical or diagonal.
coth_minus_inv(u), inv_minus_csch(u)
    coth(u) - 1/u and 1/u - 1/sinh(u) without cancellation (series for small u,
    exponentials for large u).
"""
from __future__ import annotations

import numpy as np

# Taylor coefficients of the odd series (u, u^3, ..., u^25); radius of convergence pi,
# so 13 terms leave < 1e-20 relative below _SERIES_BELOW.
_COTH = (1 / 3, -1 / 45, 2 / 945, -1 / 4725, 2 / 93555, -1382 / 638512875,
         4 / 18243225, -3617 / 162820783125, 87734 / 38979295480125,
         -349222 / 1531329465290625, 310732 / 13447856940643125,
         -472728182 / 201919571963756521875, 2631724 / 11094481976030578125)
_CSCH = (1 / 6, -7 / 360, 31 / 15120, -127 / 604800, 73 / 3421440,
         -1414477 / 653837184000, 8191 / 37362124800, -16931177 / 762187345920000,
         5749691557 / 2554547108585472000, -91546277357 / 401428831349145600000,
         3324754717 / 143888775912161280000,
         -1982765468311237 / 846912068365871834726400000,
         22076500342261 / 93067260259985915904000000)
_SERIES_BELOW = 0.5  # closed forms lose < 1 digit to cancellation above this u


def _odd_series(u, coeffs):
    u2 = u * u
    acc = np.zeros_like(u)
    for c in reversed(coeffs):
        acc = acc * u2 + c
    return acc * u


def coth_minus_inv(u):
    """coth(u) - 1/u, accurate for all u > 0."""
    u = np.asarray(u, dtype=float)
    small = u < _SERIES_BELOW
    us = np.where(small, u, 1.0)
    ul = np.where(small, 1.0, u)
    e2 = np.exp(-2.0 * ul)
    large = (1.0 + e2) / (-np.expm1(-2.0 * ul)) - 1.0 / ul
    return np.where(small, _odd_series(us, _COTH), large)


def inv_minus_csch(u):
    """1/u - 1/sinh(u), accurate for all u > 0."""
    u = np.asarray(u, dtype=float)
    small = u < _SERIES_BELOW
    us = np.where(small, u, 1.0)
    ul = np.where(small, 1.0, u)
    csch = 2.0 * np.exp(-ul) / (-np.expm1(-2.0 * ul))
    return np.where(small, _odd_series(us, _CSCH), 1.0 / ul - csch)


def csch(u):
    """1/sinh(u) without overflow (0 for large u)."""
    u = np.asarray(u, dtype=float)
    return 2.0 * np.exp(-u) / (-np.expm1(-2.0 * u))


def exact_segment(area, length, lsf, sigma_up, sigma_dn):
    """Exact two-band segment conductances (S), see the module docstring.

    With sigma = sigma_up + sigma_dn, p = sigma_up sigma_dn / sigma, u = L/lsf::

        g_uu   = A [sigma_up^2 / (sigma L) + p csch(u) / lsf]
        g_dd   = A [sigma_dn^2 / (sigma L) + p csch(u) / lsf]
        g_vert = A p (coth(u) - 1/u) / lsf
        g_diag = A p (1/u - csch(u)) / lsf
    """
    area, length, lsf = (np.asarray(v, dtype=float) for v in (area, length, lsf))
    su, sd = np.asarray(sigma_up, dtype=float), np.asarray(sigma_dn, dtype=float)
    sigma = su + sd
    p = su * sd / sigma
    u = length / lsf
    q = csch(u)
    g_uu = area * (su * su / (sigma * length) + p * q / lsf)
    g_dd = area * (sd * sd / (sigma * length) + p * q / lsf)
    g_vert = area * p * coth_minus_inv(u) / lsf
    g_diag = area * p * inv_minus_csch(u) / lsf
    return g_uu, g_dd, g_vert, g_diag


def interface_element(area, r_up, r_dn, delta):
    """Conductances (S) of an interface with spin flip: (g_uu, g_dd, g_vert, g_diag).

    ``r_up``, ``r_dn``: the band resistances times area, ohm m^2 (2 AR* (1 -+ gamma),
    signed gamma).  The exact segment (:func:`exact_segment`) of a layer of length t
    with rho* t = AR*, beta = gamma and t / lsf = delta: then sigma_s t = 1 / r_s and
    p t = 1 / (r_up + r_dn) = 1 / (4 AR*), and t drops out.  With k = A / (r_up + r_dn)::

        g_uu   = k [r_dn / r_up + delta csch(delta)]     (-> A / r_up as delta -> 0)
        g_dd   = k [r_up / r_dn + delta csch(delta)]     (-> A / r_dn)
        g_vert = k (delta coth(delta) - 1)               at each side (-> 0)
        g_diag = k (1 - delta csch(delta))               up_a-dn_b and dn_a-up_b (-> 0)

    All are positive for delta > 0; series forms for small delta (no cancellation),
    exponential forms for large delta (no overflow).
    """
    area, r_up, r_dn, delta = (np.asarray(v, dtype=float)
                               for v in (area, r_up, r_dn, delta))
    k = area / (r_up + r_dn)
    small = delta < _SERIES_BELOW
    big = np.where(small, 1.0, delta)
    g_x = k * delta * inv_minus_csch(delta)                 # k (1 - delta csch delta)
    dcsch = np.where(small, 1.0 - delta * inv_minus_csch(np.where(small, delta, 0.0)),
                     big * csch(big))                       # delta csch(delta)
    g_uu = k * (r_dn / r_up + dcsch)
    g_dd = k * (r_up / r_dn + dcsch)
    g_vert = k * delta * coth_minus_inv(delta)
    return g_uu, g_dd, g_vert, g_x


def ladder_segment(area, length, lsf, sigma_up, sigma_dn):
    """The paper's ladder segment: horizontals sigma_s A / h, half a vertical at each end.

    The vertical conductance of a node is g_sf A w with g_sf = p / lsf^2 (p = 1/(4 rho*))
    and w the length it stands for; each segment contributes g_sf A h / 2 at each end.
    """
    area, length, lsf = (np.asarray(v, dtype=float) for v in (area, length, lsf))
    su, sd = np.asarray(sigma_up, dtype=float), np.asarray(sigma_dn, dtype=float)
    p = su * sd / (su + sd)
    g_uu = su * area / length
    g_dd = sd * area / length
    g_vert = p / lsf**2 * area * length / 2.0
    return g_uu, g_dd, g_vert, np.zeros_like(g_uu)


def flared_segment(area_a, area_b, length, lsf, sigma_up, sigma_dn, method="exact"):
    """Conductances (S) of a cone-frustum segment: (g_uu, g_dd, g_vert_a, g_vert_b, g_diag).

    Exact form.  With A(x) = (s_a + k x)^2 (k = (s_b - s_a)/L) the quasi-1D equations
    d/dx(A sigma_s dV_s/dx) = -+ A p Delta / lsf^2 are the radial ones with r = s/k, so
    Delta = (a e^{r/lsf} + b e^{-r/lsf}) / r and the charge mode V_c = c + d / r.
    Eliminating the four coefficients gives, with A_m = sqrt(A_a A_b) and u = L/lsf::

        g_ss     = A_m [sigma_s^2 / (sigma L) + p csch(u) / lsf]
        g_vert_a = A_a p (coth(u) - 1/u) / lsf      g_vert_b = A_b p (coth(u) - 1/u) / lsf
        g_diag   = A_m p (1/u - csch(u)) / lsf

    (the charge conductance sigma A_m / L is exact: int dx / A = L / (s_a s_b)).  The
    cone's apex never enters: the two face areas and the length fix the segment.

    Ladder form: horizontals sigma_s A_m / L, and at each end the spin-flip conductance
    (p / lsf^2) int A dx over the half segment next to it.
    """
    aa, ab, length, lsf = (np.asarray(v, dtype=float) for v in (area_a, area_b, length, lsf))
    su, sd = np.asarray(sigma_up, dtype=float), np.asarray(sigma_dn, dtype=float)
    sigma = su + sd
    p = su * sd / sigma
    am = np.where(aa == ab, aa, np.sqrt(aa) * np.sqrt(ab))  # no under/overflow of aa * ab
    if method == "ladder":
        sa, sb = np.sqrt(aa), np.sqrt(ab)
        sm = 0.5 * (sa + sb)
        half = 0.5 * length / 3.0  # int_0^{h/2} s(x)^2 dx for s linear: (h/2)(s0^2+s0 s1+s1^2)/3
        g_sf = p / lsf**2
        g_va = g_sf * half * (sa * sa + sa * sm + sm * sm)
        g_vb = g_sf * half * (sb * sb + sb * sm + sm * sm)
        return su * am / length, sd * am / length, g_va, g_vb, np.zeros_like(am)
    u = length / lsf
    q = csch(u)
    cmi = coth_minus_inv(u)
    g_uu = am * (su * su / (sigma * length) + p * q / lsf)
    g_dd = am * (sd * sd / (sigma * length) + p * q / lsf)
    g_diag = am * p * inv_minus_csch(u) / lsf
    return g_uu, g_dd, aa * p * cmi / lsf, ab * p * cmi / lsf, g_diag


def spin_channel_segment(area_a, area_b, length, lsf, sigma, method="exact"):
    """One transverse spin component of a normal-metal segment: (g_series, g_shunt_a,
    g_shunt_b), S.

    A normal metal's two bands (sigma_up = sigma_dn = sigma / 2) split into the charge
    mode and the spin mode D = V_up - V_dn; with the nodal row Is / 2 (Is = I_up - I_dn)
    and the node potential D, the spin mode of :func:`flared_segment` is a series
    conductance (g_uu - g_diag) / 2 and a shunt g_vert + g_diag at each end.  Each of
    the x, y and z components of a normal metal's spin accumulation is this line
    (p = sigma / 4, u = L / lsf, A_m = sqrt(A_a A_b))::

        exact:   g_series = A_m p csch(u) / lsf
                 g_shunt  = [A_end p (coth(u) - 1/u) + A_m p (1/u - csch(u))] / lsf
        ladder:  g_series = sigma A_m / (4 L), g_shunt = the half segment's spin flip

    written without the cancellation of g_uu - g_diag for L >> lsf.
    """
    aa, ab, length, lsf = (np.asarray(v, dtype=float) for v in (area_a, area_b, length, lsf))
    sigma = np.asarray(sigma, dtype=float)
    half = 0.5 * sigma
    _, _, g_va, g_vb, g_x = flared_segment(aa, ab, length, lsf, half, half, method=method)
    am = np.where(aa == ab, aa, np.sqrt(aa) * np.sqrt(ab))
    p = sigma / 4.0
    if method == "ladder":
        series = p * am / length
    else:
        series = am * p * csch(length / lsf) / lsf
    return series, g_va + g_x, g_vb + g_x
