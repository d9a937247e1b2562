"""Per-interface and per-magnet fields of a sweep (``sweep(..., per_layer=True)``).

Each grid point's fields (a superposition of two unit solves, combined with the motor
current of the operating point) against one full ``solve`` at that point and current:
the JSON fields ``spin_accumulation``, the spin currents and ``torque``, labelled by the
layer names.  Collinear and non-collinear stacks, linear, open and steady motors.
"""
from __future__ import annotations

import numpy as np
import pytest

import circuitspin as cs
from circuitspin import constants
from circuitspin.errors import StackError
from conftest import EPS, NETLISTS

pytest.importorskip("xarray")

SIDES = ("left", "right")


def _floors(sol):
    """Rounding floors of the three fields between two computations of one point.

    Both are linear in the node potentials, which each computation knows to a few eps
    of the largest potential |v|max (16 eps for the two, as conftest.potential_floor):
    a spin accumulation is a difference of two potentials; a spin current a sum of
    branch terms g (v_a - v_b), each known to eps g (|v_a| + |v_b|); a torque
    hbar/2e A g_mix times a spin accumulation."""
    net, v = sol.network, sol.potentials
    vmax = float(np.abs(v).max())
    branch = float(np.max(net.edge_g * (np.abs(v[net.edge_a]) + np.abs(v[net.edge_b]))))
    mixing = max((c["area"] * (abs(c["g_mix"]) + abs(c["g_mix_im"]))
                  for c in net.mixing or ()), default=0.0)
    k = constants.hbar / (2 * constants.e)
    return {"spin_accumulation": 32 * EPS * vmax, "spin_current": 32 * EPS * branch,
            "torque": 3 * 32 * EPS * k * mixing * vmax}


def _check_against_solve(stack, ds, path, values, currents):
    for value in values:
        net = cs.build_network(stack.replace({path: value}))
        for current in currents:
            sol = cs.solve(net, current)
            at = ds.sel({path: value, "current": current})
            floors = _floors(sol)
            acc = sol.spin_accumulation()
            spin = sol.spin_currents()
            tau = sol.torque()
            assert list(at["interface"].values) == list(acc)
            assert list(at["magnet"].values) == list(tau)
            want = {"spin_accumulation": [[acc[k][s] for s in SIDES] for k in acc],
                    "spin_current": [[spin[k][s] for s in SIDES] for k in spin],
                    "torque": [tau[k] for k in tau]}
            for name, expected in want.items():
                np.testing.assert_allclose(at[name].values, expected, rtol=0,
                                           atol=floors[name], err_msg=name)


@pytest.mark.parametrize("file, changes, path, values, currents", [
    ("berger_pillar.toml", {"motor.magnons": 3.0}, "layers.N.thickness",
     [5e-9, 2e-8], [0.0, 1e-3, -5e-3]),
    ("berger_pillar_ap.toml", {}, "materials.Co.lsf", [20e-9, 59e-9], [1e-3]),
    ("berger_pillar_steady.toml", {}, "layers.N.thickness", [5e-9, 2e-8],
     [1e-4, 1e-3, 5e-3]),   # below and above the threshold
    ("noncollinear/pillar_90deg.toml", {}, "layers.F2.magnetization.theta",
     [30.0, 90.0, 150.0], [-1e-3, 2e-3]),
    ("spin_valve_multilayer.toml", {}, "area", [1e-14, 4e-14], [1e-3]),
])
def test_per_layer_fields_equal_one_solve_per_point(file, changes, path, values, currents):
    stack = cs.load_stack(NETLISTS / file)
    if changes:
        stack = stack.replace(changes)
    ds = cs.sweep(stack, currents=currents, params={path: values}, per_layer=True)
    _check_against_solve(stack, ds, path, values, currents)


def test_per_layer_dataset_layout():
    stack = cs.load_stack(NETLISTS / "spin_valve_multilayer.toml")
    plain = cs.sweep(stack, currents=[0, 1e-3], params={"area": [1e-14, 2e-14]})
    ds = cs.sweep(stack, currents=[0, 1e-3], params={"area": [1e-14, 2e-14]},
                  per_layer=True)
    names = [la.name for la in stack.layers]
    assert list(ds["interface"].values) == [f"{a}|{b}" for a, b in zip(names, names[1:])]
    assert list(ds["magnet"].values) == [f"Co{k}" for k in range(1, 7)]
    assert ds["spin_accumulation"].dims == ("area", "current", "interface", "side",
                                            "component")
    assert ds["torque"].dims == ("area", "current", "magnet", "component")
    assert {n: ds[n].attrs["units"] for n in ("spin_accumulation", "spin_current",
                                             "torque")} == {
        "spin_accumulation": "V", "spin_current": "A", "torque": "N m"}
    # the scalar fields are those of the plain sweep, untouched
    for name in plain.data_vars:
        np.testing.assert_array_equal(ds[name].values, plain[name].values)
        assert ds[name].attrs == plain[name].attrs
    # collinear: spin along z only, no torque, nothing at zero current
    acc = ds["spin_accumulation"]
    assert np.all(acc.sel(component=["x", "y"]).values == 0.0)
    assert np.all(ds["torque"].values == 0.0)
    assert np.all(acc.sel(current=0.0).values == 0.0)
    # the multilayer's antiparallel neighbours: the accumulation reverses sign between
    # the Cu spacers on either side of a reversed Co layer
    z = acc.sel(current=1e-3, side="right", component="z", area=1e-14)
    assert float(z.sel(interface="Co1|Cu1")) * float(z.sel(interface="Co2|Cu2")) < 0


