"""Nodal circuit vs the closed-form diffusion solution, limits and invariants."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from circuitspin import build_network, load_stack, solve, solve_diffusion, stack_from_dict
from conftest import CO, CO_CU, CU, EPS, NETLISTS, pillar_dict, potential_floor

I = 1e-3


def both(stack, current=I, **kw):
    """(nodal Solution, DiffusionSolution) of the same stack."""
    return solve(build_network(stack, **kw), current), solve_diffusion(stack, current)


@pytest.mark.parametrize("name", ["berger_pillar", "berger_pillar_ap", "py_cu_py",
                                  "spin_valve_multilayer"])
def test_exact_segments_equal_diffusion_on_examples(name):
    stack = load_stack(NETLISTS / f"{name}.toml")
    sol, ref = both(stack)
    assert_allclose(sol.V_UD, ref.V_UD, rtol=1e-9)
    assert_allclose(sol.resistance, ref.resistance, rtol=1e-9)
    assert_allclose(sol.delta_mu_bar_eV, -ref.V_UD, rtol=1e-9)
    # the whole profile, not only U-D: node potentials and band currents at every face
    prof = sol.profile()
    for row in prof[::1]:
        layer = stack.layers[row["layer"]]
        v_up, v_dn, i_up, i_dn = ref.at(row["layer"], row["x"] - layer.x0)
        assert_allclose([row["V_up"], row["V_dn"]], [v_up, v_dn], rtol=1e-9, atol=1e-15)
        assert_allclose([row["I_up"], row["I_dn"]], [i_up, i_dn], rtol=1e-9, atol=1e-15)


def test_pillar_value_and_pumping_sign(pillar):
    """I > 0 through the P pillar gives delta_mu_bar < 0 at U-D (the pumping sign)."""
    sol = solve(build_network(pillar), I)
    assert sol.delta_mu_bar_eV < 0
    assert sol.V_UD > 0
    # the model's own estimate: about -1.3e-4 eV at 1 mA in a 1e-14 m^2 pillar
    assert -1.4e-4 < sol.delta_mu_bar_eV < -1.2e-4
    # the sign follows the current
    assert solve(build_network(pillar), -I).delta_mu_bar_eV > 0


def test_reversing_every_layer_keeps_the_motor_frame_output(pillar):
    """A global 180-degree rotation is the same physical state: V_UD (in the motor
    layer's own frame) is unchanged, the lab-frame profile Delta(x) changes sign."""
    d = pillar_dict()
    for layer in d["layers"]:
        layer["magnetization"] = "down"
    flipped = stack_from_dict(d)
    a = solve(build_network(pillar), I)
    b = solve(build_network(flipped), I)
    # V_UD is a difference of potentials ~1e3 times larger: its rounding floor is a few
    # eps of |V_U| + |V_D| per solve, not of V_UD itself
    assert_allclose(b.V_UD, a.V_UD, rtol=0, atol=potential_floor(a))
    assert_allclose(b.resistance, a.resistance, rtol=1e-12)
    pa, pb = a.profile(), b.profile()
    assert_allclose(pb["Delta"], -pa["Delta"], rtol=0,
                    atol=16 * EPS * np.abs(pa["V_up"]).max())


def test_ladder_converges_as_one_over_n_squared(pillar):
    ref = solve_diffusion(pillar, I)
    errs = []
    for n in (8, 16, 32, 64):
        sol = solve(build_network(pillar, segments=n), I)
        errs.append(abs(sol.V_UD - ref.V_UD) / abs(ref.V_UD))
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    assert np.all(np.abs(ratios - 4.0) < 0.1), (errs, ratios)


def test_fine_ladder_reaches_full_accuracy(pillar):
    """1e5 segments: refinement from branch currents beats the rounding floor."""
    ref = solve_diffusion(pillar, I)
    sol = solve(build_network(pillar, segments=25_000), I)  # 1e5 segments in all
    assert sol.network.n_segments == 100_000
    # discretisation error ~ (h/lsf)^2 / 12 with h/lsf <= 4e-5: far below 1e-8
    assert_allclose(sol.V_UD, ref.V_UD, rtol=1e-8)
    assert sol.kcl_residual < 1e-12


def test_exact_segments_cut_finer_stay_exact(pillar):
    ref = solve_diffusion(pillar, I)
    sol = solve(build_network(pillar, segments=7, method="exact"), I)
    assert_allclose(sol.V_UD, ref.V_UD, rtol=1e-10)
    assert_allclose(sol.resistance, ref.resistance, rtol=1e-10)


def _two_current_resistance(stack):
    """Series resistance of each band, the two bands in parallel (no spin flip)."""
    r = np.zeros(2)
    for layer in stack.layers:
        r += np.array(layer.band_resistivities) * layer.thickness / stack.area
    for iface in stack.interfaces:
        r += np.array(iface.band_resistances) / stack.area
    return 1.0 / (1.0 / r[0] + 1.0 / r[1])


@pytest.mark.parametrize("f2", ["up", "down"])
def test_long_lsf_limit_is_two_current_series(f2):
    d = pillar_dict(f2)
    d["materials"]["Co"]["lsf"] = 1e3   # 1 km: no spin relaxation on the scale of nm
    d["materials"]["Cu"]["lsf"] = 1e3
    stack = stack_from_dict(d)
    sol = solve(build_network(stack), I)
    assert_allclose(sol.resistance, _two_current_resistance(stack), rtol=1e-9)


def test_p_ap_difference_long_lsf_closed_form():
    """R_AP - R_P against the two-current formula, F1 and F2 with their own bands."""
    res = {}
    for f2 in ("up", "down"):
        d = pillar_dict(f2)
        d["materials"]["Co"]["lsf"] = 1e3
        d["materials"]["Cu"]["lsf"] = 1e3
        stack = stack_from_dict(d)
        res[f2] = (solve(build_network(stack), I).resistance, stack)
    A = 1e-14
    rs = CO["rho"] / (1 - CO["beta"] ** 2)
    co = lambda b, t: 2 * rs * (1 - b) * t / A  # noqa: E731
    ri = lambda g: 2 * CO_CU["ar"] * (1 - g) / A  # noqa: E731
    cu = 2 * CU["rho"] * (6e-9 + 500e-9) / A
    b, g = CO["beta"], CO_CU["gamma"]
    up_p = co(b, 100e-9) + co(b, 3e-9) + 3 * ri(g) + cu
    dn_p = co(-b, 100e-9) + co(-b, 3e-9) + 3 * ri(-g) + cu
    up_ap = co(b, 100e-9) + co(-b, 3e-9) + ri(g) + 2 * ri(-g) + cu
    dn_ap = co(-b, 100e-9) + co(b, 3e-9) + ri(-g) + 2 * ri(g) + cu
    par = lambda x, y: x * y / (x + y)  # noqa: E731
    assert_allclose(res["down"][0] - res["up"][0], par(up_ap, dn_ap) - par(up_p, dn_p),
                    rtol=1e-8)
    assert res["down"][0] > res["up"][0]


def test_p_ap_difference_with_spin_relaxation_matches_diffusion():
    rp = both(stack_from_dict(pillar_dict("up")))
    rap = both(stack_from_dict(pillar_dict("down")))
    d_circuit = rap[0].resistance - rp[0].resistance
    d_diffusion = rap[1].resistance - rp[1].resistance
    assert d_circuit > 0
    assert_allclose(d_circuit, d_diffusion, rtol=1e-8)


def test_kirchhoff_at_every_node(pillar):
    for kw in ({}, {"segments": 50}):
        sol = solve(build_network(pillar, **kw), I)
        assert sol.kcl_residual < 1e-12
    # exact segments: plain residual relative to the current
    sol = solve(build_network(pillar), I)
    assert sol.kcl_max / I < 1e-12


def test_linear_motor_against_diffusion_with_motor_law():
    for n_m in (1.0, 100.0, 1e4):
        stack = stack_from_dict(pillar_dict(magnons=n_m))
        sol, ref = both(stack)
        assert_allclose(sol.V_UD, ref.V_UD, rtol=1e-9)
        assert_allclose(sol.motor_current, ref.motor_current, rtol=1e-9)
        # the motor law itself
        motor = stack.motor
        assert_allclose(sol.motor_current, (sol.V_UD - motor.emf) * n_m / motor.r1, rtol=1e-9)
    # the motor loads the bridge: V_UD moves toward the EMF as n_m grows
    open_v = solve(build_network(stack_from_dict(pillar_dict())), I).V_UD
    loaded_v = solve(build_network(stack_from_dict(pillar_dict(magnons=1e6))), I).V_UD
    emf = stack.motor.emf
    assert abs(loaded_v - emf) < abs(open_v - emf)


def test_r1_value():
    stack = stack_from_dict(pillar_dict())
    assert_allclose(stack.motor.r1, 2.05e5, rtol=3e-3)  # hbar / (2 e^2 0.01) = 2.05e5 ohm


# ------------------------------------------------------------------ random stacks
MATS = st.fixed_dictionaries({
    "rho": st.floats(1e-9, 1e-6),
    "beta": st.floats(-0.95, 0.95),
    "lsf": st.floats(1e-9, 1e-5),
})


@st.composite
def random_stacks(draw):
    n = draw(st.integers(2, 7))
    motor_layer = draw(st.integers(1, n - 1))
    # the motor sits on a magnet (U and D are its majority and minority bands)
    mats = {f"M{i}": draw(MATS.filter(lambda m: m["beta"] != 0.0) if i == motor_layer
                          else MATS) for i in range(n)}
    layers = []
    for i in range(n):
        layers.append({"name": f"L{i}", "material": f"M{i}",
                       "thickness": draw(st.floats(1e-10, 1e-5)),
                       "magnetization": draw(st.sampled_from(["up", "down"]))})
    ifaces = {}
    for i in range(n - 1):
        ar = draw(st.one_of(st.just(0.0), st.floats(1e-17, 1e-13)))
        ifaces[f"M{i}/M{i + 1}"] = {"ar": ar, "gamma": draw(st.floats(-0.95, 0.95))}
    d = {"area": draw(st.floats(1e-16, 1e-12)), "materials": mats, "interfaces": ifaces,
         "layers": layers,
         "motor": {"layer": f"L{motor_layer}", "frequency": 1e10, "delta_alpha": 0.01,
                   "magnons": draw(st.one_of(st.just(0.0), st.floats(1e-3, 1e4)))}}
    return stack_from_dict(d, source="random")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_stacks())
