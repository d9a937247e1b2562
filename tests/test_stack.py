"""Stack files: units, built-ins, and one-line errors (exit 2) for every bad input."""
from __future__ import annotations

import json
import re

import pytest
from numpy.testing import assert_allclose

from circuitspin import load_stack, stack_from_dict
from circuitspin.errors import StackError
from conftest import NETLISTS, pillar_dict, run_cli

PILLAR = (NETLISTS / "berger_pillar.toml").read_text()


def test_units_strings_equal_si_numbers(tmp_path):
    text = (PILLAR.replace("rho = 60e-9", 'rho = "60 nOhm*m"')
            .replace("ar = 0.51e-15", 'ar = "0.51 fOhm*m^2"')
            .replace("thickness = 6e-9", 'thickness = "6 nm"')
            .replace("frequency = 10e9", 'frequency = "10 GHz"')
            .replace("area = 1e-14", 'area = "0.01 um^2"'))
    assert text != PILLAR
    p = tmp_path / "units.toml"
    p.write_text(text)
    a, b = load_stack(p), load_stack(NETLISTS / "berger_pillar.toml")
    assert_allclose(a.layers[0].material.rho, b.layers[0].material.rho, rtol=1e-12)
    assert_allclose(a.interfaces[0].params.ar, b.interfaces[0].params.ar, rtol=1e-12)
    assert_allclose(a.layers[1].thickness, 6e-9, rtol=1e-12)
    assert_allclose(a.area, 1e-14, rtol=1e-12)
    assert_allclose(a.motor.frequency, 1e10, rtol=1e-12)


def test_builtin_materials_and_partial_override():
    d = pillar_dict()
    d["materials"] = {"Co": {"lsf": 40e-9}}   # only lsf; rho, beta from the built-in table
    del d["interfaces"]                        # Co/Cu from the built-in table
    s = stack_from_dict(d)
    co = s.layers[0].material
    assert co.lsf == 40e-9 and co.rho == 60e-9 and co.beta == 0.46
    assert s.interfaces[0].params.ar == 0.51e-15
    assert "overridden" in co.source


def test_magnetization_down_flips_beta_and_gamma():
    s = stack_from_dict(pillar_dict("down"))
    f2 = s.layers[2]
    assert f2.beta == -0.46
    rho_up, rho_dn = f2.band_resistivities
    assert rho_up > rho_dn   # the minority band of F2 is now "up"
    assert s.interfaces[1].gamma == -0.77 and s.interfaces[2].gamma == -0.77
    assert s.interfaces[0].gamma == 0.77


def test_same_material_neighbours_merge():
    d = pillar_dict()
    d["layers"].insert(2, {"name": "N_b", "material": "Cu", "thickness": 2e-9})
    s = stack_from_dict(d)
    assert s.interfaces[1].merged and s.interfaces[1].params is None


