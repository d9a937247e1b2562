"""The [dynamics] table, ``circuitspin dynamics`` and the state map (circuitspin.dynamics)."""
from __future__ import annotations

import functools
import json
import math

import numpy as np
import pytest
from scipy import constants as c

from circuitspin import stack_from_dict
from circuitspin.dynamics import (MU0, kittel_frequency, macrospin_of, simulate,
                                  slonczewski_torque)
from circuitspin.dynamics_map import state_map
from circuitspin.errors import StackError

from conftest import NETLISTS, pillar_dict, run_cli

EXAMPLE = NETLISTS / "berger_pillar_dynamics.toml"
TABLE = {"layer": "F2", "ms": 1.4e6, "alpha": 0.01, "anisotropy_field": "50 mT",
         "field": [0, 0, "20 mT"]}


def dyn_dict(**changes):
    d = pillar_dict()
    d["dynamics"] = {**TABLE, **changes}
    return d


def test_table_read_with_units():
    st = stack_from_dict(dyn_dict(), source="p.toml")
    d = st.dynamics
    assert (d.layer, d.index, d.ms, d.alpha, d.anisotropy_field, d.field, d.gamma) == \
        ("F2", 2, 1.4e6, 0.01, 0.05, (0.0, 0.0, 0.02), 1.76e11)
    magnet = macrospin_of(st)
    assert magnet.volume == pytest.approx(1e-14 * 3e-9, rel=1e-15)
    assert magnet.axis == (0.0, 0.0, 1.0)
    down = pillar_dict("down")
    down["dynamics"] = dict(TABLE)
    assert macrospin_of(stack_from_dict(down)).axis == (0.0, 0.0, -1.0)


@pytest.mark.parametrize("change, key, words", [
    ({"layer": "F9"}, "layer", "no layer named 'F9'"),
    ({"layer": "N"}, "layer", "not a ferromagnet"),
    ({"ms": -1.0}, "ms", "must be > 0"),
    ({"alpha": -0.1}, "alpha", "must be >= 0"),
    ({"anisotropy_field": "5 nm"}, "anisotropy_field", "wrong units"),
    ({"field": [0, 1]}, "field", "three components"),
    ({"field": [0, 0, "x"]}, "field", "cannot read 'x'"),
    ({"colour": 1}, "colour", "unknown key"),
])
def test_table_errors_name_file_table_and_key(change, key, words, tmp_path):
    import tomllib  # noqa: F401  (the file below is TOML written by hand)

    d = dyn_dict(**change)
    with pytest.raises(StackError) as exc:
        stack_from_dict(d, source="p.toml")
    assert str(exc.value).startswith(f"p.toml: [dynamics] {key}: ")
    assert words in str(exc.value)
    missing = dyn_dict()
    del missing["dynamics"]["ms"]
    with pytest.raises(StackError, match=r"p.toml: \[dynamics\] ms: missing"):
        stack_from_dict(missing, source="p.toml")


def test_cli_free_precession_json_csv_plot(tmp_path):
    csv, png = tmp_path / "m.csv", tmp_path / "m.png"
    r = run_cli("dynamics", EXAMPLE, "--current", "0", "--duration", "3 ns", "--tilt", "0.5",
                "--json", "--csv", csv, "--plot", png)
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    assert f["time"] == pytest.approx(3e-9, rel=1e-15)
    assert f["m_initial"] == [0.0, 0.0, 1.0] and f["switched"] is False
    st = stack_from_dict(dyn_dict())
    magnet = macrospin_of(st)
    # B = 20 mT + 50 mT along the easy axis; f = (gamma/2pi) sqrt(B (B + mu0 Ms))
    b = 0.07
    assert f["kittel_frequency"] == pytest.approx(
        1.76e11 / (2 * math.pi) * math.sqrt(b * (b + MU0 * 1.4e6)), rel=1e-14)
    # a 0.5 deg ringdown: the damped linear frequency (O(theta^2) = 8e-5 nonlinearity)
    assert f["frequency"] == pytest.approx(magnet.linear_modes()["damped_frequency"],
                                           rel=2e-4)
    assert f["max_cone_angle"] == pytest.approx(0.5, rel=1e-3)
    rows = np.loadtxt(csv, delimiter=",", skiprows=1)
    assert csv.read_text().splitlines()[0] == "t_s,mx,my,mz"
    assert rows.shape == (f["samples"], 4)
    np.testing.assert_allclose(np.linalg.norm(rows[:, 1:], axis=1), 1.0, atol=1e-11)
    np.testing.assert_allclose(rows[-1, 1:], f["m_final"], atol=1e-11)
    assert png.stat().st_size > 10_000
    text = run_cli("dynamics", EXAMPLE, "--current", "0", "--duration", "0.2 ns")
    assert text.returncode == 0 and "switched: no" in text.stdout


@pytest.mark.parametrize("args, words", [
    (["--duration", "-1 ns"], "--duration"),
    (["--duration", "2 mA"], "--duration"),
    (["--duration", "1 ns", "--tilt", "200"], "--tilt"),
])
def test_cli_bad_input_is_one_line(args, words):
    base = ["dynamics", EXAMPLE]
    if "--current" not in args:
        base += ["--current", "0"]
    r = run_cli(*base, *args)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("circuitspin: error: ")
    assert words in r.stderr


