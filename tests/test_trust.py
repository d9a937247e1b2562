"""The motor reads its own layer's frame, and the mistakes a new user makes get one clear
line (exit 2) or a warning, never a traceback, a silent NaN grid or a wrong number.

Frame: Berger's up and down are along F2's own spins, so V_UD = s_F2 (V_up - V_dn) with
s_F2 = +1 for F2 "up" and -1 for "down".  A global 180-degree rotation (every magnet
reversed) is the same physical state: every motor result is unchanged.  The antiparallel
pillar pumps with the opposite current (reversed electron flow switches AP to P).
"""
from __future__ import annotations

import copy
import json
import sys
import tomllib

import numpy as np
import pytest
from numpy.testing import assert_allclose

from circuitspin import build_network, load_stack, solve, solve_diffusion, stack_from_dict
from circuitspin.errors import StackError
from circuitspin.solvers.motor_newton import bridge_thevenin, solve_steady, sweep_network
from conftest import EPS, NETLISTS, pillar_dict, potential_floor, run_cli

I = 1e-3
MOTOR_EXAMPLES = ["berger_pillar", "berger_pillar_ap", "berger_pillar_steady",
                  "berger_pillar_flared", "zero_current_swaser", "nonlocal_spin_valve"]


def _rotated(data: dict) -> dict:
    """Every magnet reversed (a global 180-degree rotation)."""
    d = copy.deepcopy(data)
    for part in d.get("layers", []) + d.get("wires", []):
        part["magnetization"] = "up" if part.get("magnetization", "up") == "down" else "down"
    return d


def _data(name: str) -> dict:
    return tomllib.loads((NETLISTS / f"{name}.toml").read_text())


# ------------------------------------------------------------------ frame of the motor
@pytest.mark.parametrize("name", MOTOR_EXAMPLES)
def test_global_rotation_changes_no_motor_result(name):
    d = _data(name)
    a_stack, b_stack = stack_from_dict(d), stack_from_dict(_rotated(d))
    na, nb = build_network(a_stack), build_network(b_stack)
    a, b = solve(na, I), solve(nb, I)
    floor = potential_floor(a)  # V_UD: a difference of potentials ~1e3 x larger
    assert_allclose(b.V_UD, a.V_UD, rtol=0, atol=floor)
    assert_allclose(b.delta_mu_bar_eV, a.delta_mu_bar_eV, rtol=0, atol=floor)
    assert_allclose(b.resistance, a.resistance, rtol=1e-12)
    ta, tb = bridge_thevenin(na), bridge_thevenin(nb)
    assert_allclose(tb.gain, ta.gain, rtol=0, atol=floor / I)
    assert_allclose(tb.resistance, ta.resistance, rtol=1e-12)
    # the closed form follows the same frame
    ra, rb = solve_diffusion(a_stack, I), solve_diffusion(b_stack, I)
    assert_allclose(rb.V_UD, ra.V_UD, rtol=1e-9)
    if a_stack.motor.mode == "linear":  # the closed form has no steady (nonlinear) motor
        assert_allclose(ra.V_UD, a.V_UD, rtol=1e-9)
    # the lab-frame profile changes sign
    assert_allclose(b.profile()["Delta"], -a.profile()["Delta"], rtol=0,
                    atol=16 * EPS * np.abs(a.potentials).max())


def test_rotation_keeps_steady_motor_sweep_and_threshold_cli(tmp_path):
    d = _data("berger_pillar_steady")
    rot = tmp_path / "rotated.toml"
    text = (NETLISTS / "berger_pillar_steady.toml").read_text()
    # F1 and F2 both "down": the same state seen upside down
    text = text.replace('name = "F1"\n', 'name = "F1"\nmagnetization = "down"\n')
    text = text.replace('name = "F2"\n', 'name = "F2"\nmagnetization = "down"\n')
    rot.write_text(text)
    ja = json.loads(run_cli("threshold", NETLISTS / "berger_pillar_steady.toml",
                            "--json").stdout)
    jb = json.loads(run_cli("threshold", rot, "--json").stdout)
    assert ja["threshold_current"] > 0
    assert_allclose(jb["threshold_current"], ja["threshold_current"], rtol=1e-9)
    na, nb = build_network(stack_from_dict(d)), build_network(load_stack(rot))
    currents = np.linspace(0, 2 * ja["threshold_current"], 7)
    sa, sb = sweep_network(na, currents), sweep_network(nb, currents)
    for field in ("V_UD", "magnons", "motor_current"):
        assert_allclose(sb[field], sa[field], rtol=1e-9, atol=1e-9 * np.abs(sa[field]).max())
    i_above = 1.5 * ja["threshold_current"]
    pa, pb = solve_steady(na, i_above), solve_steady(nb, i_above)
    assert pa.magnons > 1e3 * solve_steady(na, 0.0).magnons  # above threshold: pumping
    assert_allclose(pb.magnons, pa.magnons, rtol=1e-9)
    assert_allclose(pb.V_UD, pa.V_UD, rtol=1e-9)


