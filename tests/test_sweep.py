"""Parameter sweeps: the grid, serial vs local processes vs a Dask LocalCluster, outputs."""
from __future__ import annotations

import importlib
import json
import os

import numpy as np
import pytest
from numpy.testing import assert_allclose

from circuitspin import build_network, solve, stack_from_dict
from circuitspin.errors import StackError
from circuitspin.sweep import ParamAxis, parse_param, parse_values, run_sweep, set_param
from conftest import NETLISTS, pillar_dict, run_cli

CURRENTS = np.array([0.0, 5e-4, 1e-3])
EPS = float(np.finfo(float).eps)


def test_parse_values_and_params():
    assert_allclose(parse_values("1:3:3"), [1, 2, 3])
    assert_allclose(parse_values("log:1e-9:1e-7:3"), [1e-9, 1e-8, 1e-7])
    assert_allclose(parse_values("1e-9,2e-9"), [1e-9, 2e-9])
    ax = parse_param("layers.F2.thickness=1e-9:2e-9:2")
    assert ax.path == "layers.F2.thickness"
    for bad in ("layers.F2.thickness", "area=1:2", "area=a:b:3", "area=log:-1:1:3",
                "area=nan", "area=1:2:0"):
        with pytest.raises(StackError, match="--param"):
            parse_param(bad)


@pytest.mark.parametrize("path,check", [
    ("area", lambda s: s.area == 2e-14),
    ("layers.F2.thickness", lambda s: s.layers[2].thickness == 2e-14),
    ("materials.Co.lsf", lambda s: s.layers[0].material.lsf == 2e-14),
    ("interfaces.Cu/Co.ar", lambda s: s.interfaces[0].params.ar == 2e-14),
    ("motor.frequency", lambda s: s.motor.frequency == 2e-14),
])
def test_set_param_paths_and_no_mutation(path, check):
    d = pillar_dict()
    before = json.dumps(d, sort_keys=True)
    out = set_param(d, path, 2e-14)
    assert json.dumps(d, sort_keys=True) == before   # the input is not changed
    assert check(stack_from_dict(out))


@pytest.mark.parametrize("path", ["layers.F9.thickness", "motor", "bogus.x.y", "interfaces.Co/Xx.ar"])
def test_set_param_bad_paths(path):
    with pytest.raises(StackError, match="--param"):
        set_param(pillar_dict(), path, 1.0)


AXES = [ParamAxis("layers.F2.thickness", np.array([1e-9, 3e-9, 1e-8])),
        ParamAxis("materials.Cu.lsf", np.array([1e-7, 5e-7]))]


def _direct(thickness, lsf, current):
    d = pillar_dict()
    d["layers"][2]["thickness"] = thickness
    d["materials"]["Cu"]["lsf"] = lsf
    return solve(build_network(stack_from_dict(d)), current)


def test_grid_values_equal_direct_solves():
    ds = run_sweep(pillar_dict(), AXES, CURRENTS, workers=1, progress=False)
    assert ds["V_UD"].shape == (3, 2, 3)
    for i, t in enumerate(AXES[0].values):
        for j, lsf in enumerate(AXES[1].values):
            for k, cur in enumerate(CURRENTS):
                sol = _direct(t, lsf, cur)
                assert_allclose(ds["V_UD"].values[i, j, k], sol.V_UD, rtol=1e-12, atol=1e-20)
                assert_allclose(ds["voltage"].values[i, j, k], sol.voltage, rtol=1e-12,
                                atol=1e-20)
            assert_allclose(ds["resistance"].values[i, j], _direct(t, lsf, 1e-3).resistance,
                            rtol=1e-12)


@pytest.mark.no_ulp_stress  # bit-for-bit identity with worker processes (no stress there)
def test_serial_processes_and_local_cluster_agree():
    serial = run_sweep(pillar_dict(), AXES, CURRENTS, workers=1, progress=False)
    procs = run_sweep(pillar_dict(), AXES, CURRENTS, workers=2, progress=False)
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        dask = run_sweep(pillar_dict(), AXES, CURRENTS, scheduler=client, progress=False)
        by_address = run_sweep(pillar_dict(), AXES, CURRENTS,
                               scheduler=cluster.scheduler_address, progress=False)
    for other in (procs, dask, by_address):
        for name in serial.data_vars:
            np.testing.assert_array_equal(serial[name].values, other[name].values)


def test_invalid_grid_points_are_nan_and_reported():
    axes = [ParamAxis("layers.F2.thickness", np.array([-1e-9, 3e-9]))]
    ds = run_sweep(pillar_dict(), axes, CURRENTS, workers=1, progress=False)
    assert ds.attrs["failed_points"] == 1
    assert np.all(np.isnan(ds["V_UD"].values[0])) and np.all(np.isfinite(ds["V_UD"].values[1]))
    assert "thickness" in ds.attrs["errors"]


