"""Non-collinear magnets: the charge + spin-vector circuit (docs/noncollinear.md).

Checks: the stack file's magnetization forms and errors; a collinear stack builds the
two-band network (and the general network forced on it gives the same numbers); a
global rotation of every magnet changes no scalar and rotates every vector; the nodal
solution equals the independent closed form on random non-collinear stacks; the torque
is perpendicular to m, ~ sin(theta) at small angles and zero at 0 and 180 degrees.
"""
from __future__ import annotations

import copy
import dataclasses as dc
import math

import numpy as np
import pytest
from scipy import constants
from conftest import need_ngspice, run_cli

from circuitspin.diffusion_vector import solve_noncollinear
from circuitspin.errors import StackError
from circuitspin.network import build_network
from circuitspin.reader import read_stack_data, stack_from_dict
from circuitspin.solvers import solve

PILLAR = "netlists/berger_pillar.toml"
NONCOL = "netlists/noncollinear/pillar_90deg.toml"
EPS = np.finfo(float).eps
HBAR_2E = constants.hbar / (2 * constants.e)


def pillar(theta=90.0, phi=0.0, g_mix=0.55e15, g_mix_im=0.0, f1=None):
    data = read_stack_data(NONCOL)
    data["interfaces"]["Co/Cu"].update(g_mix=g_mix, g_mix_im=g_mix_im)
    data["layers"][2]["magnetization"] = {"theta": theta, "phi": phi}
    if f1 is not None:
        data["layers"][0]["magnetization"] = f1
    return data


def as_noncollinear(stack, g_mix=0.55e15, g_mix_im=0.0):
    """A collinear stack (or [[wires]] geometry) forced through the charge + spin-vector
    network: every magnet "up" along its own direction (+-axis), gamma unsigned, g_mix
    on every interface, spin_axis None."""
    axis = np.array(stack.spin_axis)

    def contact(c):
        return None if c is None else dc.replace(c, gamma=c.params.gamma, params=dc.replace(
            c.params, g_mix=g_mix, g_mix_im=g_mix_im))

    layers = []
    for lay in stack.layers:
        new = dc.replace(lay, magnetization="up", direction=tuple(
            (axis if lay.magnetization == "up" else -axis).tolist()))
        if hasattr(lay, "contact_from"):
            new = dc.replace(new, contact_from=contact(lay.contact_from),
                             contact_to=contact(lay.contact_to))
        layers.append(new)
    if getattr(stack, "interfaces", None) is None:   # a [[wires]] geometry
        return dc.replace(stack, layers=tuple(layers), spin_axis=None)
    ifaces = [i if i.params is None else dc.replace(
        i, gamma=i.params.gamma, params=dc.replace(i.params, g_mix=g_mix, g_mix_im=g_mix_im))
        for i in stack.interfaces]
    return dc.replace(stack, layers=tuple(layers), interfaces=tuple(ifaces), spin_axis=None)


def without_flip(stack):
    """The stack with delta = 0 on every interface (the charge + spin-vector network
    refuses interface spin flip off the magnets' axis, so the two paths are compared
    without it)."""
    def contact(c):
        return None if c is None else dc.replace(c, params=dc.replace(c.params, delta=0.0))

    layers = tuple(dc.replace(lay, contact_from=contact(lay.contact_from),
                              contact_to=contact(lay.contact_to))
                   if hasattr(lay, "contact_from") else lay for lay in stack.layers)
    if getattr(stack, "interfaces", None) is None:   # a [[wires]] geometry
        return dc.replace(stack, layers=layers)
    ifaces = tuple(i if i.params is None else dc.replace(
        i, params=dc.replace(i.params, delta=0.0)) for i in stack.interfaces)
    return dc.replace(stack, layers=layers, interfaces=ifaces)


def max_abs(d):
    return max(float(np.abs(v).max()) for v in d.values())


# ---------------------------------------------------------------- the stack file
def test_magnetization_forms():
    data = read_stack_data(PILLAR)
    data["interfaces"]["Co/Cu"]["g_mix"] = 1e15
    data["layers"][2]["magnetization"] = [3.0, 0.0, 4.0]
    st = stack_from_dict(data)
    assert st.spin_axis is None
    assert st.layers[2].direction == pytest.approx((0.6, 0.0, 0.8), abs=1e-16)
    data["layers"][2]["magnetization"] = {"theta": "1.5707963267948966 rad", "phi": 90}
    st = stack_from_dict(data)
    assert st.layers[2].direction == pytest.approx((0.0, 1.0, 0.0), abs=1e-15)
    data["layers"][2]["magnetization"] = {"theta": "180 deg"}
    st = stack_from_dict(data)   # sin(pi) ~ 1e-16: collinear, F2 "down"
    assert st.spin_axis == (0.0, 0.0, 1.0)
    assert [lay.magnetization for lay in st.layers] == ["up", "up", "down", "up"]


