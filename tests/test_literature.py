"""The model next to published formulas: thresholds, damping, and the conventions a user
must get right when comparing with papers.

- Slonczewski's efficiency g(theta) (JMMM 159, L1 (1996)): its closed form, the P = 1
  and small-P limits; his critical current against the linearised Landau-Lifshitz-Gilbert
  equation solved numerically (the (H + M_s/2) and the 2e/hbar);
- the Kittel frequency and its inverse; the Sharvin conductance by counting channels;
- spin pumping (Tserkovnyak, Brataas, Bauer, PRL 88, 117601 (2002)) in its published
  e^2/h-per-area form, and the identity R_1 g_mix A = S it makes with the motor;
- the circuit's threshold vs Slonczewski's: the three factors multiply to the ratio,
  the circuit's number is `circuitspin threshold`'s, current densities do not depend on
  the pillar's area;
- conventions: delta_mu_bar is the full splitting (Takahashi-Maekawa's delta_mu_N is
  half of it); V_UD is on F2's side of N|F2; `rho` is the measured resistivity, not
  Bass-Pratt's rho*; the "paper" torque is 2/T'_av times the "splitting" one, which is the
  circuit-theory torque (hbar/2e) g_mix Delta with the Sharvin g_mix at matched bands.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import constants as C
from scipy import optimize

from circuitspin import build_network, load_stack, solve, stack_from_dict
from circuitspin import fermi
from circuitspin import literature as lit
from circuitspin.devices import threshold_fields
from circuitspin.errors import CircuitSpinError
from circuitspin.motor import MotorLaw, spin_count
from conftest import CO, CO_CU, CU, NETLISTS, pillar_dict

MS_CO = 1.44e6          # A/m (mu0 M_s = 1.81 T)
P_CO = 0.46
MU_B = C.physical_constants["Bohr magneton"][0]


# ------------------------------------------------------------------ Slonczewski's g
def test_slonczewski_g_closed_form():
    p = P_CO
    hand = 1.0 / (-4.0 + (1 + p) ** 3 * 4.0 / (4.0 * p ** 1.5))  # theta = 0
    assert_allclose(lit.slonczewski_g(p), hand, rtol=1e-15)
    assert 0.16 < hand < 0.17  # the "g(0) = 0.17" quoted with P = 0.46
    th = 1.1
    hand = 1.0 / (-4.0 + (1 + p) ** 3 * (3 + math.cos(th)) / (4.0 * p ** 1.5))
    assert_allclose(lit.slonczewski_g(p, th), hand, rtol=1e-15)


@pytest.mark.parametrize("theta", [0.0, 0.7, math.pi / 2, 2.5])
def test_slonczewski_g_limits(theta):
    # P = 1: (1+P)^3 / (4 P^1.5) = 2, g = 1 / (2 + 2 cos theta)
    assert_allclose(lit.slonczewski_g(1.0, theta), 1 / (2 + 2 * math.cos(theta)), rtol=1e-14)
    # P -> 0: g -> 4 P^1.5 / (3 + cos theta), relative correction ~ 3P + 16 P^1.5/(3+cos)
    p = 1e-8
    assert_allclose(lit.slonczewski_g(p, theta), 4 * p ** 1.5 / (3 + math.cos(theta)),
                    rtol=1e-7)


def test_slonczewski_g_refuses_nonsense():
    for bad in (0.0, -0.1, 1.5, float("nan")):
        with pytest.raises(CircuitSpinError):
            lit.slonczewski_g(bad)


# ------------------------------------------------------------------ Kittel and the film
def test_kittel_field_inverts_kittel_frequency():
    for f in (1e9, 10e9, 40e9):
        h = lit.kittel_field(f, MS_CO)
        assert_allclose(lit.kittel_frequency(h, MS_CO), f, rtol=1e-14)
    # 10 GHz in Co: mu0 H = 0.068 T; by hand from B (B + mu0 Ms) = (2 pi f / gamma)^2
    gamma = 2 * MU_B / C.hbar
    b_ms = C.mu_0 * MS_CO
    w2 = (2 * math.pi * 10e9 / gamma) ** 2
    b = (-b_ms + math.sqrt(b_ms ** 2 + 4 * w2)) / 2
    assert_allclose(C.mu_0 * lit.kittel_field(10e9, MS_CO), b, rtol=1e-12)


def test_thin_film_damping_ratio_limits():
    # H >> M_s: the film is nearly circular; H << M_s: ratio ~ sqrt(M_s / 4H)
    assert_allclose(lit.thin_film_damping_ratio(1e4 * MS_CO, MS_CO), 1.0, rtol=1e-8)
    h = 1e-6 * MS_CO
    assert_allclose(lit.thin_film_damping_ratio(h, MS_CO), math.sqrt(MS_CO / (4 * h)),
                    rtol=1e-5)


def llg_growth_rate(j, alpha, d, ms, h, g):
    """Largest real part of the eigenvalues of Landau-Lifshitz-Gilbert linearised about
    the easy axis z (field H along z, film normal x: demagnetising field -M_s m_x), with
    the torque (hbar/2e) g J per area as the antidamping term gamma a m x (m x p) ...
    written out: dm/dt = A m + alpha z x dm/dt, A = gamma [[a, -mu0 H], [mu0 (H+M_s), a]]
    with a = (hbar / 2e) g J / (M_s d) (tesla)."""
    gamma = 2 * MU_B / C.hbar
    a = C.hbar / (2 * C.e) * g * j / (ms * d)
    A = gamma * np.array([[a, -C.mu_0 * h], [C.mu_0 * (h + ms), a]])
    R = np.array([[0.0, -1.0], [1.0, 0.0]])          # z x (dmx, dmy) = (-dmy, dmx)
    M = np.linalg.solve(np.eye(2) - alpha * R, A)
    return np.linalg.eigvals(M).real.max()


@pytest.mark.parametrize("alpha,h", [(0.005, 5.4e4), (0.02, 2e5), (0.3, 1e3)])
def test_slonczewski_current_is_the_llg_instability(alpha, h):
    d, g = 3e-9, lit.slonczewski_g(P_CO)
    jc = lit.slonczewski_critical_current_density(alpha, d, MS_CO, h, polarization=P_CO)
    root = optimize.brentq(llg_growth_rate, 0.0, 10 * jc, args=(alpha, d, MS_CO, h, g),
                           xtol=1e-6 * jc, rtol=1e-14)
    assert_allclose(root, jc, rtol=1e-6)   # brentq's tolerance
    assert llg_growth_rate(0.99 * jc, alpha, d, MS_CO, h, g) < 0
    assert llg_growth_rate(1.01 * jc, alpha, d, MS_CO, h, g) > 0


def test_slonczewski_current_hand_value():
    """(2e/hbar)(alpha/g) mu0 Ms d (H + Ms/2) for the pillar's F2 at 10 GHz (~3.8e11)."""
    h = lit.kittel_field(10e9, MS_CO)
    g = lit.slonczewski_g(P_CO)
    hand = 2 * C.e / C.hbar * 0.005 / g * C.mu_0 * MS_CO * 3e-9 * (h + MS_CO / 2)
    jc = lit.slonczewski_critical_current_density(0.005, 3e-9, MS_CO, h, polarization=P_CO)
    assert_allclose(jc, hand, rtol=1e-14)
    assert 3.7e11 < jc < 3.9e11
    # anisotropy adds to the field; efficiency may be given directly
    assert_allclose(lit.slonczewski_critical_current_density(
        0.005, 3e-9, MS_CO, h - 1e3, efficiency=g, anisotropy_field=1e3), jc, rtol=1e-14)
    with pytest.raises(CircuitSpinError):
        lit.slonczewski_critical_current_density(0.005, 3e-9, MS_CO, h)


