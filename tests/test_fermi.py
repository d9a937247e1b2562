"""Physics tests of circuitspin.fermi (the paper's Eqs. 1-12).

Expected values are derived here by hand or computed by an independent route (Eq. 4
applied to the spinors of Eq. 3, a sum over states in cylindrical coordinates, the
free-electron drift of the Fermi spheres); none is a stored number from the module.
"""

import json
import math

import numpy as np
import pytest
from scipy import constants, integrate

from circuitspin import fermi
from circuitspin.errors import FermiError

HBAR, M_E, E = constants.hbar, constants.m_e, constants.e
KN = 1.36e10                                   # Cu, Ashcroft & Mermin Table 2.1
KUP, KDN = 1.5e10, 1.4e10                      # illustrative Co set
REALISTIC = [(1.5e10, 1.4e10), (1.6e10, 1.4e10), (1.4e10, 1.37e10), (2.0e10, 1.36e10),
             (1.37e10, 1.8e10), (1.7e10, 1.5e10)]


# ---------------------------------------------------------------- independent helpers
def my_kin(alpha, kN, kup, kdn):
    """Eq. 2-3 kinematics written again from the paper: kxN, kx_up, kx_dn, (T+ + T-)/2."""
    kxN = kN * np.cos(alpha)
    kx = [np.sqrt(k**2 - (kN * np.sin(alpha)) ** 2) for k in (kup, kdn)]
    t = [4 * k * kxN / (kxN + k) ** 2 for k in kx]
    return kxN, kx[0], kx[1], (t[0] + t[1]) / 2


def my_g(alpha, kN, kup, kdn):
    """The common integrand factor of Eqs. 6, 8, 12 (1/m)."""
    kxN, ku, kd, T = my_kin(alpha, kN, kup, kdn)
    return T * (2 * kxN) ** 2 * (ku + kd) / ((kxN + ku) * (kxN + kd))


def approx(expected, rel=1e-9, abs=0.0):
    """pytest.approx without its default abs=1e-12, which would swallow values ~1e-24 J."""
    return pytest.approx(expected, rel=rel, abs=abs)


def quad(f, a=0.0, b=math.pi / 2):
    return integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-12, limit=400)[0]


# ---------------------------------------------------------------- closed-form limit
def test_kinematics_equal_wavenumbers_give_unit_transmission():
    """k_up = k_dn = k_N: kx_s = sqrt(kN^2 - kN^2 sin^2) = kN cos = kxN, so T_s = 4k^2/(2k)^2 = 1."""
    a = np.linspace(0, math.pi / 2 - 1e-6, 50)
    kxN, ku, kd, T = fermi.kinematics(KN, KN, KN, a)
    np.testing.assert_allclose(kxN, KN * np.cos(a), rtol=1e-12)
    np.testing.assert_allclose(ku, KN * np.cos(a), rtol=1e-12)
    np.testing.assert_allclose(kd, ku, rtol=0)
    np.testing.assert_allclose(T, 1.0, rtol=1e-12)


def test_closed_form_limit_equal_wavenumbers():
    """k_up = k_dn = k_N: g = T (2kxN)^2 (2kxN) / (2kxN)^2 = 2 kN cos(a), no precession.

    I8 = int 2kN cos^2 sin = 2kN/3, I12 = int 2kN cos sin = kN, T_av = T'_av = 1, so
    Eq. 8 = -(kN/8pi^2) 2 (2kN/3) = -kN^2/(6 pi^2), Eq. 12 = -(kN/16pi^2) 2 kN = -kN^2/(8 pi^2),
    ratio 3/4; Eq. 6 = -(hbar^2 sin/(16 pi^2 m)) kN^2 dk (2kN/3) at every x.
    """
    k = KN
    assert fermi.T_av(k, k, k) == approx(1.0, rel=1e-9)
    assert fermi.T_prime_av(k, k, k) == approx(1.0, rel=1e-9)
    assert fermi.ratio_eq8(k, k, k) == approx(-k**2 / (6 * math.pi**2), rel=1e-9)
    assert fermi.ratio_eq12(k, k, k) == approx(-k**2 / (8 * math.pi**2), rel=1e-9)
    assert fermi.ratio_eq12(k, k, k) / fermi.ratio_eq8(k, k, k) == approx(0.75, rel=1e-9)
    theta, dk = 0.1, -3e5
    x = np.array([0.0, 1e-9, 7e-9, 1e-6])
    expected = -(HBAR**2 * math.sin(theta) / (16 * math.pi**2 * M_E)) * k**2 * dk * (2 * k / 3)
    np.testing.assert_allclose(fermi.sum_P_translation(x, k, k, k, dk, theta), expected, rtol=1e-9)
    dmu = -1.6e-22
    expected_bar = -(k * math.sin(theta) / (16 * math.pi**2)) * 2 * k * dmu
    np.testing.assert_allclose(fermi.sum_P_expansion(x, k, k, k, dmu, theta), expected_bar,
                               rtol=1e-9)
    np.testing.assert_allclose(fermi.decay(x, k, k, k, "translation"), 1.0, rtol=1e-9)


