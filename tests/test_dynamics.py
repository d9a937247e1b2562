"""Macrospin LLG (circuitspin.dynamics) against closed forms, independent of the circuit.

Every expected value is a formula: Kittel's frequency, the linearised decay rate of the
elliptical orbit, the Boltzmann average, Sun's critical current; plus invariants (|m|,
energy for alpha = 0, a global rotation).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants as c
from scipy import integrate as si
from scipy.spatial.transform import Rotation

from circuitspin.dynamics import (MU0, Macrospin, integrate, integrate_thermal,
                                  kittel_frequency, precession_frequency,
                                  slonczewski_torque, tilted)

MS = 1.4e6          # A/m (Co)
VOLUME = 3e-23      # m^3: 3 nm x 1e-14 m^2
BK = 0.05           # T


def film(alpha=0.0, b=0.1, **kw):
    """An in-plane film (normal x) with easy axis z and the field b (T) along it."""
    return Macrospin(ms=MS, volume=VOLUME, alpha=alpha, anisotropy_field=BK,
                     axis=(0.0, 0.0, 1.0), field=(0.0, 0.0, b), **kw)


def energy_decay_rate(traj, magnet, period=None):
    """Decay rate (1/s) of the amplitude from the energy above the minimum, E, at two
    times a whole number of periods apart (default: the measured period): on the
    linearised orbit E is e^(-2 lambda t) times a function of period T, so the ratio is
    exactly e^(-2 lambda N T)."""
    period = period or 1 / traj.frequency()
    n = int(traj.t[-1] / period) - 1
    e0 = magnet.energy(np.asarray(magnet.axis))
    e1, e2 = (magnet.energy(traj.interpolant(tt)) - e0 for tt in (period / 2,
                                                                  period / 2 + n * period))
    return -math.log(e2 / e1) / (2 * n * period)


@pytest.mark.parametrize("b", [0.0, 0.1, 0.5])
def test_free_precession_at_kittel_frequency(b):
    magnet = film(b=b)
    f_k = kittel_frequency(magnet)
    assert f_k == pytest.approx(magnet.gamma / (2 * math.pi)
                                * math.sqrt((b + BK) * (b + BK + MU0 * MS)), rel=1e-15)
    assert magnet.linear_modes()["frequency"] == pytest.approx(f_k, rel=1e-12)
    traj = integrate(magnet, tilted(magnet.axis, 0.05), 30 / f_k, rtol=1e-11, atol=1e-13)
    # the orbit's amplitude (8.7e-4 rad) shifts the frequency by O(theta^2) ~ 1e-6; the
    # integrator's tolerance 1e-11 per step is far below
    assert traj.frequency() == pytest.approx(f_k, rel=1e-5)
    assert traj.to_dict()["frequency"] == traj.frequency()


@pytest.mark.parametrize("alpha", [0.005, 0.02, 0.1])
def test_decay_rate_of_a_small_precession(alpha):
    magnet = film(alpha=alpha)
    modes = magnet.linear_modes()
    # the linearised LLG about the easy axis: amplitude decays at
    # alpha gamma (B + B_k + mu0 Ms / 2) / (1 + alpha^2)  (docstring of linear_modes)
    lam = alpha * magnet.gamma * (0.1 + BK + MU0 * MS / 2) / (1 + alpha**2)
    assert modes["decay_rate"] == pytest.approx(lam, rel=1e-14)
    period = 1 / modes["frequency"]
    # until E has dropped by e^-12 at most: E stays far above the rounding of
    # energy(m) - energy(axis) (eps of the Zeeman + demag energy)
    duration = min(40 * period, 6 / lam)
    traj = integrate(magnet, tilted(magnet.axis, 0.1), duration, rtol=1e-10, atol=1e-14)
    # exact for the linearised orbit; the O(theta^2) nonlinearity is 3e-6
    damped = 1 / modes["damped_frequency"]
    assert energy_decay_rate(traj, magnet, damped) == pytest.approx(lam, rel=1e-4)
    if duration > 20 * period:  # the damped frequency of the same orbit (10 turns seen)
        assert traj.frequency() == pytest.approx(modes["damped_frequency"], rel=1e-5)


@pytest.mark.parametrize("tilt", [30.0, 120.0])
def test_norm_and_energy_conserved_without_damping(tilt):
    # 120 deg from the easy axis over the hard... the orbit circles the film normal's
    # saddle region: a large, strongly non-circular orbit
    magnet = film(b=0.02)
    f_k = kittel_frequency(magnet)
    traj = integrate(magnet, tilted(magnet.axis, tilt), 20 / f_k, rtol=1e-11, atol=1e-13)
    e = magnet.energy(traj.m)
    scale = magnet.moment * (0.02 + BK + MU0 * MS)  # the largest energy term, J
    # an adaptive step of rtol 1e-11 over ~1e4 steps: drift ~1e-9 of the energy scale
    assert np.max(np.abs(e - e[0])) < 1e-8 * scale
    assert traj.norm_error < 1e-8
    assert np.allclose(np.linalg.norm(traj.m, axis=1), 1.0, rtol=0, atol=1e-15)
    assert traj.max_cone_angle == pytest.approx(max(tilt, np.max(traj.cone_angle)))


def test_thermal_equilibrium_is_boltzmann():
    """Stochastic LLG in a uniaxial well (no demagnetisation): the ensemble average of
    sin^2(theta) equals the Boltzmann average with E = -Ms V B_k cos^2(theta) / 2."""
    temperature = 300.0
    kappa = 10.0  # Ms V B_k / kT: <sin^2> = 0.236, far from its small-angle limit 2/kappa
    volume = kappa * c.k * temperature / (MS * BK)
    magnet = Macrospin(ms=MS, volume=volume, alpha=0.5, anisotropy_field=BK,
                       axis=(0, 0, 1), demag=np.zeros((3, 3)))

    def weight(x):
        return np.exp(0.5 * kappa * x * x)  # x = cos(theta), dOmega = dx dphi

    exact = (si.quad(lambda x: (1 - x * x) * weight(x), 0, 1)[0]
             / si.quad(weight, 0, 1)[0])
    tau = (1 + 0.5**2) / (0.5 * magnet.gamma * BK)  # relaxation time of the amplitude
    ensemble = 3000
    traj = integrate_thermal(magnet, np.tile([0.0, 0.0, 1.0], (ensemble, 1)), 12 * tau,
                             temperature, step=0.02 / (magnet.gamma * BK), seed=7,
                             samples=13)
    # snapshots from 5 tau on (equilibrated), one tau apart (correlation e^-2)
    s2 = 1 - traj.m[5:, :, 2] ** 2
    mean = float(np.mean(s2))
    # standard error: snapshots treated as independent, times 1.5 for their correlation
    stderr = 1.5 * float(np.std(s2)) / math.sqrt(s2.size)
    assert abs(mean - exact) < 4 * stderr, (mean, exact, stderr)
    assert stderr < 0.01 * exact  # the test resolves 4 % of the value
    # the same seed gives the same run
    again = integrate_thermal(magnet, np.tile([0.0, 0.0, 1.0], (4, 1)), 10 * tau / 12,
                              temperature, step=0.02 / (magnet.gamma * BK), seed=7,
                              samples=3)
    again2 = integrate_thermal(magnet, np.tile([0.0, 0.0, 1.0], (4, 1)), 10 * tau / 12,
                               temperature, step=0.02 / (magnet.gamma * BK), seed=7,
                               samples=3)
    assert np.array_equal(again.m, again2.m)


def sun_current(magnet, efficiency):
    """Sun, PRB 62, 570 (2000), in SI: I_c = (2e / hbar) (alpha / eta) Ms V
    (B + B_k + mu0 Ms / 2) for an in-plane film with the field along its easy axis."""
    b = float(np.asarray(magnet.field) @ np.asarray(magnet.axis))
    return (2 * c.e / c.hbar) * magnet.alpha / efficiency * magnet.moment \
        * (b + BK + MU0 * MS / 2)


def test_sun_critical_current_against_integration():
    magnet = film(alpha=0.01)
    eta = 0.3
    i_c = sun_current(magnet, eta)
    assert 2 * c.e / c.hbar * magnet.moment * magnet.critical_torque_efficiency() / eta \
        == pytest.approx(i_c, rel=1e-14)
    period = 1 / magnet.linear_modes()["frequency"]
    p = np.asarray(magnet.axis)  # the polarizer along the free layer: the P state

    def growth(current):
        traj = integrate(magnet, tilted(p, 0.1), 20 * period,
                         slonczewski_torque(eta, current, p), rtol=1e-10, atol=1e-14)
        return -energy_decay_rate(traj, magnet)

    below, above = growth(0.97 * i_c), growth(1.03 * i_c)
    assert below < 0 < above
    # the growth rate is linear in I; its zero is the onset found by integration
    onset = 0.97 * i_c + 0.06 * i_c * below / (below - above)
    assert onset == pytest.approx(i_c, rel=2e-3)
    # the opposite current damps harder than alpha alone
    assert growth(-i_c) < growth(0.0) < 0


def test_switching_above_sun_current():
    """Far above I_c the P state reverses (the torque pushes m to -p)."""
    magnet = film(alpha=0.01, b=0.0)
    i_c = sun_current(magnet, 0.3)
    traj = integrate(magnet, tilted(magnet.axis, 1.0), 5e-9,
                     slonczewski_torque(0.3, 3 * i_c, magnet.axis), rtol=1e-8, atol=1e-10)
    assert traj.switched
    assert traj.m_final[2] < -0.99
    assert traj.frequency() == 0.0 or traj.max_cone_angle > 170


def test_global_rotation_changes_nothing():
    rot = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_matrix()
    magnet = film(alpha=0.02, b=0.03)
    p = tilted([0, 0, 1], 20.0, towards=[1, 1, 0])
    m0 = tilted(magnet.axis, 15.0)
    i = 0.8 * sun_current(magnet, 0.4)
    kw = dict(rtol=1e-11, atol=1e-13, samples=401)
    a = integrate(magnet, m0, 1e-9, slonczewski_torque(0.4, i, p), **kw)
    b = integrate(magnet.rotated(rot), rot @ m0, 1e-9,
                  slonczewski_torque(0.4, i, rot @ p), **kw)
    # two adaptive runs of ~2e3 steps at rtol 1e-11 (step sequences differ slightly)
    np.testing.assert_allclose(b.m, a.m @ rot.T, rtol=0, atol=1e-8)
    assert b.frequency() == pytest.approx(a.frequency(), rel=1e-8)
    assert a.switched == b.switched


def test_frequency_of_a_sampled_oscillation():
    """The crossing-time estimate on samples alone (no interpolant) of a pure rotation."""
    f = 7.3e9
    t = np.linspace(0, 40 / f, 40 * 12 + 1)  # 12 samples per turn
    th = 0.2
    m = np.stack([np.sin(th) * np.cos(2 * np.pi * f * t), np.sin(th) * np.sin(2 * np.pi * f * t),
                  np.full_like(t, np.cos(th))], axis=1)
    assert precession_frequency(t, m) == pytest.approx(f, rel=1e-12)
    static = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    assert precession_frequency(t, static) == 0.0


def test_bad_input():
    from circuitspin.errors import CircuitSpinError

    with pytest.raises(CircuitSpinError, match="ms must be > 0"):
        Macrospin(ms=-1, volume=1, alpha=0, anisotropy_field=0, axis=(0, 0, 1))
    with pytest.raises(CircuitSpinError, match="axis"):
        Macrospin(ms=1, volume=1, alpha=0, anisotropy_field=0, axis=(0, 0, 0))
    with pytest.raises(CircuitSpinError, match="duration"):
        integrate(film(), (0, 0, 1), -1.0)
