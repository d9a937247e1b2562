"""Interface spin flip (Bass-Pratt delta): the exact element against a thin layer with
rho* t = AR*, beta = gamma, t / lsf = delta, its delta -> 0 limit, nodal vs the closed
form vs ngspice, Kirchhoff, the batched solver, gmr and fit, and bad input."""
from __future__ import annotations

import copy
import json
import math
import tomllib

import numpy as np
import pytest
from numpy.testing import assert_allclose

import circuitspin as cs
from circuitspin.batch import solve_batch
from circuitspin.errors import StackError
from circuitspin.network import EDGE_KINDS, INTERFACE
from circuitspin.segments import exact_segment, interface_element
from circuitspin.sweep import get_param, parse_param, run_sweep, set_param
from conftest import NETLISTS, kcl_floor, need_ngspice, pillar_dict, run_cli

I = 1e-3
EPS = np.finfo(float).eps
PAIR = "Co/Cu"


def _pillar(delta=None, f2="up", **kw):
    """The Berger pillar mapping (Co/Cu interfaces of the test parameters) with the
    given delta on its Co/Cu interfaces (None: no key)."""
    d = pillar_dict(f2, **kw)
    if delta is not None:
        d["interfaces"][PAIR]["delta"] = delta
    return d


def _solve(data, current=I, **kw):
    st = cs.stack_from_dict(data)
    return cs.solve(cs.build_network(st, **kw), current)


def _thin_layer(data, t):
    """``data`` with every Co/Cu interface replaced by a layer of thickness ``t`` of a
    material X with rho* t = AR*, beta = gamma, t / lsf = delta, joined on both sides
    with no interface resistance (shared nodes), magnetised as the Co side."""
    out = copy.deepcopy(data)
    p = out["interfaces"].pop(PAIR)
    gamma, delta = p["gamma"], p["delta"]
    out.setdefault("materials", {})["X"] = {
        "rho": p["ar"] / t * (1.0 - gamma**2), "beta": gamma, "lsf": t / delta,
        "ferromagnetic": True}
    out["interfaces"]["Co/X"] = {"ar": 0.0}
    out["interfaces"]["X/Cu"] = {"ar": 0.0}
    layers = []
    for a, b in zip(out["layers"], out["layers"][1:] + [None]):
        layers.append(a)
        if b is None or {a["material"], b["material"]} != {"Co", "Cu"}:
            continue
        co = a if a["material"] == "Co" else b
        layers.append({"name": f"X_{a['name']}", "material": "X", "thickness": t,
                       "magnetization": co.get("magnetization", "up")})
    out["layers"] = layers
    return out


# --------------------------------------------------------------------------- the element
def test_element_is_the_exact_segment_of_a_thin_layer_for_any_thickness():
    """The exact segment of a layer with rho* t = AR*, beta = gamma, t/lsf = delta
    depends on those products only: at t from 1e-15 m to 1 um it is the element, to the
    rounding of its own terms (a few eps)."""
    area, ar = 1e-14, 0.51e-15
    for gamma in (-0.9, -0.3, 0.0, 0.77, 0.95):
        r_up, r_dn = 2 * ar * (1 - gamma), 2 * ar * (1 + gamma)
        for delta in (1e-6, 0.01, 0.33, 0.9, 3.0, 30.0, 300.0):
            elem = np.array(interface_element(area, r_up, r_dn, delta))
            assert np.all(elem > 0) and np.all(np.isfinite(elem))
            for t in 10.0 ** np.arange(-15, -5):
                seg = np.array(exact_segment(area, t, t / delta, t / r_up, t / r_dn))
                assert_allclose(seg, elem, rtol=32 * EPS, err_msg=f"{gamma} {delta} {t}")


def test_element_tends_to_the_interface_resistors_as_delta_goes_to_zero():
    """g_ss -> A / r_s, g_vert and g_diag -> 0, all as delta^2 (k delta^2 / 6 for the
    band and diagonal terms, k delta^2 / 3 for the verticals, k = A / (4 AR*))."""
    area, ar, gamma = 1e-14, 0.51e-15, 0.77
    r_up, r_dn = 2 * ar * (1 - gamma), 2 * ar * (1 + gamma)
    k = area / (4 * ar)
    g0 = np.array([area / r_up, area / r_dn, 0.0, 0.0])
    for delta in (1e-1, 1e-2, 1e-3):
        g = np.array(interface_element(area, r_up, r_dn, delta))
        assert_allclose((g0[:2] - g[:2]) / (k * delta**2), [1 / 6, 1 / 6], rtol=delta**2)
        assert_allclose(g[2:] / (k * delta**2), [1 / 3, 1 / 6], rtol=delta**2)
    # exactly 0: the two resistors (to the rounding of k (r_dn / r_up + 1) = A / r_up)
    assert_allclose(interface_element(area, r_up, r_dn, 0.0), g0, rtol=4 * EPS, atol=0)