def test_no_dephasing_limit_small_kN():
    """kN << k_s: every state has kx_up - kx_dn = k_up - k_dn, so Sigma P(x)/Sigma P(0) is the
    undamped cos((k_up - k_dn) x); the decay comes only from the spread of kx_up - kx_dn."""
    kN = 1e-3 * KDN
    x = np.linspace(0, 6 * math.pi / (KUP - KDN), 13)
    for kind in ("expansion", "translation"):
        np.testing.assert_allclose(fermi.decay(x, kN, KUP, KDN, kind),
                                   np.cos((KUP - KDN) * x), atol=1e-5)
    # ... whereas with kN comparable to k_s the same x kills it
    assert abs(fermi.decay(x[-1], KN, KUP, KDN)) < 0.1


# ---------------------------------------------------------------- Eq. 5 from Eq. 4
@pytest.mark.parametrize("alpha", [0.0, 0.4, 1.2])
def test_eq5_matches_slonczewski_current_of_eq3_spinors(alpha):
    """P_x2 + i P_y2 = (i hbar^2/2m)(da*/dx b - a* db/dx) on psi+- of Eq. 3 (finite differences)."""
    theta, V, x0 = 0.3, 2e-24, 2.3e-9
    kxN, ku, kd, T = my_kin(alpha, KN, KUP, KDN)
    fu = lambda x: np.exp(1j * ku * x) * 2 * kxN / (kxN + ku) / math.sqrt(V)
    fd = lambda x: np.exp(1j * kd * x) * 2 * kxN / (kxN + kd) / math.sqrt(V)
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    spinors = {"+": (lambda x: math.sqrt(T) * fu(x) * c, lambda x: -math.sqrt(T) * fd(x) * s),
               "-": (lambda x: math.sqrt(T) * fu(x) * s, lambda x: math.sqrt(T) * fd(x) * c)}
    h = 1e-3 / KUP
    p_plus, p_minus = fermi.one_state_spin_current(x0, KN, KUP, KDN, alpha, theta, volume=V)
    for sign, got in (("+", p_plus), ("-", p_minus)):
        a, b = spinors[sign]
        da = (a(x0 + h) - a(x0 - h)) / (2 * h)
        db = (b(x0 + h) - b(x0 - h)) / (2 * h)
        P = 1j * HBAR**2 / (2 * M_E) * (np.conj(da) * b(x0) - np.conj(a(x0)) * db)
        assert got == approx(P.real, rel=1e-6)


def test_plus_and_minus_states_cancel():
    """Eq. 5: (P_x2)- = -(P_x2)+ for every x, alpha, theta: equal populations carry no P_x2."""
    x = np.linspace(0, 20e-9, 7)[:, None, None]
    a = np.linspace(0, math.pi / 2, 5)[None, :, None]
    th = np.array([0.01, 0.5, 2.0])[None, None, :]
    pp, pm = fermi.one_state_spin_current(x, KN, KUP, KDN, a, th)
    assert pp.shape == (7, 5, 3)
    assert np.all(pp + pm == 0.0)
    assert np.any(pp != 0.0)


# ---------------------------------------------------------------- Fermi-surface sums
@pytest.mark.parametrize("x", [0.0, 2e-9, 2 * math.pi / (KUP - KDN)])
def test_translation_sum_equals_state_count_in_cylindrical_coordinates(x):
    """Sum P+ over the excess states of spheres shifted along kx by dk+, dk-: for transverse
    radius rho the excess kx-interval has length dk+ - dk-; states per d^3k: V/(8 pi^3)."""
    V, dk, theta = 1e-24, 2e5, 0.2

    def f(rho):
        alpha = math.asin(min(rho / KN, 1.0))
        p = fermi.one_state_spin_current(x, KN, KUP, KDN, alpha, theta, volume=V)[0]
        return 2 * math.pi * rho * dk * V / (8 * math.pi**3) * p

    expected = integrate.quad(f, 0, KN, epsabs=0, epsrel=1e-11, limit=400)[0]
    got = fermi.sum_P_translation(x, KN, KUP, KDN, dk, theta)
    assert got == approx(expected, rel=1e-8)


