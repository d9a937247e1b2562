"""Flaring leads: area_profile on layers and wires (docs/model.md).

The reference here is derived in this file, independently of the package: a transfer
matrix for (Delta, J) through each layer of a straight stack, with the radial solution
in a spherical shell.  In a shell of solid angle Omega (A = Omega r^2) the spin
accumulation solves (1/r^2) d/dr (r^2 dDelta/dr) = Delta / lsf^2, so f = r Delta obeys
f'' = f / lsf^2 (also along x when r = r0 + t - x decreases: F1 widening backwards).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from circuitspin import build_network, load_stack, solve, solve_diffusion, stack_from_dict
from circuitspin.diffusion import solve_diffusion as solve_branched
from circuitspin.segments import exact_segment, flared_segment
from conftest import CO, CO_CU, CU, NETLISTS, pillar_dict, run_cli

I = 1e-3
AREA = 1e-14


def flared_pillar(r0_n2=None, r0_f1=None, magnons=0.0):
    d = pillar_dict(magnons=magnons)
    if r0_n2 is not None:
        d["layers"][3]["area_profile"] = {"kind": "spherical", "r0": r0_n2}
    if r0_f1 is not None:
        d["layers"][0]["area_profile"] = {"kind": "spherical", "r0": r0_f1, "origin": "last"}
    return stack_from_dict(d)


# ------------------------------------------------------------------ the closed form
def _bulk(mat, magnetization="up"):
    beta = mat["beta"] * (-1 if magnetization == "down" else 1)
    rs = mat["rho"] / (1 - beta**2)
    su, sd = 1 / (2 * rs * (1 - beta)), 1 / (2 * rs * (1 + beta))
    return su / (su + sd), su * sd / (su + sd), mat["lsf"]


def radial_closed_form(layers, current):
    """Delta at the first face of every layer (V) of a straight stack, motor open.

    ``layers``: (material dict, thickness, r_start or None, dr/dx) per layer; r_start is
    the radius of the first face (A = AREA (r / r_narrow)^2), None for a constant
    section.  State (Delta, J), J the spin part of the up current (I_up = w_up I + J,
    w_up = sigma_up / sigma): in a layer J = -A p Delta'.  Interfaces (Co/Cu, area AREA):
    I_up continuous, Delta jumps by (r_up I_up - r_dn I_dn) / A.  Electrodes: Delta = 0.
    """
    r_up, r_dn = 2 * CO_CU["ar"] * (1 - CO_CU["gamma"]), 2 * CO_CU["ar"] * (1 + CO_CU["gamma"])

    def run(j0):
        delta, j = 0.0, j0
        firsts = []
        for k, (mat, t, r_a, s, r_narrow) in enumerate(layers):
            w_up, p, l = _bulk(mat)
            if k > 0:  # interface from the previous layer (w_prev) into this one
                i_up = w_prev * current + j
                delta -= (r_up * i_up - r_dn * (current - i_up)) / AREA
                j = i_up - w_up * current
            firsts.append(delta)
            if r_a is None:
                dprime = -j / (AREA * p)
                delta, dprime = (delta * math.cosh(t / l) + l * dprime * math.sinh(t / l),
                                 delta * math.sinh(t / l) / l + dprime * math.cosh(t / l))
                j = -AREA * p * dprime
            else:
                omega = AREA / r_narrow**2
                dprime = -j / (omega * r_a**2 * p)
                f, fp = r_a * delta, s * delta + r_a * dprime
                f, fp = (f * math.cosh(t / l) + l * fp * math.sinh(t / l),
                         f * math.sinh(t / l) / l + fp * math.cosh(t / l))
                r_b = r_a + s * t
                delta = f / r_b
                dprime = (fp - s * delta) / r_b
                j = -omega * r_b**2 * p * dprime
            w_prev = w_up
        return delta, firsts

    a, _ = run(0.0)
    b, _ = run(1.0)
    return run(-a / (b - a))[1]


def pillar_layers(r0_n2=None, r0_f1=None):
    f1 = (CO, 100e-9, None, 0, None) if r0_f1 is None else (CO, 100e-9, r0_f1 + 100e-9, -1, r0_f1)
    n2 = (CU, 500e-9, None, 0, None) if r0_n2 is None else (CU, 500e-9, r0_n2, 1, r0_n2)
    return [f1, (CU, 6e-9, None, 0, None), (CO, 3e-9, None, 0, None), n2]


def test_closed_form_reproduces_valet_fert_in_1d(pillar):
    """The test's own transfer matrix, checked first on the constant-area pillar."""
    ref = solve_diffusion(pillar, I)
    assert_allclose(radial_closed_form(pillar_layers(), I)[2], ref.V_UD, rtol=1e-11)


@pytest.mark.parametrize("r0_n2, r0_f1", [(500e-9, None), (50e-9, None), (500e-9, 500e-9),
                                          (50e-9, 50e-9), (None, 80e-9), (20e-9, 1e-6)])
