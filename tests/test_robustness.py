"""Robustness: extreme parameters, invariants, trust warnings, faults, atomic files, memory.

- The exact segment kernels against mpmath (60 digits) over thickness 0.1 nm..1 mm, lsf
  0.5 nm..1 mm, area 1e-18..1e-6 m^2, beta to +-0.99: finite, non-negative, 1e-13.
- Random stacks over those extremes (AR* 0..1e-12 ohm m^2, gamma to +-0.99, 1..6 layers,
  a linear motor): the nodal solve against the same network built and solved in mpmath
  (an independent construction from the stack); Kirchhoff's law at every node,
  reciprocity, passivity and P/AP symmetry for exact and ladder networks; closed forms
  (two-current series for lsf -> infinity, one layer R = rho t / A, layers of one
  material).
- Trust: a result is either right (to 1e-12 here) or carries a CircuitSpinWarning whose
  stated uncertainty holds, or the solve is refused; never a silent wrong number.  The
  pillar with one conductance scaled by 1e10..1e19 exercises all three outcomes.
- Faults: a fake ``ngspice`` that crashes, hangs or writes nothing, and no ngspice at all,
  through the command line; interrupted writes of decks, CSV files and plots leave no
  partial and no temporary file.
- Memory: repeated PySpice shared-library solves do not grow the process.

Counts: hypothesis ``event`` per example (``--hypothesis-show-statistics``);
``CIRCUITSPIN_FUZZ_SCALE=N`` multiplies the number of examples.
"""
from __future__ import annotations

import dataclasses
import errno
import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from circuitspin import build_network, load_stack, solve, stack_from_dict
from circuitspin.cli import main
from circuitspin.errors import CircuitSpinWarning, NetworkError, SolverError
from circuitspin.network import EDGE_KINDS
from circuitspin.segments import coth_minus_inv, exact_segment, inv_minus_csch
from circuitspin.solution import injections
from circuitspin.solvers.nodal import NodalFactor, motor_injections
from conftest import NETLISTS, need_ngspice, pillar_dict

I = 1e-3
EPS = np.finfo(float).eps
#: CIRCUITSPIN_FUZZ_SCALE=10 runs ten times the examples (a deeper run than CI's)
SCALE = max(1, int(os.environ.get("CIRCUITSPIN_FUZZ_SCALE", "1")))
PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.filter_too_much])


def log_uniform(lo, hi):
    """Floats spread evenly over the decades from lo to hi."""
    return st.floats(np.log10(lo), np.log10(hi)).map(lambda e: float(10.0 ** e))


def solve_quiet(net, current=I):
    """solve() and the CircuitSpinWarnings it gave (as strings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CircuitSpinWarning)
        sol = solve(net, current)
    return sol, [str(w.message) for w in caught if issubclass(w.category, CircuitSpinWarning)]


# ================================================================== mpmath references
def mp_exact_segment(area, length, lsf, su, sd):
    """The exact segment's (g_uu, g_dd, g_vert, g_diag) in mpmath, closed form."""
    A, L, l = mpmath.mpf(area), mpmath.mpf(length), mpmath.mpf(lsf)
    su, sd = mpmath.mpf(su), mpmath.mpf(sd)
    s = su + sd
    p = su * sd / s
    u = L / l
    q, c = mpmath.csch(u), mpmath.coth(u)
    return (A * (su**2 / (s * L) + p * q / l), A * (sd**2 / (s * L) + p * q / l),
            A * p * (c - 1 / u) / l, A * p * (1 / u - q) / l)


