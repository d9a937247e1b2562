"""CPP-GMR (circuitspin.gmr): the network's R_P and R_AP against the closed-form
Valet-Fert solution of the P and AP stacks, the two-current series-resistor limit, the
default free layer, sweeps, and bad input."""
from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose

import circuitspin as cs
from circuitspin.errors import StackError
from conftest import NETLISTS, pillar_dict, run_cli

# R from the network and from the closed form agree to ~1e-13 (README); dR = R_AP - R_P
# loses the digits of R / dR (~10 here), so 1e-9 on dR is far above that floor.
RTOL = 1e-9


def _read(name):
    return tomllib.loads((NETLISTS / name).read_text())


def _with_magnetizations(data, table, mags):
    """A copy of ``data`` with entries of ``table`` (layers/wires) set to ``mags``
    {name: "up"/"down"}, and the motor removed: the closed form's P or AP stack."""
    out = copy.deepcopy(data)
    out.pop("motor", None)
    for entry in out[table]:
        if entry["name"] in mags:
            entry["magnetization"] = mags[entry["name"]]
    return out


def _closed_form_R(data):
    return cs.solve_diffusion(cs.stack_from_dict(data), 1.0).resistance


@pytest.mark.parametrize("name,free,magnets", [
    ("berger_pillar.toml", "F2", ["F1", "F2"]),
    ("berger_pillar_ap.toml", "F2", ["F1", "F2"]),
    ("py_cu_py.toml", "F2", ["F1", "F2"]),
    ("spin_valve_multilayer.toml", None, None),
    ("berger_pillar_flared.toml", "F2", ["F1", "F2"]),
])
def test_gmr_matches_closed_form_of_p_and_ap(name, free, magnets):
    data = _read(name)
    stack = cs.load_stack(NETLISTS / name)
    if magnets is None:
        magnets = [lay.name for lay in stack.layers if lay.material.ferromagnetic]
        free = stack.motor.layer if stack.motor else magnets[-1]
    ref = next(lay.magnetization for lay in stack.layers if lay.name == magnets[0])
    flip = "down" if ref == "up" else "up"
    r_p = _closed_form_R(_with_magnetizations(data, "layers", {m: ref for m in magnets}))
    r_ap = _closed_form_R(_with_magnetizations(
        data, "layers", {m: flip if m == free else ref for m in magnets}))
    g = cs.gmr(NETLISTS / name)
    assert g.free == (free,)
    assert_allclose([g.R_P, g.R_AP], [r_p, r_ap], rtol=RTOL)
    assert_allclose(g.dR, r_ap - r_p, rtol=RTOL)
    assert_allclose(g.AdR, stack.area * (r_ap - r_p), rtol=RTOL)
    assert_allclose(g.MR, (r_ap - r_p) / r_p, rtol=RTOL)
    assert_allclose([g.AR_P, g.AR_AP], [stack.area * r_p, stack.area * r_ap], rtol=RTOL)


@pytest.mark.parametrize("seed", range(6))
def test_gmr_random_spin_valves_match_closed_form(seed):
    """F | N | F | N stacks with parameters over decades, both magnetization starts."""
    rng = np.random.default_rng(seed)
    lg = lambda lo, hi: float(10 ** rng.uniform(np.log10(lo), np.log10(hi)))  # noqa: E731
    data = {
        "area": lg(1e-16, 1e-12),
        "materials": {"F": {"rho": lg(1e-8, 3e-7), "beta": float(rng.uniform(-0.9, 0.9)),
                            "lsf": lg(2e-9, 1e-7), "ferromagnetic": True},
                      "N": {"rho": lg(1e-9, 5e-8), "beta": 0.0, "lsf": lg(5e-8, 1e-6)}},
        "interfaces": {"F/N": {"ar": lg(1e-17, 2e-15), "gamma": float(rng.uniform(-0.9, 0.9))}},
        "layers": [{"name": n, "material": m, "thickness": lg(5e-10, 2e-7),
                    "magnetization": str(rng.choice(["up", "down"]))}
                   for n, m in (("A", "F"), ("S", "N"), ("B", "F"), ("L", "N"))],
    }
    ref = data["layers"][0]["magnetization"]
    flip = "down" if ref == "up" else "up"
    r_p = _closed_form_R(_with_magnetizations(data, "layers", {"A": ref, "B": ref}))
    r_ap = _closed_form_R(_with_magnetizations(data, "layers", {"A": ref, "B": flip}))
    g = cs.gmr(data)
    assert g.free == ("B",) and g.reference == ref
    assert_allclose([g.R_P, g.R_AP], [r_p, r_ap], rtol=RTOL)
    # dR is a difference: its floor is RTOL x R, not RTOL x dR
    assert abs(g.dR - (r_ap - r_p)) <= RTOL * r_ap