def test_cli_param_sweep_outputs(tmp_path):
    import xarray as xr

    csv, nc, png = tmp_path / "s.csv", tmp_path / "s.nc", tmp_path / "s.png"
    res = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param",
                  "layers.F2.thickness=1e-9:1e-8:4", "--param", "interfaces.Co/Cu.ar=0,1e-15",
                  "--current", "0:1e-3:3", "--workers", "2", "-o", csv, "--netcdf", nc,
                  "--plot", png)
    assert res.returncode == 0, res.stderr
    assert png.stat().st_size > 0
    lines = csv.read_text().splitlines()
    assert len(lines) == 1 + 4 * 2 * 3
    assert lines[0].startswith("layers.F2.thickness,interfaces.Co/Cu.ar,current (A)")
    ds = xr.open_dataset(nc, engine="scipy")
    d = pillar_dict()
    d["layers"][2]["thickness"] = 4e-9
    d["interfaces"]["Co/Cu"]["ar"] = 1e-15
    ref = solve(build_network(stack_from_dict(d)), 1e-3)
    assert_allclose(ds["V_UD"].values[1, 1, 2], ref.V_UD, rtol=1e-12)
    ds.close()
    # progress bar: on stderr by default, silent with --quiet and with --json
    loud = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param", "area=1e-14,2e-14",
                   "--current", "0:1e-3:2", "--workers", "1")
    assert "stack" in loud.stderr
    for flag in ("--quiet", "--json"):
        quiet = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param",
                        "area=1e-14,2e-14", "--current", "0:1e-3:2", "--workers", "1", flag)
        assert quiet.returncode == 0 and quiet.stderr == ""
    out = json.loads(quiet.stdout)
    assert out["dims"] == {"area": 2, "current": 2}


def test_cli_bad_param_exit_2():
    res = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param", "layers.F9.thickness=1:2:2",
                  "--current", "0:1e-3:2")
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "F9" in res.stderr


@pytest.mark.parametrize("name", ["berger_pillar", "berger_pillar_ap", "berger_pillar_steady",
                                  "py_cu_py"])
def test_batched_sweep_equals_the_per_stack_path(name, monkeypatch):
    """A sweep of straight stacks goes through the batched solver (circuitspin.batch);
    every field equals the per-stack path (a network and a factor per grid point) to
    rounding: 1e-12 relative, with an absolute floor of 16 eps of the stack voltage for
    the U-D quantities (a difference of two potentials of about that size).  The
    steady motor's Newton runs on the batched Thevenin numbers; AP flips the motor
    layer's frame."""
    import tomllib

    sweep_module = importlib.import_module("circuitspin.sweep")  # the module, not cs.sweep

    data = tomllib.loads((NETLISTS / f"{name}.toml").read_text())
    axes = [ParamAxis("layers.N.thickness", np.array([2e-9, 6e-9, 2e-8])),
            ParamAxis("area", np.array([1e-14, 3e-14]))]
    currents = np.array([-2e-3, 0.0, 1e-3, 4e-3])
    calls = []
    real = sweep_module._solve_together
    monkeypatch.setattr(sweep_module, "_solve_together",
                        lambda *a: calls.append(1) or real(*a))
    batched = run_sweep(data, axes, currents, workers=1, progress=False, source=name)
    assert calls and batched.attrs["failed_points"] == 0
    monkeypatch.setattr(sweep_module, "_solve_together", lambda *a: {})
    single = run_sweep(data, axes, currents, workers=1, progress=False, source=name)
    d_v = 16 * EPS * np.abs(single["voltage"].values).max()           # V
    d_i = d_v / np.nanmin(single["bridge_resistance"].values)          # A, I_M = V / Z
    d_p = (d_v * np.nanmax(np.abs(single["motor_current"].values))
           + d_i * np.nanmax(np.abs(single["V_UD"].values)))           # W, P = I_M V_UD
    atol = {"V_UD": d_v, "delta_mu_bar_eV": d_v, "motor_current": d_i, "P_motor": d_p}
    for f in single.data_vars:
        assert_allclose(batched[f].values, single[f].values, rtol=1e-12,
                        atol=atol.get(f, 0.0), err_msg=f)


@pytest.mark.parametrize("pays, pooled", [(float("inf"), False), (0.0, True)])
def test_default_workers_start_processes_only_where_they_pay(monkeypatch, pays, pooled):
    """Default workers: the first batch runs here and sets the pace; the rest stays in
    this process unless it would take POOL_PAYS seconds or more (then a process pool,
    here recorded and run in this process).  The answer is the same either way."""
    sweep = importlib.import_module("circuitspin.sweep")  # circuitspin.sweep: the function
    calls = []

    def pool(n_workers, data, batches, currents, segments, source, collect, evaluate):
        calls.append(len(batches))
        for b in batches:
            collect(evaluate(data, b, currents, segments, source))

    monkeypatch.setattr(sweep, "_run_pool", pool)
    monkeypatch.setattr(sweep, "POOL_PAYS", pays)
    axes = [ParamAxis("layers.F2.thickness", np.linspace(1e-9, 9e-9, 6))]
    # segments: the per-stack path, 6 batches of one stack (at least 2 CPUs assumed)
    ds = run_sweep(pillar_dict(), axes, [1e-3], segments=8, workers=None, progress=False)
    serial = run_sweep(pillar_dict(), axes, [1e-3], segments=8, workers=1, progress=False)
    if (os.cpu_count() or 1) > 1:
        assert calls == ([5] if pooled else [])   # the first batch ran here
    for name in serial.data_vars:
        np.testing.assert_array_equal(ds[name].values, serial[name].values)