# ------------------------------------------------------------------ Sharvin, spin pumping
def test_sharvin_conductance_counts_channels():
    """kF^2/(4 pi) channels per area: count k_par = 2 pi (i, j)/L inside the Fermi disk."""
    kF, n = 1.36e10, 3000                 # L = 2 pi n / kF: n lattice steps per kF
    # points with i^2 + j^2 < n^2: for each |i| < n, |j| <= isqrt(n^2 - i^2 - 1)
    count = sum(2 * math.isqrt(n * n - i * i - 1) + 1 for i in range(-n + 1, n))
    per_area = count / (2 * math.pi * n / kF) ** 2
    # lattice-point error O(n^(2/3)) in a count of ~pi n^2 points: < 1e-4 here
    assert_allclose(lit.sharvin_conductance(kF), C.e ** 2 / C.h * per_area, rtol=1e-4)


def test_spin_pumping_delta_alpha_published_form():
    """TBB: delta_alpha = g mu_B Re(g_updn/A) / (4 pi M_s d), g_updn/A in e^2/h per area."""
    g_mix = lit.sharvin_conductance(1.36e10)        # Cu, S/m^2
    n_ch = g_mix / (C.e ** 2 / C.h)                 # channels per m^2
    hand = 2 * MU_B * n_ch / (4 * math.pi * MS_CO * 3e-9)
    da = lit.spin_pumping_delta_alpha(g_mix, MS_CO, 3e-9)
    assert_allclose(da, hand, rtol=1e-14)
    # 1/d, and the claim: delta_alpha = 0.01 is about twice this value
    assert_allclose(lit.spin_pumping_delta_alpha(g_mix, MS_CO, 6e-9), da / 2, rtol=1e-15)
    assert 1.9 < 0.01 / da < 2.1