def test_expansion_sum_and_eq11_normalisation():
    """Sum P+ over a spherical shell of thickness dkN, with Delta mu_bar from Eq. 11."""
    V, dkN, theta = 1e-24, 1e5, 0.2
    dmu = HBAR**2 / M_E * KN * dkN * fermi.T_prime_av(KN, KUP, KDN) / 2
    for x in (0.0, 3e-9):
        f = lambda a: (fermi.one_state_spin_current(x, KN, KUP, KDN, a, theta, volume=V)[0]
                       * V / (8 * math.pi**3) * KN**2 * 2 * math.pi * math.sin(a) * dkN)
        assert fermi.sum_P_expansion(x, KN, KUP, KDN, dmu, theta) == approx(quad(f), rel=1e-9)
    assert fermi.sum_P_expansion(0.0, KN, KUP, KDN, dmu, theta) / dmu == approx(
        fermi.ratio_eq12(KN, KUP, KDN) * math.sin(theta), rel=1e-9)


def test_averages_are_the_documented_weighted_means():
    T_fn = lambda a: my_kin(a, KN, KUP, KDN)[3]
    assert fermi.T_av(KN, KUP, KDN) == approx(
        quad(lambda a: T_fn(a) * math.cos(a) * math.sin(a)) / 0.5, rel=1e-10)
    assert fermi.T_prime_av(KN, KUP, KDN) == approx(
        quad(lambda a: T_fn(a) * math.sin(a)), rel=1e-10)
    assert 0 < fermi.T_prime_av(KN, KUP, KDN) < fermi.T_av(KN, KUP, KDN) < 1  # grazing states transmit less


def test_eq8_is_eq6_over_eq7():
    """Sigma P(0) from Eq. 6 divided by Eq. 7's (hbar^2/m)(kN/2)(dk+ - dk-) T_av/2 is Eq. 8."""
    dk, theta = -4e5, 0.05
    dmu = HBAR**2 / M_E * (KN / 2) * dk * fermi.T_av(KN, KUP, KDN) / 2
    assert fermi.sum_P_translation(0.0, KN, KUP, KDN, dk, theta) / dmu == approx(
        fermi.ratio_eq8(KN, KUP, KDN) * math.sin(theta), rel=1e-9)


@pytest.mark.parametrize("kup,kdn", REALISTIC)
def test_eq12_over_eq8_extra_half_and_missing_cos(kup, kdn):
    """Eq. 12 / Eq. 8 = (1/2) (T_av/T'_av) int g sin / int g cos sin, and is O(1)."""
    i8 = quad(lambda a: my_g(a, KN, kup, kdn) * math.cos(a) * math.sin(a))
    i12 = quad(lambda a: my_g(a, KN, kup, kdn) * math.sin(a))
    expected = 0.5 * fermi.T_av(KN, kup, kdn) / fermi.T_prime_av(KN, kup, kdn) * i12 / i8
    got = fermi.ratio_eq12(KN, kup, kdn) / fermi.ratio_eq8(KN, kup, kdn)
    assert got == approx(expected, rel=1e-9)
    assert 0.3 < got < 3
    assert fermi.ratio_eq8(KN, kup, kdn) < 0 and fermi.ratio_eq12(KN, kup, kdn) < 0


def test_ratio_is_order_one_for_library_wavenumbers():
    cu, co = fermi.FREE_ELECTRON_KF["Cu"], fermi.FREE_ELECTRON_KF["Co"]
    s = fermi.fermi_summary(cu["kF"], co["kF_up"], co["kF_dn"])
    assert 0.3 < s["ratio_12_8"] < 3
    assert s["ratio_12_8"] == approx(s["eq12_per_sin_theta"] / s["eq8_per_sin_theta"])


# ---------------------------------------------------------------- decay with depth
@pytest.mark.parametrize("kup,kdn", REALISTIC)
@pytest.mark.parametrize("kind", ["expansion", "translation"])
def test_spin_current_decays_beyond_precession_length(kup, kdn, kind):
    L = math.pi / abs(kup - kdn)
    assert fermi.decay(0.0, KN, kup, kdn, kind) == approx(1.0, rel=1e-12)
    assert abs(fermi.decay(50 * L, KN, kup, kdn, kind)) < 0.05


