"""Fermi-surface spin currents of Berger's paper, Secs. II-IV (Eqs. 1-12).

Free electrons cross the N|F2 interface (x = 0, x normal to the layers).  A state on the
N Fermi sphere (radius ``kN``) at polar angle ``alpha`` to the +x axis has
``kxN = kN cos(alpha)``; in F2 the transverse momentum is conserved, so the spin-s wave has
``kx_s = sqrt(k_s**2 - kN**2 sin(alpha)**2)``.  The paper requires ``kN < k_up, k_dn`` (no
total reflection); this module accepts ``kN <= k_up, k_dn`` because at equality no state
with ``alpha < pi/2`` is totally reflected either, and that boundary case
(``kN = k_up = k_dn``, where T = 1) is the closed form the tests check.

Transmission (Eq. 3): ``T_s = 4 kx_s kxN / (kxN + kx_s)**2`` and the paper sets
``T+ ~ T- ~ T``.  We take the arithmetic mean ``T = (T+ + T-)/2``: the net spin current of a
pair of states with occupations n+, n- is proportional to
``n+ T+ - n- T- = (n+ - n-) (T+ + T-)/2 + (n+ + n-) (T+ - T-)/2``; the second, equilibrium
term is the one the paper discards (it must vanish by the second law), so the mean is the
factor multiplying the non-equilibrium excess.  (The geometric mean differs at second order
in T+ - T-.)  Velocities are ``v = hbar k / m_e``.

Averages of T over the kxN > 0 hemisphere (derived in :func:`T_av`, :func:`T_prime_av`):
count the excess states between the two spin Fermi surfaces, each weighted by T, and divide
by the density of states of the whole sphere.  For a translation by ``dk+ - dk-`` the
excess shell is ``(dk+ - dk-) cos(alpha)`` thick, giving Eq. 7's
``(hbar^2/m) (kN/2) (dk+ - dk-) T_av/2`` with weight ``cos(alpha) sin(alpha)``; for an
expansion by ``dkN`` the shell is uniform, giving Eq. 11 with weight ``sin(alpha)``.

SI units throughout: wavenumbers in 1/m, lengths in m, energies (spin imbalances) in J
unless a name ends in ``_eV``.  Spin currents P are spin-current densities: angular
momentum per unit time per unit area, J/m^2 (= N m / m^2); the ratios of Eqs. 8 and 12 are
spin-current density per unit spin imbalance, 1/m^2.

Public API
----------
kinematics, one_state_spin_current, sum_P_translation, sum_P_expansion, T_av, T_prime_av,
ratio_eq8, ratio_eq12, local_delta_mu, eq9_bound, torque_from_bridge, decay,
fermi_summary, FREE_ELECTRON_KF
"""

import functools
import math

import numpy as np
from circuitspin import constants
from circuitspin.errors import FermiError

__all__ = ["kinematics", "one_state_spin_current", "sum_P_translation", "sum_P_expansion",
           "T_av", "T_prime_av", "ratio_eq8", "ratio_eq12", "local_delta_mu", "eq9_bound",
           "torque_from_bridge", "decay", "fermi_summary", "FREE_ELECTRON_KF"]

def _quad(*args, **kwargs):
    """scipy.integrate.quad, imported when first needed (the command line starts fast)."""
    from scipy import integrate

    return integrate.quad(*args, **kwargs)


HBAR = constants.hbar
M_E = constants.m_e
E_CHARGE = constants.e

#: Fermi wavenumbers (1/m) and electron densities (1/m^3), with where each number comes from.
FREE_ELECTRON_KF = {
    "Cu": {"kF": 1.36e10, "n_e": 8.47e28,
           "source": "Ashcroft & Mermin, Solid State Physics (1976), Tables 1.1 and 2.1"},
    "Ag": {"kF": 1.20e10, "n_e": 5.86e28,
           "source": "Ashcroft & Mermin, Solid State Physics (1976), Tables 1.1 and 2.1"},
    "Au": {"kF": 1.21e10, "n_e": 5.90e28,
           "source": "Ashcroft & Mermin, Solid State Physics (1976), Tables 1.1 and 2.1"},
    "Co": {"kF_up": 1.5e10, "kF_dn": 1.4e10, "illustrative": True,
           "source": "ILLUSTRATIVE free-electron values, not a literature fit: chosen so that "
                     "k_Cu = 1.36e10 < kF_dn < kF_up as the paper assumes, with "
                     "pi/(kF_up - kF_dn) = 3.1 nm; real Co minority bands are d-like and are "
                     "not free-electron"},
    "Fe": {"kF_up": 1.09e10, "kF_dn": 0.42e10, "illustrative": False,
           "source": "M. B. Stearns, J. Magn. Magn. Mater. 5, 167 (1977), as used by "
                     "J. C. Slonczewski, PRB 39, 6995 (1989); note kF_dn < k_Cu, so the "
                     "paper's kN < k_up, k_dn fails for Fe/Cu and these functions refuse it"},
}