def test_spin_pumping_makes_the_motor_resistance_the_mixing_resistance():
    """With delta_alpha from spin pumping, R_1 = hbar/(2 e^2 delta_alpha) = S/(g_mix A):
    at n = S magnons (theta = 90 deg) the motor's R_M = R_1/n is 1/(g_mix A)."""
    g_mix = 0.55e15
    st = stack_from_dict(pillar_dict(ms=MS_CO), source="pillar")
    f2 = st.layers[st.motor.index]
    da = lit.spin_pumping_delta_alpha(g_mix, MS_CO, f2.thickness)
    law = MotorLaw.from_stack(st.with_motor(delta_alpha=da))
    assert_allclose(law.r1 * g_mix * st.area, spin_count(st), rtol=1e-13)


def test_bridge_efficiency_is_gain_times_mixing_conductance():
    st = stack_from_dict(pillar_dict(ms=MS_CO), source="pillar")
    gain = threshold_fields(build_network(st))["bridge_gain"]
    g_mix = lit.sharvin_conductance(1.36e10)
    da = lit.spin_pumping_delta_alpha(g_mix, MS_CO, 3e-9)
    assert_allclose(lit.bridge_efficiency(gain, da, spin_count(st)),
                    gain * g_mix * st.area, rtol=1e-13)


# ------------------------------------------------------------------ the comparison
@pytest.fixture(scope="module")
def steady():
    return load_stack(NETLISTS / "berger_pillar_steady.toml")


def test_comparison_factors_multiply_to_the_ratio(steady):
    c = lit.compare_with_slonczewski(steady, P_CO)
    # the circuit's number is `circuitspin threshold`'s
    th = threshold_fields(build_network(steady))
    assert_allclose(c.J_circuit, th["threshold_current_density"], rtol=1e-14)
    h = lit.kittel_field(10e9, MS_CO)
    assert_allclose(c.J_slonczewski, lit.slonczewski_critical_current_density(
        0.005, 3e-9, MS_CO, h, polarization=P_CO), rtol=1e-14)
    # exact identity: (omega_eff/omega) x (g_bridge/g) x alpha/(alpha + delta_alpha)
    assert_allclose(c.ratio, c.factors, rtol=1e-12)
    assert_allclose(c.damping_ratio, lit.thin_film_damping_ratio(h, MS_CO), rtol=1e-15)
    assert_allclose(c.damping_share, 0.005 / 0.015, rtol=1e-15)
    # the efficiency: g_bridge = 2 delta_alpha e^2 k S / hbar
    assert_allclose(c.g_bridge, 2 * 0.01 * C.e ** 2 * th["bridge_gain"] * c.spins / C.hbar,
                    rtol=1e-14)


def test_comparison_is_the_same_for_any_pillar_area(steady):
    """1D: the gain scales as 1/A and S as A, so densities and g_bridge do not change."""
    a = lit.compare_with_slonczewski(steady, P_CO)
    b = lit.compare_with_slonczewski(stack_from_dict(
        dict(pillar_dict(mode="steady", alpha=0.005, ms=MS_CO), area=7e-15)), P_CO)
    for f in ("J_circuit", "J_slonczewski", "g_bridge"):
        assert_allclose(getattr(b, f), getattr(a, f), rtol=1e-10)


