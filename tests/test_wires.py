"""Branched wire geometries: validation, the analytic branched solution, nonlocal spin valves.

Physics checks (docs/model.md, "Branched wires"):
- the nodal circuit of any branched geometry equals the closed-form branched diffusion
  solution (per-wire exponentials, one dense solve) to 1e-9;
- a straight chain written as wires equals the same stack written as layers;
- the nonlocal spin valve equals Takahashi & Maekawa's formula (PRB 67, 052409 (2003))
  in the long-arm limit and tends to Jedema's tunnel-contact result
  dR = gamma^2 (rho_N lsf_N / A_N) exp(-L / lsf_N) (Nature 416, 713 (2002));
  R_P = -R_AP; no charge current in the detector arm.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from circuitspin import build_network, load_stack, solve, solve_diffusion, stack_from_dict
from circuitspin.diffusion import solve_diffusion as solve_branched
from circuitspin.errors import NetworkError
from circuitspin.geometry import WireStack, wires_from_stack
from conftest import CO, CO_CU, CU, NETLISTS, pillar_dict, run_cli

I = 1e-3
STRAIGHT = ["berger_pillar", "berger_pillar_ap", "py_cu_py", "spin_valve_multilayer",
            "berger_pillar_flared"]


def assert_same_solution(sol, ref, rtol=1e-9):
    """Nodal Solution vs branched analytic solution: terminals, U-D, every profile row."""
    scale = max(abs(v) for v in ref.terminal_voltages.values())
    for name, v in ref.terminal_voltages.items():
        assert_allclose(sol.to_dict()["terminal_voltages"][name], v, rtol=rtol,
                        atol=1e-12 * scale)
    if ref.V_UD is not None:
        assert_allclose(sol.V_UD, ref.V_UD, rtol=rtol, atol=1e-12 * scale)
        assert_allclose(sol.motor_current, ref.motor_current, rtol=rtol,
                        atol=1e-12 * abs(sol.current))
    for row in sol.profile():
        x = row["x"] - sol.network.stack.layers[row["layer"]].x0
        v_up, v_dn, i_up, i_dn = (float(q[0]) for q in ref.at(row["layer"], [x]))
        assert_allclose([row["V_up"], row["V_dn"]], [v_up, v_dn], rtol=rtol,
                        atol=1e-12 * scale)
        assert_allclose([row["I_up"], row["I_dn"]], [i_up, i_dn], rtol=rtol,
                        atol=1e-12 * abs(sol.current))


# ------------------------------------------------------------------ random geometries
def random_geometry(seed: int) -> dict:
    """A random connected multigraph of wires: loops, parallel wires, open ends,
    interfaces, floating probes, a linear motor, flaring wires."""
    rng = np.random.default_rng(seed)
    n_nodes = int(rng.integers(3, 7))
    names = [f"n{i}" for i in range(n_nodes)]
    pairs = [(names[i], names[int(rng.integers(0, i))]) for i in range(1, n_nodes)]
    pairs += [tuple(rng.choice(names, 2, replace=False)) for _ in range(int(rng.integers(0, 4)))]
    mats = ["Co", "Cu", "Py"]
    pair_of = {"Co": "Co/Cu", "Cu": "Co/Cu", "Py": "Py/Cu"}
    src, gnd = rng.choice(names, 2, replace=False)
    terminals = {str(src): "source", str(gnd): "ground"}
    for n in names:
        if n not in terminals and rng.random() < 0.25:
            terminals[n] = "floating"
    uses = {n: 0 for n in names}
    for a, b in pairs:
        uses[a] += 1
        uses[b] += 1
    wires = []
    for k, (a, b) in enumerate(pairs):
        m = mats[int(rng.integers(0, 3))]
        w = {"name": f"W{k}", "material": m, "length": float(rng.uniform(2e-9, 800e-9)),
             "area": float(rng.uniform(0.5e-14, 3e-14)), "from": str(a), "to": str(b)}
        if rng.random() < 0.3:
            w["magnetization"] = "down"
        for end, node in (("from", a), ("to", b)):
            if (uses[node] > 1 or node in terminals) and rng.random() < 0.5:
                w[f"interface_{end}"] = pair_of[m]
        if rng.random() < 0.3:
            w["area_profile"] = {"kind": "spherical", "r0": float(rng.uniform(20e-9, 500e-9)),
                                 "origin": str(rng.choice(["first", "last"]))}
        elif rng.random() < 0.2:
            L = w["length"]
            w["area_profile"] = {"kind": "table", "points": [[0.0, w["area"]],
                                 [0.4 * L, 2.5 * w["area"]], [L, 1.2 * w["area"]]]}
        wires.append(w)
    d = {"title": f"random {seed}", "materials": {"Co": dict(CO), "Cu": dict(CU)},
         "interfaces": {"Co/Cu": dict(CO_CU)}, "terminals": terminals, "wires": wires}
    # the motor at an end of a magnetic wire that is not a bare electrode
    for w in wires:
        if w["material"] != "Co":
            continue
        for end in ("from", "to"):
            if w[end] not in terminals or f"interface_{end}" in w:
                d["motor"] = {"wire": w["name"], "end": end, "frequency": 10e9,
                              "delta_alpha": 0.01, "magnons": float(rng.choice([0, 30]))}
                return d
    return d


@pytest.mark.parametrize("seed", range(12))
def test_random_branched_geometry_nodal_equals_analytic(seed):
    ws = stack_from_dict(random_geometry(seed), source=f"random{seed}")
    assert isinstance(ws, WireStack)
    sol = solve(build_network(ws), I)
    ref = solve_branched(ws, I)
    assert_same_solution(sol, ref, rtol=1e-9)
    assert sol.kcl_residual < 1e-12
    # the charge current of each wire is constant along it and equals the analytic one
    prof = sol.profile()
    for i, i_w in enumerate(ref.wire_currents):
        rows = prof[prof["layer"] == i]
        assert_allclose(rows["I_up"] + rows["I_dn"], i_w, atol=1e-12 * I)


@pytest.mark.parametrize("seed", [1, 5])
def test_random_branched_ladder_converges_to_analytic(seed):
    """The paper's ladder on a branched geometry (flaring wires included) converges as
    h^2 to the analytic solution once h << lsf (Py: 5.5 nm; 400-800 segments a wire)."""
    ws = stack_from_dict(random_geometry(seed))
    ref = solve_branched(ws, I)
    sols = [solve(build_network(ws, segments=n), I) for n in (400, 800)]
    ratios = []
    for key, v in ref.terminal_voltages.items():
        errs = [abs(s.to_dict()["terminal_voltages"][key] - v) for s in sols]
        if errs[0] > 1e-12 * abs(sols[0].voltage):
            ratios.append(errs[0] / errs[1])
    assert ratios and all(3.8 < r < 4.2 for r in ratios), ratios


@pytest.mark.parametrize("name", STRAIGHT)
def test_straight_chain_written_as_wires_equals_layers(name):
    stack = load_stack(NETLISTS / f"{name}.toml")
    stack = stack.with_motor(magnons=20.0)
    chain = wires_from_stack(stack)
    for kw in ({}, {"segments": 6}, {"segments": 3, "method": "exact"}):
        a = solve(build_network(stack, **kw), I)
        b = solve(build_network(chain, **kw), I)
        assert_allclose(b.V_UD, a.V_UD, rtol=1e-12)
        assert_allclose(b.resistance, a.resistance, rtol=1e-12)
        assert_allclose(b.motor_current, a.motor_current, rtol=1e-11)
        pa, pb = a.profile(), b.profile()
        for f in ("layer", "x"):
            assert_allclose(pb[f], pa[f], rtol=1e-15)
        for f in ("V_up", "V_dn", "I_up", "I_dn"):
            assert_allclose(pb[f], pa[f], rtol=1e-10, atol=1e-13 * abs(a.voltage))
    # and the analytic branched solution of the chain is the Valet-Fert one
    if name != "berger_pillar_flared":
        from circuitspin.diffusion import solve_diffusion as vf

        assert_allclose(solve_branched(stack, I).V_UD, vf(stack, I).V_UD, rtol=1e-10)


# ------------------------------------------------------------------ nonlocal spin valve
def nlsv_dict(L=500e-9, arm=20e-6, f_len=2.4e-6, ar=CO_CU["ar"], f2="up", a_n=5e-15,
              a_j=1e-14):
    co_cu = dict(CO_CU, ar=ar)
    wires = [
        {"name": "F1", "material": "Co", "length": f_len, "area": a_j, "from": "inj",
         "to": "J1", "interface_to": "Co/Cu"},
        {"name": "Nleft", "material": "Cu", "length": arm, "from": "gnd", "to": "J1"},
        {"name": "Nmid", "material": "Cu", "length": L, "from": "J1", "to": "J2"},
        {"name": "Nright", "material": "Cu", "length": arm, "from": "J2", "to": "ref"},
        {"name": "F2", "material": "Co", "length": f_len, "area": a_j, "from": "J2",
         "to": "det", "interface_from": "Co/Cu", "magnetization": f2},
    ]
    return {"title": "NLSV", "area": a_n, "materials": {"Co": dict(CO), "Cu": dict(CU)},
            "interfaces": {"Co/Cu": co_cu},
            "terminals": {"inj": "source", "gnd": "ground", "det": "floating",
                          "ref": "floating"}, "wires": wires}


def nonlocal_resistance(d):
    sol = solve(build_network(stack_from_dict(d)), I)
    tv = sol.to_dict()["terminal_voltages"]
    return (tv["det"] - tv["ref"]) / I, sol


def takahashi_maekawa(L, ar, a_n=5e-15, a_j=1e-14):
    """R_s = V_2 / I of Takahashi & Maekawa, PRB 67, 052409 (2003), for identical F1, F2
    (semi-infinite, junction area A_J) on an N strip (section A_N) infinite both ways::

        R_s = 2 R_N X^2 e^{-L/lsf_N} / [(1 + 2 r_i/(1-P_J^2) + 2 r_F/(1-p_F^2))^2 - e^{-2L/lsf_N}]
        X = P_J r_i/(1-P_J^2) + p_F r_F/(1-p_F^2),   r_i = R_i/R_N, r_F = R_F/R_N

    with R_N = rho_N lsf_N / A_N, R_F = rho_F lsf_F / A_J, R_i the junction resistance.
    In Valet-Fert terms p_F = beta, P_J = gamma, R_F/(1-p_F^2) = rho*_F lsf_F / A_J and
    R_i = AR* (1 - gamma^2) / A_J (the two bands 2 AR* (1 -+ gamma) / A_J in parallel).
    The factor 2 (not 4) of R_s: the injected spin current splits between the two N arms
    (spin resistance R_N each), and the detector sees half the spin splitting.
    """
    R_N = CU["rho"] * CU["lsf"] / a_n
    R_F = CO["rho"] * CO["lsf"] / a_j
    p_F, P_J = CO["beta"], CO_CU["gamma"]
    R_i = ar * (1 - P_J**2) / a_j
    r_i, r_F = R_i / R_N, R_F / R_N
    X = P_J * r_i / (1 - P_J**2) + p_F * r_F / (1 - p_F**2)
    D = 1 + 2 * r_i / (1 - P_J**2) + 2 * r_F / (1 - p_F**2)
    e = math.exp(-L / CU["lsf"])
    return 2 * R_N * X**2 * e / (D**2 - e**2)


@pytest.mark.parametrize("L", [50e-9, 500e-9, 2e-6])
@pytest.mark.parametrize("ar", [CO_CU["ar"], 1e-13])
def test_nonlocal_spin_valve_long_arms_equals_takahashi_maekawa(L, ar):
    r_p, sol = nonlocal_resistance(nlsv_dict(L=L, ar=ar))
    r_ap, _ = nonlocal_resistance(nlsv_dict(L=L, ar=ar, f2="down"))
    tm = takahashi_maekawa(L, ar)
    assert r_p > 0
    assert_allclose(r_p, tm, rtol=1e-9)
    # R_P = -R_AP, relative to the N potential in the current-free region
    assert_allclose(r_ap, -r_p, rtol=1e-11)
    # and the same from the analytic branched solution
    ref = solve_branched(sol.network.stack, I)
    tv = ref.terminal_voltages
    assert_allclose((tv["det"] - tv["ref"]) / I, tm, rtol=1e-9)


def test_short_arms_leave_the_long_arm_limit():
    """The formula is the long-arm limit: arms of one lsf change the signal by > 1 %."""
    r_short, _ = nonlocal_resistance(nlsv_dict(arm=CU["lsf"]))
    assert abs(r_short / takahashi_maekawa(500e-9, CO_CU["ar"]) - 1) > 1e-2


def test_tunnel_contacts_tend_to_jedema():
    """dR = R_P - R_AP -> gamma^2 (rho_N lsf_N / A_N) exp(-L/lsf_N) as R_i >> R_N, R_F.

    With a tunnel barrier the current crossing it has polarization gamma: the spin
    current gamma I/2 splits between the two N arms, Delta(J1) = gamma I R_N, Delta(J2) =
    Delta(J1) e^{-L/lsf}, and the detector, weighting V_up and V_dn by its band
    conductances (1 +- gamma), sits gamma Delta(J2)/2 above the N potential: R_s =
    gamma^2 R_N e^{-L/lsf} / 2 and dR = 2 R_s.  The corrections are O(R_N / R_i)."""
    L = 700e-9
    jedema = CO_CU["gamma"] ** 2 * CU["rho"] * CU["lsf"] / 5e-15 * math.exp(-L / CU["lsf"])
    devs = []
    for ar in (1e-12, 1e-11, 1e-10):
        d_r = (nonlocal_resistance(nlsv_dict(L=L, ar=ar))[0]
               - nonlocal_resistance(nlsv_dict(L=L, ar=ar, f2="down"))[0])
        assert_allclose(d_r, 2 * takahashi_maekawa(L, ar), rtol=1e-9)
        devs.append(abs(d_r / jedema - 1))
    assert devs[0] < 2e-2
    assert_allclose(devs[1] / devs[0], 0.1, rtol=0.05)
    assert_allclose(devs[2] / devs[1], 0.1, rtol=0.05)


@pytest.mark.parametrize("name", ["nonlocal_spin_valve", "zero_current_swaser"])
def test_no_charge_current_in_the_detector_arm(name):
    ws = load_stack(NETLISTS / f"{name}.toml")
    sol = solve(build_network(ws), I)
    prof = sol.profile()
    ref = solve_branched(ws, I)
    free = {"nonlocal_spin_valve": ("Nmid", "Nright", "F2"),
            "zero_current_swaser": ("N", "F2", "N2")}[name]
    for wname in free:
        i = ws.layer_index(wname)
        rows = prof[prof["layer"] == i]
        assert np.all(np.abs(rows["I_up"] + rows["I_dn"]) <= 1e-12 * I), wname
        assert abs(ref.wire_currents[i]) <= 1e-12 * I
        # ... while spin current does flow there
        assert np.abs(rows["I_up"]).max() > 1e-6 * I
    assert_same_solution(sol, ref)


def test_zero_current_swaser_pumps_with_the_pillar_sign():
    ws = load_stack(NETLISTS / "zero_current_swaser.toml")
    pillar = load_stack(NETLISTS / "berger_pillar.toml")
    zc = solve(build_network(ws), I)
    p = solve(build_network(pillar), I)
    assert zc.delta_mu_bar_eV < 0 and p.delta_mu_bar_eV < 0
    assert 0.1 < zc.V_UD / p.V_UD < 1.0
    # U-D are F2's own nodes at its N|F2 contact, named u and d
    names = zc.network.node_names()
    assert names[zc.network.u] == "u" and zc.network.node(zc.network.u).layer == "F2"
    # the linear motor loads the bridge as in the pillar: I_M = (V_UD - E) / R_M
    loaded = solve(build_network(ws.with_motor(magnons=50.0)), I)
    assert_allclose(loaded.motor_current,
                    50.0 / ws.motor.r1 * (loaded.V_UD - ws.motor.emf), rtol=1e-12)
    assert_same_solution(loaded, solve_branched(ws.with_motor(magnons=50.0), I))


def test_motor_at_the_to_end_and_fully_contacted_junction():
    d = nlsv_dict(L=100e-9, arm=3e-6, f_len=1e-6)
    # F2 turned around: its "to" end meets J2 through the interface; U-D there
    f2 = d["wires"][4]
    f2["from"], f2["to"] = "det", "J2"
    f2["interface_to"] = f2.pop("interface_from")
    # a junction reached only through interfaces: F3 and F4 meet at K, both contacted
    d["wires"] += [
        {"name": "F3", "material": "Co", "length": 50e-9, "from": "J1", "to": "K",
         "interface_from": "Co/Cu", "interface_to": "Co/Cu"},
        {"name": "F4", "material": "Co", "length": 80e-9, "from": "K", "to": "ref",
         "interface_from": "Co/Cu"},
    ]
    d["motor"] = {"wire": "F2", "end": "to", "frequency": 10e9, "delta_alpha": 0.01,
                  "magnons": 10.0}
    ws = stack_from_dict(d)
    net = build_network(ws)
    keys = [net.node(i) for i in range(net.n_nodes)]
    assert len(set(keys)) == len(keys)           # unique (wire, pos, band) keys
    assert net.graph.number_of_nodes() == net.n_nodes
    assert net.node(net.u) == ("F2", 1, "up")
    names = net.node_names()
    assert len(set(names)) == len(names) and "k_up" in names and "det" in names
    assert_same_solution(solve(net, I), solve_branched(ws, I))


def test_wire_network_names_terminals_and_spice_safe_keys():
    ws = load_stack(NETLISTS / "nonlocal_spin_valve.toml")
    net = build_network(ws)
    assert set(net.terminals) == {"inj", "gnd", "det", "ref"}
    assert net.source == net.terminals["inj"] and net.ground == net.terminals["gnd"]
    names = net.node_names()
    for t, i in net.terminals.items():
        assert names[i] == t and net.node(i).band == "e"
    assert names[net.u] == "u" and names[net.d] == "d"
    # a ladder of the same geometry keeps one key per node too
    lad = build_network(ws, segments=5)
    keys = {lad.node(i) for i in range(lad.n_nodes)}
    assert len(keys) == lad.n_nodes


def test_cli_solve_json_has_terminal_voltages_and_compare():
    res = run_cli("solve", NETLISTS / "zero_current_swaser.toml", "--current", "1 mA",
                  "--json", "--compare")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out["terminal_voltages"]) == {"inj", "gnd", "det"}
    assert out["terminal_voltages"]["gnd"] == 0.0
    assert_allclose(out["terminal_voltages"]["inj"], out["voltage"], rtol=1e-15)
    assert_allclose(out["V_UD"], out["diffusion_V_UD"], rtol=1e-9)
    assert out["delta_mu_bar_eV"] == -out["V_UD"]
    # a straight stack has no terminal_voltages field
    res = run_cli("solve", NETLISTS / "berger_pillar.toml", "--current", "1 mA", "--json")
    assert "terminal_voltages" not in json.loads(res.stdout)


def test_solve_diffusion_dispatches_branched_geometries():
    ws = load_stack(NETLISTS / "zero_current_swaser.toml")
    ref = solve_diffusion(ws, I)
    assert_allclose(ref.V_UD, solve(build_network(ws), I).V_UD, rtol=1e-9)
    prof = ref.profile(11)
    assert prof.size == 11 * len(ws.layers)


def test_ngspice_path_on_a_branched_geometry():
    from conftest import need_ngspice

    need_ngspice("shared")
    ws = load_stack(NETLISTS / "zero_current_swaser.toml").with_motor(magnons=30.0)
    net = build_network(ws)
    a = solve(net, I)
    b = solve(net, I, backend="ngspice")
    assert_allclose(b.V_UD, a.V_UD, rtol=1e-6)
    for name, v in a.to_dict()["terminal_voltages"].items():
        assert_allclose(b.to_dict()["terminal_voltages"][name], v, rtol=1e-6, atol=1e-15)


# ------------------------------------------------------------------ bad input
BASE = (NETLISTS / "zero_current_swaser.toml").read_text()


def _edit(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


BAD = [
    ("unknown_pair", _edit(BASE, 'interface_to = "Co/Cu"', 'interface_to = "Co/Xx"'),
     ["[wires #1 'F1']", "interface_to", "Co/Xx"]),
    ("pair_without_material", _edit(BASE, 'interface_to = "Co/Cu"', 'interface_to = "Py/Cu"'),
     ["[wires #1 'F1']", "interface_to", "Py/Cu", "Co"]),
    ("missing_to", _edit(BASE, 'to = "gnd"\n', ""), ["[wires #2 'Nlead']", "to", "missing"]),
    ("terminal_not_a_node", _edit(BASE, 'det = "floating"', 'det = "floating"\nfar = "floating"'),
     ["[terminals]", "far", "no wire ends"]),
    ("disconnected", BASE + '[[wires]]\nname = "X"\nmaterial = "Cu"\nlength = 1e-8\n'
                            'from = "A"\nto = "B"\n',
     ["[wires]", "X", "disconnected"]),
    ("no_ground", _edit(BASE, 'gnd = "ground"', 'gnd = "floating"'),
     ["[terminals]", "ground"]),
    ("no_source", _edit(BASE, 'inj = "source"', 'inj = "floating"'),
     ["[terminals]", "source"]),
    ("two_sources", _edit(BASE, 'det = "floating"', 'det = "source"'),
     ["[terminals]", "source", "got 2"]),
    ("no_terminals", _edit(_edit(_edit(_edit(BASE, "[terminals]\n", ""), 'inj = "source"\n', ""),
                                 'gnd = "ground"\n', ""), 'det = "floating"\n', ""),
     ["[terminals]", "missing"]),
    ("bad_kind", _edit(BASE, 'det = "floating"', 'det = "probe"'),
     ["[terminals]", "det", "floating"]),
    ("interface_at_open_end", BASE + '[[wires]]\nname = "X"\nmaterial = "Cu"\nlength = 1e-8\n'
                                     'from = "P"\nto = "tip"\ninterface_to = "Co/Cu"\n',
     ["[wires #6 'X']", "interface_to", "open end"]),
    ("same_node_twice", _edit(BASE, 'from = "J"\nto = "K"', 'from = "K"\nto = "K"'),
     ["[wires #3 'N']", "to", "two different nodes"]),
    ("duplicate_wire", _edit(BASE, 'name = "N2"', 'name = "N"'), ["name", "duplicate"]),
    ("unknown_wire_key", _edit(BASE, "length = 3e-9", "length = 3e-9\nlenght = 1"),
     ["[wires #4 'F2']", "lenght", "unknown key"]),
    ("negative_length", _edit(BASE, "length = 3e-9", "length = -3e-9"),
     ["[wires #4 'F2']", "length", "> 0"]),
    ("no_area", _edit(BASE, "area = 1e-14\n", ""), ["[wires #1 'F1']", "area", "missing"]),
    ("layers_and_wires", BASE + '[[layers]]\nname = "A"\nmaterial = "Cu"\nthickness = 1e-9\n',
     ["[top level]", "layers", "not both"]),
    ("motor_wire_missing", _edit(BASE, 'wire = "F2"', 'wire = "F9"'),
     ["[motor]", "wire", "F9"]),
    ("motor_at_electrode", _edit(_edit(BASE, 'wire = "F2"', 'wire = "Nlead"'),
                                 'end = "from"', 'end = "to"'),
     ["[motor]", "end", "gnd", "shorted"]),
    ("motor_bad_end", _edit(BASE, 'end = "from"', 'end = "middle"'), ["[motor]", "end"]),
    ("bad_node_name", _edit(BASE, 'to = "det"', 'to = "d-t"'),
     ["[wires #5 'N2']", "to", "d-t"]),
    ("wires_not_array", 'area = 1e-14\nwires = 5\n[terminals]\na = "source"\n',
     ["[wires]", "array"]),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_wire_file_one_line_exit_2(tmp_path, case):
    _, text, words = case
    p = tmp_path / "bad.toml"
    p.write_text(text)
    res = run_cli("solve", p, "--current", "1e-3")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    err = res.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith("circuitspin: error: ") and str(p) in err, err
    for w in words:
        assert w in err, (w, err)


def test_good_base_file_is_valid():
    """The BAD cases are edits of a file that solves."""
    assert run_cli("solve", NETLISTS / "zero_current_swaser.toml", "--current",
                   "1e-3").returncode == 0


def test_build_wire_network_rejects_bad_segments():
    ws = load_stack(NETLISTS / "zero_current_swaser.toml")
    with pytest.raises(NetworkError, match="segments"):
        build_network(ws, segments=0)
    with pytest.raises(NetworkError, match="method"):
        build_network(ws, method="spline")


def test_gamma_follows_the_ferromagnetic_side():
    """An interface held by the Cu wire takes the sign of the Co wire it meets."""
    d = nlsv_dict(f2="down")
    a = stack_from_dict(d)
    d2 = nlsv_dict(f2="down")
    f2 = d2["wires"][4]
    del f2["interface_from"]
    d2["wires"][3]["interface_from"] = "Co/Cu"   # on Nright, at J2 where F2 ends
    b = stack_from_dict(d2)
    assert a.layers[4].contact_from.gamma == -CO_CU["gamma"]
    assert b.layers[3].contact_from.gamma == -CO_CU["gamma"]
    # an all-down device is the mirror image of the all-up one: signals unchanged
    up = nonlocal_resistance(nlsv_dict())[0]
    d3 = nlsv_dict(f2="down")
    d3["wires"][0]["magnetization"] = "down"
    assert_allclose(nonlocal_resistance(d3)[0], up, rtol=1e-11)


def test_pillar_dict_as_wires_round_trip():
    """pillar_dict's stack and its chain of wires give one answer with a loaded motor."""
    stack = stack_from_dict(pillar_dict(magnons=40.0))
    a = solve(build_network(stack), I)
    b = solve(build_network(wires_from_stack(stack)), I)
    assert_allclose(b.motor_current, a.motor_current, rtol=1e-11)
    assert_allclose(b.to_dict()["terminal_voltages"]["source"], a.voltage, rtol=1e-12)