@pytest.mark.parametrize("value, words", [
    ([0, 0, 0], "nonzero"), ([1, 0], "3 components"), ("left", "must be 'up'"),
    ({"phi": 3}, "theta: missing"), ({"theta": "3 m"}, "wrong units"),
    ({"theta": 3, "psi": 1}, "unknown key")])
def test_magnetization_errors(value, words):
    data = read_stack_data(PILLAR)
    data["layers"][2]["magnetization"] = value
    with pytest.raises(StackError, match=words) as exc:
        stack_from_dict(data, source="p.toml")
    assert "\n" not in str(exc.value) and str(exc.value).startswith("p.toml: [layers #3")


def test_g_mix_required_only_when_not_collinear():
    data = read_stack_data(PILLAR)
    data["layers"][2]["magnetization"] = [1, 0, 0]
    with pytest.raises(StackError, match=r'\[interfaces."Co/Cu"\] g_mix: missing'):
        stack_from_dict(data, source="p.toml")
    data["layers"][2]["magnetization"] = [0, 0, -2]     # collinear: no g_mix needed
    assert stack_from_dict(data).layers[2].magnetization == "down"


def test_interface_spin_flip_refused_off_the_axis():
    """delta has no spin-vector element: a non-collinear stack with delta on an F|N
    interface is refused (naming the table and key), a collinear one takes it."""
    data = pillar()
    data["interfaces"]["Co/Cu"]["delta"] = 0.33
    with pytest.raises(StackError, match=r'p.toml: \[interfaces."Co/Cu"\] delta: .*not '
                                         r"modelled in a non-collinear stack"):
        stack_from_dict(data, source="p.toml")
    data["layers"][2]["magnetization"] = "down"
    assert stack_from_dict(data).layers[2].magnetization == "down"


def test_ferromagnets_in_contact_must_be_parallel():
    data = pillar()
    data["layers"].insert(1, {"name": "F1b", "material": "Co", "thickness": 1e-9,
                              "magnetization": [1, 0, 0]})
    with pytest.raises(StackError, match="not parallel"):
        stack_from_dict(data, source="p.toml")