def test_comparison_needs_alpha_and_ms():
    st = stack_from_dict(pillar_dict(), source="pillar")   # linear motor, no alpha, no ms
    with pytest.raises(CircuitSpinError, match="alpha"):
        lit.compare_with_slonczewski(st, P_CO)
    c = lit.compare_with_slonczewski(st, P_CO, alpha=0.005, ms=MS_CO)
    assert c.alpha == 0.005 and c.ms == MS_CO


def test_flared_pillar_threshold_with_alpha(steady):
    """The flared-lead pillar with alpha = 0.005: V_th / gain = 1.5 x its alpha -> 0 value."""
    fl = load_stack(NETLISTS / "berger_pillar_flared.toml")
    c = lit.compare_with_slonczewski(fl, P_CO, alpha=0.005, ms=MS_CO)
    th0 = threshold_fields(build_network(fl))           # alpha -> 0
    assert_allclose(c.J_circuit, 1.5 * th0["threshold_current_density"], rtol=1e-14)
    one_d = lit.compare_with_slonczewski(steady, P_CO)
    assert c.J_circuit > 10 * one_d.J_circuit


# ------------------------------------------------------------------ conventions
def test_delta_mu_bar_is_twice_takahashi_maekawas_delta_mu_N():
    """Takahashi & Maekawa write mu_N^(up,dn) = mu_bar_N +- delta_mu_N, and an injected
    spin current I_s splitting into two long N arms gives delta_mu_N(0) = e R_N I_s / 2
    (R_N = rho_N lsf_N / A_N).  circuitspin's delta_mu_bar = mu_up - mu_dn is twice it."""
    a_n, arm = 5e-15, 12 * CU["lsf"]
    d = {"title": "injector", "area": a_n, "materials": {"Co": dict(CO), "Cu": dict(CU)},
         "interfaces": {"Co/Cu": dict(CO_CU)},
         "terminals": {"inj": "source", "gnd": "ground"},
         "wires": [
             {"name": "F1", "material": "Co", "length": 20 * CO["lsf"], "area": 1e-14,
              "from": "inj", "to": "J", "interface_to": "Co/Cu"},
             {"name": "Nl", "material": "Cu", "length": arm, "from": "gnd", "to": "J"},
             {"name": "Nr", "material": "Cu", "length": arm, "from": "J", "to": "end"}]}
    ws = stack_from_dict(d)
    sol = solve(build_network(ws), 1e-3)
    p = sol.profile()
    f1 = p[p["layer"] == ws.layer_index("F1")]
    nr = p[p["layer"] == ws.layer_index("Nr")]
    i_s = f1["I_up"][np.argmax(f1["x"])] - f1["I_dn"][np.argmax(f1["x"])]  # into J
    delta_j = nr["Delta"][np.argmin(nr["x"])]                               # at J
    delta_mu_n = C.e * CU["rho"] * CU["lsf"] / a_n * i_s / 2                # TM, J
    delta_mu_bar = -C.e * delta_j                                           # mu_up - mu_dn
    # arms of 12 lsf: the finite-arm correction is ~ exp(-24) ~ 4e-11
    assert_allclose(abs(delta_mu_bar), 2 * abs(delta_mu_n), rtol=1e-9)
    assert delta_j * i_s > 0   # up-band current into J raises V_up there