# ------------------------------------------------------------------ thresholds
DEVICES = ["berger_pillar", "berger_pillar_flared", "zero_current_swaser",
           "nonlocal_spin_valve"]


def test_threshold_currents_of_the_devices():
    """I_th = V_th / k with k = V_UD per ampere from the analytic solution, V_th = h f / e
    (alpha -> 0); the 1D pillar needs the least current, the flared one the most."""
    from scipy import constants as c

    from circuitspin.devices import compare_thresholds

    res = compare_thresholds([NETLISTS / f"{n}.toml" for n in DEVICES])
    by = {r.name: r for r in res}
    for n in DEVICES:
        stack = load_stack(NETLISTS / f"{n}.toml")
        k = solve_diffusion(stack, 1.0).V_UD
        assert_allclose(by[n].bridge_gain, k, rtol=1e-9)
        assert_allclose(by[n].V_th, c.h * stack.motor.frequency / c.e, rtol=1e-15)
        assert_allclose(by[n].I_th, by[n].V_th / k, rtol=1e-9)
        assert by[n].I_th > 0
    assert_allclose(by["berger_pillar"].motor_wire_current, 1.0, rtol=1e-12)
    assert abs(by["zero_current_swaser"].motor_wire_current) < 1e-12
    assert abs(by["nonlocal_spin_valve"].motor_wire_current) < 1e-12
    assert (by["berger_pillar"].I_th < by["zero_current_swaser"].I_th
            < by["berger_pillar_flared"].I_th)
    # damping given: V_th grows by 1 + alpha / delta_alpha, I_th with it
    from circuitspin.devices import device_threshold

    zc = load_stack(NETLISTS / "zero_current_swaser.toml")
    damped = device_threshold(zc.with_motor(alpha=0.005))
    assert_allclose(damped.I_th, 1.5 * by["zero_current_swaser"].I_th, rtol=1e-12)