def mp_solve_stack(stack, current=I, dps=60):
    """(V, V_UD, V_U, V_D) of the exact-segment network of ``stack``, built here from the
    stack alone (faces, merged interfaces, electrodes, motor) and solved in mpmath."""
    with mpmath.workdps(dps):
        layers, count = stack.layers, [0]

        def new():
            count[0] += 1
            return count[0] - 1

        faces = []
        for i in range(len(layers)):
            if i == 0:
                e = new()
                a = (e, e)
            elif stack.interfaces[i - 1].merged:
                a = faces[i - 1][1]
            else:
                a = (new(), new())
            if i == len(layers) - 1:
                e = new()
                b = (e, e)
            else:
                b = (new(), new())
            faces.append((a, b))
        edges = []
        for lay, ((ua, da), (ub, db)) in zip(layers, faces):
            r_up, r_dn = lay.band_resistivities
            g_uu, g_dd, g_v, g_x = mp_exact_segment(stack.area, lay.thickness, lay.lsf,
                                                    1 / mpmath.mpf(r_up), 1 / mpmath.mpf(r_dn))
            edges += [(ua, ub, g_uu), (da, db, g_dd), (ua, da, g_v), (ub, db, g_v),
                      (ua, db, g_x), (da, ub, g_x)]
        for iface in stack.interfaces:
            if not iface.merged:
                (ub, db), (ua, da) = faces[iface.left][1], faces[iface.left + 1][0]
                r_up, r_dn = iface.band_resistances
                edges += [(ub, ua, mpmath.mpf(stack.area) / mpmath.mpf(r_up)),
                          (db, da, mpmath.mpf(stack.area) / mpmath.mpf(r_dn))]
        n = count[0]
        src, gnd = faces[0][0][0], faces[-1][1][0]
        b = [mpmath.mpf(0)] * n
        b[src] += mpmath.mpf(current)
        u = d = None
        if stack.motor is not None:
            u, d = faces[stack.motor.index][0]
            if stack.motor_sign < 0:  # U: the majority band of a layer magnetised "down"
                u, d = d, u
            g_m = mpmath.mpf(stack.motor.conductance)
            if g_m > 0:
                edges.append((u, d, g_m))
                b[u] += g_m * mpmath.mpf(stack.motor.emf)
                b[d] -= g_m * mpmath.mpf(stack.motor.emf)
        v = _mp_nodal(n, gnd, edges, b)
        vud = None if u is None else v[u] - v[d]
        return v[src], vud, (None if u is None else v[u]), (None if u is None else v[d])


def _mp_nodal(n, ground, edges, b):
    keep = [k for k in range(n) if k != ground]
    idx = {k: j for j, k in enumerate(keep)}
    G = mpmath.zeros(len(keep), len(keep))
    for a, c, g in edges:
        if a == c:
            continue
        for p, q in ((a, c), (c, a)):
            if p in idx:
                G[idx[p], idx[p]] += g
                if q in idx:
                    G[idx[p], idx[q]] -= g
    x = mpmath.lu_solve(G, mpmath.matrix([b[k] for k in keep]))
    v = [mpmath.mpf(0)] * n
    for j, k in enumerate(keep):
        v[k] = x[j]
    return v


def mp_solve_network(net, b, dps=60):
    """Node potentials of a built Network (its own edge conductances, read as exact
    numbers) for injections ``b``, solved in mpmath: the network's true answer."""
    with mpmath.workdps(dps):
        edges = [(int(a), int(c), mpmath.mpf(float(g))) for a, c, g in
                 zip(net.edge_a, net.edge_b, net.edge_g)]
        if net.u is not None and net.motor_g > 0:
            edges.append((net.u, net.d, mpmath.mpf(net.motor_g)))
        return _mp_nodal(net.n_nodes, net.ground, edges,
                         [mpmath.mpf(float(x)) for x in b])


def rel_mp(x, ref):
    return float(abs(mpmath.mpf(float(x)) - ref) / abs(ref))


# ================================================================== kernels
@settings(PROPS, max_examples=400 * SCALE)
@given(area=log_uniform(1e-18, 1e-6), length=log_uniform(1e-10, 1e-3),
       lsf=log_uniform(5e-10, 1e-3), rho=log_uniform(1e-9, 1e-5),
       beta=st.floats(-0.99, 0.99))
def test_exact_segment_kernels_match_mpmath(area, length, lsf, rho, beta):
    rs = rho / (1 - beta**2)
    su, sd = 1 / (2 * rs * (1 - beta)), 1 / (2 * rs * (1 + beta))
    got = exact_segment(area, length, lsf, su, sd)
    u = length / lsf
    event("u = L/lsf < 0.5 (series)" if u < 0.5 else "0.5 <= u < 20" if u < 20
          else "u >= 20 (exponentials)")
    with mpmath.workdps(60):
        ref = mp_exact_segment(area, length, lsf, su, sd)
        for name, g, r in zip(("g_uu", "g_dd", "g_vert", "g_diag"), got, ref):
            g = float(g)
            assert np.isfinite(g) and g >= 0, (name, g)
            if r == 0 or r < mpmath.mpf(1e-300):   # exp(-2e6): underflows to 0 in double
                assert g <= 1e-300, (name, g)
                continue
            assert rel_mp(g, r) < 1e-13, (name, g, r, u)


CORNERS = [(a, t, l, b) for a in (1e-18, 1e-6) for t in (1e-10, 1e-3) for l in (5e-10, 1e-3)
           for b in (-0.99, 0.0, 0.99)]