# ---------------------------------------------------------------- collinear = two-band
def test_collinear_along_any_axis_is_todays_network():
    """All magnets along x (a common axis other than z): the same network, bit for bit,
    as along z; the spin-accumulation vectors point along x."""
    data = read_stack_data("netlists/berger_pillar_ap.toml")
    ref = stack_from_dict(copy.deepcopy(data))
    for lay in data["layers"]:
        lay["magnetization"] = [-1, 0, 0] if lay.get("magnetization") == "down" else [1, 0, 0]
    st = stack_from_dict(data)
    assert st.spin_axis == (1.0, 0.0, 0.0)
    a, b = build_network(ref), build_network(st)
    for f in ("edge_a", "edge_b", "edge_g", "edge_kind", "node_band"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert b.coupling is None
    sa, sb = solve(a, 1e-3), solve(b, 1e-3)
    assert np.array_equal(sa.potentials, sb.potentials)
    for key, v in sa.spin_accumulation().items():
        assert sb.spin_accumulation(key)["left"] == [v["left"][2], 0.0, 0.0]


@pytest.mark.parametrize("path", ["netlists/berger_pillar.toml",
                                  "netlists/berger_pillar_ap.toml",
                                  "netlists/berger_pillar_flared.toml",
                                  "netlists/spin_valve_multilayer.toml",
                                  "netlists/nonlocal_spin_valve.toml",
                                  "netlists/zero_current_swaser.toml"])
@pytest.mark.parametrize("disc", [(None, None), (7, "ladder"), (5, "exact")])
@pytest.mark.parametrize("g_mix_im", [0.0, 0.4e15])
def test_general_network_on_collinear_stack_equals_two_band(path, disc, g_mix_im):
    """The charge + spin-vector network (x, y spin nodes, couplings through m, the
    unsymmetric solver) built for a collinear stack gives the two-band numbers.
    Tolerance: a few ulps of the potentials (both are exact solutions of the same
    equations; the general path sums the F|N contacts as rank-one stamps)."""
    from circuitspin.reader import load_stack

    st = without_flip(load_stack(path))
    s0 = solve(build_network(st, *disc), 1e-3)
    net = build_network(as_noncollinear(st, g_mix_im=g_mix_im), *disc)
    assert net.coupling is not None
    s1 = solve(net, 1e-3)
    vmax = float(np.abs(s0.potentials).max())
    assert abs(s1.voltage - s0.voltage) <= 64 * EPS * vmax
    if s0.V_UD is not None:
        assert abs(s1.V_UD - s0.V_UD) <= 64 * EPS * vmax
    a0, a1 = s0.spin_accumulation(), s1.spin_accumulation()
    for k in a0:
        for side in (("left", "right") if isinstance(a0[k], dict) else (None,)):
            v0, v1 = (a0[k], a1[k]) if side is None else (a0[k][side], a1[k][side])
            np.testing.assert_allclose(v1, v0, rtol=0, atol=64 * EPS * vmax)
    for name, v in (s0.terminal_fields().get("terminal_voltages") or {}).items():
        assert abs(s1.terminal_fields()["terminal_voltages"][name] - v) <= 64 * EPS * vmax
    assert max_abs({k: np.array(v) for k, v in s1.torque().items()}) <= 1e-30
    assert s1.kcl_residual < 1e-12


# ---------------------------------------------------------------- rotation invariance
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_global_rotation(seed):
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(seed)
    data = pillar(theta=float(rng.uniform(10, 170)), phi=float(rng.uniform(0, 360)),
                  g_mix_im=0.2e15)
    st = stack_from_dict(data)
    R = Rotation.random(random_state=seed).as_matrix()
    rot = copy.deepcopy(data)
    for entry, lay in zip(rot["layers"], st.layers):
        entry["magnetization"] = (R @ np.array(lay.direction)).tolist()
    s0, s1 = solve(build_network(st), 1e-3), solve(build_network(stack_from_dict(rot)), 1e-3)
    vmax = float(np.abs(s0.potentials).max())
    # both networks are exact; the difference is rounding of the potentials (~1e-3 V)
    assert abs(s1.voltage - s0.voltage) <= 64 * EPS * vmax
    assert abs(s1.V_UD - s0.V_UD) <= 64 * EPS * vmax
    for k, v in s0.spin_accumulation().items():
        for side in ("left", "right"):
            np.testing.assert_allclose(s1.spin_accumulation(k)[side], R @ v[side], rtol=0,
                                       atol=64 * EPS * vmax)
    t0, t1 = s0.torque(), s1.torque()
    tmax = max_abs({k: np.array(v) for k, v in t0.items()})
    for k in t0:
        np.testing.assert_allclose(t1[k], R @ t0[k], rtol=0, atol=1e-12 * tmax)
    for k, parts in s0.torque_parts().items():
        for f in ("damping_like", "field_like"):
            assert s1.torque_parts()[k][f] == pytest.approx(parts[f], rel=1e-12, abs=1e-12 * tmax)


# ---------------------------------------------------------------- closed form
def random_stack(rng):
    """A straight stack of magnets at random angles with normal metals between them
    (sometimes two different normal metals in contact), random g_mix and g_mix_im."""
    n_f = int(rng.integers(2, 4))
    mats = {"Fa": {"rho": rng.uniform(20e-9, 300e-9), "beta": rng.uniform(0.1, 0.8),
                   "lsf": rng.uniform(3e-9, 80e-9), "ferromagnetic": True},
            "Na": {"rho": rng.uniform(2e-9, 50e-9), "beta": 0.0,
                   "lsf": rng.uniform(20e-9, 1e-6)},
            "Nb": {"rho": rng.uniform(2e-9, 200e-9), "beta": 0.0,
                   "lsf": rng.uniform(2e-9, 300e-9)}}
    ifaces = {"Fa/Na": {"ar": rng.uniform(0.1e-15, 1e-15), "gamma": rng.uniform(-0.5, 0.9),
                        "g_mix": rng.uniform(0.1e15, 2e15),
                        "g_mix_im": rng.uniform(-0.3e15, 0.3e15)},
              "Fa/Nb": {"ar": rng.uniform(0.1e-15, 1e-15), "gamma": rng.uniform(-0.5, 0.9),
                        "g_mix": rng.uniform(0.1e15, 2e15),
                        "g_mix_im": rng.uniform(-0.3e15, 0.3e15)},
              "Na/Nb": {"ar": rng.uniform(0.05e-15, 0.5e-15), "gamma": 0.0}}
    layers = []
    if rng.random() < 0.5:
        layers.append("Na")
    for k in range(n_f):
        layers.append("Fa")
        if k < n_f - 1 or rng.random() < 0.7:
            layers.append("Na")
            if rng.random() < 0.4:
                layers.append("Nb")
    entries = []
    for i, mat in enumerate(layers):
        e = {"name": f"L{i}", "material": mat,
             "thickness": float(np.exp(rng.uniform(np.log(0.5e-9), np.log(300e-9))))}
        if mat == "Fa":
            v = rng.normal(size=3)
            e["magnetization"] = (v / np.linalg.norm(v)).tolist()
        entries.append(e)
    data = {"title": "random", "area": float(rng.uniform(1e-15, 1e-13)),
            "materials": mats, "interfaces": ifaces, "layers": entries}
    f_names = [e["name"] for e in entries if e["material"] == "Fa"]
    data["motor"] = {"layer": f_names[-1], "frequency": 1e10, "delta_alpha": 0.01,
                     "magnons": 0}
    return data


@pytest.mark.parametrize("seed", range(12))
def test_nodal_equals_closed_form(seed):
    """Exact segments are exact: the circuit equals the closed form to rounding.
    Tolerance 1e-9 relative to the largest of each quantity (the dense closed form's
    equilibrated LU leaves ~1e-13 on these stacks)."""
    rng = np.random.default_rng(seed)
    st = stack_from_dict(random_stack(rng))
    assert st.spin_axis is None
    ref = solve_noncollinear(st, 1e-3)
    for segments, method in ((None, None), (3, "exact")):
        sol = solve(build_network(st, segments, method), 1e-3)
        assert sol.voltage == pytest.approx(ref.voltage, rel=1e-9)
        assert sol.V_UD == pytest.approx(ref.V_UD, rel=1e-9, abs=1e-9 * abs(ref.voltage))
        sa, sr = sol.spin_accumulation(), ref.spin_accumulation()
        dmax = max(max(np.abs(v["left"]).max(), np.abs(v["right"]).max())
                   for v in sr.values())
        for k in sr:
            for side in ("left", "right"):
                np.testing.assert_allclose(sa[k][side], sr[k][side], rtol=0,
                                           atol=1e-9 * dmax)
        tn, tr = sol.torque(), ref.torque()
        tmax = max_abs({k: np.array(v) for k, v in tr.items()})
        assert tmax > 0
        for k in tr:
            np.testing.assert_allclose(tn[k], tr[k], rtol=0, atol=1e-9 * tmax)


def test_closed_form_collinear_equals_valet_fert():
    """The vector closed form of a collinear stack is the scalar Valet-Fert one."""
    from circuitspin.diffusion import solve_diffusion
    from circuitspin.reader import load_stack

    for path in ("netlists/berger_pillar.toml", "netlists/berger_pillar_ap.toml",
                 "netlists/spin_valve_multilayer.toml"):
        st = without_flip(load_stack(path))
        a, b = solve_noncollinear(st, 1e-3), solve_diffusion(st, 1e-3)
        assert a.resistance == pytest.approx(b.resistance, rel=1e-12)
        if b.V_UD is not None:
            assert a.V_UD == pytest.approx(b.V_UD, rel=1e-10)


# ---------------------------------------------------------------- torque
def test_closed_form_refuses_interface_spin_flip():
    from circuitspin.reader import load_stack

    with pytest.raises(StackError, match=r"no interface spin flip \(delta > 0 at lead1\|Co1, "):
        solve_noncollinear(load_stack("netlists/spin_valve_multilayer.toml"), 1e-3)


def test_torque_perpendicular_and_small_angle():
    taus = {}
    for theta in (1e-4, 2e-4, 30.0, 90.0, 150.0, 179.9):
        st = stack_from_dict(pillar(theta=theta, g_mix_im=0.1e15))
        sol = solve(build_network(st), 1e-3)
        # tau . m is rounding of D_perp = D - m (m . D): a few eps of the magnitudes that
        # cancel, (hbar / 2e) A (g_mix + |g_mix_im|) |D|
        d = max(np.linalg.norm(v[s]) for v in sol.spin_accumulation().values()
                for s in ("left", "right"))
        scale = HBAR_2E * st.area * (0.55e15 + 0.1e15) * d
        for name, lay in zip(("F1", "F2"), (st.layers[0], st.layers[2])):
            t = np.array(sol.torque(name))
            m = np.array(lay.direction)
            assert abs(t @ m) <= 16 * EPS * scale
        taus[theta] = np.linalg.norm(sol.torque("F2"))
    # ~ sin(theta) at small angles: doubling theta doubles |tau| (to O(theta^2))
    assert taus[2e-4] / taus[1e-4] == pytest.approx(2.0, rel=1e-6)
    assert taus[90.0] > taus[30.0] > 100 * taus[1e-4]
    for theta in (0.0, 180.0):     # collinear: no transverse spin current
        st = stack_from_dict(pillar(theta=theta))
        assert st.spin_axis is not None
        sol = solve(build_network(st), 1e-3)
        assert all(v == [0.0, 0.0, 0.0] for v in sol.torque().values())


# ---------------------------------------------------------------- ngspice
@pytest.mark.parametrize("mode", ["shared", "subprocess"])
@pytest.mark.parametrize("seed", range(4))
def test_ngspice_equals_nodal(seed, mode):
    """The deck (R elements and G elements for the couplings through m) solved by
    ngspice equals the nodal solution: 1e-9 of the largest potential (ngspice's own
    solve is a sparse LU in double precision; its answer is read at full precision)."""
    need_ngspice(mode)
    from circuitspin.netlist import to_spice
    from circuitspin.solvers.spice import solve_ngspice

    rng = np.random.default_rng(100 + seed)
    st = stack_from_dict(random_stack(rng))
    net = build_network(st, *((None, None) if seed % 2 else (4, "ladder")))
    assert "\nGc0 " in to_spice(net, 1e-3)
    a, b = solve(net, 1e-3), solve_ngspice(net, 1e-3, mode=mode)
    vmax = float(np.abs(a.potentials).max())
    np.testing.assert_allclose(b.potentials, a.potentials, rtol=0, atol=1e-9 * vmax)
    tn, ts = a.torque(), b.torque()
    tmax = max_abs({k: np.array(v) for k, v in tn.items()})
    for k in tn:
        np.testing.assert_allclose(ts[k], tn[k], rtol=0, atol=1e-9 * tmax)


# ---------------------------------------------------------------- angular momentum
@pytest.mark.parametrize("seed", range(4))
def test_angular_momentum_balance(seed):
    """What the spin currents deliver equals the torques plus what relaxes in the bulk.

    Spin currents are taken from each layer's bulk (band currents, the normal metals'
    x/y lines), not from the contact couplings: across every F|N contact the spin
    current lost (left - right) is the transverse current of the torque, (2e / hbar) tau summed per magnet, and across an
    N|N contact none is lost.  Inside a layer, spin relaxes: the electrodes' injection
    equals the bulk relaxation of every layer plus the torques (a telescoping sum: the
    relaxation is first face minus last face of each layer).  Tolerance: the rounding
    of a band current, a difference of potentials (eps |V|) times a segment conductance
    (up to the largest of the network, g_max): 64 eps |V|max g_max."""
    rng = np.random.default_rng(200 + seed)
    st = stack_from_dict(random_stack(rng))
    net = build_network(st, *((None, None) if seed % 2 else (6, "ladder")))
    sol = solve(net, 1e-3)
    cur = sol.spin_currents()
    into = sol.spin_current_into_magnets()
    floor = 64 * EPS * float(np.abs(sol.potentials).max()) * float(net.edge_g.max())
    peak = max(max(np.abs(v["left"]).max(), np.abs(v["right"]).max()) for v in cur.values())
    assert floor < 1e-8 * peak        # the check has teeth
    smax = floor / 1e-12
    lost = {name: np.zeros(3) for name in into}
    layers = st.layers
    for i in range(len(layers) - 1):
        a, b = layers[i], layers[i + 1]
        jump = np.subtract(cur[f"{a.name}|{b.name}"]["left"], cur[f"{a.name}|{b.name}"]["right"])
        # along +x the spin current loses, at an F|N or N|F contact, what the magnet
        # absorbs: Is_N = Is_F - T (F left) or Is_F = Is_N - T (F right)
        if a.material.ferromagnetic != b.material.ferromagnetic:
            lost[a.name if a.material.ferromagnetic else b.name] += jump
        else:
            np.testing.assert_allclose(jump, 0.0, atol=1e-12 * smax)
    for name in into:
        # the spin current lost at a magnet's faces is what it absorbs
        np.testing.assert_allclose(lost[name], into[name],
                                   rtol=0, atol=1e-12 * smax)
        m = np.array(next(lay.direction for lay in layers if lay.name == name))
        assert abs(into[name] @ m) <= 1e-12 * smax
    tau_total = sum(np.array(t) for t in sol.torque().values())
    k = HBAR_2E
    np.testing.assert_allclose(tau_total / k, sum(into.values()), rtol=1e-12,
                               atol=1e-12 * smax)


# ---------------------------------------------------------------- single-node limit
def single_node_stack(theta, gamma=0.6, ar=0.5e-15, g_mix=0.8e15):
    """F | N | F with the magnets as reservoirs (rho and lsf tiny: their bulk and spin
    resistances rho t, rho* lsf <= 1e-27 ohm m^2 against AR* ~ 1e-15) and N one node
    without spin flip (rho t = 1e-27 ohm m^2; spin-flip conductance t / (4 rho lsf^2)
    = 250 S/m^2 against interface conductances ~ 1e15 S/m^2): corrections ~1e-12."""
    return stack_from_dict({
        "title": "one node", "area": 1e-14,
        "materials": {"F": {"rho": 1e-18, "beta": 0.5, "lsf": 1e-10, "ferromagnetic": True},
                      "N": {"rho": 1e-18, "beta": 0.0, "lsf": 1e3}},
        "interfaces": {"F/N": {"ar": ar, "gamma": gamma, "g_mix": g_mix}},
        "layers": [{"name": "F1", "material": "F", "thickness": 1e-9},
                   {"name": "N", "material": "N", "thickness": 1e-9},
                   {"name": "F2", "material": "F", "thickness": 1e-9,
                    "magnetization": {"theta": theta}}]})


def one_node_resistance(theta, g_up, g_dn, g_m):
    """The one-node circuit of docs/noncollinear.md solved by hand: N at (Vc, D) between
    reservoirs at V and 0, contacts G_up, G_dn, mixing G_m (S): charge and spin-vector
    conservation at the node, 4 linear equations."""
    g, dg = g_up + g_dn, g_up - g_dn
    m = [np.array([0.0, 0.0, 1.0]), np.array([math.sin(theta), 0.0, math.cos(theta)])]
    # unknowns (Vc, Dx, Dy, Dz); V = 1 at reservoir 1
    a = np.zeros((4, 4))
    rhs = np.zeros(4)
    for mk, vk in zip(m, (1.0, 0.0)):
        # charge into N: g (vk - Vc) - dg (m . D) / 2
        a[0, 0] += g
        a[0, 1:] += dg * mk / 2
        rhs[0] += g * vk
        # spin into N: (I_up - I_dn) m - G_m D_perp, I_up - I_dn = dg (vk - Vc) - g (m.D)/2
        for r in range(3):
            a[1 + r, 0] += dg * mk[r]
            a[1 + r, 1:] += g * mk[r] * mk / 2 + g_m * (np.eye(3)[r] - mk[r] * mk)
            rhs[1 + r] += dg * mk[r] * vk
    vc, *d = np.linalg.solve(a, rhs)
    i1 = g * (1.0 - vc) - dg * (m[0] @ np.array(d)) / 2
    return 1.0 / i1


def test_single_node_limit():
    area, gamma, ar, g_mix = 1e-14, 0.6, 0.5e-15, 0.8e15
    g_up, g_dn = area / (2 * ar * (1 - gamma)), area / (2 * ar * (1 + gamma))
    g_m = area * g_mix
    # chi from the conductances (derived in docs/noncollinear.md):
    # chi = (G_up + G_dn) G_mix / (2 G_up G_dn) - 1
    chi = (g_up + g_dn) * g_m / (2 * g_up * g_dn) - 1
    r = {}
    for theta in (0.0, 20.0, 45.0, 90.0, 135.0, 170.0, 180.0):
        sol = solve(build_network(single_node_stack(theta, gamma, ar, g_mix)), 1e-3)
        r[theta] = sol.resistance
        # the bulk corrections (rho t, rho* lsf, the spin flip in N) are < 1e-12 of AR*
        assert sol.resistance == pytest.approx(
            one_node_resistance(math.radians(theta), g_up, g_dn, g_m), rel=1e-9)
    for theta in (20.0, 45.0, 90.0, 135.0, 170.0):
        c2 = math.cos(math.radians(theta) / 2) ** 2
        norm = (r[theta] - r[0.0]) / (r[180.0] - r[0.0])
        # R(pi) - R(0) is ~ gamma^2 of R: the same 1e-9 relative holds
        assert norm == pytest.approx((1 - c2) / (1 + chi * c2), rel=1e-8)


# ---------------------------------------------------------------- angular sweep
def test_angular_sweep_ends_are_the_collinear_pillars():
    """--param layers.F2.magnetization.theta=0:180:7: R and V_UD at 0 and 180 degrees
    are the parallel and antiparallel pillars' (the same network), the torque is zero
    there and, at 90 degrees, the direct solve's."""
    from circuitspin.reader import load_stack
    from circuitspin.sweep import parse_param, run_sweep

    data = read_stack_data(NONCOL)
    ds = run_sweep(data, [parse_param("layers.F2.magnetization.theta=0:180:7")],
                   [1e-3], workers=1, progress=False)
    assert ds["layers.F2.magnetization.theta"].attrs["units"] == "deg"
    r = ds["resistance"].values
    for k, path in ((0, "netlists/berger_pillar.toml"), (-1, "netlists/berger_pillar_ap.toml")):
        ref = solve(build_network(load_stack(path)), 1e-3)
        # collinear: the two-band network itself, solved again (the sweep solves at unit
        # current): equal up to the few ulps of a potential each solve leaves, 16 eps
        assert r[k] == pytest.approx(ref.resistance, rel=16 * EPS)
        assert float(ds["V_UD"].values[k, 0]) == pytest.approx(ref.V_UD, rel=1e-14)
        assert float(ds["torque_magnitude"].values[k, 0]) == 0.0
    sol = solve(build_network(stack_from_dict(pillar(theta=90.0))), 1e-3)
    assert float(ds["torque_damping_like"].values[3, 0]) == pytest.approx(
        sol.torque_parts()["F2"]["damping_like"], rel=1e-12)
    assert r[3] == pytest.approx(sol.resistance, rel=1e-14)


def test_bad_angle_path_is_one_line():
    from circuitspin.sweep import set_param

    with pytest.raises(StackError, match="theta, phi"):
        set_param(read_stack_data(NONCOL), "layers.F2.magnetization.psi", 3.0)


def test_cli_missing_g_mix_is_one_line(tmp_path):
    text = open(NONCOL).read().replace("g_mix = 0.55e15\n", "")
    path = tmp_path / "p.toml"
    path.write_text(text)
    out = run_cli("solve", path, "--current", "1e-3")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert '[interfaces."Co/Cu"] g_mix: missing' in out.stderr


def test_cli_solve_json_fields():
    import json

    out = run_cli("solve", NONCOL, "--current", "1 mA", "--json", "--compare")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert set(d["torque"]) == {"F1", "F2"} and len(d["torque"]["F2"]) == 3
    assert set(d["spin_accumulation"]["N|F2"]) == {"left", "right"}
    assert d["rel_error_torque"] < 1e-9 and d["rel_error_resistance"] < 1e-12



def test_cli_collinear_json_has_zero_torques():
    """The JSON contract: ``torque`` for every magnet of every stack; a collinear one has
    no transverse spin current, so each torque is exactly the zero vector."""
    import json

    out = run_cli("solve", PILLAR, "--current", "1 mA", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["torque"] == {"F1": [0.0, 0.0, 0.0], "F2": [0.0, 0.0, 0.0]}
    assert "torque_parts" not in d


# ---------------------------------------------------------------- spin pumping
def test_delta_alpha_from_g_mix():
    """Tserkovnyak, Brataas, Bauer: alpha' = g mu_B g_r / (4 pi M_s V), g_r = (h/e^2)
    A g_mix per contact (written here with h / 4 pi, the code with hbar / 2)."""
    data = read_stack_data(NONCOL)
    data["motor"].update(delta_alpha="from g_mix", ms=1.4e6)
    st = stack_from_dict(data)
    g_r = constants.h / constants.e**2 * st.area * (2 * 0.55e15)   # N|F2 and F2|N2
    mu_b = constants.physical_constants["Bohr magneton"][0]
    expected = 2.0 * mu_b * g_r / (4 * math.pi * 1.4e6 * st.area * 3e-9)
    assert st.motor.delta_alpha == pytest.approx(expected, rel=1e-14)
    assert st.motor.delta_alpha == pytest.approx(0.00998, abs=5e-6)   # docs quote it
    del data["motor"]["ms"]
    with pytest.raises(StackError, match=r"\[motor\] ms: missing"):
        stack_from_dict(data, source="p.toml")


def test_single_node_torque_has_slonczewskis_angular_form():
    """In the single-node limit the torque on F2 is tau_0 sin(theta) / (1 + chi
    cos^2(theta/2)) with the same chi as the angular MR: Slonczewski's form (JMMM 247,
    324 (2002), Lambda^2 = chi + 1), damping-like only (g_mix_im = 0)."""
    area, gamma, ar, g_mix = 1e-14, 0.6, 0.5e-15, 0.8e15
    g_up, g_dn = area / (2 * ar * (1 - gamma)), area / (2 * ar * (1 + gamma))
    chi = (g_up + g_dn) * area * g_mix / (2 * g_up * g_dn) - 1
    tau0 = []
    for theta in (5.0, 30.0, 90.0, 150.0, 175.0):
        sol = solve(build_network(single_node_stack(theta, gamma, ar, g_mix)), 1e-3)
        parts = sol.torque_parts()["F2"]
        t = math.radians(theta)
        assert parts["field_like"] == 0.0
        tau0.append(parts["damping_like"] * (1 + chi * math.cos(t / 2) ** 2) / math.sin(t))
    # the bulk corrections of the limit are ~1e-12 (see single_node_stack)
    np.testing.assert_allclose(tau0, tau0[0], rtol=1e-9)



# ---------------------------------------------------------------- branched geometries
def test_branched_geometry_rotation_and_detector():
    """A nonlocal spin valve with the detector magnet at an angle: a global rotation
    changes no terminal voltage and rotates the torque; at 90 degrees (real g_mix) the
    detector sees no spin signal (det - ref = 0 to rounding) and its torque has no
    component along the detector's own axis."""
    from scipy.spatial.transform import Rotation

    data = read_stack_data("netlists/nonlocal_spin_valve.toml")
    data["interfaces"]["Co/Cu"].update(g_mix=0.55e15, g_mix_im=0.1e15)

    def run(theta, R=np.eye(3)):
        d = copy.deepcopy(data)
        m2 = np.array([math.sin(math.radians(theta)), 0.0, math.cos(math.radians(theta))])
        d["wires"][0]["magnetization"] = (R @ [0.0, 0.0, 1.0]).tolist()
        d["wires"][4]["magnetization"] = (R @ m2).tolist()
        return solve(build_network(stack_from_dict(d)), 1e-3)

    s0 = run(63.0)
    R = Rotation.random(random_state=7).as_matrix()
    s1 = run(63.0, R)
    # two different networks, each solved to its forward error: condition x eps
    vmax = float(np.abs(s0.potentials).max())
    floor = 4 * max(s0.info["condition_estimate"], s1.info["condition_estimate"]) * EPS * vmax
    assert floor < 1e-10 * vmax
    t0, t1 = s0.terminal_fields()["terminal_voltages"], s1.terminal_fields()["terminal_voltages"]
    for k in t0:
        assert abs(t1[k] - t0[k]) <= floor
    tau0 = np.array(s0.torque("F2"))
    np.testing.assert_allclose(s1.torque("F2"), R @ tau0, rtol=0,
                               atol=1e-12 * np.linalg.norm(tau0))
    # with g_mix_im != 0 the precession at both contacts turns z into y into x (a
    # second-order signal at 90 degrees, 1.7e-9 V here): the plain law needs it zero
    data["interfaces"]["Co/Cu"]["g_mix_im"] = 0.0
    s90 = run(90.0)
    tv = s90.terminal_fields()["terminal_voltages"]
    assert abs(tv["det"] - tv["ref"]) <= floor
    t90 = np.array(s90.torque("F2"))
    assert abs(t90[0]) <= 1e-12 * np.linalg.norm(t90) and t90[2] != 0.0


def test_branched_geometry_ngspice_equals_nodal():
    """The nonlocal spin valve, detector at (50, 20) degrees, ladder of 5 per wire:
    ngspice with G elements equals the nodal solution (1e-9 of the largest potential)."""
    need_ngspice("subprocess")
    from circuitspin.solvers.spice import solve_ngspice

    data = read_stack_data("netlists/nonlocal_spin_valve.toml")
    data["interfaces"]["Co/Cu"].update(g_mix=0.55e15, g_mix_im=0.2e15)
    data["wires"][4]["magnetization"] = {"theta": 50, "phi": 20}
    net = build_network(stack_from_dict(data), 5)
    a, b = solve(net, 1e-3), solve_ngspice(net, 1e-3, mode="subprocess")
    vmax = float(np.abs(a.potentials).max())
    np.testing.assert_allclose(b.potentials, a.potentials, rtol=0, atol=1e-9 * vmax)
    t = np.array(a.torque("F2"))
    np.testing.assert_allclose(b.torque("F2"), t, rtol=0, atol=1e-9 * np.linalg.norm(t))


@pytest.mark.parametrize("g_mix_im, method", [(0.0, "banded-cholesky"), (0.2e15, "banded-lu")])
def test_factorisations_agree(monkeypatch, g_mix_im, method):
    """Banded Cholesky (symmetric: g_mix_im = 0), banded LU (not symmetric) and SuperLU
    (forced: no band allowed) give the same potentials: each is refined to rounding."""
    from circuitspin.solvers import general

    st = stack_from_dict(pillar(theta=70.0, phi=40.0, g_mix_im=g_mix_im))
    net = build_network(st, 20)
    a = solve(net, 1e-3)
    assert general.factor_for(net).method == method
    monkeypatch.setattr(general, "BANDED_MAX", -1)
    net2 = build_network(st, 20)
    b = solve(net2, 1e-3)
    assert general.factor_for(net2).method == "splu"
    vmax = float(np.abs(a.potentials).max())
    np.testing.assert_allclose(b.potentials, a.potentials, rtol=0, atol=64 * EPS * vmax)