def test_spherical_flare_equals_closed_radial_solution(r0_n2, r0_f1):
    stack = flared_pillar(r0_n2, r0_f1)
    expected = radial_closed_form(pillar_layers(r0_n2, r0_f1), I)[2]
    # the default discretisation (one exact cone segment per layer) is exact
    assert_allclose(solve(build_network(stack), I).V_UD, expected, rtol=1e-9)
    assert_allclose(solve_diffusion(stack, I).V_UD, expected, rtol=1e-9)
    # Delta at every layer's first face, from the profile
    prof = solve(build_network(stack), I).profile()
    firsts = [prof["Delta"][prof["layer"] == k][0] for k in range(4)]
    assert_allclose(firsts[1:], radial_closed_form(pillar_layers(r0_n2, r0_f1), I)[1:],
                    rtol=1e-9)


def test_infinite_r0_gives_the_1d_pillar(pillar):
    one_d = solve(build_network(pillar), I).V_UD
    devs = []
    for r0 in (1e-3, 1e-4, 1e-5):
        v = solve(build_network(flared_pillar(r0, r0)), I).V_UD
        devs.append(abs(v / one_d - 1))
    assert devs[0] < 1e-3
    # the first-order correction: the deviation scales as 1/r0
    assert_allclose(devs[1] / devs[0], 10, rtol=0.02)
    assert_allclose(devs[2] / devs[1], 10, rtol=0.05)
    assert_allclose(solve(build_network(flared_pillar(1e6, 1e6)), I).V_UD, one_d, rtol=1e-9)


@pytest.mark.parametrize("both", [False, True])
def test_delta_mu_bar_falls_as_r0_shrinks(pillar, both):
    """|delta_mu_bar| at U-D falls monotonically from the 1D value as r0 goes from
    100 um to 50 nm.  (Further down, with N2 flared alone, the N2 side of F2 becomes a
    near-perfect spin sink and what is left of V_UD is the spin filtering of F2's own
    F2|N2 interface, of the opposite sign: V_UD crosses zero near r0 = 35 nm.  The
    closed-form comparison above covers r0 = 20 nm.)"""
    one_d = abs(solve(build_network(pillar), I).delta_mu_bar_eV)
    r0s = [1e-4, 5e-6, 1e-6, 500e-9, 200e-9, 100e-9, 50e-9]
    vals = [solve(build_network(flared_pillar(r0, r0 if both else None)), I).V_UD
            for r0 in r0s]
    assert all(v > 0 for v in vals)
    assert vals[0] < one_d
    assert all(b < a for a, b in zip(vals, vals[1:])), vals
    assert vals[-1] < 0.1 * one_d   # r0 = 50 nm: most of delta_mu_bar is gone


def test_exact_cone_segment_is_exact_and_the_ladder_converges():
    stack = flared_pillar(50e-9, 50e-9)
    one = solve(build_network(stack), I).V_UD
    many = solve(build_network(stack, segments=40, method="exact"), I).V_UD
    assert_allclose(many, one, rtol=1e-10)
    errs = [abs(solve(build_network(stack, segments=n), I).V_UD - one) for n in (100, 200, 400)]
    assert_allclose(errs[0] / errs[1], 4, rtol=0.05)
    assert_allclose(errs[1] / errs[2], 4, rtol=0.05)


def test_flared_segment_kernel_limits():
    su, sd, lsf = 1 / 80e-9, 1 / 30e-9, 50e-9
    for L in (1e-10, 3e-8, 1e-6):
        uni = exact_segment(AREA, L, lsf, su, sd)
        fl = flared_segment(AREA, AREA, L, lsf, su, sd)
        assert_allclose(fl, (uni[0], uni[1], uni[2], uni[2], uni[3]), rtol=1e-14)
        g = np.array(flared_segment(AREA, 9 * AREA, L, lsf, su, sd))
        assert np.all(np.isfinite(g)) and np.all(g > 0)
        # reversing the segment swaps its ends
        gr = flared_segment(9 * AREA, AREA, L, lsf, su, sd)
        assert_allclose(gr, (g[0], g[1], g[3], g[2], g[4]), rtol=1e-14)
    # bands shorted at both ends (Delta = 0 there, hence everywhere): the charge
    # conductance of a cone, sigma / int dx / A = sigma sqrt(A_a A_b) / L
    g = flared_segment(AREA, 4 * AREA, 1e-7, lsf, su, sd)
    assert_allclose(g[0] + g[1] + 2 * g[4], (su + sd) * 2 * AREA / 1e-7, rtol=1e-13)


def test_table_profile_of_a_sphere_equals_the_spherical_profile():
    """sqrt(A) is linear along a sphere: a table sampling it is the same cone."""
    r0, t = 50e-9, 500e-9
    d = pillar_dict()
    xs = np.linspace(0, t, 6)
    d["layers"][3]["area_profile"] = {"kind": "table",
                                      "points": [[x, AREA * (1 + x / r0) ** 2] for x in xs]}
    table = stack_from_dict(d)
    sphere = flared_pillar(r0)
    assert_allclose(solve(build_network(table), I).V_UD,
                    solve(build_network(sphere), I).V_UD, rtol=1e-10)
    # the table's points are mesh points: 5 frustums in N2
    assert build_network(table).n_segments == 3 + 5