@pytest.mark.parametrize("name", ["zero_current_swaser.toml", "nonlocal_spin_valve.toml"])
def test_gmr_branched_matches_branched_closed_form(name):
    data = _read(name)
    ws = cs.load_stack(NETLISTS / name)
    magnets = [w.name for w in ws.layers if w.material.ferromagnetic]
    free = ws.motor.layer
    r_p = _closed_form_R(_with_magnetizations(data, "wires", {m: "up" for m in magnets}))
    r_ap = _closed_form_R(_with_magnetizations(
        data, "wires", {m: "down" if m == free else "up" for m in magnets}))
    g = cs.gmr(ws)  # a loaded WireStack works as well as its file
    assert_allclose([g.R_P, g.R_AP], [r_p, r_ap], rtol=RTOL)
    assert g.area == (ws.area if ws.area is not None else ws.layers[ws.layer_index(free)].area)


def test_two_current_limit_is_the_series_resistor_formula():
    """lsf -> infinity: no spin flip, the two bands are two resistor chains in parallel,
    r_s = sum rho_s t + sum r_s(interface), R = r_up r_dn / (A (r_up + r_dn))."""
    data = pillar_dict()
    for m in data["materials"].values():
        m["lsf"] = 1e3  # t/lsf ~ 1e-10: the spin-flip corrections are below 1e-10
    data["layers"][0]["thickness"] = 20e-9
    area, (co, cu, iface) = data["area"], (data["materials"]["Co"], data["materials"]["Cu"],
                                           data["interfaces"]["Co/Cu"])

    def bands(beta, sign, rho, t):
        rho_star = rho / (1 - beta**2)
        return np.array([2 * rho_star * (1 - sign * beta), 2 * rho_star * (1 + sign * beta)]) * t

    def series(s2):  # s2 = +1 (P) or -1 (AP): F2's magnetization relative to F1
        r = bands(co["beta"], 1, co["rho"], 20e-9) + bands(0, 1, cu["rho"], 6e-9) \
            + bands(co["beta"], s2, co["rho"], 3e-9) + bands(0, 1, cu["rho"], 500e-9)
        g = iface["gamma"]
        r += 2 * iface["ar"] * np.array([1 - g, 1 + g])              # F1 | N
        r += 2 * 2 * iface["ar"] * np.array([1 - s2 * g, 1 + s2 * g])  # N | F2 | N2
        return r[0] * r[1] / (r[0] + r[1]) / area

    g = cs.gmr(data)
    r_p, r_ap = series(1), series(-1)
    assert_allclose([g.R_P, g.R_AP], [r_p, r_ap], rtol=1e-9)
    assert_allclose(g.MR, (r_ap - r_p) / r_p, rtol=1e-8)  # dR/R ~ 0.1: one digit less


def test_default_free_layer_and_lists():
    data = pillar_dict()
    assert cs.gmr(data).free == ("F2",)           # the motor layer
    data["layers"][0], data["layers"][2] = data["layers"][2], data["layers"][0]
    data["motor"]["layer"] = "F1"
    assert cs.gmr(data).free == ("F1",)
    no_motor = pillar_dict()
    del no_motor["motor"]
    assert cs.gmr(no_motor).free == ("F2",)       # the last ferromagnet
    # reversing the first magnet instead of the second: the same AP state, rotated
    g1, g2 = cs.gmr(no_motor, "F1"), cs.gmr(no_motor, ["F2"])
    assert_allclose([g1.R_P, g1.R_AP], [g2.R_P, g2.R_AP], rtol=1e-12)
    assert g1.dR > 0


