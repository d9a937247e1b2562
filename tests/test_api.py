"""The Python object model: Stack.replace, threshold, gmr, sweep, solve with units.

Each entry point is checked against the way the command line or a stack file gives the
same quantity: a replaced stack against the edited file, bit for bit; the threshold
object against ``circuitspin threshold --json``; the sweep's Dataset against one solve
per grid point; the README's Python example against independent computations.
"""
from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest

import circuitspin as cs
from circuitspin.errors import SolverError, StackError
from conftest import EPS, NETLISTS, ROOT, potential_floor, run_cli

PILLAR = NETLISTS / "berger_pillar.toml"


def edited_file(tmp_path, edits: dict[str, str], name="edited.toml"):
    """The pillar's file with each line ``old`` replaced by ``new`` (each found once)."""
    text = PILLAR.read_text()
    for old, new in edits.items():
        assert text.count(f"\n{old}\n") == 1, old
        text = text.replace(f"\n{old}\n", f"\n{new}\n")
    path = tmp_path / name
    path.write_text(text)
    return cs.load_stack(path)


def same_stack(a, b):
    """Equal in every field the model reads (the source name aside) and in the network's
    potentials at 1 mA, bit for bit."""
    assert dataclasses.replace(a, source=b.source) == b
    for la, lb in zip(a.layers, b.layers):
        assert (la.x0, la.x1) == (lb.x0, lb.x1)
    sa, sb = (cs.solve(cs.build_network(s), 1e-3) for s in (a, b))
    np.testing.assert_array_equal(sa.potentials, sb.potentials)
    np.testing.assert_array_equal(sa.profile()["x"], sb.profile()["x"])


@pytest.mark.parametrize("changes,edits", [
    ({"layers.N.thickness": "10 nm"}, {"thickness = 6e-9": 'thickness = "10 nm"'}),
    ({"layers.N.thickness": 10e-9}, {"thickness = 6e-9": "thickness = 10e-9"}),
    ({"materials.Co.lsf": "40 nm", "interfaces.Cu/Co.ar": "0.6 fOhm*m^2",
      "motor.frequency": "20 GHz", "area": "2e-14 m^2"},
     {"lsf = 59e-9": 'lsf = "40 nm"', "ar = 0.51e-15": 'ar = "0.6 fOhm*m^2"',
      "frequency = 10e9": 'frequency = "20 GHz"', "area = 1e-14": 'area = "2e-14 m^2"'}),
])
def test_replace_equals_reading_the_edited_file(tmp_path, changes, edits):
    st = cs.load_stack(PILLAR)
    before = cs.load_stack(PILLAR)
    new = st.replace(changes)
    same_stack(new, edited_file(tmp_path, edits))
    assert st == before                       # the old stack is untouched ...
    assert [la.x0 for la in st.layers] == [la.x0 for la in before.layers]
    assert st.data == before.data             # ... and so is the mapping it keeps


def test_replace_recomputes_positions_and_the_profile_runs_forward():
    st = cs.load_stack(PILLAR).replace({"layers.N.thickness": "50 nm"})
    assert st.layers[2].x0 == 100e-9 + 50e-9   # the reader's sum, in file order
    x = cs.solve(cs.build_network(st), 1e-3).profile()["x"]
    assert np.all(np.diff(x) >= 0) and x[-1] == pytest.approx(st.thickness, rel=4 * EPS)


def test_replace_chains_and_keeps_a_motor_change():
    st = cs.load_stack(PILLAR).with_motor(magnons=5.0)
    again = st.replace({"layers.N.thickness": 6e-9})   # the file's own value
    assert again == st and again.motor.magnons == 5.0
    twice = st.replace({"area": 2e-14}).replace({"area": 1e-14})
    assert twice == st


@pytest.mark.parametrize("path,value,message", [
    ("layers.X.thickness", 1e-9, "no layer named 'X'"),
    ("layers.N.thicknes", 1e-9, "'thicknes' is not a numeric entry of [layers]"),
    ("materials.Fe.lsf", 1e-9, "no material 'Fe' in the stack"),
    ("colour", 1, "unknown path"),
])
def test_replace_a_path_that_names_nothing_is_an_error(path, value, message):
    with pytest.raises(StackError) as err:
        cs.load_stack(PILLAR).replace({path: value})
    assert message in str(err.value) and path in str(err.value)


