"""The batched solver equals the per-stack nodal solver, stack by stack.

Each stack of a batch is also built into its own network and solved by the sparse nodal
solver (``solve``: V_UD and the stack voltage with the linear motor connected;
``bridge_thevenin``: the open-circuit gain and the Thevenin resistance at U-D;
``sweep_network``: the resistance with the motor open).  The two paths share only the
segment kernels: the batch builds its own node/edge structure and factorises dense
matrices, so agreement to rounding checks both.

The voltage and V_UD at every current are also checked against the network's true
answer (the same network solved in mpmath, 60 digits).

Tolerances: 1e-12 relative, plus for a difference of potentials (V_UD, the bridge gain)
its rounding floor, 16 eps (|V_U| + |V_D|) of the two potentials that cancel (each solve
leaves a few ulps on each potential; conftest.potential_floor).  At 0 A with a linear
motor the stack voltage is the motor's echo, a potential below the ones its EMF drives
around U-D: against mpmath each potential is held to 16 times its first-order rounding
floor eps G^-1 (|G||v| + |b|) (skeel_floor), which a double solve, the nodal one
too, cannot beat.
"""
from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circuitspin import build_network, load_stack, solve, stack_from_dict
from circuitspin.batch import BatchParameters, BatchShape, solve_batch, solve_parameters
from circuitspin.errors import CircuitSpinWarning, StackError
from circuitspin.solvers.motor_newton import bridge_thevenin, sweep_network
from circuitspin.solution import injections
from circuitspin.solvers.nodal import assemble_conductance, motor_injections
from conftest import EPS, NETLISTS, pillar_dict
from test_robustness import mp_solve_network

REL = 1e-12
CURRENTS = np.array([-2e-3, 0.0, 1e-3, 5e-2])


def _floor(v, net):
    return 16 * EPS * (abs(float(v[net.u])) + abs(float(v[net.d])))


def skeel_floor(net, v):
    """Per-node rounding floor (V) of a double solve: eps G^-1 (|G| |v| + |b|), the
    first-order error from the last bit of every branch current and injection (Skeel's
    componentwise bound; G^-1 >= 0 for a resistor network), v the true potentials."""
    G, keep = assemble_conductance(net)
    G = G.toarray()
    vk = np.array([float(v[k]) for k in keep])
    b = G @ vk
    w = np.abs(G) @ np.abs(vk) + np.abs(b)
    z = np.zeros(net.n_nodes)
    z[keep] = np.linalg.solve(G, w)
    return EPS * np.abs(z)


def check_against_nodal(stacks, currents=CURRENTS):
    out = solve_batch(stacks, currents)
    for i, stack in enumerate(stacks):
        net = build_network(stack)
        r_open = sweep_network(net, currents)["resistance"]
        assert abs(out["resistance"][i] - r_open) <= REL * r_open
        if net.u is None:
            assert np.all(np.isnan(out["V_UD"][i])) and np.isnan(out["bridge_gain"][i])
        else:
            th = bridge_thevenin(net)
            assert abs(out["bridge_gain"][i] - th.gain) <= \
                REL * abs(th.gain) + _floor(th.v_source, net)
            assert abs(out["bridge_resistance"][i] - th.resistance) <= \
                REL * th.resistance + _floor(th.v_motor, net)
        if stack.motor is not None and stack.motor.mode != "linear":
            assert np.all(np.isnan(out["V_UD"][i])) and np.all(np.isnan(out["voltage"][i]))
            continue
        # the network's true answer (mpmath, 60 digits) by superposition of the source
        # and the motor's EMF (Norton injections)
        with mpmath.workdps(60):
            v_i = mp_solve_network(net, injections(net, 1.0))
            v_e = mp_solve_network(net, motor_injections(net))
            for j, current in enumerate(currents):
                c = mpmath.mpf(float(current))
                v = [c * x + y for x, y in zip(v_i, v_e)]
                z = 16 * skeel_floor(net, v)
                true_v = float(v[net.source] - v[net.ground])
                assert abs(out["voltage"][i, j] - true_v) <= REL * abs(true_v) + z[net.source]
                if net.u is not None:
                    true_ud = float(v[net.u] - v[net.d])
                    floor = z[net.u] + z[net.d]
                    assert abs(out["V_UD"][i, j] - true_ud) <= REL * abs(true_ud) + floor
        for j, current in enumerate(currents):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CircuitSpinWarning)
                sol = solve(net, current)
            if current != 0:   # at 0 A the stack voltage is a small echo of the motor's
                assert abs(out["voltage"][i, j] - sol.voltage) <= REL * abs(sol.voltage)
            if net.u is not None:
                floor = _floor(sol.potentials, net)
                assert abs(out["V_UD"][i, j] - sol.V_UD) <= REL * abs(sol.V_UD) + floor
                assert abs(out["motor_current"][i, j] - sol.motor_current) <= \
                    REL * abs(sol.motor_current) + net.motor_g * floor