def test_exact_segment_at_every_corner_of_the_parameter_box():
    """All 24 corners (area, thickness, lsf, beta at their extremes) in one vectorised
    call, rho 6e-9 ohm m."""
    a, t, l, b = (np.array(x) for x in zip(*CORNERS))
    rs = 6e-9 / (1 - b**2)
    su, sd = 1 / (2 * rs * (1 - b)), 1 / (2 * rs * (1 + b))
    got = np.array(exact_segment(a, t, l, su, sd))
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    with mpmath.workdps(60):
        for k in range(len(CORNERS)):
            ref = mp_exact_segment(a[k], t[k], l[k], su[k], sd[k])
            for j in range(4):
                if ref[j] < mpmath.mpf(1e-300):
                    assert got[j, k] <= 1e-300
                else:
                    assert rel_mp(got[j, k], ref[j]) < 1e-13, (CORNERS[k], j)


@pytest.mark.parametrize("u", [1e-300, 1e-12, 1e-6, 0.1, 0.5 - 1e-15, 0.5, 0.5 + 1e-15,
                               0.75, 1.0, 3.0, 19.9, 20.0, 40.0, 700.0, 1e6, 1e300])
def test_cancelling_functions_across_their_switch(u):
    """coth(u) - 1/u and 1/u - csch(u): the series below u = 0.5, exponentials above
    (the reference carries enough digits for its own cancellation, ~2 log10(1/u))."""
    with mpmath.workdps(60 + int(2 * max(0.0, -np.log10(u)))):
        x = mpmath.mpf(u)
        for fn, ref in ((coth_minus_inv, mpmath.coth(x) - 1 / x),
                        (inv_minus_csch, 1 / x - mpmath.csch(x))):
            got = float(fn(u))
            assert np.isfinite(got) and got >= 0
            assert rel_mp(got, ref) < 1e-14 if ref > 0 else got == 0.0


# ================================================================== random extreme stacks
@st.composite
def extreme_stack_dicts(draw, lsf=(5e-10, 1e-3), max_layers=6, motor=True, magnons=True):
    n = draw(st.integers(1 if not motor else 2, max_layers))
    # the motor sits on a magnet (its U and D are the majority and minority bands)
    at = draw(st.integers(1, n - 1)) if motor and n > 1 else None
    mats, layers, ifaces = {}, [], {}
    for i in range(n):
        nonzero = st.floats(-0.99, 0.99).filter(lambda b: b != 0.0)
        beta = draw(nonzero if i == at else st.one_of(st.just(0.0), st.floats(-0.99, 0.99)))
        mats[f"M{i}"] = {"rho": draw(log_uniform(1e-9, 1e-5)), "beta": beta,
                         "lsf": draw(log_uniform(*lsf))}
        layers.append({"name": f"L{i}", "material": f"M{i}",
                       "thickness": draw(log_uniform(1e-10, 1e-3)),
                       "magnetization": draw(st.sampled_from(["up", "down"]))})
    for i in range(n - 1):
        ar = draw(st.one_of(st.just(0.0), log_uniform(1e-18, 1e-12)))
        ferro = mats[f"M{i}"]["beta"] != 0 or mats[f"M{i + 1}"]["beta"] != 0
        gamma = draw(st.floats(-0.99, 0.99)) if ferro else 0.0
        ifaces[f"M{i}/M{i + 1}"] = {"ar": ar, "gamma": gamma}
    d = {"title": "extreme", "area": draw(log_uniform(1e-18, 1e-6)), "materials": mats,
         "interfaces": ifaces, "layers": layers}
    if motor and n > 1:
        n_m = draw(st.one_of(st.just(0.0), log_uniform(1e-3, 1e6))) if magnons else 0.0
        d["motor"] = {"layer": f"L{at}", "frequency": 1e10,
                      "delta_alpha": 0.01, "magnons": n_m}
    return d


def _floor(vu, vd):
    """Rounding of V_UD = V_U - V_D, V: a few ulps of each potential."""
    return 4 * EPS * (abs(float(vu)) + abs(float(vd)))


WARN_BOUND = re.compile(r"V_UD = \S+ V is (?:known only to|zero to within) \+-(\S+) V")


@settings(PROPS, max_examples=250 * SCALE)
@given(extreme_stack_dicts())
def test_extreme_stacks_nodal_vs_mpmath_network(d):
    """Exact segments: the nodal answer is the network's answer to 1e-12, or a warning
    says how far off it can be, and that bound holds."""
    stack = stack_from_dict(d, source="extreme")
    sol, warned = solve_quiet(build_network(stack))
    V, VUD, VU, VD = mp_solve_stack(stack)
    assert rel_mp(sol.voltage, V) < 1e-13
    assert sol.resistance > 0
    event(f"{len(stack.layers)} layers")
    if VUD is None:
        assert not warned
        return
    err = float(abs(mpmath.mpf(sol.V_UD) - VUD))
    if not warned:
        event("no warning: V_UD to 1e-12")
        assert err <= 1e-12 * float(abs(VUD)) + _floor(VU, VD), (sol.V_UD, VUD)
    else:
        event("warned: V_UD at the rounding level of the potentials")
        bound = WARN_BOUND.search(warned[0])
        assert bound, warned
        assert err <= float(bound.group(1)), (err, warned)