def test_replace_gives_the_readers_errors(tmp_path):
    """A bad value is the same one-line error as in a file with that value."""
    with pytest.raises(StackError) as from_file:
        edited_file(tmp_path, {"thickness = 6e-9": 'thickness = "-5 nm"'}, "berger_pillar.toml")
    with pytest.raises(StackError) as from_replace:
        cs.load_stack(PILLAR).replace({"layers.N.thickness": "-5 nm"})
    tail = str(from_file.value).split(": ", 1)[1]
    assert str(from_replace.value) == f"{PILLAR}: {tail}"
    with pytest.raises(StackError, match="wrong units"):
        cs.load_stack(PILLAR).replace({"layers.N.thickness": "5 ohm"})


def test_replace_refuses_a_stack_changed_behind_its_mapping():
    st = cs.load_stack(PILLAR)
    with pytest.raises(StackError, match="changed in memory"):
        dataclasses.replace(st, area=2e-14).replace({"temperature": 300})
    with pytest.raises(StackError, match="no stack mapping"):
        dataclasses.replace(st, data=None).replace({"temperature": 300})


def test_replace_of_a_branched_geometry(tmp_path):
    path = NETLISTS / "nonlocal_spin_valve.toml"
    geo = cs.load_stack(path)
    wire = geo.layers[0]
    new = geo.replace({f"wires.{wire.name}.length": wire.thickness * 2})
    assert new.layers[0].thickness == 2 * wire.thickness
    assert geo.layers[0].thickness == wire.thickness
    assert type(new) is type(geo)


def test_gmr_of_a_replaced_stack_equals_the_edited_file(tmp_path):
    new = cs.load_stack(PILLAR).replace({"layers.N.thickness": "10 nm"})
    ref = cs.gmr(edited_file(tmp_path, {"thickness = 6e-9": 'thickness = "10 nm"'}))
    got = cs.gmr(new)
    assert (got.R_P, got.R_AP, got.MR) == (ref.R_P, ref.R_AP, ref.MR)
    changed = dataclasses.replace(new, area=3e-14)   # not through replace(): refused
    with pytest.raises(StackError, match="changed in memory"):
        cs.gmr(changed)


@pytest.mark.no_ulp_stress  # bit-for-bit identity with the threshold command run in a subprocess (no stress there)
def test_threshold_object_equals_the_threshold_command():
    for name in ("berger_pillar.toml", "berger_pillar_steady.toml"):
        out = run_cli("threshold", NETLISTS / name, "--json")
        assert out.returncode == 0, out.stderr
        cli = json.loads(out.stdout)
        th = cs.threshold(cs.load_stack(NETLISTS / name))
        assert th.current == cli["threshold_current"]
        assert th.current_density == cli["threshold_current_density"]
        assert th.V_th == cli["V_th"] and th.bridge_gain == cli["bridge_gain"]
        assert th.bridge_resistance == cli["bridge_resistance"]
        assert json.loads(json.dumps(th.to_dict())) == {**cli, "stack": str(NETLISTS / name)}
        # the definition: I_th = V_th / k
        assert th.current == pytest.approx(th.V_th / th.bridge_gain, rel=4 * EPS)
    assert len(repr(th).splitlines()) <= 4


def test_threshold_without_a_motor_is_an_error():
    data = {k: v for k, v in cs.load_stack(PILLAR).data.items() if k != "motor"}
    st = cs.stack_from_dict(data)
    with pytest.raises(SolverError, match="no .motor. table"):
        cs.threshold(st)


def test_solve_accepts_units():
    net = cs.build_network(cs.load_stack(PILLAR))
    a, b = cs.solve(net, "1 mA"), cs.solve(net, 1e-3)
    np.testing.assert_array_equal(a.potentials, b.potentials)
    assert a.current == b.current == 1e-3 and a.V_UD == b.V_UD
    assert cs.solve(net, np.float32(0.5)).current == 0.5
    assert cs.solve(net, 2).current == 2.0
    for bad, why in (("1 m", "wrong units"), ("x", "cannot read"), (float("nan"), "finite"),
                     (True, "expected a number")):
        with pytest.raises(SolverError, match=why):
            cs.solve(net, bad)