def test_cli_missing_table(tmp_path):
    r = run_cli("dynamics", NETLISTS / "berger_pillar.toml", "--current", "0",
                "--duration", "1 ns")
    assert r.returncode == 2 and "[dynamics] table missing" in r.stderr


def test_thermal_run_is_seeded():
    st = stack_from_dict(dyn_dict())
    a = simulate(st, 0.0, 2e-11, temperature=300.0, seed=3)
    b = simulate(st, 0.0, 2e-11, temperature=300.0, seed=3)
    assert np.array_equal(a.m, b.m)
    assert not np.array_equal(a.m, simulate(st, 0.0, 2e-11, temperature=300.0, seed=4).m)
    np.testing.assert_allclose(np.linalg.norm(a.m, axis=1), 1.0, atol=1e-14)


def test_state_map_on_the_sweep_machinery():
    """Over a current x field grid with a Slonczewski torque model (efficiency 0.3,
    polarizer along F2's initial magnetization): below Sun's current the precession
    rings down at the damped linear frequency of each field; at three times it switches."""
    st = stack_from_dict(dyn_dict())
    magnet = macrospin_of(st)
    fields = np.array([0.0, 0.05])
    torque = functools.partial(slonczewski_torque, 0.3, polarizer=(0.0, 0.0, 1.0))
    i_c = [(2 * c.e / c.hbar) * 0.01 / 0.3 * magnet.moment * (b + 0.05 + MU0 * 1.4e6 / 2)
           for b in fields]
    currents = np.array([0.0, 3 * max(i_c)])
    ds = state_map(dyn_dict(), currents, fields, 6e-9, tilt=1.0, torque=torque, workers=2)
    assert ds["switched"].dims == ("field", "current")
    assert list(ds["switched"].values[:, 0]) == [0, 0]
    assert list(ds["switched"].values[:, 1]) == [1, 1]
    for k, b in enumerate(fields):
        expected = macrospin_of(st, field=(0, 0, b)).linear_modes()["damped_frequency"]
        assert ds["frequency"].values[k, 0] == pytest.approx(expected, rel=1e-3)
    assert np.all(ds["mz"].values[:, 1] < 0)
    # the same grid serially gives the same numbers
    serial = state_map(dyn_dict(), currents, fields, 6e-9, tilt=1.0, torque=torque,
                       workers=1)
    np.testing.assert_array_equal(serial["frequency"].values, ds["frequency"].values)
    assert kittel_frequency(magnet) > 0


def test_spin_pumping_damping_from_g_mix():
    """Tserkovnyak-Brataas-Bauer: alpha' = gamma hbar g_r / (4 pi Ms V) per interface,
    g_r = A g_mix h / e^2 (dimensionless); F2 has two Cu neighbours."""
    from circuitspin.reader import read_stack_data

    data = read_stack_data(EXAMPLE)
    data["dynamics"]["spin_pumping"] = True
    st = stack_from_dict(data, source="p.toml")
    magnet = macrospin_of(st)
    g_r = 1e-14 * 0.55e15 * c.h / c.e**2
    expected = 2 * 1.76e11 * c.hbar * g_r / (4 * math.pi * 1.4e6 * 3e-23)
    assert magnet.alpha_pumping == pytest.approx(expected, rel=1e-13)
    assert magnet.alpha_total == pytest.approx(0.01 + expected, rel=1e-15)
    # the ringdown of the run decays at the linearised rate of the total damping
    traj = simulate(data, 0.0, 2e-9, tilt=0.1, rtol=1e-10, atol=1e-14)
    from test_dynamics import energy_decay_rate

    modes = magnet.linear_modes()
    assert energy_decay_rate(traj, magnet, 1 / modes["damped_frequency"]) == pytest.approx(
        modes["decay_rate"], rel=1e-4)
    data["dynamics"]["spin_pumping"] = "yes"
    with pytest.raises(StackError, match=r"\[dynamics\] spin_pumping: must be true or false"):
        stack_from_dict(data, source="p.toml")
    plain = dyn_dict(spin_pumping=True)  # the Co/Cu interface without g_mix
    with pytest.raises(Exception, match="g_mix: missing"):
        macrospin_of(stack_from_dict(plain, source="p.toml"))


def test_cli_thermal_default_step_resolves_the_precession():
    """--thermal without --step: 50 steps per period of the fastest precession the
    fields allow (gamma (|B| + B_k + mu0 Ms) / 2 pi), so the run stays near its well."""
    r = run_cli("dynamics", EXAMPLE, "--current", "0", "--duration", "0.2 ns", "--thermal",
                "--seed", "1", "--json")
    assert r.returncode == 0, r.stderr
    f = json.loads(r.stdout)
    f_max = 1.76e11 * (0.02 + 0.05 + MU0 * 1.4e6) / (2 * math.pi)
    assert f["samples"] == math.ceil(0.2e-9 * 50 * f_max) + 1
    # at 4.2 K the thermal cone of this 4e-17 A m^2 moment is far below a degree
    assert f["max_cone_angle"] < 1.0 and f["thermal"] and f["temperature"] == 4.2