def test_multilayer_alternating_free_layers():
    """[Co/Cu]xN: reversing every other layer (a list) gives the alternating AP state,
    whose dR exceeds that of reversing one layer."""
    stack = cs.load_stack(NETLISTS / "spin_valve_multilayer.toml")
    magnets = [lay.name for lay in stack.layers if lay.material.ferromagnetic]
    alternate = cs.gmr(stack, magnets[1::2])
    single = cs.gmr(stack, magnets[-1])
    assert alternate.R_P == pytest.approx(single.R_P, rel=1e-12)
    assert alternate.dR > single.dR > 0
    assert alternate.free == tuple(magnets[1::2])


def test_p_state_ignores_the_files_magnetizations():
    p = cs.gmr(NETLISTS / "berger_pillar.toml")
    ap = cs.gmr(NETLISTS / "berger_pillar_ap.toml")
    assert (p.R_P, p.R_AP) == (ap.R_P, ap.R_AP)


@pytest.mark.parametrize("free,match", [
    ("N", "not ferromagnetic"),
    ("F9", "no layer named 'F9'"),
    (["F1", "F2"], "all the magnets"),
])
def test_bad_free_layers(free, match):
    with pytest.raises(StackError, match=match):
        cs.gmr(pillar_dict(), free)


def test_one_magnet_is_refused():
    data = pillar_dict()
    data["layers"][0]["material"] = "Cu"
    data["motor"]["layer"] = "F2"
    with pytest.raises(StackError, match="two ferromagnetic layers"):
        cs.gmr(data)


def test_changed_stack_object_is_refused(tmp_path):
    stack = cs.load_stack(NETLISTS / "berger_pillar.toml")
    assert cs.gmr(stack).R_P == cs.gmr(NETLISTS / "berger_pillar.toml").R_P
    with pytest.raises(StackError, match="differs from the mapping"):
        cs.gmr(replace(stack, area=2e-14))
    # a stack read from a mapping keeps it (Stack.replace): its GMR is the mapping's
    assert cs.gmr(cs.stack_from_dict(pillar_dict())) == cs.gmr(pillar_dict())
    bare = replace(stack, data=None)   # built by hand: only its file can tell
    assert cs.gmr(bare).R_P == cs.gmr(stack).R_P
    with pytest.raises(StackError, match="differs from its file"):
        cs.gmr(replace(bare, area=2e-14))


