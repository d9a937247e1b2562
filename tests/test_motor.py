"""The spin-wave motor: rate law, Thevenin view, steady state, threshold, power, SPICE.

Expected values are closed forms of docs/model.md, "The motor" (detailed balance, the
linear response, the load line V_UD = k I - Z I_M, the clamp and the slope above
threshold), independent solvers (the Valet-Fert diffusion solution, the bordered sparse
Newton against the 2-D Thevenin Newton, ngspice B-sources) and invariants (Tellegen).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import constants as C

from circuitspin import build_network, load_stack, solve, solve_diffusion, stack_from_dict
from circuitspin.motor import (MotorLaw, bose_b, bose_b_prime, cone_angle,
                               linear_motor_current, linear_response_conductance,
                               magnon_balance, magnon_rate, motor_current, motor_power,
                               spin_count, steady_magnons)
from circuitspin.solution import injections, kcl_outflow
from circuitspin.solvers.motor_newton import (bridge_thevenin, solve_steady,
                                              solve_steady_thevenin, sweep_network)
from conftest import NETLISTS, kcl_floor, pillar_dict, run_cli

E_CHARGE = C.e
STEADY = NETLISTS / "berger_pillar_steady.toml"


def steady_stack(temperature=4.2, **motor):
    d = pillar_dict(**{"mode": "steady", "alpha": 0.005, "ms": 1.44e6, **motor})
    d["temperature"] = temperature
    return stack_from_dict(d, source="steady-pillar")


@pytest.fixture(scope="module")
def steady():
    """(network, law, thevenin, I_th) of the steady pillar at 4.2 K."""
    net = build_network(steady_stack())
    law = MotorLaw.from_stack(net.stack)
    th = bridge_thevenin(net)
    return net, law, th, law.V_th / th.gain


# --------------------------------------------------------------------------- B(x)
def test_bose_function_identities_and_limits():
    vt = 3.6e-4
    xv = vt * np.concatenate([-np.logspace(-9, 3, 300), [0.0], np.logspace(-9, 3, 300)])
    b = bose_b(xv, vt)
    assert np.all(np.isfinite(b)) and np.all(b >= 0)
    # B(x) - B(-x) = x, and B = x/2 + (x/2) coth(x/2kT) (another closed form)
    assert_allclose(b - bose_b(-xv, vt), xv, rtol=1e-13, atol=1e-15 * vt)
    u = xv / vt
    mid = (np.abs(u) > 1e-3) & (u > -2) & (u < 30)  # (1 + coth) cancels for u << 0
    assert_allclose(b[mid], xv[mid] / 2 * (1 + 1 / np.tanh(u[mid] / 2)), rtol=1e-12)
    assert bose_b(0.0, vt) == pytest.approx(vt, rel=1e-15)
    # far below zero: |x| exp(-|x|/kT) without overflow
    assert_allclose(bose_b(-40 * vt, vt), 40 * vt * np.exp(-40.0), rtol=1e-12)
    # derivative: central differences, and 1/2 at 0
    h = 1e-6 * vt
    for x in (-30 * vt, -vt, -1e-3 * vt, 0.0, 0.05 * vt, 0.2 * vt, 3 * vt, 50 * vt):
        fd = (bose_b(x + h, vt) - bose_b(x - h, vt)) / (2 * h)
        assert bose_b_prime(x, vt) == pytest.approx(fd, rel=1e-7, abs=1e-12)
    assert bose_b_prime(0.0, vt) == pytest.approx(0.5, rel=1e-15)
    # T = 0: B = max(x, 0), B' a step
    assert_allclose(bose_b([-1e-5, 0.0, 2e-5], 0.0), [0.0, 0.0, 2e-5])
    assert_allclose(bose_b_prime([-1e-5, 2e-5], 0.0), [0.0, 1.0])
    # extreme arguments stay finite
    assert np.all(np.isfinite(bose_b([-1e3, 1e3], 1e-9)))
    assert np.all(np.isfinite(bose_b_prime([-1e3, 1e3], 1e-9)))


def test_law_constants():
    law = MotorLaw(frequency=10e9, delta_alpha=0.01, alpha=0.005, temperature=4.2)
    assert law.r1 == pytest.approx(2.05e5, rel=3e-3)  # R_1 = hbar / (2 e^2 0.01) = 2.05e5 ohm
    assert law.V_th == pytest.approx(C.h * 10e9 / C.e * 1.5, rel=1e-14)
    assert law.n_thermal == pytest.approx(1 / math.expm1(C.h * 10e9 / (C.k * 4.2)))
    # the threshold is where 1/tau0 = K x: the closed-form steady n diverges there
    assert np.isinf(steady_magnons(law, law.V_th * (1 + 1e-12)))
    assert np.isfinite(steady_magnons(law, law.V_th * (1 - 1e-9)))
    # linear branch: R_M = R_1 / n
    lin = MotorLaw(frequency=10e9, delta_alpha=0.01, magnons=1e4)
    assert linear_motor_current(lin, 2 * lin.emf) == pytest.approx(lin.emf * 1e4 / lin.r1)


# --------------------------------------------------------------------------- balance
@pytest.mark.parametrize("temperature", [0.0, 0.3, 4.2, 77.0, 300.0])
def test_detailed_balance_at_zero_current(temperature):
    """I = 0: n = n_T, I_M = 0 (the law, and both Newton solvers with the network)."""
    net = build_network(steady_stack(temperature))
    law = MotorLaw.from_stack(net.stack)
    scale = law.g1 * law.emf * max(law.n_thermal, 1.0)  # A, size of each term of I_M
    assert abs(float(motor_current(law, 0.0, law.n_thermal))) < 1e-14 * scale
    for sol in (solve_steady(net, 0.0), solve_steady_thevenin(net, 0.0)):
        assert sol.magnons == pytest.approx(law.n_thermal, rel=1e-12, abs=1e-300)
        assert abs(sol.motor_current) < 1e-14 * scale
        assert abs(sol.V_UD) < 1e-14 * law.emf


def test_detailed_balance_needs_spontaneous_and_thermal_terms():
    """Without B(x) the rate would not vanish at V = 0: the full law is what balances."""
    law = MotorLaw(frequency=10e9, delta_alpha=0.01, alpha=0.005, temperature=4.2)
    stimulated = law.g1 / E_CHARGE * law.n_thermal * (0.0 - law.emf)
    assert abs(stimulated) > 1e3  # 1/s
    assert abs(float(magnon_rate(law, 0.0, law.n_thermal))) < 1e-12 * abs(stimulated)
    assert float(magnon_balance(law, 0.0, law.n_thermal)) == pytest.approx(0.0, abs=1e-3)


# --------------------------------------------------------------------------- linear motor
@pytest.mark.parametrize("magnons", [1e3, 1e5, 3e6])
@pytest.mark.parametrize("current", [0.0, 1e-3, -2e-3])
def test_linear_motor_matches_diffusion(magnons, current):
    stack = stack_from_dict(pillar_dict(magnons=magnons))
    sol = solve(build_network(stack), current)
    ref = solve_diffusion(stack, current)
    assert_allclose(sol.V_UD, ref.V_UD, rtol=1e-9)
    assert_allclose(sol.motor_current, ref.motor_current, rtol=1e-9)
    # the branch law I_M = (V_UD - E) / R_M, and the load line of the bridge
    law = MotorLaw.from_stack(stack)
    assert_allclose(sol.motor_current, linear_motor_current(law, sol.V_UD), rtol=1e-12)
    th = bridge_thevenin(build_network(stack))
    g = magnons / law.r1
    assert_allclose(sol.V_UD, (th.gain * current + th.resistance * g * law.emf)
                    / (1 + th.resistance * g), rtol=1e-12)
    swept = sweep_network(build_network(stack), [current])
    assert_allclose(swept["V_UD"][0], sol.V_UD, rtol=1e-12)
    assert_allclose(swept["voltage"][0], sol.voltage, rtol=1e-12, atol=1e-20)


# --------------------------------------------------------------------------- Thevenin
@pytest.mark.parametrize("name, segments", [("berger_pillar", None),
                                            ("berger_pillar_ap", None),
                                            ("berger_pillar", 40),
                                            ("spin_valve_multilayer", None)])
def test_thevenin_gain_and_resistance_vs_direct_solves(name, segments):
    stack = load_stack(NETLISTS / f"{name}.toml")
    net = build_network(stack, segments)
    th = bridge_thevenin(net)
    current = 1e-3
    # gain: the open-circuit V_UD per ampere of a direct solve
    assert_allclose(th.gain, solve(net, current).V_UD / current, rtol=1e-12)
    # resistance: a linear motor (g, E) at I = 0 gives V_UD = Z g E / (1 + Z g)
    g_m = 1e4 / stack.motor.r1
    loaded = stack.with_motor(magnons=1e4)
    v = solve(build_network(loaded, segments), 0.0).V_UD
    assert_allclose(th.resistance, v / (g_m * (stack.motor.emf - v)), rtol=1e-10)
    if segments is None:  # exact segments: the analytic solution gives the same numbers
        assert_allclose(th.gain, solve_diffusion(stack, current).V_UD / current, rtol=1e-9)
        v_ref = solve_diffusion(loaded, 0.0).V_UD
        assert_allclose(th.resistance, v_ref / (g_m * (stack.motor.emf - v_ref)), rtol=1e-9)
    # reciprocity: stack voltage per ampere of motor current = V_UD per ampere of source
    assert_allclose(th.transfer, th.gain, rtol=1e-12)
    assert_allclose(th.input_resistance, solve(net, current).resistance, rtol=1e-12)
    assert th.resistance > 0


# --------------------------------------------------------------------------- steady state
def test_linear_response_below_threshold(steady):
    """Small currents: I_M = g0 V_UD and n - n_T = tau0 g0 V_UD / e, g0 in closed form;
    V_UD = k I - Z I_M (the load line) exactly."""
    net, law, th, i_th = steady
    g0 = linear_response_conductance(law)
    tau0 = 1 / law.inv_tau0
    for current in (1e-9, -1e-9):
        sol = solve_steady(net, current)
        assert_allclose(sol.motor_current / sol.V_UD, g0, rtol=2e-5)
        assert_allclose((sol.magnons - law.n_thermal) / sol.V_UD, tau0 * g0 / E_CHARGE,
                        rtol=2e-5)
        assert_allclose(sol.V_UD, th.gain * current / (1 + th.resistance * g0), rtol=1e-9)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_below_threshold_loading_and_closed_form_n(steady, fraction):
    net, law, th, i_th = steady
    current = fraction * i_th
    sol = solve_steady(net, current)
    # the load line: V_UD = k I - Z I_M, and the loading Z I_M is tiny below threshold
    assert_allclose(th.gain * current - sol.V_UD, th.resistance * sol.motor_current,
                    rtol=1e-9)
    assert th.resistance * sol.motor_current < 0.01 * sol.V_UD
    # below threshold n is the closed-form solution of the balance at that V_UD
    assert_allclose(sol.magnons, steady_magnons(law, sol.V_UD), rtol=1e-9)
    assert law.n_thermal < sol.magnons < 1e4


def clamp_constant(law, V):
    """D = B(x)/e + n_T e/(tau0 G1) (V): the balance gives V_th - V_UD = D / n."""
    return float(bose_b(V - law.emf, law.vt)) + law.n_thermal * E_CHARGE * law.inv_tau0 / law.g1


@pytest.mark.parametrize("multiple", [1.5, 2.0, 3.0, 10.0])
def test_above_threshold_clamp(steady, multiple):
    net, law, th, i_th = steady
    current = multiple * i_th
    sol = solve_steady(net, current)
    assert abs(sol.V_UD - law.V_th) < 1e-3 * law.V_th
    # the clamp deviation from the balance (exact) and from the asymptote (closed form)
    assert_allclose(law.V_th - sol.V_UD, clamp_constant(law, sol.V_UD) / sol.magnons,
                    rtol=1e-6)
    # asymptote n_a = n_T + tau0 (k I - V_th) / (e Z) from the load line with V_UD = V_th;
    # the clamp deviation D / n adds c / n_a, c = D tau0 / (e Z)
    tau0 = 1 / law.inv_tau0
    n_a = law.n_thermal + tau0 * (th.gain * current - law.V_th) / (E_CHARGE * th.resistance)
    c = clamp_constant(law, law.V_th) * tau0 / (E_CHARGE * th.resistance)
    assert abs(sol.magnons - n_a) > 0.5 * c / n_a  # the correction is visible ...
    assert_allclose(sol.magnons, n_a + c / n_a, rtol=1e-8)  # ... and right
    assert_allclose(law.V_th - sol.V_UD, clamp_constant(law, law.V_th) / n_a, rtol=1e-3)


def test_magnons_grow_linearly_above_threshold(steady):
    net, law, th, i_th = steady
    currents = np.array([2.0, 3.0, 4.0]) * i_th
    n = np.array([solve_steady(net, c).magnons for c in currents])
    slope = np.diff(n) / np.diff(currents)
    tau0 = 1 / law.inv_tau0
    assert_allclose(slope, th.gain * tau0 / (E_CHARGE * th.resistance), rtol=1e-5)
    assert abs(slope[1] - slope[0]) < 1e-5 * slope[0]  # linear


def test_threshold_current_vs_closed_form(steady):
    """I_th = V_th / k; the linear n(I) above threshold extrapolates to n_T at I_th up
    to the thermal correction D/n of the clamp; at I_th itself n solves
    n (n - n_T) = D tau0 / (e Z)."""
    net, law, th, i_th = steady
    ref = solve_diffusion(net.stack.with_motor(mode="linear", magnons=0.0), 1.0).V_UD
    assert_allclose(i_th, law.V_th / ref, rtol=1e-9)
    i1, i2 = 3 * i_th, 5 * i_th
    s1, s2 = solve_steady_thevenin(net, i1), solve_steady_thevenin(net, i2)
    n1, n2 = s1.magnons, s2.magnons
    i_ext = i1 - (i2 - i1) / (n2 - n1) * (n1 - law.n_thermal)
    d1, d2 = law.V_th - s1.V_UD, law.V_th - s2.V_UD
    bound = (d1 + (d1 + d2) * (n1 - law.n_thermal) / (n2 - n1)) / th.gain
    assert abs(i_ext - i_th) <= 1.01 * bound
    assert bound < 1e-4 * i_th  # the thermal correction is small
    tau0 = 1 / law.inv_tau0
    c = clamp_constant(law, law.V_th) * tau0 / (E_CHARGE * th.resistance)
    n_th = law.n_thermal / 2 + math.sqrt(law.n_thermal ** 2 / 4 + c)
    at = solve_steady(net, i_th)
    assert_allclose(at.magnons, n_th, rtol=2e-3)
    assert_allclose(law.V_th - at.V_UD, th.resistance * at.motor_current, rtol=1e-9)


@pytest.mark.parametrize("temperature", [0.0, 4.2, 300.0])
def test_sparse_newton_agrees_with_thevenin_newton(temperature):
    net = build_network(steady_stack(temperature))
    law = MotorLaw.from_stack(net.stack)
    i_th = law.V_th / bridge_thevenin(net).gain
    for m in (-3.0, 0.3, 0.97, 0.999, 1.0, 1.001, 1.03, 2.0, 20.0):
        a, b = solve_steady(net, m * i_th), solve_steady_thevenin(net, m * i_th)
        assert_allclose(a.V_UD, b.V_UD, rtol=1e-9)
        assert_allclose(a.magnons, b.magnons, rtol=1e-9, atol=1e-9)
        assert_allclose(a.potentials, b.potentials, rtol=0,
                        atol=1e-9 * np.abs(b.potentials).max())
        assert_allclose(a.motor_current, b.motor_current, rtol=1e-8,
                        atol=1e-9 * abs(b.current))
        for sol in (a, b):
            assert sol.kcl_residual < 1e-12
            # the magnon node's KCL: the balance holds at the solution
            assert abs(magnon_balance(law, sol.V_UD, sol.magnons)) <= \
                1e-9 * law.inv_tau0 * max(sol.magnons, 1.0)


def test_ladder_network_steady_state(steady):
    """A 30-segment ladder: sparse Newton = Thevenin Newton; close to exact segments."""
    net, law, th, i_th = steady
    ladder = build_network(net.stack, segments=30)
    for m in (0.5, 2.0):
        a = solve_steady(ladder, m * i_th)
        b = solve_steady_thevenin(ladder, m * i_th)
        assert_allclose([a.V_UD, a.magnons], [b.V_UD, b.magnons], rtol=1e-9)
        exact = solve_steady(net, m * i_th)
        assert_allclose(a.magnons, exact.magnons, rtol=1e-2)


def test_sweep_warm_start_equals_cold_solves(steady):
    net, law, th, i_th = steady
    currents = np.linspace(-1, 4, 51) * i_th
    res = sweep_network(net, currents)
    for i in (0, 10, 19, 20, 21, 30, 50):
        sol = solve_steady_thevenin(net, currents[i])
        assert_allclose([res["V_UD"][i], res["magnons"][i], res["voltage"][i]],
                        [sol.V_UD, sol.magnons, sol.voltage], rtol=1e-10)
    assert res["threshold_current"] == pytest.approx(i_th, rel=1e-15)
    assert res["resistance"] == pytest.approx(th.input_resistance)
    # cone angle from n and S = Ms V / (g mu_B)
    spins = spin_count(net.stack)
    assert spins == pytest.approx(1.44e6 * 1e-14 * 3e-9 / (2 * C.physical_constants[
        "Bohr magneton"][0]), rel=1e-12)
    assert_allclose(np.cos(np.radians(res["theta_deg"])), 1 - res["magnons"] / spins,
                    rtol=1e-9)
    assert np.isnan(cone_angle(2.5 * spins, spins))


def test_solve_dispatches_steady_mode(steady):
    net, law, th, i_th = steady
    sol = solve(net, 2 * i_th)
    assert sol.info["motor_mode"] == "steady" and sol.info["newton"] == "sparse"
    d = sol.to_dict()
    assert d["magnons"] == sol.magnons and d["motor_current"] == sol.motor_current
    assert d["V_UD"] == pytest.approx(law.V_th, rel=1e-3)
    assert solve(net, 2 * i_th, newton="thevenin").info["newton"] == "thevenin"


# --------------------------------------------------------------------------- power
@pytest.mark.parametrize("multiple", [0.3, 0.9, 2.0, 5.0])
def test_power_bookkeeping(steady, multiple):
    net, law, th, i_th = steady
    sol = solve_steady(net, multiple * i_th)
    v = sol.potentials
    # the current the network delivers into the motor at U (KCL at U, edges only)
    i_net = float(injections(net, sol.current)[net.u] - kcl_outflow(net, v)[net.u])
    # i_net is a sum of branch currents g (v_U - v_k) of order 1e-4 A that cancel to the
    # motor current (4e-10 A just below threshold): its rounding is set by those branch
    # currents (kcl_floor), not by the motor current itself
    floor = kcl_floor(net, v, net.u)
    assert_allclose(i_net, sol.motor_current, rtol=1e-9, atol=floor)
    p = motor_power(law, sol.V_UD, sol.magnons, motor_current_a=i_net)
    gamma = float(magnon_rate(law, sol.V_UD, sol.magnons))
    # P = I_M V_UD carries i_net's floor times V_UD
    assert_allclose(p.electrical, law.hbar_omega * gamma + p.dissipated, rtol=1e-9,
                    atol=floor * abs(sol.V_UD))
    assert_allclose(p.dissipated, p.joule + p.spontaneous, rtol=1e-12)
    # steady state: what the magnons get, the bulk damping passes to the lattice
    assert_allclose(p.magnons, law.hbar_omega * (sol.magnons - law.n_thermal)
                    * law.inv_tau0, rtol=1e-8)
    # Tellegen: source power = Joule heat in the resistors + power into the motor
    joule = np.sum(net.edge_g * (v[net.edge_a] - v[net.edge_b]) ** 2)
    assert_allclose(sol.current * sol.voltage, joule + i_net * sol.V_UD, rtol=1e-9,
                    atol=floor * abs(sol.V_UD))
    assert p.joule >= 0
    if sol.V_UD < law.emf:  # below the counter-EMF thermal electrons pay the difference
        assert p.spontaneous < 0
    info = sol.info
    assert_allclose(info["motor_power"], info["magnon_power"] + info["motor_dissipation"],
                    rtol=1e-9)


def test_power_of_linear_motor():
    stack = stack_from_dict(pillar_dict(magnons=1e5))
    sol = solve(build_network(stack), 2e-3)
    law = MotorLaw.from_stack(stack)
    r_m = law.r1 / 1e5
    assert_allclose(sol.motor_current * sol.V_UD,
                    sol.motor_current ** 2 * r_m + law.emf * sol.motor_current, rtol=1e-12)


# --------------------------------------------------------------------------- ngspice
def _need_ngspice():
    from conftest import need_ngspice

    need_ngspice("subprocess")


@pytest.mark.parametrize("temperature", [4.2, 0.0])
def test_ngspice_b_sources_match_nodal_newton(temperature):
    _need_ngspice()
    from circuitspin.solvers.motor_spice import solve_steady_ngspice

    net = build_network(steady_stack(temperature))
    law = MotorLaw.from_stack(net.stack)
    i_th = law.V_th / bridge_thevenin(net).gain
    for m in (-2.0, 0.3, 0.99, 1.01, 2.0, 6.0):
        a = solve_steady_ngspice(net, m * i_th)
        b = solve_steady(net, m * i_th)
        assert a.backend == "ngspice"
        assert_allclose(a.V_UD, b.V_UD, rtol=1e-6)
        assert_allclose(a.magnons, b.magnons, rtol=1e-6, atol=1e-6)
        assert_allclose(a.potentials, b.potentials, rtol=0,
                        atol=1e-6 * np.abs(b.potentials).max())
    sol = solve(net, 2 * i_th, backend="ngspice")
    assert sol.backend == "ngspice" and sol.magnons > 1e5


def test_ngspice_ladder_steady_state(steady):
    _need_ngspice()
    from circuitspin.solvers.motor_spice import solve_steady_ngspice

    net, law, th, i_th = steady
    ladder = build_network(net.stack, segments=20)
    a, b = solve_steady_ngspice(ladder, 1.5 * i_th), solve_steady(ladder, 1.5 * i_th)
    assert_allclose([a.V_UD, a.magnons], [b.V_UD, b.magnons], rtol=1e-6)


def test_ngspice_transient_relaxes_to_steady_state(steady):
    """.tran with C = 1 on the magnon node: n(t) follows dn/dt = Gamma - (n - n_T)/tau0
    with V_UD on the load line (the network is resistive), and ends at the steady state."""
    _need_ngspice()
    from scipy.integrate import solve_ivp

    from circuitspin.solvers.motor_spice import transient_magnons

    net, law, th, i_th = steady
    current = 1.5 * i_th
    tau0 = 1 / law.inv_tau0
    run = transient_magnons(net, current, tstop=40 * tau0)
    t, n = run["time"], run["magnons"]
    assert n[0] == pytest.approx(law.n_thermal, rel=1e-9)
    final = solve_steady(net, current)
    assert_allclose(n[-1], final.magnons, rtol=1e-6)
    assert_allclose(run["V_UD"][-1], final.V_UD, rtol=1e-6)

    def load_line_v(nv):
        """V_UD on the load line V = k I - Z I_M(V, n) at fixed n (monotone in V)."""
        V = th.gain * current
        for _ in range(50):
            f = V - th.gain * current + th.resistance * float(motor_current(law, V, nv))
            slope = 1 + th.resistance * law.g1 * (nv + float(bose_b_prime(V - law.emf,
                                                                          law.vt)))
            V -= f / slope
            if abs(f / slope) < 1e-16 * abs(V):
                break
        return V

    def rhs(_, y):
        return [float(magnon_balance(law, load_line_v(y[0]), y[0]))]

    ref = solve_ivp(rhs, (0, t[-1]), [law.n_thermal], t_eval=t[t > 0][::50], rtol=1e-10,
                    atol=1e-6, method="LSODA")
    idx = np.searchsorted(t, ref.t)
    assert_allclose(n[idx], ref.y[0], rtol=2e-3)


def test_motor_deck_lines_hold_numbers_only():
    d = pillar_dict(mode="steady", alpha=0.005)
    d["title"] = 'x"; .control shell rm -rf / ; .endc'
    d["layers"][2]["name"] = "F2shell"
    d["motor"]["layer"] = "F2shell"
    from circuitspin.solvers.motor_spice import motor_lines

    lines = motor_lines(build_network(stack_from_dict(d)))
    text = "\n".join(lines)
    assert "shell" not in text and "control" not in text
    elements = [ln for ln in lines if not ln.startswith("*")]
    assert [ln.split()[0] for ln in elements] == ["Bmotor", "Bmagnon", "Cmagnon", ".nodeset"]
    assert elements[0].startswith("Bmotor u d I=") and elements[1].startswith("Bmagnon 0 n I=")
    assert elements[2] == "Cmagnon n 0 1"


# --------------------------------------------------------------------------- plots
def test_plot_motor_sweep(steady):
    from matplotlib.figure import Figure

    from circuitspin.plot import plot_motor_sweep

    net, law, th, i_th = steady
    res = sweep_network(net, np.linspace(0, 3, 61) * i_th)
    fig = plot_motor_sweep(res)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "V_UD")
    assert_allclose(line.get_ydata(), res["V_UD"])
    assert_allclose(line.get_xdata(), res["current"] * 1e3)
    assert any(np.allclose(ln.get_ydata(), law.V_th) for ln in ax.get_lines())


# --------------------------------------------------------------------------- CLI
def test_cli_threshold_json_and_readable():
    r = run_cli("threshold", STEADY, "--json")
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    stack = load_stack(STEADY)
    net = build_network(stack)
    th = bridge_thevenin(net)
    law = MotorLaw.from_stack(stack)
    assert f["bridge_gain"] == pytest.approx(th.gain, rel=1e-12)
    assert f["bridge_resistance"] == pytest.approx(th.resistance, rel=1e-12)
    assert f["V_th"] == pytest.approx(law.V_th, rel=1e-14)
    assert f["threshold_current"] == pytest.approx(law.V_th / th.gain, rel=1e-12)
    assert f["threshold_current_density"] == pytest.approx(f["threshold_current"] / 1e-14)
    assert f["alpha_given"] and f["note"] == ""
    assert f["magnons_at_threshold"] > law.n_thermal
    r = run_cli("threshold", NETLISTS / "berger_pillar.toml")
    assert r.returncode == 0, r.stderr
    assert "alpha -> 0" in r.stdout and "threshold current" in r.stdout
    r = run_cli("threshold", NETLISTS / "berger_pillar.toml", "--json")
    f = json.loads(r.stdout)
    assert f["V_th"] == pytest.approx(C.h * 10e9 / C.e, rel=1e-14)
    # a fine ladder converges to the exact-segment threshold
    r = run_cli("threshold", STEADY, "--segments", "200", "--json")
    lad = json.loads(r.stdout)
    assert lad["threshold_current"] == pytest.approx(law.V_th / th.gain, rel=1e-4)


@pytest.mark.no_ulp_stress  # the command line (a subprocess, not perturbed) against this process at 1e-14, beside the motor's divergence
def test_cli_sweep_csv_json_plot(tmp_path):
    r = run_cli("sweep", STEADY, "--current", "0:1.5 mA:31")
    assert r.returncode == 0, r.stderr
    header = r.stdout.splitlines()[0].split(",")
    assert header[:3] == ["current (A)", "voltage (V)", "V_UD (V)"]
    data = np.loadtxt(r.stdout.splitlines()[1:], delimiter=",")
    ref = sweep_network(build_network(load_stack(STEADY)), np.linspace(0, 1.5e-3, 31))
    assert data.shape == (31, len(header))
    col = {h.split(" ")[0]: data[:, i] for i, h in enumerate(header)}
    for key in ("current", "voltage", "V_UD", "magnons", "motor_current", "theta_deg"):
        assert_allclose(col[key], ref[key], rtol=1e-14, atol=1e-300)
    out, png = tmp_path / "s.csv", tmp_path / "s.png"
    r = run_cli("sweep", STEADY, "--current", "0:1.5e-3:31", "--json", "-o", out,
                "--plot", png)
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    assert f["bridge_gain"] == pytest.approx(ref["bridge_gain"])
    assert_allclose(f["data"]["magnons"], ref["magnons"], rtol=1e-14)
    assert out.read_text().splitlines()[0].startswith("current (A)")
    assert png.stat().st_size > 10_000
    # a stack without a motor: only the I-V
    r = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--current=-1e-3:1e-3:3")
    assert r.returncode == 0, r.stderr
    assert "magnons (1)" in r.stdout.splitlines()[0]


def test_cli_solve_reports_bridge():
    r = run_cli("solve", STEADY, "--current", "1e-3", "--json")
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    th = bridge_thevenin(build_network(load_stack(STEADY)))
    assert f["bridge_gain"] == pytest.approx(th.gain, rel=1e-12)
    assert f["bridge_resistance"] == pytest.approx(th.resistance, rel=1e-12)
    sol = solve_steady_thevenin(build_network(load_stack(STEADY)), 1e-3)
    assert f["magnons"] == pytest.approx(sol.magnons, rel=1e-9)
    assert f["V_UD"] == pytest.approx(sol.V_UD, rel=1e-9)
    assert f["motor_current"] == pytest.approx(sol.motor_current, rel=1e-8)
    r = run_cli("solve", STEADY, "--current", "1e-3")
    assert r.returncode == 0 and "bridge         gain" in r.stdout


@pytest.mark.parametrize("args, words", [
    (("sweep", STEADY, "--current", "0:1e-3"), "START:STOP:N"),
    (("sweep", STEADY, "--current", "a:1e-3:5"), "--current"),
    (("sweep", STEADY, "--current", "0:1e-3:0"), "N must be"),
    (("sweep", STEADY, "--current", "0:1e-3:2.5"), "whole number"),
    (("sweep", "/nonexistent.toml", "--current", "0:1e-3:5"), "no such file"),
    (("threshold", "/nonexistent.toml"), "no such file"),
    (("sweep", STEADY, "--current", "0:1e-3:5", "--plot", "/tmp/x.unknownformat"),
     "format"),
])
def test_cli_bad_input(args, words):
    r = run_cli(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("circuitspin: error:") and len(r.stderr.splitlines()) == 1
    assert words in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_threshold_without_motor(tmp_path):
    text = (NETLISTS / "berger_pillar.toml").read_text()
    path = tmp_path / "nomotor.toml"
    path.write_text(text.split("[motor]")[0])
    r = run_cli("threshold", path)
    assert r.returncode == 2 and "no [motor]" in r.stderr


def test_netlist_command_writes_the_steady_motor_deck(tmp_path):
    """`circuitspin netlist` on a steady stack: the B-source deck, run by ngspice -b as it
    is, prints u, d and the magnon node n of the self-consistent solution."""
    import re
    import subprocess

    from conftest import NETLISTS, need_ngspice, run_cli

    need_ngspice("subprocess")
    stack_file = NETLISTS / "berger_pillar_steady.toml"
    deck = tmp_path / "steady.cir"
    res = run_cli("netlist", stack_file, "--current", "1e-3", "-o", deck)
    assert res.returncode == 0, res.stderr
    out = subprocess.run(["ngspice", "-b", str(deck)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120).stdout
    table = dict(re.findall(r"^\s*([und])\s+([-+0-9.eE]+)\s*$", out, re.MULTILINE))
    ref = solve(build_network(load_stack(stack_file)), 1e-3)
    # the .op table has 7 significant digits
    assert float(table["u"]) - float(table["d"]) == pytest.approx(ref.V_UD, rel=1e-5)
    assert float(table["n"]) == pytest.approx(ref.magnons, rel=1e-5)
    tran = run_cli("netlist", stack_file, "--current", "1e-3", "--tran", "-o",
                   tmp_path / "tran.cir")
    assert tran.returncode == 0 and ".tran" in (tmp_path / "tran.cir").read_text()
    bad = run_cli("netlist", NETLISTS / "berger_pillar.toml", "--current", "1e-3", "--tran",
                  "-o", tmp_path / "x.cir")
    assert bad.returncode == 2 and "steady" in bad.stderr
