"""The macrospin driven by the circuit's own torque (circuitspin.dynamics_circuit).

The reduced circuit equals a full solve at every m; the polarity agrees with
``threshold``; Sun's critical current with the circuit's own small-angle efficiency
matches the onset found by integration; a global rotation in spin space changes nothing.
"""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import constants as c
from scipy.spatial.transform import Rotation

from circuitspin import build_network, solve
from circuitspin.devices import threshold_fields
from circuitspin.dynamics import (MU0, circuit_model, integrate, macrospin_of, simulate,
                                  tilted)
from circuitspin.dynamics_circuit import CircuitTorque, noncollinear_stack, with_direction
from circuitspin.reader import read_stack_data, stack_from_dict

from conftest import NETLISTS
from test_dynamics import energy_decay_rate

EXAMPLE = NETLISTS / "berger_pillar_dynamics.toml"


@pytest.fixture(scope="module")
def data():
    return read_stack_data(EXAMPLE)


@pytest.fixture(scope="module")
def model(data):
    return circuit_model(stack_from_dict(data, source=str(EXAMPLE)), data)


def test_reduced_circuit_equals_full_solve(model):
    rng = np.random.default_rng(5)
    scale = 0.0
    for m in rng.standard_normal((6, 3)):
        m /= np.linalg.norm(m)
        full = np.array(solve(build_network(with_direction(model.stack, model.index, m)),
                              1.0).torque("F2"))
        fast = model.per_ampere(m)
        scale = max(scale, np.max(np.abs(full)))
        # both solve the same ~30-node system; the reduction's Schur complement and the
        # quadratic fit of the contact entries each cost a few eps x condition (~1e4)
        np.testing.assert_allclose(fast, full, rtol=1e-9, atol=1e-9 * scale)
        assert abs(fast @ m) <= 1e-12 * np.linalg.norm(fast)  # transverse to m
    # collinear with F1 (+z): no transverse spin accumulation, no torque
    assert np.max(np.abs(model.per_ampere([0, 0, 1.0]))) <= 1e-12 * scale
    assert np.max(np.abs(model.per_ampere([0, 0, -1.0]))) <= 1e-12 * scale


def _growth(magnet, model, current, tilt=0.2, periods=12):
    period = 1 / magnet.linear_modes()["frequency"]
    traj = integrate(magnet, tilted(magnet.axis, tilt), periods * period,
                     model.at(current) if current else None, rtol=1e-10, atol=1e-14)
    return -energy_decay_rate(traj, magnet)


@pytest.mark.parametrize("f2", ["up", "down"])
def test_threshold_polarity_destabilises(data, f2):
    """The current of the sign ``threshold`` gives pumps F2 out of its state (P or AP);
    the opposite current damps it more than alpha alone."""
    d = copy.deepcopy(data)
    d["layers"][2]["magnetization"] = f2
    stack = stack_from_dict(d, source="pillar")
    i_th = threshold_fields(build_network(stack))["threshold_current"]
    assert (i_th > 0) == (f2 == "up")  # P: I > 0 (electrons from F2 to F1)
    model = circuit_model(stack, d)
    magnet = macrospin_of(stack)
    i = math.copysign(1e-3, i_th)
    assert _growth(magnet, model, i) > _growth(magnet, model, 0.0) > _growth(magnet, model, -i)


def test_sun_critical_current_with_the_circuits_efficiency(data, model):
    stack = stack_from_dict(data, source="pillar")
    magnet = macrospin_of(stack)
    p = np.asarray(magnet.axis)
    eta = model.efficiency(tilted(p, 0.2), p)  # small-angle efficiency of the circuit
    assert 0.3 < eta < 0.6
    b = 0.02 + 0.05  # applied + anisotropy field along the easy axis, T
    i_c = (2 * c.e / c.hbar) * 0.01 / eta * magnet.moment * (b + MU0 * 1.4e6 / 2)
    below, above = _growth(magnet, model, 0.97 * i_c), _growth(magnet, model, 1.03 * i_c)
    assert below < 0 < above
    onset = 0.97 * i_c + 0.06 * i_c * below / (below - above)
    # eta(theta) varies as cos^2(theta/2)-like over the 0.2 deg orbit: ~1e-5
    assert onset == pytest.approx(i_c, rel=1e-2)


def test_switching_and_precession_of_the_pillar():
    """Far above I_c the circuit's torque reverses F2 (P -> AP); reversed current holds P."""
    sw = simulate(EXAMPLE, 10e-3, 3e-9, tilt=2.0)
    assert sw.switched and sw.m_final[2] < -0.99
    hold = simulate(EXAMPLE, -10e-3, 3e-9, tilt=2.0)
    assert not hold.switched and hold.max_cone_angle == pytest.approx(2.0, rel=1e-6)


def test_global_rotation_in_spin_space(data):
    """Magnets, field, anisotropy and demagnetisation tensor rotated together: the
    torque rotates with m, the trajectory is the rotated one."""
    rot = Rotation.from_rotvec([0.4, -0.9, 0.6]).as_matrix()
    d = copy.deepcopy(data)
    z = rot @ np.array([0.0, 0.0, 1.0])
    for k in (0, 2):
        d["layers"][k]["magnetization"] = [float(x) for x in z]
    d["dynamics"]["field"] = [float(x) for x in rot @ np.array([0, 0, 0.02])]
    st0 = stack_from_dict(data, source="a")
    st1 = stack_from_dict(d, source="b")
    m0 = circuit_model(st0, data)
    m1 = circuit_model(st1, d)
    rng = np.random.default_rng(2)
    for m in rng.standard_normal((3, 3)):
        m /= np.linalg.norm(m)
        t0 = m0.per_ampere(m)
        np.testing.assert_allclose(m1.per_ampere(rot @ m), rot @ t0, rtol=0,
                                   atol=1e-9 * np.linalg.norm(t0))
    mag0 = macrospin_of(st0)
    mag1 = macrospin_of(st1)
    np.testing.assert_allclose(mag1.axis, z, atol=1e-15)
    mag1 = mag0.rotated(rot)  # and the demagnetisation tensor with them
    np.testing.assert_allclose(mag1.field, macrospin_of(st1).field, atol=1e-15)
    kw = dict(rtol=1e-10, atol=1e-12, samples=201)
    a = integrate(mag0, tilted(mag0.axis, 10.0), 0.5e-9, m0.at(5e-3), **kw)
    b = integrate(mag1, rot @ a.m_initial, 0.5e-9, m1.at(5e-3), **kw)
    np.testing.assert_allclose(b.m, a.m @ rot.T, rtol=0, atol=1e-7)


def test_torque_needs_g_mix(tmp_path):
    text = EXAMPLE.read_text().replace("g_mix = 0.55e15", "").replace("g_mix_im = 0.0", "")
    path = tmp_path / "no_gmix.toml"
    path.write_text(text)
    from conftest import run_cli

    r = run_cli("dynamics", path, "--current", "1 mA", "--duration", "1 ns")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "g_mix" in r.stderr and str(path) in r.stderr