@pytest.mark.parametrize("name", ["berger_pillar", "berger_pillar_ap", "berger_pillar_steady",
                                  "py_cu_py", "spin_valve_multilayer"])
def test_examples_equal_the_nodal_solver(name):
    stack = load_stack(NETLISTS / f"{name}.toml")
    check_against_nodal([stack, stack.with_motor(magnons=200.0)] if stack.motor is not None
                        and stack.motor.mode == "linear" else [stack])


def test_pillar_batch_p_ap_and_linear_motors():
    """The pillar in P and AP (F2 reversed: U/D swap to F2's own frame), with and without
    magnons, F1 reversed too (a global rotation): one batch."""
    stacks = [stack_from_dict(pillar_dict(f2, magnons=m) | {"title": f"{f2}{m}"})
              for f2 in ("up", "down") for m in (0.0, 50.0, 5e4)]
    flipped = pillar_dict("down", magnons=50.0)
    flipped["layers"][0]["magnetization"] = "down"
    stacks.append(stack_from_dict(flipped))
    check_against_nodal(stacks)
    out = solve_batch(stacks, [1e-3])
    # global rotation (F1 and F2 both reversed vs both up): the same V_UD and R
    assert out["V_UD"][-1, 0] == pytest.approx(out["V_UD"][1, 0], rel=1e-12)
    assert out["resistance"][-1] == pytest.approx(out["resistance"][1], rel=1e-12)


LOG = lambda lo, hi: st.floats(np.log10(lo), np.log10(hi)).map(lambda e: float(10.0 ** e))  # noqa: E731


@st.composite
def same_shape_batches(draw):
    """2..6 stacks of 2..5 layers with one material each, interfaces with ar > 0 (or one
    merged, ar = 0, in every stack), an optional linear motor: every number and every
    magnetisation drawn per stack."""
    n = draw(st.integers(2, 5))
    merged = draw(st.sampled_from([None] + list(range(n - 1))))
    motor = draw(st.sampled_from([None] + list(range(1, n))))  # not on the electrode
    stacks = []
    for k in range(draw(st.integers(2, 6))):
        mats = {f"M{i}": {"rho": draw(LOG(1e-9, 1e-6)),
                          "beta": draw(st.floats(0.01, 0.9) if i == motor
                                       else st.floats(-0.9, 0.9)),   # the motor's: a magnet
                          "lsf": draw(LOG(1e-9, 1e-5))} for i in range(n)}
        ifaces = {f"M{i}/M{i + 1}": {"ar": 0.0 if i == merged else draw(LOG(1e-17, 1e-14)),
                                     "gamma": draw(st.floats(-0.9, 0.9))}
                  for i in range(n - 1)}
        d = {"title": f"s{k}", "area": draw(LOG(1e-16, 1e-12)), "materials": mats,
             "interfaces": ifaces,
             "layers": [{"name": f"L{i}", "material": f"M{i}",
                         "thickness": draw(LOG(1e-9, 1e-6)),
                         "magnetization": draw(st.sampled_from(["up", "down"]))}
                        for i in range(n)]}
        if motor is not None:
            d["motor"] = {"layer": f"L{motor}", "frequency": draw(LOG(1e8, 1e11)),
                          "delta_alpha": draw(LOG(1e-3, 1e-1)),
                          "magnons": draw(st.one_of(st.just(0.0), LOG(1.0, 1e6)))}
        stacks.append(stack_from_dict(d))
    return stacks


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(same_shape_batches())
def test_random_same_shape_batches_equal_the_nodal_solver(stacks):
    check_against_nodal(stacks)


def test_parameter_arrays_api_and_shape_errors():
    pillar = load_stack(NETLISTS / "berger_pillar.toml")
    shape = BatchShape.of(pillar)
    p = BatchParameters.of([pillar, pillar.with_motor(magnons=10.0)])
    out = solve_parameters(shape, p, [1e-3])
    assert out["V_UD"].shape == (2, 1) and out["resistance"].shape == (2,)
    d = pillar_dict()
    del d["layers"][3]
    with pytest.raises(StackError, match="shape"):
        solve_batch([pillar, stack_from_dict(d)], [1e-3])
    with pytest.raises(StackError, match="one exact segment per layer"):
        BatchShape.of(load_stack(NETLISTS / "berger_pillar_flared.toml"))