# Found by hypothesis: V_U - V_D = 2 mV out of 2.1 kV across a motor of 0.049 S; the
# motor's rounding (g_m eps |V_U|, 2e-14 A) was held against |I_M| alone (1e-4 A) instead
# of the branch's own g_m (|V_U| + |V_D|): a backward error of 4.6e-12 that was not one.
MOTOR_AT_KILOVOLTS = {
    "title": "extreme", "area": 1e-14,
    "materials": {f"M{i}": {"rho": 1e-5, "beta": 0.5 * (i % 2), "lsf": 1e-3}
                  for i in range(5)},
    "interfaces": {f"M{i}/M{i + 1}": {"ar": 0.0, "gamma": 0.0} for i in range(4)},
    "layers": [{"name": f"L{i}", "material": f"M{i}", "thickness": 1e-3,
                "magnetization": "up"} for i in range(5)],
    "motor": {"layer": "L3", "frequency": 1e10, "delta_alpha": 0.01, "magnons": 1e4}}


@settings(PROPS, max_examples=150 * SCALE)
@given(d=extreme_stack_dicts(), segments=st.one_of(st.none(), st.integers(1, 6)),
       pick=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)))
@example(d=MOTOR_AT_KILOVOLTS, segments=None, pick=(0, 0))
def test_invariants_kcl_reciprocity_passivity(d, segments, pick):
    """Kirchhoff at every node (backward error < 1e-12), reciprocity of the transfer
    resistance, R > 0 and the energy balance sum g dV^2 = I V - I_M V_UD."""
    stack = stack_from_dict(d, source="extreme")
    net = build_network(stack, segments)
    event("ladder" if segments else "exact")
    sol, _ = solve_quiet(net)
    assert sol.kcl_residual < 1e-12
    assert sol.resistance > 0
    i_e = sol.branch_currents()
    dissipated = float(np.sum(i_e * (sol.potentials[net.edge_a] - sol.potentials[net.edge_b])))
    p_motor = sol.motor_current * sol.V_UD if sol.V_UD is not None else 0.0
    scale = I * abs(sol.voltage) + abs(p_motor) + dissipated
    assert abs(dissipated - (I * sol.voltage - p_motor)) <= 1e-11 * scale
    # reciprocity: inject at a (out at the ground), read b == inject at b, read a
    f = NodalFactor(net)
    others = [k for k in range(net.n_nodes) if k != net.ground]
    a, b = others[pick[0] % len(others)], others[pick[1] % len(others)]
    ea, eb = injections(net, 0.0), injections(net, 0.0)
    ea[a] += 1.0
    ea[net.ground] -= 1.0
    eb[b] += 1.0
    eb[net.ground] -= 1.0
    za, zb = f.solve(ea), f.solve(eb)
    assert za[a] > 0 and zb[b] > 0 and za[b] > 0
    assert abs(za[b] - zb[a]) <= 1e-12 * abs(za[b]) + 4 * EPS * max(za[a], zb[b])


@settings(PROPS, max_examples=120 * SCALE)
@given(d=extreme_stack_dicts(magnons=False), segments=st.one_of(st.none(), st.integers(1, 4)))
def test_reversing_every_layer_keeps_v_ud_and_r(d, segments):
    """A global rotation is the same state: V_UD is in the motor layer's own frame."""
    flipped = json.loads(json.dumps(d))
    for layer in flipped["layers"]:
        layer["magnetization"] = "down" if layer["magnetization"] == "up" else "up"
    a, _ = solve_quiet(build_network(stack_from_dict(d), segments))
    b, _ = solve_quiet(build_network(stack_from_dict(flipped), segments))
    assert abs(a.resistance - b.resistance) <= 1e-12 * a.resistance
    net = a.network
    floor = _floor(a.potentials[net.u], a.potentials[net.d]) + \
        _floor(b.potentials[net.u], b.potentials[net.d])
    assert abs(a.V_UD - b.V_UD) <= 1e-12 * abs(a.V_UD) + floor
    event("V_UD resolved" if abs(a.V_UD) > floor else "V_UD at rounding")