def test_antiparallel_pillar_pumps_with_the_opposite_current():
    """Katine et al. (PRL 84, 3149 (2000)): the current that switches P -> AP is opposite
    to the one that switches AP -> P; here the AP bridge output has the opposite sign."""
    p = json.loads(run_cli("threshold", NETLISTS / "berger_pillar.toml", "--json").stdout)
    ap = json.loads(run_cli("threshold", NETLISTS / "berger_pillar_ap.toml",
                            "--json").stdout)
    assert p["threshold_current"] > 0 > ap["threshold_current"]
    assert p["bridge_gain"] > 0 > ap["bridge_gain"]
    # I > 0 through the P pillar gives delta_mu_bar < 0 at U-D: the pumping sign
    sol = solve(build_network(load_stack(NETLISTS / "berger_pillar.toml")), I)
    assert sol.delta_mu_bar_eV < 0


def test_motor_nodes_are_the_layers_majority_and_minority_bands():
    for mag in ("up", "down"):
        net = build_network(stack_from_dict(pillar_dict(mag)))
        names = net.node_names()
        lab_u = 0 if mag == "up" else 1  # band code of U: 0 up, 1 dn
        assert int(net.node_band[net.u]) == lab_u and int(net.node_band[net.d]) == 1 - lab_u
        assert names[net.u] == "u" and names[net.d] == "d"
        sol = solve(net, I)
        delta = sol.potentials[net.rows_up] - sol.potentials[net.rows_dn]
        row = int(np.flatnonzero(net.rows_up == (net.u if mag == "up" else net.d))[0])
        assert sol.V_UD == (1 if mag == "up" else -1) * delta[row]


def test_motor_on_a_nonmagnetic_layer_is_refused(tmp_path):
    d = pillar_dict()
    d["motor"]["layer"] = "N"
    with pytest.raises(StackError, match=r"\[motor\] layer: 'N' is Cu, not a ferromagnet"):
        stack_from_dict(d)
    text = (NETLISTS / "zero_current_swaser.toml").read_text().replace(
        'wire = "F2"', 'wire = "N2"')
    f = tmp_path / "motor_on_cu.toml"
    f.write_text(text)
    res = run_cli("solve", f, "--current", "1mA")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "[motor] wire: 'N2' is Cu" in res.stderr


# ------------------------------------------------------------------ the mistakes
def _one_line_exit_2(res, *words):
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("circuitspin: error:"), res.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def _wire_file_without_top_area(tmp_path, f2_area=2e-14):
    """The zero-current SWASER with every wire's area given and no top-level area; F2
    (the motor wire) twice as wide as the rest."""
    text = (NETLISTS / "zero_current_swaser.toml").read_text()
    text = text.replace("area = 1e-14\n", "", 1)
    out = []
    name = None
    for line in text.splitlines():
        out.append(line)
        if line.startswith("name = "):
            name = line.split('"')[1]
        if line.startswith("length = "):
            out.append(f"area = {f2_area if name == 'F2' else 1e-14}")
    f = tmp_path / "wires_no_top_area.toml"
    f.write_text("\n".join(out) + "\n")
    return f


def test_netlist_of_wires_without_top_level_area(tmp_path):
    f = _wire_file_without_top_area(tmp_path)
    res = run_cli("netlist", f, "--current", "1mA", "-o", "-")
    assert res.returncode == 0, res.stderr
    assert "* area: per wire" in res.stdout and ".end" in res.stdout
    assert "area 2e-14" in res.stdout  # the motor wire's own area in the header