# --------------------------------------------------------------------------- network
def test_delta_zero_is_todays_network_bit_for_bit():
    a = cs.build_network(cs.stack_from_dict(_pillar()))
    b = cs.build_network(cs.stack_from_dict(_pillar(0.0)))
    for field in ("edge_a", "edge_b", "edge_g", "edge_kind", "node_x"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    # and the interface is its two resistors, one per band
    n_iface = int(np.sum(a.edge_kind == INTERFACE))
    assert n_iface == 2 * 3


def test_small_delta_is_continuous_and_quadratic():
    """V_UD and R move from their delta = 0 values as delta^2 (the element's terms
    do); at delta = 1e-9 the change (1e-18 relative) is below rounding."""
    base = _solve(_pillar(0.0))
    ratios = []
    for delta in (1e-3, 1e-4):
        sol = _solve(_pillar(delta))
        ratios.append([(sol.V_UD - base.V_UD) / delta**2,
                       (sol.resistance - base.resistance) / delta**2])
    # the next order is ~10 delta^2 relative (1e-5 at 1e-3); the changes (1e-8 of V_UD
    # and R at 1e-4) stand 1e7 above their rounding
    assert_allclose(ratios[0], ratios[1], rtol=1e-4)
    tiny = _solve(_pillar(1e-9))
    assert_allclose([tiny.V_UD, tiny.resistance], [base.V_UD, base.resistance], rtol=1e-13)


@pytest.mark.parametrize("f2", ["up", "down"])
@pytest.mark.parametrize("delta", [0.05, 0.33, 0.9, 4.0])
@pytest.mark.filterwarnings("ignore:.*implausible")
def test_delta_interface_equals_a_thin_layer(delta, f2):
    """The stack with delta interfaces and the stack with each interface replaced by a
    thin layer (rho* t = AR*, beta = gamma, t / lsf = delta) give the same V_UD, R and
    interface spin accumulation to 1e-9, for every t from 1e-14 m to 1 nm: the exact
    segment depends only on the products, so there is no O(t) remainder."""
    data = _pillar(delta, f2)
    ref = _solve(data)
    diffs = []
    for t in (1e-14, 1e-12, 1e-10, 1e-9):
        thin = _solve(_thin_layer(data, t))
        diffs.append(abs(thin.V_UD - ref.V_UD) / abs(ref.V_UD))
        assert_allclose(thin.resistance, ref.resistance, rtol=1e-9)
        assert_allclose(thin.V_UD, ref.V_UD, rtol=1e-9)
        # the closed form of the thin-layer stack (an independent solution) agrees too
        cf = cs.solve_diffusion(cs.stack_from_dict(_thin_layer(data, t)), I)
        assert_allclose([cf.V_UD, cf.resistance], [ref.V_UD, ref.resistance], rtol=1e-9)
    # no trend with t: every difference is rounding (V_UD is a difference of potentials
    # ~1e3 times larger, so a few hundred eps of it)
    assert max(diffs) < 1e-12


@pytest.mark.filterwarnings("ignore:.*implausible")
def test_thin_layer_ladder_converges_to_the_element_at_second_order():
    """Cut the thin layer into N ladder segments (a discretisation that does depend on
    the cut): its V_UD converges to the element's as 1 / N^2, whatever t is."""
    data = _pillar(0.9)
    # every other layer one ladder segment in both networks (the same discretisation);
    # the element is exact in any discretisation
    ref = _solve(data, method="ladder").V_UD
    for t in (1e-12, 1e-9):
        thin = _thin_layer(data, t)
        errs = []
        for n in (4, 8, 16, 32):
            d = copy.deepcopy(thin)
            for lay in d["layers"]:
                if lay["material"] == "X":
                    lay["segments"] = n
            errs.append(abs(_solve(d, method="ladder").V_UD - ref))
        errs = np.array(errs)
        # halving h divides the error by 4 (+- 5 %)
        assert_allclose(errs[:-1] / errs[1:], 4.0, rtol=0.05)


# --------------------------------------------------------------------------- cross-checks
CASES = {
    "P pillar": lambda d: _pillar(d),
    "AP pillar": lambda d: _pillar(d, "down"),
    "pillar with motor": lambda d: _pillar(d, magnons=20.0),
}


def _examples(delta):
    """Every example stack file with delta on every interface."""
    for path in sorted(NETLISTS.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        if data.get("motor", {}).get("mode") == "steady":  # the closed form's is linear
            data.pop("motor")
        ifaces = data.setdefault("interfaces", {})
        for key in list(ifaces):
            if ifaces[key].get("ar", 0) != 0:
                ifaces[key]["delta"] = delta
        # the built-in interfaces the file uses, explicitly with delta
        st = cs.load_stack(path)
        pairs = ([w.contact(e).pair for w in st.layers for e in ("from", "to")
                  if w.contact(e) is not None] if hasattr(st, "nodes") else
                 [f"{st.layers[i.left].material.name}/{st.layers[i.left + 1].material.name}"
                  for i in st.interfaces if not i.merged])
        for pair in pairs:
            a, b = pair.split("/")
            if pair not in ifaces and f"{b}/{a}" not in ifaces:
                p = cs.materials.builtin_interface(a, b)
                ifaces[pair] = {"ar": p.ar, "gamma": p.gamma, "delta": delta}
        yield path.stem, data


@pytest.mark.parametrize("delta", [0.2, 1.5])
def test_nodal_equals_closed_form_on_every_example(delta):
    """Straight stacks, the flared pillar and the branched geometries: V_UD, R and the
    terminal voltages of the network against the closed form, 1e-9."""
    for name, data in _examples(delta):
        st = cs.stack_from_dict(data, source=name)
        sol = cs.solve(cs.build_network(st), I)
        cf = cs.solve_diffusion(st, I)
        if st.motor is not None and st.motor.mode == "linear":  # closed form: linear motor
            assert_allclose(sol.V_UD, cf.V_UD, rtol=1e-9, err_msg=name)
        assert_allclose(sol.voltage, cf.voltage, rtol=1e-9, err_msg=name)
        if sol.network.terminals:
            for term, v in cf.terminal_voltages.items():
                assert_allclose(sol.potentials[sol.network.terminals[term]], v, rtol=1e-9,
                                atol=1e-12 * abs(sol.voltage), err_msg=f"{name} {term}")


@pytest.mark.parametrize("case", list(CASES))
def test_profile_and_kirchhoff_with_delta(case):
    """Node potentials and band currents at every face against the closed form; KCL at
    every node to its rounding floor; the charge current through every interface
    element is the source current (its spin part is not conserved)."""
    st = cs.stack_from_dict(CASES[case](0.33))
    sol = cs.solve(cs.build_network(st), I)
    cf = cs.solve_diffusion(st, I)
    for row in sol.profile():
        lay = st.layers[row["layer"]]
        ref = cf.at(row["layer"], row["x"] - lay.x0)
        assert_allclose([row["V_up"], row["V_dn"]], ref[:2], rtol=1e-9, atol=1e-15)
        assert_allclose([row["I_up"], row["I_dn"]], ref[2:], rtol=1e-9, atol=1e-15)
    net = sol.network
    v = sol.potentials
    from circuitspin.solution import injections, kcl_outflow

    r = kcl_outflow(net, v, sol.motor_current) - injections(net, I)
    r[net.ground] = 0.0
    for node in range(net.n_nodes):
        assert abs(r[node]) <= kcl_floor(net, v, node), node
    # charge through each interface: the band, diagonal edges between the two sides
    cur = sol.branch_currents()
    side = net.node_layer
    for i in st.interfaces:
        cross = (side[net.edge_a] == i.left) & (side[net.edge_b] == i.left + 1)
        total = cur[cross].sum()
        assert_allclose(total, I, rtol=1e-12)


def test_ngspice_agrees_with_nodal():
    need_ngspice("subprocess")
    from circuitspin.netlist import to_spice
    from circuitspin.solvers.spice import run_ngspice_batch

    for name, data in [("P", _pillar(0.33, magnons=20.0)), ("AP", _pillar(0.9, "down"))]:
        net = cs.build_network(cs.stack_from_dict(data))
        sol = cs.solve(net, I)
        spice = cs.solve(net, I, backend="ngspice", mode="subprocess")
        # potentials of ~1 mV resolved by ngspice's 1e-12 relative tolerances: 1e-9 of
        # V_UD (a 1e-4 V difference of them) is well above that
        assert_allclose(spice.V_UD, sol.V_UD, rtol=1e-9, err_msg=name)
        assert_allclose(spice.voltage, sol.voltage, rtol=1e-9, err_msg=name)
        deck = to_spice(net, I)
        assert "spin flip delta" in deck and deck.rstrip().endswith(".end")
        values = run_ngspice_batch(deck)[0]
        assert_allclose(values["u"] - values["d"], sol.V_UD, rtol=1e-9)


def test_deck_reads_back_to_the_network():
    from circuitspin.netlist import from_spice, to_spice

    net = cs.build_network(cs.stack_from_dict(_pillar(0.33, magnons=20.0)))
    g = from_spice(to_spice(net, I))
    mine = net.graph
    # the deck holds each resistance 1 / g in full precision
    assert sorted((d["name"], d["kind"], d["resistance"]) for *_, d in g.edges(data=True)
                  if d["kind"] != "vsource") == \
        sorted((d["name"], d["kind"], 1.0 / d["conductance"])
               for *_, d in mine.edges(data=True))
    assert sorted(g.nodes) == sorted(mine.nodes)


def test_batched_solver_with_delta():
    stacks = [cs.stack_from_dict(_pillar(d, magnons=5.0)) for d in (0.1, 0.33, 2.0)]
    out = solve_batch(stacks, [I])
    for k, st in enumerate(stacks):
        sol = cs.solve(cs.build_network(st), I)
        assert_allclose(out["V_UD"][k, 0], sol.V_UD, rtol=1e-12)
        assert_allclose(out["voltage"][k, 0], sol.voltage, rtol=1e-12)
    with pytest.raises(StackError, match="shape"):
        solve_batch([stacks[0], cs.stack_from_dict(_pillar(0.0))], [I])


def test_schematic_draws_the_element():
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    net = cs.build_network(cs.stack_from_dict(_pillar(0.33, magnons=20.0)))
    rep = schematic_report(draw_schematic(net))
    assert rep["shorts"] == []
    kinds = np.bincount(net.edge_kind, minlength=len(EDGE_KINDS))
    for kind, n in zip(EDGE_KINDS[:4], kinds[:4]):
        assert rep["resistors"][kind] == n, kind
    edges = sorted(((min(a, b), max(a, b), EDGE_KINDS[k], g) for a, b, g, k in
                    zip(net.edge_a.tolist(), net.edge_b.tolist(), net.edge_g.tolist(),
                        net.edge_kind.tolist())), key=repr)
    assert rep["edges"] == edges
    assert rep["motor"]["nodes"] == (net.u, net.d)


# --------------------------------------------------------------------------- gmr and fit
def test_gmr_with_delta_matches_closed_form():
    data = _pillar(0.33)
    g = cs.gmr(data)
    p = copy.deepcopy(data)
    p.pop("motor")
    ap = copy.deepcopy(p)
    ap["layers"][2]["magnetization"] = "down"
    r_p = cs.solve_diffusion(cs.stack_from_dict(p), 1.0).resistance
    r_ap = cs.solve_diffusion(cs.stack_from_dict(ap), 1.0).resistance
    assert_allclose([g.R_P, g.R_AP, g.dR], [r_p, r_ap, r_ap - r_p], rtol=1e-9)
    # spin flip at the interfaces lowers the GMR
    assert g.dR < cs.gmr(_pillar(0.0)).dR


def test_fit_recovers_delta():
    """Noiseless A dR against the F2 thickness made with delta = 0.33; the fit started
    at 0.1 gives it back to the optimizer's tolerance."""
    from circuitspin.gmr import gmr_of_mapping

    template = _pillar(0.1)
    template.pop("motor")
    path = f"interfaces.{PAIR}.delta"
    truth = set_param(template, path, 0.33)
    thick = np.array([1.0, 2.0, 4.0, 8.0, 16.0]) * 1e-9
    adr = [gmr_of_mapping(set_param(truth, "layers.F2.thickness", t), "F2").AdR
           for t in thick]
    r = cs.fit(template, {"layers.F2.thickness": thick, "AdR": adr}, [path],
               free_layer="F2")
    assert_allclose(r.parameters[path]["value"], 0.33, rtol=1e-5)


def test_cli_fit_of_delta(tmp_path):
    """The command a user runs: a template and a CSV of A dR (made with delta = 0.5 and
    2 % errors given per point, noiseless values) -> delta with its standard error."""
    from circuitspin.gmr import gmr_of_mapping

    text = (NETLISTS / "berger_pillar.toml").read_text().replace(
        "gamma = 0.77", "gamma = 0.77\ndelta = 0.2", 1)
    template = tmp_path / "template.toml"
    template.write_text(text)
    truth = set_param(tomllib.loads(text), f"interfaces.{PAIR}.delta", 0.5)
    rows = ["layers.F2.thickness (nm),AdR (fOhm*m^2),sigma_AdR (fOhm*m^2)"]
    for t in (1.0, 2.0, 4.0, 8.0, 16.0):
        adr = gmr_of_mapping(set_param(truth, "layers.F2.thickness", t * 1e-9)).AdR * 1e15
        rows.append(f"{t},{adr!r},{0.02 * adr!r}")
    csv = tmp_path / "adr.csv"
    csv.write_text("\n".join(rows) + "\n")
    res = run_cli("fit", str(template), str(csv), "--free", f"interfaces.{PAIR}.delta",
                  "--json")
    assert res.returncode == 0, res.stderr
    par = json.loads(res.stdout)["parameters"][f"interfaces.{PAIR}.delta"]
    assert_allclose(par["value"], 0.5, rtol=1e-5)
    assert 0 < par["stderr"] < 0.5


def test_fit_and_sweep_paths(tmp_path):
    data = _pillar()
    # a file's interface table without delta has delta 0 (not the built-in value)
    assert get_param(data, f"interfaces.{PAIR}.delta") == 0.0
    assert get_param({"layers": [], "area": 1e-14}, "interfaces.Co/Cu.delta") == \
        cs.materials.builtin_interface("Co", "Cu").delta
    st = cs.stack_from_dict(set_param(data, "interfaces.Cu/Co.delta", 0.5))
    assert st.interfaces[0].params.delta == 0.5
    ds = run_sweep(data, [parse_param(f"interfaces.{PAIR}.delta=0,0.33")], [I],
                   progress=False)
    v = ds["V_UD"].values.ravel()
    assert_allclose(v, [_solve(_pillar(0.0)).V_UD, _solve(_pillar(0.33)).V_UD], rtol=1e-12)
    # a start at the bound is refused with the way out
    with pytest.raises(StackError, match="edge of its physical range"):
        cs.fit(data, {"layers.F2.thickness": [1e-9, 2e-9, 3e-9], "AdR": [1, 2, 3]},
               [f"interfaces.{PAIR}.delta"], free_layer="F2")


def test_builtin_interfaces_carry_delta_with_sources():
    for (a, b), value in [(("Co", "Cu"), 0.33), (("Co", "Pt"), 0.9)]:
        p = cs.materials.builtin_interface(a, b)
        assert p.delta == value and "delta" in p.source
    assert "not modelled" not in cs.materials.builtin_interface("Co", "Pt").source


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("value,reason", [
    ("-0.1", "must be >= 0, got -0.1"),
    ('"abc"', "abc"),
    ("true", "expected a number"),
    ("nan", "must be finite"),
])
def test_bad_delta_is_one_line_exit_2(tmp_path, value, reason):
    text = (NETLISTS / "berger_pillar.toml").read_text()
    text = text.replace("gamma = 0.77", f"gamma = 0.77\ndelta = {value}", 1)
    assert f"delta = {value}" in text
    path = tmp_path / "bad.toml"
    path.write_text(text)
    res = run_cli("solve", str(path), "--current", "1e-3")
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert lines[0].startswith(f"circuitspin: error: {path}: [interfaces.\"Co/Cu\"] delta: ")
    assert reason in lines[0]


def test_implausible_delta_warns_once(tmp_path):
    d = _pillar(50.0)
    with pytest.warns(cs.errors.CircuitSpinWarning, match="delta: 50 is implausible"):
        cs.stack_from_dict(d)


def test_solve_json_of_a_delta_stack(tmp_path):
    text = (NETLISTS / "berger_pillar.toml").read_text().replace(
        "gamma = 0.77", "gamma = 0.77\ndelta = 0.33", 1)
    path = tmp_path / "flip.toml"
    path.write_text(text)
    res = run_cli("solve", str(path), "--current", "1e-3", "--json", "--compare")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    st = cs.load_stack(path)
    assert_allclose(out["V_UD"], cs.solve_diffusion(st, I).V_UD, rtol=1e-9)
    assert math.isfinite(out["resistance"])