# ================================================================== closed forms
def _two_current(stack, current=I):
    """lsf -> infinity: two independent band chains shorted at the electrodes.
    Returns (R, V_UD) with U/D at the motor layer's first face (its own frame)."""
    A = stack.area
    chain = []        # (position index, r_up, r_dn) in order along x
    for i, lay in enumerate(stack.layers):
        r_up, r_dn = lay.band_resistivities
        chain.append((i, r_up * lay.thickness / A, r_dn * lay.thickness / A))
        if i < len(stack.interfaces):
            r_up, r_dn = stack.interfaces[i].band_resistances
            chain.append((i + 0.5, r_up / A, r_dn / A))
    R_up = sum(c[1] for c in chain)
    R_dn = sum(c[2] for c in chain)
    R = R_up * R_dn / (R_up + R_dn)
    k = stack.motor.index
    after_up = sum(c[1] for c in chain if c[0] >= k)
    after_dn = sum(c[2] for c in chain if c[0] >= k)
    i_up, i_dn = current * R_dn / (R_up + R_dn), current * R_up / (R_up + R_dn)
    # V_UD in the motor layer's own frame (s = -1 for a layer magnetised "down")
    return R, stack.motor_sign * (i_up * after_up - i_dn * after_dn)


@settings(PROPS, max_examples=150 * SCALE)
@given(extreme_stack_dicts(lsf=(1e6, 1e12), magnons=False))
def test_long_lsf_limit_is_the_two_current_series(d):
    """lsf 1e6..1e12 m (thickness <= 1 mm: (t/lsf)^2 < 1e-17): R and V_UD equal the
    two-current closed form to 1e-12."""
    stack = stack_from_dict(d, source="long lsf")
    sol, _ = solve_quiet(build_network(stack))
    R, vud = _two_current(stack)
    assert abs(sol.resistance - R) <= 1e-12 * R
    net = sol.network
    assert abs(sol.V_UD - vud) <= 1e-12 * abs(vud) + \
        _floor(sol.potentials[net.u], sol.potentials[net.d])
    event("V_UD != 0" if vud else "V_UD = 0")


@settings(PROPS, max_examples=150 * SCALE)
@given(rho=log_uniform(1e-9, 1e-5), beta=st.floats(-0.99, 0.99), lsf=log_uniform(5e-10, 1e-3),
       t=log_uniform(1e-10, 1e-3), area=log_uniform(1e-18, 1e-6),
       segments=st.one_of(st.none(), st.integers(1, 50)),
       method=st.sampled_from([None, "exact"]))
def test_single_layer_is_rho_t_over_a(rho, beta, lsf, t, area, segments, method):
    """Bands shorted at both faces: no spin accumulation, R = rho t / A exactly."""
    d = {"area": area, "materials": {"M": {"rho": rho, "beta": beta, "lsf": lsf}},
         "layers": [{"name": "only", "material": "M", "thickness": t}]}
    sol, warned = solve_quiet(build_network(stack_from_dict(d), segments,
                                            method if segments else None))
    assert not warned
    assert abs(sol.resistance - rho * t / area) <= 1e-13 * rho * t / area
    prof = sol.profile()
    assert np.all(np.abs(prof["Delta"]) <= 4 * EPS * abs(sol.voltage))


@settings(PROPS, max_examples=80 * SCALE)
@given(n=st.integers(2, 5), rho=log_uniform(1e-9, 1e-5),
       beta=st.floats(-0.99, 0.99).filter(lambda b: b != 0.0),  # the motor needs a magnet
       lsf=log_uniform(5e-10, 1e-3), area=log_uniform(1e-18, 1e-6),
       ts=st.lists(log_uniform(1e-10, 1e-3), min_size=5, max_size=5),
       segments=st.one_of(st.none(), st.integers(1, 5)))
def test_layers_of_one_material_are_one_layer(n, rho, beta, lsf, area, ts, segments):
    """No interface between layers of one material (shared nodes): R = rho sum(t) / A
    and no spin accumulation anywhere, so V_UD = 0 to rounding."""
    d = {"area": area, "materials": {"M": {"rho": rho, "beta": beta, "lsf": lsf}},
         "layers": [{"name": f"L{i}", "material": "M", "thickness": ts[i]}
                    for i in range(n)],
         "motor": {"layer": "L1", "frequency": 1e10, "delta_alpha": 0.01}}
    sol, _ = solve_quiet(build_network(stack_from_dict(d), segments))
    total = rho * sum(ts[:n]) / area
    assert abs(sol.resistance - total) <= 1e-12 * total
    assert abs(sol.V_UD) <= 8 * EPS * abs(sol.voltage)


# ================================================================== trust
def test_pillar_is_trusted_and_reports_its_condition(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CircuitSpinWarning)
        sol = solve(build_network(load_stack(NETLISTS / "berger_pillar.toml")), I)
    assert 1 < sol.info["condition_estimate"] < 1e5
    assert sol.info["error_estimate"] < 1e-15 and sol.info["refinement_steps"] <= 3
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve",
                        str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == ""
    out = json.loads(r.stdout)
    assert out["condition_estimate"] == pytest.approx(sol.info["condition_estimate"])


