"""`circuitspin fermi` and the torque that `solve` derives from the bridge output."""
from __future__ import annotations

import json
import math

import pytest
from scipy import constants

from circuitspin import build_network, solve, stack_from_dict
from circuitspin.fermi import ratio_eq8, ratio_eq12
from circuitspin.torque import torque_fields
from conftest import pillar_dict, run_cli

KN, KUP, KDN = 1.36e10, 1.5e10, 1.4e10


def test_fermi_cli_json_fields_and_values():
    res = run_cli("fermi", "--kN", KN, "--kup", KUP, "--kdn", "1.4 1/angstrom", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["eq8_per_sin_theta"] == pytest.approx(ratio_eq8(KN, KUP, KDN), rel=1e-12)
    assert out["eq12_per_sin_theta"] == pytest.approx(ratio_eq12(KN, KUP, KDN), rel=1e-12)
    assert out["ratio_12_8"] == pytest.approx(out["eq12_per_sin_theta"] /
                                              out["eq8_per_sin_theta"], rel=1e-12)
    assert out["x"] == pytest.approx(3 * math.pi / (KUP - KDN))
    for key in ("decay_expansion", "decay_translation"):
        assert abs(out[key]) < 1


def test_fermi_cli_equal_wavenumbers_closed_form():
    """k_up = k_dn = k_N: T = 1, Eq. 8 = -k^2/(6 pi^2), Eq. 12 = -k^2/(8 pi^2)."""
    res = run_cli("fermi", "--kN", KN, "--kup", KN, "--kdn", KN, "--x", "1 nm", "--json")
    out = json.loads(res.stdout)
    assert out["eq8_per_sin_theta"] == pytest.approx(-KN**2 / (6 * math.pi**2), rel=1e-9)
    assert out["eq12_per_sin_theta"] == pytest.approx(-KN**2 / (8 * math.pi**2), rel=1e-9)


@pytest.mark.parametrize("args", [
    ["--kN", "1.6e10", "--kup", "1.5e10", "--kdn", "1.4e10"],   # total reflection
    ["--kN", "-1", "--kup", "1.5e10", "--kdn", "1.4e10"],
    ["--kN", "1e10", "--kup", "1.5 kg", "--kdn", "1.4e10"],
])
def test_fermi_cli_bad_input(args):
    res = run_cli("fermi", *args)
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr


def _pillar_with_wavenumbers():
    d = pillar_dict()
    d["materials"]["Cu"]["kF"] = KN
    d["materials"]["Co"].update(kF_up=KUP, kF_dn=KDN)
    return stack_from_dict(d)


def test_torque_from_the_bridge():
    sol = solve(build_network(_pillar_with_wavenumbers()), 1e-3)
    fields = torque_fields(sol)
    expected = ratio_eq12(KN, KUP, KDN) * sol.delta_mu_bar_eV * constants.e
    assert fields["torque_per_sin_theta"] == pytest.approx(expected, rel=1e-12)
    assert fields["torque_per_sin_theta"] > 0  # delta_mu_bar < 0 and the ratio is < 0
    assert fields["torque_total_per_sin_theta"] == pytest.approx(expected * 1e-14, rel=1e-12)
    # without F2 wavenumbers there is no torque field
    plain = solve(build_network(stack_from_dict(pillar_dict())), 1e-3)
    assert torque_fields(plain) == {}


def test_solve_json_has_torque(tmp_path):
    from conftest import NETLISTS

    text = (NETLISTS / "berger_pillar.toml").read_text()
    text = text.replace("lsf = 500e-9", f"lsf = 500e-9\nkF = {KN}", 1)
    text = text.replace("lsf = 59e-9", f"lsf = 59e-9\nkF_up = {KUP}\nkF_dn = {KDN}", 1)
    p = tmp_path / "pillar_kf.toml"
    p.write_text(text)
    out = json.loads(run_cli("solve", p, "--current", "1e-3", "--json").stdout)
    assert out["torque_per_sin_theta"] == pytest.approx(
        ratio_eq12(KN, KUP, KDN) * out["delta_mu_bar_eV"] * constants.e, rel=1e-12)