def test_per_layer_fields_in_worker_processes_and_failed_points():
    stack = cs.load_stack(NETLISTS / "berger_pillar.toml")
    serial = cs.sweep(stack, currents=[1e-3], params={"layers.N.thickness": [-1e-9, 5e-9,
                                                                              1e-8]},
                      per_layer=True)
    pool = cs.sweep(stack, currents=[1e-3], params={"layers.N.thickness": [-1e-9, 5e-9,
                                                                            1e-8]},
                    per_layer=True, workers=2)
    assert serial.attrs["failed_points"] == 1
    bad = serial["spin_accumulation"].sel({"layers.N.thickness": -1e-9})
    assert np.isnan(bad.values).all()
    for name in ("spin_accumulation", "spin_current", "torque"):
        np.testing.assert_array_equal(pool[name].values, serial[name].values)


def test_per_layer_needs_a_straight_stack():
    geometry = cs.load_stack(NETLISTS / "nonlocal_spin_valve.toml")
    with pytest.raises(StackError, match="straight stack"):
        cs.sweep(geometry, currents=[1e-3], params={}, per_layer=True)


def test_per_layer_fields_too_large_are_refused_before_any_work(monkeypatch):
    import circuitspin.layer_sweep as layer_sweep

    stack = cs.load_stack(NETLISTS / "spin_valve_multilayer.toml")
    # 12 interfaces x 2 sides x 3 components, twice, and 6 magnets x 3: 162 per cell
    monkeypatch.setattr(layer_sweep, "MAX_LAYER_VALUES", 162 * 4 - 1)
    called = []
    monkeypatch.setattr("circuitspin.study.run_sweep", lambda *a, **k: called.append(1))
    with pytest.raises(StackError, match="648 numbers"):
        cs.sweep(stack, currents=[0, 1e-3], params={"area": [1e-14, 2e-14]}, per_layer=True)
    assert not called
    monkeypatch.undo()
    monkeypatch.setattr(layer_sweep, "MAX_LAYER_VALUES", 162 * 4)
    ds = cs.sweep(stack, currents=[0, 1e-3], params={"area": [1e-14, 2e-14]}, per_layer=True)
    assert sum(ds[n].size for n in layer_sweep.LAYER_FIELDS) == 162 * 4


def test_cli_per_layer_writes_the_fields_to_the_netcdf_file(tmp_path):
    """``sweep --per-layer --netcdf``: the file holds the fields, labelled by layer names,
    equal to one solve per point (the 90-degree pillar: the torque on F2 at 90 deg is the
    README's); the CSV keeps its columns; without --netcdf it is a one-line error."""
    xr = pytest.importorskip("xarray")
    from conftest import run_cli

    stack = cs.load_stack(NETLISTS / "noncollinear" / "pillar_90deg.toml")
    path, values = "layers.F2.magnetization.theta", [0.0, 45.0, 90.0]
    r = run_cli("sweep", stack.source, "--current", "0,1e-3", "--param",
                f"{path}=0,45,90", "--per-layer", "--netcdf", tmp_path / "f.nc",
                "-o", tmp_path / "f.csv", "-q")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(tmp_path / "f.nc", engine="scipy").load()
    assert list(ds["magnet"].values) == ["F1", "F2"] and ds["torque"].attrs["units"] == "N m"
    _check_against_solve(stack, ds, path, values, [0.0, 1e-3])
    head = (tmp_path / "f.csv").read_text().splitlines()[0]
    assert "spin_accumulation" not in head and "V_UD (V)" in head
    r = run_cli("sweep", stack.source, "--current", "1e-3", "--param", f"{path}=0,90",
                "--per-layer", "-o", tmp_path / "g.csv")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--netcdf" in r.stderr
    assert not (tmp_path / "g.csv").exists()