def test_condition_estimate_against_the_dense_inverse():
    """onenormest of the scaled matrix's inverse equals the dense 1-norm (small case)."""
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"), 5)
    f = NodalFactor(net)
    from circuitspin.solvers.nodal import assemble_conductance

    G, keep = assemble_conductance(net)
    s = np.sqrt(G.diagonal())
    S = G.toarray() / np.outer(s, s)
    exact = np.linalg.norm(S, 1) * np.linalg.norm(np.linalg.inv(S), 1)
    assert exact / 3 <= f.condition_estimate() <= exact * (1 + 1e-9)


def _scaled(net, k, factor):
    g = net.edge_g.copy()
    g[k] *= factor
    return dataclasses.replace(net, edge_g=g)


@pytest.mark.parametrize("chain", [True, False], ids=["chain", "banded"])
def test_scaled_conductance_never_gives_a_silent_wrong_number(chain, monkeypatch):
    """The pillar with one conductance (of each kind) scaled by 1e10..1e19: each solve is
    right to 1e-10 against mpmath, or warns, or raises SolverError.  With the banded
    Cholesky factor (``chain=False``, the path of branched geometries) all three happen;
    the subtraction-free chain factor of a straight stack never breaks down, so there
    none is refused and more are accurate."""
    if not chain:
        monkeypatch.setattr(NodalFactor, "_factor_chain", lambda self, m: False)
    net = build_network(stack_from_dict(pillar_dict()))
    b = injections(net, I) + motor_injections(net)
    outcomes = {"accurate": 0, "warned": 0, "refused": 0}
    for kind in range(4):
        ks = np.flatnonzero(net.edge_kind == kind)
        for k in ks[:: max(1, ks.size // 3)]:
            for e in range(10, 20):
                bad = _scaled(net, int(k), 10.0 ** e)
                try:
                    sol, warned = solve_quiet(bad)
                except SolverError as exc:
                    assert "numerically singular" in str(exc) and "conductances span" in str(exc)
                    outcomes["refused"] += 1
                    continue
                if warned:
                    outcomes["warned"] += 1
                    continue
                v = mp_solve_network(bad, b)
                ref = v[bad.u] - v[bad.d]
                assert rel_mp(sol.V_UD, ref) < 1e-10, (EDGE_KINDS[kind], k, e)
                assert rel_mp(sol.voltage, v[bad.source]) < 1e-12
                outcomes["accurate"] += 1
    if chain:
        assert outcomes["refused"] == 0, outcomes
    assert outcomes["accurate"] and outcomes["warned"], outcomes
    assert chain or outcomes["refused"], outcomes


@pytest.mark.no_ulp_stress  # a network built at the edge of singularity: 2 ulps of its conductances tip it over
@pytest.mark.parametrize("chain", [True, False], ids=["chain", "banded"])
def test_ill_conditioned_stack_warns_and_the_warning_is_deserved(chain, monkeypatch):
    """Cu with rho = 1e-24 ohm m in the pillar: 19 decades of conductance; the solver
    says the condition number exceeds 1/eps.  With the banded Cholesky factor (the path
    of branched geometries) the answer is genuinely wrong (mpmath); the subtraction-free
    chain factor of a straight stack still gets it right here, but the warning stays:
    past 1/eps the condition number is all the trust check can go by (next test: a case
    where the chain's V_UD is wrong too: the Co test below)."""
    if not chain:
        monkeypatch.setattr(NodalFactor, "_factor_chain", lambda self, m: False)
    d = pillar_dict()
    d["materials"]["Cu"]["rho"] = 1e-24
    stack = stack_from_dict(d, source="cu-1e-24")
    sol, warned = solve_quiet(build_network(stack))
    assert len(warned) == 1 and "numerically singular" in warned[0]
    assert "conductances span" in warned[0] and "layer 'N'" in warned[0]
    assert sol.info["condition_estimate"] * EPS >= 1
    V, VUD, _, _ = mp_solve_stack(stack)
    if chain:
        assert rel_mp(sol.V_UD, VUD) < 1e-10
    else:
        assert rel_mp(sol.V_UD, VUD) > 1e-6      # so the warning was needed


def test_ladder_with_absurd_segment_ratio_warns():
    """1e5 segments over 0.1 nm and 1 mm layers: a segment ratio of 1e7."""
    d = pillar_dict()
    d["layers"][2]["thickness"] = 1e-10
    d["layers"][3]["thickness"] = 1e-3
    sol, warned = solve_quiet(build_network(stack_from_dict(d), 25_000))
    assert warned and "numerically singular" in warned[0]


def test_numerically_singular_network_is_refused_with_the_culprit(monkeypatch):
    """Co with rho = 1e-24 ohm m: 21 decades.  The banded Cholesky factor fails (refused,
    naming the culprit); the chain factor of a straight stack gives an answer whose V_UD
    (~1e-15 of the potentials around it) is wrong by 20 % against mpmath, and says so:
    the condition number, the culprit, and V_UD only as a bound that holds."""
    d = pillar_dict()
    d["materials"]["Co"]["rho"] = 1e-24
    stack = stack_from_dict(d)
    culprit = r"numerically singular.*conductances span .*layer 'F\d' \(Co\)"
    sol, warned = solve_quiet(build_network(stack))
    assert len(warned) == 1 and re.search(culprit, warned[0])
    bound = re.search(r"V_UD = \S+ V is zero to within \+-(\S+) V", warned[0])
    _, VUD, _, _ = mp_solve_stack(stack)
    assert abs(sol.V_UD - float(VUD)) <= float(bound.group(1))
    monkeypatch.setattr(NodalFactor, "_factor_chain", lambda self, m: False)
    with pytest.raises(SolverError, match=culprit):
        solve(build_network(stack), I)


def test_cli_prints_the_warning_on_one_line(tmp_path):
    text = (NETLISTS / "berger_pillar.toml").read_text().replace("rho = 6e-9", "rho = 1e-24")
    path = tmp_path / "cu.toml"
    path.write_text(text)
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve", str(path),
                        "--current", "1e-3", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("circuitspin: warning: ")
    assert "numerically singular" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(r.stdout)["condition_estimate"] * EPS >= 1


def test_conductance_overflow_is_a_clear_error(tmp_path):
    net = build_network(stack_from_dict(pillar_dict()))
    g = net.edge_g.copy()
    g[3] = np.inf
    with pytest.raises(NetworkError, match=r"conductance overflow.*check rho"):
        solve(dataclasses.replace(net, edge_g=g), I)
    text = (NETLISTS / "berger_pillar.toml").read_text().replace("rho = 60e-9", "rho = 1e-300")
    path = tmp_path / "overflow.toml"
    path.write_text(text)
    for cmd in (["solve"], ["netlist", "-o", str(tmp_path / "x.cir")], ["threshold"],
                ["sweep", "--current", "0:1e-3:3"]):
        args = [cmd[0], str(path)] + (["--current", "1e-3"] if cmd[0] in ("solve", "netlist")
                                      else []) + cmd[1:]
        r = subprocess.run([sys.executable, "-m", "circuitspin", *args], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 2 and r.stdout == "", (cmd, r.stdout)
        assert r.stderr.count("\n") == 1 and r.stderr.startswith(f"circuitspin: error: {path}")
        assert "overflow" in r.stderr
    assert not (tmp_path / "x.cir").exists()


def test_solver_errors_name_the_stack_file(tmp_path, capsys, monkeypatch):
    """An error raised while solving (not loading) still names the file."""
    from circuitspin.solvers import nodal

    def broken(*args, **kwargs):
        raise SolverError("network matrix is singular (faked)")

    monkeypatch.setattr(nodal, "solve_nodal", broken)
    path = NETLISTS / "berger_pillar.toml"
    assert main(["solve", str(path), "--current", "1e-3"]) == 2
    err = capsys.readouterr().err
    assert err == f"circuitspin: error: {path}: network matrix is singular (faked)\n"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_non_finite_current_is_refused(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["solve", str(NETLISTS / "berger_pillar.toml"), f"--current={value}"])
    assert exc.value.code == 2
    assert "must be finite" in capsys.readouterr().err


# ================================================================== faults: ngspice
def _fake_ngspice(tmp_path, script):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "ngspice"
    fake.write_text("#!/bin/sh\n" + script + "\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bindir}:/usr/bin:/bin", TMPDIR=str(tmp_path),
               NGSPICE_LIBRARY_PATH=str(tmp_path / "no-libngspice.so"))
    return env


@pytest.mark.parametrize("script, message", [
    ("kill -SEGV $$", "crashed (signal 11)"),
    ("echo 'Error: out of cheese' >&2; exit 3", "failed (return code 3)"),
    ("echo 'all went fine'", "no usable rawfile"),
    ("echo $$ > {pidfile}; exec sleep 1000", "timed out after 2.0 s"),
])
def test_fake_ngspice_failures_end_in_one_line_and_no_hang(tmp_path, script, message):
    pidfile = tmp_path / "pid"
    env = _fake_ngspice(tmp_path, script.format(pidfile=pidfile))
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve",
                        str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3",
                        "--backend", "ngspice", "--timeout", "2"], capture_output=True,
                       text=True, env=env, timeout=120, cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("circuitspin: error: ")
    assert message in r.stderr and "circuitspin netlist" in r.stderr
    assert not any(p.name.startswith("circuitspin-ngspice-") for p in tmp_path.iterdir())
    if pidfile.exists():                 # the hung ngspice was killed, not left running
        pid = int(pidfile.read_text())
        for _ in range(50):
            if not Path(f"/proc/{pid}").exists():
                break
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists()


def test_no_ngspice_at_all_exits_2_with_the_install_hint(tmp_path):
    env = _fake_ngspice(tmp_path, "exit 0")
    (tmp_path / "bin" / "ngspice").unlink()
    env["PATH"] = str(tmp_path / "bin")
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve",
                        str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3",
                        "--backend", "ngspice"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "ngspice is not installed" in r.stderr and "apt-get install" in r.stderr


# ================================================================== faults: atomic files
def _leftovers(directory: Path, name: str):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture(params=["disk full", "interrupt"])
def failure(request):
    """The exception a write meets half-way, and the exit status the CLI then gives."""
    if request.param == "disk full":
        return OSError(errno.ENOSPC, "No space left on device"), 2, "No space left on device"
    return KeyboardInterrupt(), 130, "interrupted"


def _half_writes(monkeypatch, exc):
    """os.fdopen returns files that write half of what they are given, then raise."""
    real = os.fdopen

    class Half:
        def __init__(self, fh):
            self.fh = fh

        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise exc

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *args):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Half(real(fd, *a, **k)))