def test_threshold_density_uses_the_motor_wires_area(tmp_path):
    f = _wire_file_without_top_area(tmp_path, f2_area=2e-14)
    out = json.loads(run_cli("threshold", f, "--json").stdout)
    assert_allclose(out["threshold_current_density"], out["threshold_current"] / 2e-14,
                    rtol=1e-15)
    # a straight stack: the stack's area at F2 (flared layers: the area at U-D)
    st = load_stack(NETLISTS / "berger_pillar_flared.toml")
    out = json.loads(run_cli("threshold", NETLISTS / "berger_pillar_flared.toml",
                             "--json").stdout)
    assert_allclose(out["threshold_current_density"], out["threshold_current"]
                    / st.motor_area, rtol=1e-15)


def test_solve_diffusion_of_a_network_says_what_to_pass():
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    with pytest.raises(StackError, match="pass network.stack"):
        solve_diffusion(net, I)


_BLOCK = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(f"No module named {{name!r}} (blocked by the test)")
sys.meta_path.insert(0, Block())
from circuitspin.cli import main
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize("blocked,argv,extra", [
    (["xarray"], ["sweep", "{pillar}", "--param", "area=1e-14,2e-14", "--current",
                  "0:1e-3:2", "--workers", "1"], "sweep"),
    (["tqdm"], ["sweep", "{pillar}", "--param", "area=1e-14,2e-14", "--current",
                "0:1e-3:2", "--workers", "1"], "sweep"),
    (["schemdraw"], ["schematic", "{pillar}", "-o", "{tmp}/fig3.svg"], "schematic"),
    (["dask"], ["sweep", "{pillar}", "--param", "area=1e-14,2e-14", "--current",
                "0:1e-3:2", "--scheduler", "tcp://127.0.0.1:1"], "sweep"),
])
def test_missing_optional_extra_names_the_extra(tmp_path, blocked, argv, extra):
    import subprocess

    argv = [a.format(pillar=NETLISTS / "berger_pillar.toml", tmp=tmp_path) for a in argv]
    res = subprocess.run([sys.executable, "-c", _BLOCK.format(blocked=blocked, argv=argv)],
                         capture_output=True, text=True, timeout=300)
    _one_line_exit_2(res, f"circuitspin[{extra}]", blocked[0])


@pytest.mark.parametrize("path,words", [
    ("layers.N.thicknes=1e-9,2e-9", ["--param layers.N.thicknes", "'thicknes'", "[layers]"]),
    ("motor.frequncy=1e9,2e9", ["--param motor.frequncy", "'frequncy'", "[motor]"]),
    ("materials.Xx.rho=1e-8,2e-8", ["--param materials.Xx.rho", "no material 'Xx'"]),
    ("layers.F9.thickness=1e-9,2e-9", ["--param layers.F9.thickness", "no layer named"]),
])
def test_sweep_path_naming_nothing_is_exit_2(path, words):
    res = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param", path,
                  "--current", "0:1e-3:2", "--workers", "1")
    _one_line_exit_2(res, *words)


def test_sweep_value_invalid_at_some_points_gives_nan_there_only():
    res = run_cli("sweep", NETLISTS / "berger_pillar.toml", "--param",
                  "materials.Co.beta=0.5,1.5", "--current", "1e-3:1e-3:1", "--workers", "1",
                  "--json")
    assert res.returncode == 0, res.stderr
    assert "1 grid point(s) are not valid stacks" in res.stderr and "beta" in res.stderr
    out = json.loads(res.stdout)
    v_ud = out["data"]["V_UD"]["values"]
    assert np.isfinite(v_ud[0]) and v_ud[1] is None and out["failed_points"] == 1