# ------------------------------------------------------------------ bad input
def _edit(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


BAD = [
    # (id, new file text, the words the one-line error must contain)
    ("negative_thickness", _edit(PILLAR, "thickness = 6e-9", "thickness = -6e-9"),
     ["layers #2 'N'", "thickness", "> 0"]),
    ("zero_thickness", _edit(PILLAR, "thickness = 6e-9", "thickness = 0"),
     ["layers #2 'N'", "thickness"]),
    ("lsf_zero", _edit(PILLAR, "lsf = 59e-9", "lsf = 0"), ["[materials.Co]", "lsf"]),
    ("lsf_negative", _edit(PILLAR, "lsf = 59e-9", "lsf = -5e-9"), ["[materials.Co]", "lsf"]),
    ("beta_one", _edit(PILLAR, "beta = 0.46", "beta = 1.0"), ["[materials.Co]", "beta"]),
    ("gamma_big", _edit(PILLAR, "gamma = 0.77", "gamma = -1.5"), ['[interfaces."Co/Cu"]',
                                                                 "gamma"]),
    ("nan", _edit(PILLAR, "rho = 60e-9", "rho = nan"), ["[materials.Co]", "rho", "finite"]),
    ("inf", _edit(PILLAR, "area = 1e-14", "area = inf"), ["area", "finite"]),
    ("unknown_material", _edit(PILLAR, 'material = "Cu"\nthickness = 6e-9',
                               'material = "Unobtainium"\nthickness = 6e-9'),
     ["layers #2 'N'", "material", "Unobtainium"]),
    ("missing_pair", _edit(_edit(PILLAR, "[materials.Cu]", "[materials.Xx]"),
                           'material = "Cu"\nthickness = 6e-9',
                           'material = "Xx"\nthickness = 6e-9'),
     ["[interfaces]", "Co/Xx", "missing"]),
    ("unknown_key_layer", _edit(PILLAR, "thickness = 3e-9", "thickness = 3e-9\nthicknes = 1"),
     ["layers #3 'F2'", "thicknes", "unknown key"]),
    ("unknown_key_top", "colour = 1\n" + PILLAR, ["[top level]", "colour", "unknown key"]),
    ("unknown_key_motor", _edit(PILLAR, "delta_alpha = 0.01", "delta_alpha = 0.01\nfreq = 1"),
     ["[motor]", "freq", "unknown key"]),
    ("wrong_units", _edit(PILLAR, "thickness = 6e-9", 'thickness = "6 ohm"'),
     ["layers #2 'N'", "thickness", "wrong units"]),
    ("bad_unit_string", _edit(PILLAR, "thickness = 6e-9", 'thickness = "6 parsecs per"'),
     ["layers #2 'N'", "thickness"]),
    ("motor_layer_missing", _edit(PILLAR, 'layer = "F2"', 'layer = "F3"'),
     ["[motor]", "layer", "F3"]),
    ("motor_first_layer", _edit(PILLAR, 'layer = "F2"', 'layer = "F1"'),
     ["[motor]", "layer", "first layer"]),
    ("not_toml", "this is = = not toml [", ["not valid TOML"]),
    ("string_for_number", _edit(PILLAR, "beta = 0.46", 'beta = "high"'),
     ["[materials.Co]", "beta"]),
    ("bool_for_number", _edit(PILLAR, "beta = 0.46", "beta = true"), ["[materials.Co]", "beta"]),
    ("no_layers", PILLAR[:PILLAR.index("[[layers]]")], ["layers", "missing"]),
    ("magnetization_word", _edit(PILLAR, "thickness = 3e-9", 'thickness = 3e-9\nmagnetization = "left"'),
     ["layers #3 'F2'", "magnetization"]),
    ("duplicate_name", _edit(PILLAR, 'name = "N2"', 'name = "N"'), ["name", "duplicate"]),
    ("negative_magnons", _edit(PILLAR, "magnons = 0", "magnons = -1"), ["[motor]", "magnons"]),
    ("steady_without_alpha", _edit(PILLAR, "magnons = 0", 'magnons = 0\nmode = "steady"'),
     ["[motor]", "alpha", "missing"]),
    ("negative_ar", _edit(PILLAR, "ar = 0.51e-15", "ar = -1e-15"), ['[interfaces."Co/Cu"]', "ar"]),
    ("materials_not_table", _edit(PILLAR, "[materials.Cu]\nrho = 6e-9", "[materials]\nCu = 5\n[x]\nrho = 6e-9"),
     ["["]),
    ("no_area", _edit(PILLAR, "area = 1e-14", ""), ["area", "missing"]),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_stack_one_line_exit_2(tmp_path, case):
    _, text, words = case
    p = tmp_path / "bad.toml"
    p.write_text(text)
    res = run_cli("solve", p, "--current", "1e-3")
    assert res.returncode == 2, res.stderr
    assert res.stdout == ""
    err = res.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("circuitspin: error: ") and str(p) in err, err
    for w in words:
        assert w in err, (w, err)


def test_missing_file_and_directory(tmp_path):
    for target in (tmp_path / "nope.toml", tmp_path):
        res = run_cli("solve", target, "--current", "1e-3")
        assert res.returncode == 2
        assert res.stderr.count("\n") == 1 and str(target) in res.stderr


def test_binary_file(tmp_path):
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00\x01garbage")
    res = run_cli("solve", p, "--current", "1e-3")
    assert res.returncode == 2 and res.stderr.count("\n") == 1


@pytest.mark.parametrize("args,word", [
    (["--current", "abc"], "--current"),
    (["--current", "1 m"], "--current"),
    (["--current", "1e-3", "--segments", "0"], "segments"),
    (["--current", "nan"], "--current"),
])
def test_bad_command_line_exit_2(args, word):
    res = run_cli("solve", NETLISTS / "berger_pillar.toml", *args)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and word in res.stderr, res.stderr


def test_stack_error_is_raised_from_python_too():
    d = pillar_dict()
    d["layers"][0]["thickness"] = -1.0
    with pytest.raises(StackError, match=re.escape("[layers #1 'F1'] thickness")):
        stack_from_dict(d, source="mine")


def test_solve_json_fields():
    res = run_cli("solve", NETLISTS / "berger_pillar.toml", "--current", "1 mA", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    for key in ("current", "voltage", "resistance", "V_UD", "delta_mu_bar_eV",
                "motor_current", "magnons", "backend", "nodes"):
        assert key in out
    assert out["current"] == pytest.approx(1e-3)
    assert out["motor_current"] == 0.0 and out["magnons"] == 0.0
    assert out["delta_mu_bar_eV"] == pytest.approx(-out["V_UD"])
    assert out["resistance"] == pytest.approx(out["voltage"] / out["current"])
    assert out["backend"] == "nodal"