@pytest.mark.parametrize("command", ["netlist", "sweep"])
def test_interrupted_text_writes_leave_no_partial_file(tmp_path, capsys, monkeypatch, failure,
                                                       command):
    exc, status, message = failure
    out = tmp_path / ("out.cir" if command == "netlist" else "out.csv")
    args = ([command, str(NETLISTS / "berger_pillar.toml"), "-o", str(out)] +
            (["--current", "1e-3"] if command == "netlist" else ["--current", "0:1e-3:5"]))
    out.write_text("previous content\n")
    _half_writes(monkeypatch, exc)
    assert main(args) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert status != 2 or err.startswith(f"circuitspin: error: {out}: cannot write")
    assert out.read_text() == "previous content\n"         # the old file is intact
    assert _leftovers(tmp_path, out.name) == []
    out.unlink()
    assert main(args) == status
    assert not out.exists() and _leftovers(tmp_path, out.name) == []
    monkeypatch.undo()
    assert main(args) == 0 and out.exists()
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask      # not mkstemp's 0600


def test_interrupted_plot_leaves_no_partial_file(tmp_path, capsys, monkeypatch, failure):
    from matplotlib.figure import Figure

    exc, status, message = failure
    real = Figure.savefig

    def half_savefig(self, fh, *args, **kwargs):
        import io

        buf = io.BytesIO()
        real(self, buf, *args, **kwargs)
        fh.write(buf.getvalue()[: buf.tell() // 2])         # write half of it, then fail
        fh.flush()
        raise exc

    monkeypatch.setattr(Figure, "savefig", half_savefig)
    out = tmp_path / "profile.png"
    args = ["plot", str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3", "-o", str(out)]
    assert main(args) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert status != 2 or err.startswith(f"circuitspin: error: {out}: cannot write")
    assert not out.exists() and _leftovers(tmp_path, out.name) == []


# ================================================================== memory
def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    pytest.skip("no /proc/self/status VmRSS here")


def test_repeated_shared_solves_do_not_grow_rss():
    """200 PySpice shared-library solves after 20 to warm up: RSS grows < 4 MB (without
    the remcirc / destroy all after each run it grows ~58 kB per solve:
    benchmarks/MEMORY.md)."""
    need_ngspice("shared")
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    ref = solve(net, I).V_UD
    for _ in range(20):
        solve(net, I, backend="ngspice", mode="shared")
    before = _rss_mb()
    for _ in range(200):
        sol = solve(net, I, backend="ngspice", mode="shared")
    grown = _rss_mb() - before
    print(f"RSS {before:.1f} MB -> {before + grown:.1f} MB after 200 shared solves")
    assert abs(sol.V_UD - ref) <= 1e-9 * abs(ref)
    assert grown < 4.0


def test_without_cleanup_the_memory_test_would_fail():
    """Positive control, in a fresh process: skip the cleanup and RSS grows > 4 MB in
    200 solves, so the test above can fail."""
    need_ngspice("shared")
    bench = Path(__file__).resolve().parent.parent / "benchmarks" / "memory_pyspice.py"
    r = subprocess.run([sys.executable, str(bench), "--runs", "200", "--early", "20",
                        "--no-cleanup", "--json"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["rss_after"] - res["rss_early"] > 4.0