def test_random_stacks_exact_vs_diffusion(stack):
    sol, ref = both(stack)
    scale = abs(sol.voltage)
    # 1e-9 relative; a bridge output that cancels to far below the stack voltage is held
    # to 1e-14 of the stack voltage: V_UD is the difference of two stored potentials,
    # each known to a few ulp of the potentials around it (45 ulp of margin)
    tol_v = 1e-9 * abs(ref.V_UD) + 1e-14 * scale
    assert abs(sol.V_UD - ref.V_UD) <= tol_v
    assert_allclose(sol.resistance, ref.resistance, rtol=1e-9)
    # I_M = G_M (V_UD - E) cancels near V_UD = E: it inherits V_UD's tolerance times G_M
    g_m = stack.motor.conductance
    assert abs(sol.motor_current - ref.motor_current) <= \
        1e-9 * abs(ref.motor_current) + g_m * tol_v
    assert sol.kcl_residual < 1e-12
    # passivity and energy balance: the source's power I V goes into the resistors and
    # the motor branch (I_M V_UD = I_M^2 R_M + I_M E)
    assert sol.resistance > 0
    i_e = sol.branch_currents()
    dissipated = float(np.sum(i_e**2 / sol.network.edge_g))
    assert_allclose(I * sol.voltage, dissipated + sol.motor_current * sol.V_UD, rtol=1e-9)