@pytest.mark.no_ulp_stress  # bit-for-bit identity with gmr run in a subprocess (no stress there)
def test_cli_gmr_json_and_errors():
    res = run_cli("gmr", NETLISTS / "berger_pillar.toml", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    g = cs.gmr(NETLISTS / "berger_pillar.toml")
    for key in ("R_P", "R_AP", "dR", "AdR", "MR", "AR_P", "AR_AP"):
        assert out[key] == getattr(g, key)
    text = run_cli("gmr", NETLISTS / "py_cu_py.toml", "--free", "F1")
    assert text.returncode == 0 and "MR" in text.stdout
    for args, match in ((["--free", "N"], "not ferromagnetic"),
                        (["--free", "F7"], "no layer named")):
        bad = run_cli("gmr", NETLISTS / "berger_pillar.toml", *args)
        assert bad.returncode == 2
        assert bad.stderr.count("\n") == 1 and match in bad.stderr
        assert bad.stderr.startswith("circuitspin: error: ")


def test_sweep_gmr_fields(tmp_path):
    from circuitspin.sweep import parse_param, run_sweep

    data = pillar_dict()
    ds = run_sweep(data, [parse_param("layers.F2.thickness=1e-9,4e-9,1e-8")], [],
                   workers=1, progress=False, gmr=True)
    assert "current" not in ds.dims and ds["AdR"].attrs["units"] == "ohm*m^2"
    for t in (1e-9, 4e-9, 1e-8):
        d = copy.deepcopy(data)
        d["layers"][2]["thickness"] = t
        g = cs.gmr(d)
        assert ds["AdR"].sel({"layers.F2.thickness": t}).item() == g.AdR
        assert ds["MR"].sel({"layers.F2.thickness": t}).item() == g.MR
    # with currents, the usual fields and the GMR ones side by side
    both = run_sweep(data, [parse_param("layers.F2.thickness=1e-9,4e-9")], [0.0, 1e-3],
                     workers=1, progress=False, gmr="F2")
    assert {"V_UD", "resistance", "AdR"} <= set(both.data_vars)
    # R_P of the P pillar is the sweep's own resistance (motor open)
    assert_allclose(both["R_P"].values, both["resistance"].values, rtol=1e-12)
    with pytest.raises(StackError, match="not ferromagnetic"):
        run_sweep(data, [parse_param("area=1e-14")], [], workers=1, progress=False,
                  gmr="N")


def test_cli_sweep_gmr(tmp_path):
    out = tmp_path / "g.csv"
    res = run_cli("sweep", NETLISTS / "py_cu_py.toml", "--param",
                  "layers.F2.thickness=2e-9,8e-9", "--gmr", "--workers", "1", "-o", out,
                  "--plot", tmp_path / "g.png", "--quiet")
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("layers.F2.thickness,R_P (ohm)") and len(lines) == 3
    d = tomllib.loads((NETLISTS / "py_cu_py.toml").read_text())
    d["layers"][2]["thickness"] = 8e-9
    assert float(lines[2].split(",")[4]) == pytest.approx(cs.gmr(d).AdR, rel=1e-15)
    assert (tmp_path / "g.png").stat().st_size > 0
    for args, match in ((["--gmr", "--current", "0:1e-3:2"], "--gmr: use with --param"),
                        (["--param", "area=1e-14"], "--current")):
        bad = run_cli("sweep", NETLISTS / "py_cu_py.toml", *args)
        assert bad.returncode == 2 and match in bad.stderr and bad.stderr.count("\n") == 1


def test_many_mappings_solved_together_match_one_by_one():
    """gmr_of_mappings (what a fit evaluates: its rows' P and AP stacks solved together by
    the batched dense solver) against gmr_of_mapping (the sparse nodal solver, stack by
    stack), two independent solvers of one network: R_P and R_AP agree to a few eps
    (each refined to rounding), dR = R_AP - R_P to that times R / dR (the digits the
    difference loses); the free layer's thickness over two decades, and beta and lsf
    varied.  Stacks the batched solver does not take (a segments count) go one by one:
    then bit for bit."""
    from circuitspin.gmr import gmr_of_mapping, gmr_of_mappings
    from circuitspin.sweep import set_param

    eps = float(np.finfo(float).eps)
    base = _read("py_cu_py.toml")
    rows = [set_param(set_param(set_param(base, "layers.F2.thickness", t),
                                "materials.Ni80Fe20.beta", beta),
                      "materials.Ni80Fe20.lsf", lsf)
            for t, beta, lsf in zip(np.geomspace(0.5e-9, 50e-9, 7),
                                    np.linspace(0.5, 0.8, 7), np.linspace(3e-9, 9e-9, 7))]
    together = gmr_of_mappings(rows)
    for data, g in zip(rows, together):
        one = gmr_of_mapping(data, check=False)
        assert (g.free, g.reference, g.area) == (one.free, one.reference, one.area)
        for name in ("R_P", "R_AP"):
            assert abs(getattr(g, name) - getattr(one, name)) <= 16 * eps * getattr(one,
                                                                                  name)
        assert abs(g.dR - one.dR) <= 32 * eps * (one.R_P + one.R_AP)
    by_one = gmr_of_mappings(rows[:3], segments=3)
    assert [(g.R_P, g.R_AP) for g in by_one] == [
        (o.R_P, o.R_AP) for o in (gmr_of_mapping(d, segments=3, check=False)
                                  for d in rows[:3])]