def test_closed_form_and_deck_accept_units_as_solve_does():
    st = cs.load_stack(PILLAR)
    net = cs.build_network(st)
    a, b = cs.solve_diffusion(st, "1 mA"), cs.solve_diffusion(st, 1e-3)
    assert a.current == b.current == 1e-3
    np.testing.assert_array_equal(a.z, b.z)
    assert cs.to_spice(net, "1 mA") == cs.to_spice(net, 1e-3)
    assert cs.solve_diffusion(st, np.int64(2)).current == 2.0
    for bad, why in (("1 m", "wrong units"), (float("nan"), "finite"), (object(), "current")):
        with pytest.raises(StackError, match=why):
            cs.solve_diffusion(st, bad)
        with pytest.raises(cs.CircuitSpinError, match=why):
            cs.to_spice(net, bad)


def test_sweep_dataset_equals_one_solve_per_point():
    st = cs.load_stack(PILLAR)
    thick = ["5 nm", "10 nm", "20 nm"]
    currents = [0.0, "0.5 mA", 1e-3]
    ds = cs.sweep(st, currents=currents, params={"layers.N.thickness": thick,
                                                 "materials.Co.lsf": [40e-9, 59e-9]})
    path = "layers.N.thickness"
    assert list(ds["V_UD"].dims) == [path, "materials.Co.lsf", "current"]
    assert ds[path].attrs["units"] == "m" and ds["materials.Co.lsf"].attrs["units"] == "m"
    assert ds["current"].attrs["units"] == "A" and ds["V_UD"].attrs["units"] == "V"
    assert ds["resistance"].attrs["units"] == "ohm"
    assert str(ds["motor_layer"].values) == "F2"
    np.testing.assert_array_equal(ds[path].values, [5e-9, 10e-9, 20e-9])
    np.testing.assert_array_equal(ds["current"].values, [0.0, 5e-4, 1e-3])
    for t in ds[path].values:
        for lsf in ds["materials.Co.lsf"].values:
            one = st.replace({path: t, "materials.Co.lsf": lsf})
            net = cs.build_network(one)
            point = ds.sel({path: t, "materials.Co.lsf": lsf})
            for cur in ds["current"].values:
                sol = cs.solve(net, cur)
                at = point.sel(current=cur)
                # the sweep scales one unit-current solve by I (the network is linear);
                # both are potentials of order I R ~ 1e-3 V: rounding ~16 eps of them
                scale = 16 * EPS * abs(sol.voltage)
                assert float(at["voltage"]) == pytest.approx(sol.voltage, abs=scale)
                assert float(at["V_UD"]) == pytest.approx(sol.V_UD, abs=scale)
            assert float(point["resistance"]) == pytest.approx(
                cs.solve(net, 1.0).resistance, rel=16 * EPS)
            th = cs.threshold(one)
            # the sweep's batched solve and threshold()'s own solve differ in rounding:
            # the bridge gain is V_UD / I, a difference of potentials, known to the
            # potential floor of a unit-current solve (relative: floor / |V_UD|)
            unit = cs.solve(net, 1.0)
            rel = potential_floor(unit) / abs(unit.V_UD)
            assert float(point["threshold_current"]) == pytest.approx(th.current, rel=rel)
            assert float(point["bridge_gain"]) == pytest.approx(th.bridge_gain, rel=rel)


def test_sweep_takes_spec_strings_and_refuses_bad_paths():
    st = cs.load_stack(PILLAR)
    ds = cs.sweep(st, currents="0:1 mA:3", params={"area": "log:1e-14 m^2:1e-12 m^2:3"})
    np.testing.assert_allclose(ds["area"].values, [1e-14, 1e-13, 1e-12], rtol=4 * EPS)
    np.testing.assert_allclose(ds["current"].values, [0, 5e-4, 1e-3], rtol=4 * EPS)
    with pytest.raises(StackError, match="no layer named 'Q'"):
        cs.sweep(st, currents=[1e-3], params={"layers.Q.thickness": [1e-9]})
    with pytest.raises(StackError, match="wrong units"):
        cs.sweep(st, currents=[1e-3], params={"area": ["1 nm"]})
    with pytest.raises(StackError, match="takes a stack"):
        cs.sweep(object(), currents=[1e-3])