@pytest.mark.parametrize("periods", [40, 400])
def test_decay_matches_direct_quadrature_at_large_x(periods):
    """Split-interval quadrature against a plain dense quadrature of Eq. 12's integrand."""
    x = periods * math.pi / (KUP - KDN)
    a = np.linspace(0, math.pi / 2, 400001)
    kxN, ku, kd, T = my_kin(a, KN, KUP, KDN)
    w = my_g(a, KN, KUP, KDN) * np.sin(a)
    expected = integrate.simpson(w * np.cos((ku - kd) * x), x=a) / integrate.simpson(w, x=a)
    assert fermi.decay(x, KN, KUP, KDN) == approx(expected, abs=1e-8)


# ---------------------------------------------------------------- Eqs. 7, 9 and the torque
def test_eq7_by_hand_and_its_two_forms_agree():
    j, a1, tav, n = 1e-3 / 1e-14, 3.0, 0.9, 8.47e28      # 1 mA through 1e-14 m^2 of Cu
    by_hand = -2 * (a1 - 1) / (a1 + 1) * HBAR * (KN / 2) * tav / (E * n) * j / 2
    assert fermi.local_delta_mu(j, a1, tav, n, KN) == approx(by_hand, rel=1e-12)
    # right-hand form: free-electron drift j_s = -e (n/2) hbar dk_s / m
    j_up, j_dn = j * a1 / (a1 + 1), j / (a1 + 1)
    dk = -2 * M_E * (j_up - j_dn) / (E * n * HBAR)
    assert fermi.local_delta_mu(j, a1, tav, n, KN) == approx(
        HBAR**2 / M_E * (KN / 2) * dk * tav / 2, rel=1e-12)
    assert by_hand < 0                                    # j_x > 0, alpha1 > 1: Delta mu < 0 (Fig. 2a)


def test_eq9_bound():
    assert fermi.eq9_bound(5e-9, 59e-9, 20e-9, 500e-9) == approx(5 / 59 + 20 / 500)
    with pytest.raises(FermiError):
        fermi.eq9_bound(5e-9, 0.0, 20e-9, 500e-9)


def test_torque_from_bridge_units_sign_and_conventions():
    dmu_eV = -1e-3
    tau = fermi.torque_from_bridge(dmu_eV, KN, KUP, KDN, sin_theta=0.1)
    assert tau == approx(fermi.ratio_eq12(KN, KUP, KDN) * 0.1 * dmu_eV * E, rel=1e-12)
    assert tau > 0
    # "splitting": the bridge value is hbar^2 kN dkN / m; count the shell states directly
    dkN = M_E * dmu_eV * E / (HBAR**2 * KN)
    f = lambda a: (fermi.one_state_spin_current(0.0, KN, KUP, KDN, a, math.asin(0.1))[0]
                   / (8 * math.pi**3) * KN**2 * 2 * math.pi * math.sin(a) * dkN)
    assert fermi.torque_from_bridge(dmu_eV, KN, KUP, KDN, 0.1, convention="splitting") == \
        approx(quad(f), rel=1e-9)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("k", [(1.5e10, 1.4e10, 1.45e10), (1.36e10, 1.3e10, 1.5e10),
                               (-1.36e10, 1.5e10, 1.4e10), (0.0, 1.5e10, 1.4e10),
                               (1.36e10, math.nan, 1.4e10), (1.36e10, 1.5e10, math.inf),
                               (1.36e10, "a", 1.4e10), (np.array([1e10, 1.1e10]), 1.5e10, 1.4e10)])
def test_invalid_wavenumbers_raise(k):
    for call in (lambda: fermi.kinematics(*k, 0.1), lambda: fermi.ratio_eq8(*k),
                 lambda: fermi.ratio_eq12(*k), lambda: fermi.decay(1e-9, *k),
                 lambda: fermi.fermi_summary(*k), lambda: fermi.torque_from_bridge(-1e-3, *k),
                 lambda: fermi.sum_P_translation(0.0, *k, 1e5, 0.1)):
        with pytest.raises(FermiError) as err:
            call()
        assert "\n" not in str(err.value)