def _wavenumbers(kN, kup, kdn):
    """Validate the three Fermi wavenumbers; return them as floats."""
    out = []
    for name, k in (("k_N", kN), ("k_up", kup), ("k_dn", kdn)):
        if np.ndim(k) != 0:
            raise FermiError(f"{name} must be a scalar wavenumber in 1/m, got shape {np.shape(k)}")
        try:
            k = float(k)
        except (TypeError, ValueError):
            raise FermiError(f"{name} must be a number (1/m), got {k!r}") from None
        if not math.isfinite(k) or k <= 0.0:
            raise FermiError(f"{name} must be a positive finite wavenumber in 1/m, got {k!r}")
        out.append(k)
    kN, kup, kdn = out
    for name, k in (("k_up", kup), ("k_dn", kdn)):
        if kN > k:
            raise FermiError(f"k_N = {kN:.4g} 1/m exceeds {name} = {k:.4g} 1/m: states with "
                             f"sin(alpha) > {name}/k_N are totally reflected at N|F2 "
                             "(the paper assumes k_N < k_up, k_dn)")
    return kN, kup, kdn


def _real(value, name, minimum=None, inclusive=True):
    """Validate a finite real scalar or array (optionally bounded below); return an array."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise FermiError(f"{name} must be a real number or array, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise FermiError(f"{name} must be finite, got {value!r}")
    if minimum is not None:
        bad = arr < minimum if inclusive else arr <= minimum
        if np.any(bad):
            rel = ">=" if inclusive else ">"
            raise FermiError(f"{name} must be {rel} {minimum}, got {value!r}")
    return arr


def _kin(alpha, kN, kup, kdn):
    """Unchecked kinematics: kxN, kx_up, kx_dn, T (arithmetic mean of T+ and T-)."""
    kxN = kN * np.cos(alpha)
    # k_s^2 - kN^2 sin^2 = (k_s - kN)(k_s + kN) + kxN^2: no cancellation near alpha = pi/2
    kxu = np.sqrt((kup - kN) * (kup + kN) + kxN**2)
    kxd = np.sqrt((kdn - kN) * (kdn + kN) + kxN**2)

    def trans(kx):
        den = (kxN + kx) ** 2
        return np.divide(4.0 * kx * kxN, den, out=np.zeros_like(den), where=den > 0)

    return kxN, kxu, kxd, 0.5 * (trans(kxu) + trans(kxd))


def _g(alpha, kN, kup, kdn):
    """T (2 kxN)^2 (kx_up + kx_dn) / ((kxN + kx_up)(kxN + kx_dn)) in 1/m, and kx_up - kx_dn."""
    kxN, kxu, kxd, T = _kin(alpha, kN, kup, kdn)
    den = (kxN + kxu) * (kxN + kxd)
    num = T * (2.0 * kxN) ** 2 * (kxu + kxd)
    return np.divide(num, den, out=np.zeros_like(den), where=den > 0), kxu - kxd


def _weight(alpha, kind):
    if kind == "translation":       # Eqs. 6, 8: shell (dk+ - dk-) cos(alpha), area sin(alpha)
        return np.cos(alpha) * np.sin(alpha)
    if kind == "expansion":         # Eqs. 10, 12: uniform shell dkN, area sin(alpha)
        return np.sin(alpha)
    raise FermiError(f"kind must be 'expansion' or 'translation', got {kind!r}")


def _phase_points(x, kN, kup, kdn):
    """Angles where (kx_up - kx_dn) x = n pi, to split the oscillating quadrature.

    |kx_up - kx_dn| grows monotonically from |k_up - k_dn| at alpha = 0 to its value at
    alpha = pi/2; sqrt(kb^2 - t) - sqrt(ks^2 - t) = c inverts to
    t = kN^2 sin^2(alpha) = ks^2 - ((kb^2 - ks^2 - c^2) / (2c))^2.
    """
    kb, ks = max(kup, kdn), min(kup, kdn)
    if x == 0.0 or kb == ks:
        return np.empty(0)
    d0, d1 = kb - ks, math.sqrt(kb**2 - kN**2) - math.sqrt(ks**2 - kN**2)
    lo, hi = d0 * x / math.pi, d1 * x / math.pi
    # count the oscillations before allocating them (x = 1e300 m gives an infinite count)
    count = hi - lo if math.isfinite(hi) and math.isfinite(lo) else math.inf
    if not count <= 100_000:
        raise FermiError(f"x = {x:.3g} m is too deep in F2: the integrand oscillates "
                         f"{count:.3g} times; Sigma P is negligible there (use x < 1e4 "
                         "pi/|k_up-k_dn|)")
    n = np.arange(math.floor(lo) + 1, math.ceil(hi))
    c = n * math.pi / x
    t = ks**2 - ((kb**2 - ks**2 - c**2) / (2.0 * c)) ** 2
    a = np.arcsin(np.sqrt(np.clip(t, 0.0, kN**2)) / kN)
    return a[(a > 0.0) & (a < 0.5 * math.pi)]


@functools.lru_cache(maxsize=256)
def _integral(x, kN, kup, kdn, kind):
    """int_0^{pi/2} g(alpha) cos((kx_up - kx_dn) x) w(alpha) d alpha (1/m), quad with splits."""
    def f(a):
        g, dkx = _g(a, kN, kup, kdn)
        return float(g * _weight(a, kind) * math.cos(dkx * x))

    if x == 0.0:
        return _quad(f, 0.0, 0.5 * math.pi, epsabs=0.0, epsrel=1e-13, limit=200)[0]
    scale = _integral(0.0, kN, kup, kdn, kind)   # integrand >= 0 at x = 0: sets epsabs
    pts = _phase_points(x, kN, kup, kdn)
    opts = dict(epsabs=1e-13 * scale, epsrel=1e-12, limit=200 + 20 * (pts.size + 1))
    if pts.size:
        opts["points"] = pts
    return _quad(f, 0.0, 0.5 * math.pi, **opts)[0]


def _integrals(x, kN, kup, kdn, kind):
    """_integral over an array of x (one quad per value); returns an array of x's shape."""
    xs = _real(x, "x (m, depth into F2)", minimum=0.0)
    flat = [_integral(float(v), kN, kup, kdn, kind) for v in xs.ravel()]
    return np.reshape(flat, xs.shape)