def test_fermi_equal_wavenumbers_prints_eqs_8_and_12():
    res = run_cli("fermi", "--kN", "1.36e10", "--kup", "1.45e10", "--kdn", "1.45e10",
                  "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    from circuitspin.fermi import ratio_eq8, ratio_eq12

    assert out["eq8_per_sin_theta"] == ratio_eq8(1.36e10, 1.45e10, 1.45e10)
    assert out["eq12_per_sin_theta"] == ratio_eq12(1.36e10, 1.45e10, 1.45e10)
    assert out["x"] is None and out["decay_expansion"] is None
    text = run_cli("fermi", "--kN", "1.36e10", "--kup", "1.45e10", "--kdn", "1.45e10")
    assert text.returncode == 0 and "Eq. 12" in text.stdout and "k_up == k_dn" in text.stdout
    # with --x the decay fields come back (nothing decays: 1)
    out = json.loads(run_cli("fermi", "--kN", "1.36e10", "--kup", "1.45e10", "--kdn",
                             "1.45e10", "--x", "2e-9", "--json").stdout)
    assert out["x"] == 2e-9 and out["decay_translation"] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("old,new,with_unit,key", [
    ("thickness = 6e-9", "thickness = 6", 'thickness = "6 m"', "thickness: 6 m is implausible"),
    ("area = 1e-14", "area = 1", 'area = "1 m^2"', "area: 1 m**2 is implausible"),
    ("rho = 6e-9", "rho = 6", 'rho = "6 ohm*m"', "rho: 6 ohm*m is implausible"),
])
def test_implausible_bare_numbers_warn_once(tmp_path, old, new, with_unit, key):
    text = (NETLISTS / "berger_pillar.toml").read_text()
    assert old in text
    f = tmp_path / "slip.toml"
    f.write_text(text.replace(old, new, 1))
    res = run_cli("solve", f, "--current", "1e-3")
    assert res.returncode == 0
    warn = [ln for ln in res.stderr.splitlines()
            if ln.startswith("circuitspin: warning:") and "implausible" in ln]
    assert len(warn) == 1 and key in warn[0] and str(f) in warn[0], res.stderr
    # the same value with its unit written out is deliberate: no warning
    f.write_text(text.replace(old, with_unit, 1))
    res = run_cli("solve", f, "--current", "1e-3")
    assert res.returncode == 0 and "is implausible" not in res.stderr, res.stderr
    # and the example files are all plausible
    for name in MOTOR_EXAMPLES:
        assert "is implausible" not in run_cli("solve", NETLISTS / f"{name}.toml",
                                               "--current", "1e-3").stderr


def test_spin_accumulation_without_a_motor():
    d = pillar_dict()
    del d["motor"]
    sol = solve(build_network(stack_from_dict(d)), I)
    acc = sol.spin_accumulation()
    assert list(acc) == ["F1|N", "N|F2", "F2|N2"]
    prof = sol.profile()
    # left: the last row of the left layer; right: the first row of the right layer
    for k, (a, b) in enumerate(zip(["F1", "N", "F2"], ["N", "F2", "N2"])):
        left = prof["Delta"][prof["layer"] == k][-1]
        right = prof["Delta"][prof["layer"] == k + 1][0]
        assert acc[f"{a}|{b}"] == {"left": [0.0, 0.0, left], "right": [0.0, 0.0, right]}
    # with the motor, N|F2's right side is V_UD (F2 "up": lab frame = F2's frame)
    full = solve(build_network(stack_from_dict(pillar_dict())), I)
    assert full.spin_accumulation("N|F2")["right"][2] == full.V_UD
    # and the antiparallel pillar: lab frame there is -V_UD
    ap = solve(build_network(stack_from_dict(pillar_dict("down"))), I)
    assert ap.spin_accumulation("N|F2")["right"][2] == -ap.V_UD
    with pytest.raises(Exception, match="no interface 'N|F9'"):
        full.spin_accumulation("N|F9")


def test_spin_accumulation_in_solve_json_and_text(tmp_path):
    d = (NETLISTS / "berger_pillar.toml").read_text()
    f = tmp_path / "nomotor.toml"
    f.write_text(d[:d.index("[motor]")])
    out = json.loads(run_cli("solve", f, "--current", "1e-3", "--json").stdout)
    assert set(out["spin_accumulation"]) == {"F1|N", "N|F2", "F2|N2"}
    assert out["V_UD"] is None
    text = run_cli("solve", f, "--current", "1e-3").stdout
    assert "spin accum." in text and "N|F2" in text
    # a collinear stack prints the splitting V_up - V_dn, the JSON's z component (its
    # zero torque vectors, which the JSON carries, are not printed as a torque table)
    assert "V_up - V_dn (lab frame)" in text and "torque" not in text
    right = out["spin_accumulation"]["N|F2"]["right"]
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("N|F2"))
    assert float(line.split("|")[-1].split()[0]) == pytest.approx(right[2], rel=1e-5)
    assert right[:2] == [0.0, 0.0] and out["torque"] == {"F1": [0.0] * 3, "F2": [0.0] * 3}


def test_an_invalid_stack_gives_its_error_alone(tmp_path):
    """A plausibility warning belongs to a valid stack: with an error in the same file
    the output is the one error line, nothing before it."""
    f = tmp_path / "bad.toml"
    f.write_text('area = 1e-300\n[materials.Cu]\nbogus = 1\n')
    _one_line_exit_2(run_cli("solve", f, "--current", "1e-3"), "[materials.Cu] bogus")