def test_other_invalid_inputs_raise():
    with pytest.raises(FermiError):
        fermi.kinematics(KN, KUP, KDN, 2.0)                       # alpha > pi/2
    with pytest.raises(FermiError):
        fermi.decay(-1e-9, KN, KUP, KDN)                          # x < 0 is not in F2
    with pytest.raises(FermiError):
        fermi.decay(1e-9, KN, KUP, KDN, kind="rotation")
    with pytest.raises(FermiError):
        fermi.local_delta_mu(1e11, -1.0, 0.9, 8.47e28, KN)
    with pytest.raises(FermiError):
        fermi.local_delta_mu(1e11, 3.0, 1.5, 8.47e28, KN)          # T_av > 1
    with pytest.raises(FermiError):
        fermi.torque_from_bridge(-1e-3, KN, KUP, KDN, convention="other")
    with pytest.raises(FermiError):
        fermi.torque_from_bridge(-1e-3, KN, KUP, KDN, sin_theta=1.5)
    with pytest.raises(FermiError):
        fermi.one_state_spin_current("deep", KN, KUP, KDN, 0.1, 0.1)
    with pytest.raises(FermiError):
        fermi.local_delta_mu(1e11, None, 0.9, 8.47e28, KN)
    with pytest.raises(FermiError):
        fermi.eq9_bound(5e-9, 59e-9, math.nan, 500e-9)


# ---------------------------------------------------------------- summary, library, plot
def test_fermi_summary_fields_and_json():
    s = fermi.fermi_summary(KN, KUP, KDN)
    assert s["x"] == approx(3 * math.pi / (KUP - KDN))
    assert s["eq8_per_sin_theta"] == fermi.ratio_eq8(KN, KUP, KDN)
    assert s["eq12_per_sin_theta"] == fermi.ratio_eq12(KN, KUP, KDN)
    assert s["decay_expansion"] == fermi.decay(s["x"], KN, KUP, KDN, "expansion")
    assert s["decay_translation"] == fermi.decay(s["x"], KN, KUP, KDN, "translation")
    assert s["T_av"] == fermi.T_av(KN, KUP, KDN)
    assert s["T_prime_av"] == fermi.T_prime_av(KN, KUP, KDN)
    json.dumps(s, allow_nan=False)
    assert fermi.fermi_summary(KN, KUP, KDN, x=0.0)["decay_expansion"] == approx(1.0)


def test_library_entries_have_sources():
    assert fermi.FREE_ELECTRON_KF["Cu"]["kF"] == 1.36e10
    for name, entry in fermi.FREE_ELECTRON_KF.items():
        assert entry["source"], name
        if "kF_up" in entry:
            assert "illustrative" in entry and (not entry["illustrative"]
                                                or "ILLUSTRATIVE" in entry["source"])
    co = fermi.FREE_ELECTRON_KF["Co"]
    fermi.kinematics(fermi.FREE_ELECTRON_KF["Cu"]["kF"], co["kF_up"], co["kF_dn"], 0.3)


def test_plot_fermi_draws_the_computed_data():
    from circuitspin.plot import plot_fermi

    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    fig = plot_fermi(KN, KUP, KDN)
    assert isinstance(fig, mpl.figure.Figure)
    ax1, ax2 = fig.axes
    lines = {ln.get_label(): ln for ln in ax1.get_lines() if not ln.get_label().startswith("_")}
    assert set(lines) == {"expansion", "translation"}
    for kind, ln in lines.items():
        x_nm = ln.get_xdata()
        assert x_nm[-1] == approx(4 * math.pi / (KUP - KDN) * 1e9)
        np.testing.assert_allclose(ln.get_ydata(), fermi.decay(x_nm * 1e-9, KN, KUP, KDN, kind),
                                   rtol=1e-12, atol=1e-14)
    l8, l12 = ax2.get_lines()
    a = l8.get_xdata()
    g = my_g(a[:-1], KN, KUP, KDN) * 1e-9                   # a[-1] = pi/2, where g = 0
    np.testing.assert_allclose(l8.get_ydata()[:-1], g * np.cos(a[:-1]) * np.sin(a[:-1]), rtol=1e-9)
    np.testing.assert_allclose(l12.get_ydata()[:-1], g * np.sin(a[:-1]), rtol=1e-9)
    import matplotlib.pyplot as plt
    plt.close(fig)


def test_quadrature_breakpoints_sit_at_phase_multiples_of_pi():
    """The split points of the oscillating quadrature invert (kx_up - kx_dn)(alpha) x = n pi."""
    x = 30 * math.pi / (KUP - KDN)
    pts = fermi._phase_points(x, KN, KUP, KDN)
    kxN, ku, kd, T = fermi.kinematics(KN, KUP, KDN, pts)
    phase = (ku - kd) * x / math.pi
    d1 = math.sqrt(KUP**2 - KN**2) - math.sqrt(KDN**2 - KN**2)
    np.testing.assert_allclose(phase, np.arange(31, math.ceil(d1 * x / math.pi)), rtol=1e-9)