def _out(arr):
    arr = np.asarray(arr, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def kinematics(kN, kup, kdn, alpha):
    """Free-electron kinematics across N|F2 for states at angle ``alpha`` (Eqs. 2-3).

    Parameters
    ----------
    kN, kup, kdn : float
        Fermi wavenumbers (1/m) of N and of the up and down bands of F2; 0 < kN <= kup, kdn.
    alpha : float or array_like
        Polar angle(s) on the N Fermi sphere, in [0, pi/2] (kxN >= 0 hemisphere).

    Returns
    -------
    kxN, kx_up, kx_dn, T : float or ndarray
        ``kN cos(alpha)``, ``sqrt(k_s^2 - kN^2 sin^2 alpha)`` (1/m) and the dimensionless
        ``T = (T+ + T-)/2`` with ``T_s = 4 kx_s kxN / (kxN + kx_s)^2``.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    a = _real(alpha, "alpha (rad)", minimum=0.0)
    if np.any(a > 0.5 * math.pi * (1 + 1e-12)):
        raise FermiError(f"alpha must lie in [0, pi/2] (states entering F2), got {alpha!r}")
    return tuple(_out(v) for v in _kin(np.minimum(a, 0.5 * math.pi), kN, kup, kdn))


def one_state_spin_current(x, kN, kup, kdn, alpha, theta, volume=1.0):
    """P_x2(x) of the states psi+ and psi- of Eq. 3 in F2 (the paper's Eq. 5).

    ``(P_x2)+ = -(hbar/4) sin(theta) T (v_up + v_dn) (2kxN)^2 cos((kx_up - kx_dn) x)
    / (V_N (kxN + kx_up)(kxN + kx_dn))`` with ``v = hbar kx / m_e``, and ``(P_x2)- = -(P_x2)+``.

    Parameters
    ----------
    x : float or array_like
        Depth into F2 (m), x >= 0.
    kN, kup, kdn : float
        Fermi wavenumbers (1/m), 0 < kN <= kup, kdn.
    alpha, theta : float or array_like
        State angle on the N Fermi sphere (rad, [0, pi/2]) and cone angle theta (rad).
    volume : float
        Normalisation volume V_N of the state (m^3).

    Returns
    -------
    P_plus, P_minus : float or ndarray
        Spin-current densities (J/m^2) of one state each, broadcast over x, alpha, theta.
    """
    kxN, kxu, kxd, T = (np.asarray(v) for v in kinematics(kN, kup, kdn, alpha))
    x = _real(x, "x (m, depth into F2)", minimum=0.0)
    theta = _real(theta, "theta (rad)")
    volume = float(_real(volume, "volume (m^3)", minimum=0.0, inclusive=False))
    v_sum = HBAR * (kxu + kxd) / M_E
    p = (-(HBAR / 4.0) * np.sin(theta) * T * v_sum * (2.0 * kxN) ** 2 * np.cos((kxu - kxd) * x)
         / (volume * (kxN + kxu) * (kxN + kxd)))
    return _out(p), _out(-p)


def T_av(kN, kup, kdn):
    """Average of T over the kxN > 0 hemisphere for Fermi-surface translation (Eq. 7).

    ``T_av = int_0^{pi/2} T cos(a) sin(a) da / int_0^{pi/2} cos(a) sin(a) da``.
    Derivation: translating the spin Fermi spheres by dk+ and dk- leaves an excess shell of
    thickness ``(dk+ - dk-) cos(a)``; counting its states weighted by T over the hemisphere,
    ``V kN^2 2 pi (dk+ - dk-) int T cos(a) sin(a) da / (8 pi^3)``, and dividing by the
    density of states of the full sphere, ``V kN^2 4 pi / (8 pi^3 hbar^2 kN / m)``, gives
    ``(hbar^2/m) kN (dk+ - dk-) (1/2) int T cos sin da``, which is Eq. 7's
    ``(hbar^2/m) kxN (dk+ - dk-) T_av/2`` with ``kxN = kN <cos a>_hemisphere = kN/2`` exactly
    when T_av carries the weight cos(a) sin(a).  Dimensionless, in (0, 1].
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    f = lambda a: float(_kin(a, kN, kup, kdn)[3] * math.cos(a) * math.sin(a))
    return 2.0 * _quad(f, 0.0, 0.5 * math.pi, epsabs=0.0, epsrel=1e-13)[0]


def T_prime_av(kN, kup, kdn):
    """Average of T over the kxN > 0 hemisphere for Fermi-surface expansion (Eq. 11).

    ``T'_av = int_0^{pi/2} T sin(a) da / int_0^{pi/2} sin(a) da``: the same T-weighted count
    of excess states as :func:`T_av`, for a shell of uniform thickness dkN, gives
    ``(hbar^2/m) kN dkN (1/2) int T sin da = (hbar^2/m) kN dkN T'_av/2`` (Eq. 11).
    Dimensionless, in (0, 1].
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    f = lambda a: float(_kin(a, kN, kup, kdn)[3] * math.sin(a))
    return _quad(f, 0.0, 0.5 * math.pi, epsabs=0.0, epsrel=1e-13)[0]


def sum_P_translation(x, kN, kup, kdn, dk_plus_minus_dk_minus, theta):
    """Sigma P_x2(x) for translated Fermi surfaces (Eq. 6), J/m^2.

    ``-(hbar^2 sin(theta) / (16 pi^2 m)) kN^2 (dk+ - dk-) int_0^{pi/2} g cos((kx_up-kx_dn)x)
    cos(a) sin(a) da`` with ``g = T (2kxN)^2 (kx_up + kx_dn) / ((kxN+kx_up)(kxN+kx_dn))``.
    ``dk_plus_minus_dk_minus`` in 1/m; x (m, >= 0) may be an array (one quadrature each).
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    dk = float(_real(dk_plus_minus_dk_minus, "dk+ - dk- (1/m)"))
    s = np.sin(float(_real(theta, "theta (rad)")))
    pre = -(HBAR**2 * s / (16.0 * math.pi**2 * M_E)) * kN**2 * dk
    return _out(pre * _integrals(x, kN, kup, kdn, "translation"))


def sum_P_expansion(x, kN, kup, kdn, delta_mu_bar_J, theta):
    """Sigma P_bar_x2(x) for expanded/contracted Fermi surfaces (Eqs. 10-12), J/m^2.

    ``-(kN sin(theta) / (16 pi^2)) (2 / T'_av) delta_mu_bar int_0^{pi/2} g
    cos((kx_up - kx_dn) x) sin(a) da``: the integrand of Eq. 12 with the cosine kept, the
    shell thickness dkN eliminated through Eq. 11.  ``delta_mu_bar_J`` is the paper's
    Delta mu_bar of Eq. 11 (J); x (m, >= 0) may be an array.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    dmu = float(_real(delta_mu_bar_J, "delta_mu_bar (J)"))
    s = np.sin(float(_real(theta, "theta (rad)")))
    pre = -(kN * s / (16.0 * math.pi**2)) * (2.0 / T_prime_av(kN, kup, kdn)) * dmu
    return _out(pre * _integrals(x, kN, kup, kdn, "expansion"))


def ratio_eq8(kN, kup, kdn):
    """Sigma P_x2(0) / Delta mu per unit sin(theta), translation (Eq. 8), in 1/m^2 (< 0).

    ``-(kN / (8 pi^2)) (2 / T_av) int_0^{pi/2} g cos(a) sin(a) da``.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    return -(kN / (8.0 * math.pi**2)) * (2.0 / T_av(kN, kup, kdn)) * \
        _integral(0.0, kN, kup, kdn, "translation")


def ratio_eq12(kN, kup, kdn):
    """Sigma P_bar_x2(0) / Delta mu_bar per unit sin(theta), expansion (Eq. 12), 1/m^2 (< 0).

    ``-(kN / (16 pi^2)) (2 / T'_av) int_0^{pi/2} g sin(a) da``: Eq. 8 with an extra 1/2 in
    front and no cos(a) in the integrand.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    return -(kN / (16.0 * math.pi**2)) * (2.0 / T_prime_av(kN, kup, kdn)) * \
        _integral(0.0, kN, kup, kdn, "expansion")


def local_delta_mu(j_x, alpha1, T_av, n_e, kN):
    """Local spin imbalance Delta mu of Fermi-surface translation (Eq. 7), in J.

    ``Delta mu = -2 (alpha1 - 1)/(alpha1 + 1) hbar kxN T_av j_x / (2 e n_e)`` with
    ``kxN = kN / 2`` (the hemisphere average).

    Parameters
    ----------
    j_x : float or array_like
        Electric current density along x (A/m^2).
    alpha1 : float
        Local ratio j_up / j_dn of spin-up to spin-down current densities in N (inf allowed:
        fully polarised); -1 is refused.
    T_av : float
        Hemisphere average of T, in (0, 1] (see :func:`T_av`).
    n_e, kN : float
        Electron density of N (1/m^3) and its Fermi wavenumber (1/m).
    """
    j = _real(j_x, "j_x (A/m^2)")
    try:
        a1 = float(alpha1)
    except (TypeError, ValueError):
        raise FermiError(f"alpha1 = j_up/j_dn must be a real number, got {alpha1!r}") from None
    if math.isnan(a1) or a1 == -1.0 or a1 == -math.inf:
        raise FermiError(f"alpha1 = j_up/j_dn must be a number other than -1, got {alpha1!r}")
    pol = 1.0 if math.isinf(a1) else (a1 - 1.0) / (a1 + 1.0)
    t = float(_real(T_av, "T_av", minimum=0.0, inclusive=False))
    if t > 1.0:
        raise FermiError(f"T_av is a transmission average and must be <= 1, got {T_av!r}")
    n = float(_real(n_e, "n_e (1/m^3)", minimum=0.0, inclusive=False))
    k = float(_real(kN, "k_N (1/m)", minimum=0.0, inclusive=False))
    return _out(-2.0 * pol * HBAR * (k / 2.0) * t / (E_CHARGE * n) * j / 2.0)


def eq9_bound(mfp_dn_F1, lsf_F1, mfp_dn_N2, lsf_N2):
    """Upper bound on Delta mu / Delta mu_bar (Eq. 9): (Lambda_dn/l_sr)_F1 + (Lambda_dn/l_sr)_N2.

    All four lengths in m, positive: spin-down mean free paths and spin-diffusion lengths of
    F1 and N2.  Dimensionless.
    """
    vals = [float(_real(v, name, minimum=0.0, inclusive=False)) for v, name in
            ((mfp_dn_F1, "mfp_dn_F1 (m)"), (lsf_F1, "lsf_F1 (m)"),
             (mfp_dn_N2, "mfp_dn_N2 (m)"), (lsf_N2, "lsf_N2 (m)"))]
    return vals[0] / vals[1] + vals[2] / vals[3]


def torque_from_bridge(delta_mu_bar_eV, kN, kup, kdn, sin_theta=1.0, convention="paper"):
    """Torque on F2 per unit area from the bridge output: tau_x2 = (Eq. 12 ratio) delta_mu_bar.

    By Eq. 1, tau_x2 = Sigma P_bar_x2(0) - Sigma P_bar_x2(inf) = Sigma P_bar_x2(0).

    Parameters
    ----------
    delta_mu_bar_eV : float or array_like
        Nonlocal spin imbalance at U-D in eV (``-e V_UD``).
    kN, kup, kdn : float
        Fermi wavenumbers (1/m).
    sin_theta : float
        sin of the cone angle.
    convention : {"paper", "splitting"}
        "paper": delta_mu_bar is the paper's Delta mu_bar of Eq. 11, which contains the
        factor T'_av/2.  "splitting": delta_mu_bar is the full Fermi-level splitting
        mu_up - mu_dn = hbar^2 kN dkN / m of the spin-diffusion equations; by Eq. 11 the
        paper's Delta mu_bar is then T'_av/2 times it.  The paper identifies its Delta mu_bar
        with the bridge output (Sec. V) without this factor, hence the choice.

    Returns
    -------
    float or ndarray
        tau_x2 in J/m^2 (angular momentum per unit time per unit area = N m / m^2);
        multiply by the pillar area for N m, divide by hbar for spins per second per m^2.
        Positive when delta_mu_bar < 0.
    """
    dmu = _real(delta_mu_bar_eV, "delta_mu_bar (eV)") * E_CHARGE
    s = float(_real(sin_theta, "sin_theta"))
    if abs(s) > 1.0:
        raise FermiError(f"sin_theta must lie in [-1, 1], got {sin_theta!r}")
    if convention == "splitting":
        dmu = dmu * T_prime_av(kN, kup, kdn) / 2.0
    elif convention != "paper":
        raise FermiError(f"convention must be 'paper' or 'splitting', got {convention!r}")
    return _out(ratio_eq12(kN, kup, kdn) * s * dmu)


def decay(x, kN, kup, kdn, kind="expansion"):
    """Sigma P(x) / Sigma P(0) for ``kind`` "expansion" (Eq. 12's integrand) or "translation"
    (Eq. 6); x in m (>= 0, scalar or array).  Dimensionless; -> 0 for x >> pi/|k_up - k_dn|.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    _weight(0.0, kind)
    return _out(_integrals(x, kN, kup, kdn, kind) / _integral(0.0, kN, kup, kdn, kind))


def fermi_summary(kN, kup, kdn, x=None):
    """Everything ``circuitspin fermi`` prints, as a JSON-ready dict of floats.

    Keys: ``kN``, ``kup``, ``kdn`` (1/m), ``x`` (m; default 3 pi/|kup - kdn|),
    ``eq8_per_sin_theta``, ``eq12_per_sin_theta`` (1/m^2), ``ratio_12_8``,
    ``decay_expansion``, ``decay_translation`` (Sigma P(x)/Sigma P(0)), ``T_av``,
    ``T_prime_av``.  With kup == kdn nothing decays: without ``x`` the three decay
    fields (``x`` and both decays) are None; the ratios are given either way.
    """
    kN, kup, kdn = _wavenumbers(kN, kup, kdn)
    if x is None and kup != kdn:
        x = 3.0 * math.pi / abs(kup - kdn)
    if x is not None:
        x = float(_real(x, "x (m, depth into F2)", minimum=0.0))
    r8, r12 = ratio_eq8(kN, kup, kdn), ratio_eq12(kN, kup, kdn)
    return {"kN": kN, "kup": kup, "kdn": kdn, "x": x,
            "eq8_per_sin_theta": r8, "eq12_per_sin_theta": r12, "ratio_12_8": r12 / r8,
            "decay_expansion": None if x is None else decay(x, kN, kup, kdn, "expansion"),
            "decay_translation": None if x is None else decay(x, kN, kup, kdn,
                                                               "translation"),
            "T_av": T_av(kN, kup, kdn), "T_prime_av": T_prime_av(kN, kup, kdn)}