def readme_python_example() -> str:
    """The README's Python quick start (its first ``python`` block)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md should show a Python example"
    return blocks[0]


def test_the_readme_python_example_runs_from_the_root_and_its_numbers_hold(monkeypatch):
    """Run as written, from the repository root; then each line's result is recomputed
    independently: the edited stack's V_UD against the closed form (Valet-Fert), the
    threshold against V_th / k, the GMR and the sweep against one solve each."""
    monkeypatch.chdir(ROOT)
    ns: dict = {}
    exec(compile(readme_python_example(), "README.md", "exec"), ns)
    st, st2, sol, ds = ns["st"], ns["st2"], ns["sol"], ns["ds"]
    assert st == cs.load_stack("netlists/berger_pillar.toml")          # untouched
    assert st.layers[1].thickness == 6e-9 and st2.layers[1].thickness == 10e-9
    ref = cs.solve_diffusion(st2, 1e-3)
    # V_UD ~ 1.3e-4 V out of potentials ~ 1e-3 V: rounding ~1e-15 V relative to both
    assert sol.V_UD == pytest.approx(ref.V_UD, rel=1e-10)
    assert sol.spin_accumulation("N|F2")["right"] == [0.0, 0.0, sol.V_UD]
    th = cs.threshold(st)
    assert th.current == pytest.approx(th.V_th / th.bridge_gain, rel=4 * EPS)
    g = cs.gmr(st)
    r_ap = cs.solve(cs.build_network(cs.load_stack(NETLISTS / "berger_pillar_ap.toml")),
                    1.0).resistance
    assert g.MR == pytest.approx(r_ap / g.R_P - 1.0, rel=1e-9)
    assert float(ds["V_UD"].sel({"layers.N.thickness": 1e-8, "current": 1e-3})) == \
        pytest.approx(sol.V_UD, abs=16 * EPS * abs(sol.voltage))
    # the figures the README quotes below the example
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"`V_UD` is ([\d.e+-]+) V with the 10 nm spacer, the threshold "
                       r"([\d.]+) mA and the MR ([\d.]+) %", " ".join(text.split()))
    assert quoted, "README.md should quote the example's numbers"
    assert float(quoted.group(1)) == pytest.approx(sol.V_UD, rel=5e-4)
    assert float(quoted.group(2)) == pytest.approx(th.current * 1e3, rel=2e-3)
    assert float(quoted.group(3)) == pytest.approx(g.MR * 100, rel=1e-3)


def test_reprs_are_short():
    st = cs.load_stack(PILLAR)
    net = cs.build_network(st)
    sol = cs.solve(net, 1e-3)
    from circuitspin.diffusion_vector import solve_noncollinear

    tilted = cs.load_stack(NETLISTS / "noncollinear" / "pillar_90deg.toml")
    for obj in (st, st.layers[0], net, sol, cs.load_stack(NETLISTS / "nonlocal_spin_valve.toml"),
                cs.load_stack(NETLISTS / "nonlocal_spin_valve.toml").layers[0], cs.gmr(st),
                cs.solve_diffusion(st, 1e-3), solve_noncollinear(tilted, 1e-3),
                cs.load_stack(NETLISTS / "spin_valve_multilayer.toml")):
        text = repr(obj)
        assert len(text.splitlines()) <= 8 and len(text) <= 800, text
    assert "F1" in repr(st) and "N2" in repr(st) and "V_UD" in repr(sol)
    assert "V_UD" in repr(cs.solve_diffusion(st, 1e-3))
    assert "F2 Co 3.00 nm m [1, 0," in repr(tilted)   # its direction, not "up"


@pytest.mark.no_ulp_stress  # bit-for-bit identity with the CSV written by a subprocess (no stress there)
def test_profile_with_layer_names_and_the_cli_profile_csv(tmp_path):
    import csv

    st = cs.load_stack(PILLAR)
    sol = cs.solve(cs.build_network(st), "1 mA")
    prof = sol.profile(names=True)
    names = [layer.name for layer in st.layers]
    assert list(prof["name"]) == [names[i] for i in prof["layer"]]
    out = tmp_path / "out.csv"
    res = run_cli("solve", PILLAR, "--current", "1 mA", "--profile", out, "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["profile"] == str(out)
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["x (m)", "layer", "V_up (V)", "V_dn (V)", "Delta (V)", "I_up (A)",
                       "I_dn (A)"]
    assert len(rows) - 1 == prof.size
    assert [r[1] for r in rows[1:]] == list(prof["name"])
    for k, col in enumerate(("x", "layer", "V_up", "V_dn", "Delta", "I_up", "I_dn")):
        if col != "layer":  # 17 significant digits: the same doubles
            np.testing.assert_array_equal([float(r[k]) for r in rows[1:]], prof[col])
    bad = run_cli("solve", PILLAR, "--current", "1 mA", "--profile", tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("circuitspin: error: ")
    assert len(bad.stderr.strip().splitlines()) == 1