@pytest.mark.parametrize("name", DEVICES[1:])
def test_threshold_command_on_the_new_devices(name):
    res = run_cli("threshold", NETLISTS / f"{name}.toml", "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    k = solve_diffusion(load_stack(NETLISTS / f"{name}.toml"), 1.0).V_UD
    assert_allclose(out["threshold_current"], out["V_th"] / k, rtol=1e-9)


def test_compare_thresholds_cli_and_plot(tmp_path):
    from circuitspin.devices import compare_thresholds
    from circuitspin.plot import plot_threshold_comparison

    files = [NETLISTS / f"{n}.toml" for n in DEVICES[:3]]
    fig = plot_threshold_comparison(compare_thresholds(files))
    (ax,) = fig.axes
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 3
    assert_allclose(heights, [r.I_th * 1e3 for r in compare_thresholds(files)], rtol=1e-12)
    out = tmp_path / "thresholds.png"
    res = run_cli("compare-thresholds", *files, "-o", out, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [d["name"] for d in data["devices"]] == DEVICES[:3]
    assert out.stat().st_size > 1000 and data["plot"] == str(out)
    res = run_cli("compare-thresholds", NETLISTS / "nope.toml")
    assert res.returncode == 2 and "nope.toml" in res.stderr


def test_wire_profile_plot():
    from circuitspin.plot import plot_wire_profiles

    ws = load_stack(NETLISTS / "zero_current_swaser.toml")
    sol = solve(build_network(ws, segments=8), I)
    fig = plot_wire_profiles(sol)
    ax_d, ax_i = fig.axes
    assert len(ax_d.lines) == len(ws.layers)
    # the first wire's line is Delta along F1, unscaled (V)
    prof = sol.profile()
    assert_allclose(ax_d.lines[0].get_ydata(), prof["Delta"][prof["layer"] == 0])