def test_table_profile_network_equals_analytic_and_ladder_converges():
    d = pillar_dict(magnons=10.0)
    d["layers"][3]["area_profile"] = {
        "kind": "table", "points": [[0, AREA], [50e-9, 3 * AREA], ["200 nm", 30 * AREA],
                                    [500e-9, 40 * AREA]]}
    stack = stack_from_dict(d)
    sol = solve(build_network(stack), I)
    assert_allclose(sol.V_UD, solve_branched(stack, I).V_UD, rtol=1e-9)
    errs = [abs(solve(build_network(stack, segments=n), I).V_UD - sol.V_UD) for n in (80, 160)]
    assert_allclose(errs[0] / errs[1], 4, rtol=0.1)


def test_flared_profile_currents_conserve_charge():
    """The band currents at both ends of flaring segments (distinct end verticals) add
    up to the source current everywhere in a straight stack."""
    stack = flared_pillar(50e-9, 50e-9)
    for kw in ({}, {"segments": 7}, {"segments": 5, "method": "exact"}):
        prof = solve(build_network(stack, **kw), I).profile()
        assert_allclose(prof["I_up"] + prof["I_dn"], I, rtol=1e-10)


def test_flaring_wire_in_a_branched_geometry():
    ws = load_stack(NETLISTS / "zero_current_swaser.toml")
    base = solve(build_network(ws), I).V_UD
    import dataclasses

    from circuitspin.flaring import AreaProfile

    wires = list(ws.layers)
    i = ws.layer_index("Nlead")
    wires[i] = dataclasses.replace(wires[i], area_profile=AreaProfile("spherical", r0=50e-9))
    flared = dataclasses.replace(ws, layers=tuple(wires))
    sol = solve(build_network(flared), I)
    assert_allclose(sol.V_UD, solve_branched(flared, I).V_UD, rtol=1e-9)
    assert 0 < sol.V_UD < base   # a flaring exit lead relaxes spin too


def test_flared_netlist_numbers():
    """netlists/berger_pillar_flared.toml: both leads, r0 = 50 nm."""
    flared = load_stack(NETLISTS / "berger_pillar_flared.toml")
    one_d = load_stack(NETLISTS / "berger_pillar.toml")
    ratio = solve(build_network(flared), I).V_UD / solve(build_network(one_d), I).V_UD
    expected = radial_closed_form(pillar_layers(50e-9, 50e-9), I)[2] / \
        radial_closed_form(pillar_layers(), I)[2]
    assert_allclose(ratio, expected, rtol=1e-9)
    assert 0 < ratio < 0.2


BAD = [
    ("bad_kind", '{ kind = "conical", r0 = 1e-8 }', ["area_profile.kind", "conical"]),
    ("r0_zero", '{ kind = "spherical", r0 = 0 }', ["area_profile.r0", "> 0"]),
    ("r0_missing", '{ kind = "spherical" }', ["area_profile.r0", "missing"]),
    ("r0_units", '{ kind = "spherical", r0 = "5 kg" }', ["area_profile.r0", "wrong units"]),
    ("unknown_key", '{ kind = "spherical", r0 = 1e-8, r1 = 2 }', ["area_profile.r1", "unknown"]),
    ("origin", '{ kind = "spherical", r0 = 1e-8, origin = "middle" }', ["area_profile.origin"]),
    ("not_table", '5', ["area_profile", "must be a table"]),
    ("short_table", '{ kind = "table", points = [[0, 1e-14]] }', ["area_profile.points"]),
    ("not_covering", '{ kind = "table", points = [[0, 1e-14], [1e-7, 2e-14]] }',
     ["area_profile.points", "whole layer"]),
    ("decreasing", '{ kind = "table", points = [[0, 1e-14], [6e-7, 2e-14], [5e-7, 2e-14]] }',
     ["area_profile.points", "increase"]),
    ("negative_area", '{ kind = "table", points = [[0, 1e-14], [5e-7, -2e-14]] }',
     ["area_profile.points", "> 0"]),
    ("bad_pair", '{ kind = "table", points = [[0, 1e-14], [5e-7]] }',
     ["area_profile.points", "pair"]),
    ("kind_list", '{ kind = ["spherical"], r0 = 1e-8 }', ["area_profile.kind"]),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_area_profile_one_line_exit_2(tmp_path, case):
    _, value, words = case
    text = (NETLISTS / "berger_pillar.toml").read_text()
    old = 'name = "N2"\nmaterial = "Cu"\nthickness = 500e-9\n'
    assert old in text
    p = tmp_path / "bad.toml"
    p.write_text(text.replace(old, old + f"area_profile = {value}\n"))
    res = run_cli("solve", p, "--current", "1e-3")
    assert res.returncode == 2, res.stderr
    err = res.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("circuitspin: error: ") and str(p) in err, err
    assert "[layers #4 'N2']" in err, err
    for w in words:
        assert w in err, (w, err)