def test_V_UD_is_on_the_F2_side_of_N_F2():
    """V_UD is the F2-side splitting; the N side differs by the interface's band drops
    (I_up r_up - I_dn r_dn)/A, smaller in the pillar (by about 29 %)."""
    st = load_stack(NETLISTS / "berger_pillar.toml")
    sol = solve(build_network(st), 1e-3)
    p = sol.profile()
    i_n, i_f = st.layer_index("N"), st.layer_index("F2")
    n_side = p[p["layer"] == i_n][-1]
    f_side = p[p["layer"] == i_f][0]
    assert_allclose(n_side["x"], f_side["x"], rtol=0, atol=1e-18)
    assert_allclose(sol.V_UD, f_side["Delta"], rtol=1e-15)
    ar, gam = CO_CU["ar"], CO_CU["gamma"]
    r_up, r_dn = 2 * ar * (1 - gam), 2 * ar * (1 + gam)
    drop = (f_side["I_up"] * r_up - f_side["I_dn"] * r_dn) / st.area
    # Delta(N) - Delta(F2) is a difference of band drops of ~1e-4 V: floor ~1e-16 of them
    assert_allclose(n_side["Delta"] - f_side["Delta"], drop, rtol=1e-9,
                    atol=1e-14 * abs(sol.voltage))
    shortfall = 1 - n_side["Delta"] / f_side["Delta"]
    assert 0.2 < shortfall < 0.4   # docs/conventions.md quotes it (29 %); the sign is the point
    # the same two sides from Solution.spin_accumulation (lab frame) ...
    sa = sol.spin_accumulation("N|F2")
    assert sa["left"][2] == n_side["Delta"] and sa["right"][2] == f_side["Delta"]
    # ... and with F2 reversed V_UD is still F2's side, in F2's own frame
    ap = solve(build_network(load_stack(NETLISTS / "berger_pillar_ap.toml")), 1e-3)
    assert_allclose(ap.V_UD, -ap.spin_accumulation("N|F2")["right"][2], rtol=1e-15)


def test_rho_is_the_measured_resistivity_not_rho_star():
    """One Co layer between electrodes: R = rho t / A (the bands in parallel,
    2 rho* (1 -+ beta) with rho* = rho/(1 - beta^2)); entering Bass-Pratt's rho* as rho
    inflates it by 1/(1 - beta^2)."""
    t, area, beta = 50e-9, 1e-14, CO["beta"]

    def resistance(rho):
        d = {"title": "Co", "area": area,
             "materials": {"Co": dict(CO, rho=rho)},
             "layers": [{"name": "F", "material": "Co", "thickness": t}]}
        return solve(build_network(stack_from_dict(d)), 1e-3).resistance

    r = resistance(CO["rho"])
    assert_allclose(r, CO["rho"] * t / area, rtol=1e-12)
    rho_star = CO["rho"] / (1 - beta ** 2)
    assert_allclose(resistance(rho_star) / r, 1 / (1 - beta ** 2), rtol=1e-12)


def test_paper_torque_is_twice_the_circuit_theory_torque():
    """Matched bands (k_up = k_dn = k_N, T = 1): Eq. 12 gives tau/sin = k_N^2 |dmu|/(8 pi^2);
    circuit theory gives (hbar/2e) g_mix |Delta| with the Sharvin g_mix
    (e^2/h) k_N^2/(4 pi): k_N^2 |dmu|/(16 pi^2).  Exactly 2.  The "splitting" convention
    (the paper's delta_mu_bar = T'_av/2 x the splitting, Eq. 11) is the circuit-theory
    torque there; in general paper/splitting = 2/T'_av."""
    kN, dmu_ev = 1.36e10, -1e-4
    circuit = C.hbar / (2 * C.e) * lit.sharvin_conductance(kN) * abs(dmu_ev)
    paper = fermi.torque_from_bridge(dmu_ev, kN, kN, kN, convention="paper")
    split = fermi.torque_from_bridge(dmu_ev, kN, kN, kN, convention="splitting")
    # quadrature to 1e-13 (fermi's epsrel)
    assert_allclose(paper, kN ** 2 * abs(dmu_ev) * C.e / (8 * math.pi ** 2), rtol=1e-12)
    assert_allclose(paper / circuit, 2.0, rtol=1e-12)
    assert_allclose(split / circuit, 1.0, rtol=1e-12)
    # the illustrative Co wavenumbers: paper/splitting = 2/T'_av exactly, ~2.1 vs circuit
    ku, kd = 1.5e10, 1.4e10
    paper = fermi.torque_from_bridge(dmu_ev, kN, ku, kd, convention="paper")
    split = fermi.torque_from_bridge(dmu_ev, kN, ku, kd, convention="splitting")
    assert_allclose(paper / split, 2 / fermi.T_prime_av(kN, ku, kd), rtol=1e-12)
    assert 1.9 < paper / circuit < 2.3
