"""SPICE deck text, line by line, and the deck reader (no ngspice needed)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from circuitspin import build_network, load_stack, solve, stack_from_dict
from circuitspin.errors import NetlistError
from circuitspin.netlist import (KIND_LETTER, deck_names, from_spice, layer_prefixes,
                                 parse_value, read_deck, to_spice, write_deck)
from circuitspin.network import EDGE_KINDS
from conftest import NETLISTS, pillar_dict, run_cli

I = 1e-3
ELEMENT = re.compile(r"^(I1|R[bsix]\d+|Rm|Vm) (\S+) (\S+) (\S+)$")


def deck_lines(deck):
    lines = deck.splitlines()
    elements = [ln for ln in lines if not ln.startswith("*") and not ln.startswith(".")]
    return lines, elements


def random_stack(seed):
    """A random valid stack: 2-6 layers of Co/Cu/Py, thicknesses over decades, random
    magnetizations, AR* = 0 sometimes (merged nodes), a motor on a magnetic layer."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    mats = ["Co", "Cu", "Ni80Fe20"]
    layers = []
    prev = None
    for i in range(n):
        m = str(rng.choice([x for x in mats if x != prev]))
        prev = m
        layers.append({"name": f"L{i}", "material": m,
                       "thickness": float(10 ** rng.uniform(-9.5, -6.5)),
                       "magnetization": str(rng.choice(["up", "down"]))})
    magnets = [i for i in range(1, n) if layers[i]["material"] != "Cu"]
    if not magnets:  # the motor needs a magnetic layer (not the first, an electrode face)
        layers[1]["material"] = "Ni80Fe20" if layers[0]["material"] == "Co" else "Co"
        magnets = [1]
    d = {"title": f"random {seed}", "area": float(10 ** rng.uniform(-16, -12)),
         "materials": {"Co": {"rho": 60e-9, "beta": 0.46, "lsf": 59e-9},
                       "Cu": {"rho": 6e-9, "beta": 0.0, "lsf": 500e-9}},
         "interfaces": {"Co/Cu": {"ar": 0.51e-15, "gamma": 0.77},
                        "Ni80Fe20/Cu": {"ar": float(rng.choice([0.0, 0.5e-15])),
                                        "gamma": 0.7},
                        "Co/Ni80Fe20": {"ar": 0.2e-15, "gamma": 0.3}},
         "layers": layers,
         "motor": {"layer": f"L{int(rng.choice(magnets))}", "frequency": 1e10,
                   "delta_alpha": 0.01, "magnons": float(rng.choice([0.0, 3.0]))}}
    return stack_from_dict(d, source=f"random{seed}")


# --------------------------------------------------------------------------- writer
def test_pillar_deck_line_by_line():
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    deck = to_spice(net, I)
    lines, elements = deck_lines(deck)
    assert lines[0] == "* Co/Cu/Co/Cu pillar, Berger Fig. 1a"
    assert lines[1].startswith("* circuitspin netlist format 1 ")
    assert lines[-2:] == [".op", ".end"] and deck.endswith(".end\n")
    # header: comment lines only, stack parameters with units
    first = lines.index(elements[0])
    assert all(ln == "*" or ln.startswith("* ") for ln in lines[:first])
    header = "\n".join(lines[:first])
    assert "* area: 1e-14 m^2; temperature: 4.2 K" in header
    assert ('* layer f1 = "F1": material "Co", thickness 1e-07, magnetization up, '
            'rho 6e-08, beta 0.46, lsf 5.9e-08') in header
    assert "* interface n|f2: AR* 5.1e-16 ohm m^2, gamma 0.77" in header
    assert "* ground: 0 = n2_1_e" in header
    # elements: the source, then one resistor per network edge
    assert elements[0] == "I1 0 f1_0_e 0.001"
    resistors = [ln for ln in elements if ln.startswith("R")]
    assert len(resistors) == net.n_edges and len(elements) == net.n_edges + 1
    names = deck_names(net)
    for ln in resistors:
        m = ELEMENT.match(ln)
        assert m, ln
        k = int(m.group(1)[2:])
        assert KIND_LETTER[EDGE_KINDS[net.edge_kind[k]]] == m.group(1)[1]
        assert {m.group(2), m.group(3)} == {names[net.edge_a[k]], names[net.edge_b[k]]}
        assert float(m.group(4)) == 1.0 / net.edge_g[k]          # full precision
    nodes = {tok for ln in elements for tok in ELEMENT.match(ln).group(2, 3)}
    assert {"u", "d", "0"} <= nodes and nodes == set(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in nodes)
    assert names[net.u] == "u" and names[net.d] == "d" and names[net.ground] == "0"


def test_motor_branch_is_rm_in_series_with_the_emf():
    net = build_network(stack_from_dict(pillar_dict(magnons=10.0)))
    lines, elements = deck_lines(to_spice(net, I))
    rm = [ln.split() for ln in elements if ln.startswith("Rm ")]
    vm = [ln.split() for ln in elements if ln.startswith("Vm ")]
    assert len(rm) == len(vm) == 1
    assert rm[0][1:3] == ["u", "u_emf"] and vm[0][1:3] == ["u_emf", "d"]
    assert float(rm[0][3]) == 1.0 / net.motor_g
    assert float(vm[0][3]) == net.motor_emf
    assert sum("u_emf" in ln.split() for ln in elements) == 2   # internal node
    assert len(elements) == net.n_edges + 3
    # open branch: no motor elements
    open_net = build_network(stack_from_dict(pillar_dict(magnons=0.0)))
    assert not [ln for ln in deck_lines(to_spice(open_net, I))[1] if ln[:2] in ("Rm", "Vm")]


def test_ladder_deck_counts_and_full_precision():
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"), segments=50)
    _, elements = deck_lines(to_spice(net, -2.5e-3))
    assert elements[0] == "I1 0 f1_0_e -0.0025"
    kinds = [ELEMENT.match(ln).group(1)[:2] for ln in elements[1:]]
    for kind, letter in KIND_LETTER.items():
        if kind != "motor":
            code = EDGE_KINDS.index(kind)
            assert kinds.count(f"R{letter}") == int(np.sum(net.edge_kind == code))


def test_layer_names_are_sanitised_and_kept_unique():
    assert layer_prefixes(["F1", "Cu lead", "Ni80Fe20 (Py)"]) == ["f1", "cu_lead",
                                                                 "ni80fe20_py"]
    # clashes and empty names: every layer gets its index
    assert layer_prefixes(["F1", "f1", "???"]) == ["l0_f1", "l1_f1", "l2"]
    d = pillar_dict()
    d["layers"][0]["name"] = "Fixed layer (Co) \u2192 100 nm"
    d["layers"][1]["name"] = "n"
    d["layers"][3]["name"] = "N"           # clashes with "n" once lower-cased
    d["motor"]["layer"] = "F2"
    net = build_network(stack_from_dict(d))
    names = deck_names(net)
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]+", n) for n in names)


EVIL = "F1\n.control\nshell touch /tmp/circuitspin_pwned\n.endc\n*#shell rm -rf ~\n+ R9 a 0 1"


def evil_stack():
    d = pillar_dict()
    d["title"] = "t\r\n.control\nshell touch /tmp/circuitspin_pwned\n.endc\x1b[31m\x00\x7f"
    d["layers"][0]["name"] = EVIL
    d["materials"]["Co\n.endc"] = dict(d["materials"]["Co"])
    d["layers"][0]["material"] = "Co\n.endc"
    d["interfaces"]["Co\n.endc/Cu"] = {"ar": 0.51e-15, "gamma": 0.77}
    return stack_from_dict(d, source="evil\n.control.toml")


def test_stack_text_cannot_start_a_deck_line():
    deck = to_spice(build_network(evil_stack()), I, title="x\n.control\nshell ls\n.endc")
    lines = deck.splitlines()
    assert len(lines) == len(deck.split("\n")) - 1        # \n only, no stray \r
    assert lines[0] == "* x .control shell ls .endc"
    for ln in lines:
        assert all(" " <= ch <= "~" for ch in ln), ln   # printable ASCII, no control chars
        assert ln == "*" or ln.startswith("* ") or ELEMENT.match(ln) or ln in (".op",
                                                                               ".end"), ln
    assert not any(ln.lstrip().lower().startswith((".control", "shell", "+", "*#"))
                   for ln in lines)
    # the names survive, JSON-quoted, and come back exactly
    g = from_spice(deck)
    assert EVIL in {n.layer for n in g.nodes}


def test_to_spice_refuses_bad_input(pillar):
    net = build_network(pillar)
    with pytest.raises(NetlistError, match="dialect"):
        to_spice(net, I, dialect="spectre")
    with pytest.raises(NetlistError, match="finite"):
        to_spice(net, float("nan"))
    with pytest.raises(NetlistError, match="printable"):
        to_spice(net, I, extra_lines=["R9 a 0 1\n.control"])
    with pytest.raises(NetlistError, match="built Network"):
        to_spice(pillar, I)
    steady = build_network(stack_from_dict(pillar_dict(mode="steady", alpha=0.005)))
    with pytest.raises(NetlistError, match="steady"):
        to_spice(steady, I)
    assert "Rm" not in to_spice(steady, I, motor=False)


def test_xyce_dialect():
    net = build_network(stack_from_dict(pillar_dict(magnons=5.0)))
    ng, xy = to_spice(net, I), to_spice(net, I, dialect="xyce")
    assert deck_lines(ng)[1] == deck_lines(xy)[1]              # same elements
    lines = xy.splitlines()
    assert "dialect xyce" in lines[1]
    assert lines[-3:] == [".op", ".print dc format=noindex precision=16 v(f1_0_e) v(u) v(d) "
                          "i(vm)", ".end"]
    assert ".control" not in xy
    for ln in deck_lines(xy)[1]:
        float(ln.split()[-1])          # plain numbers, no unit suffixes (M = milli!)


def test_write_deck_is_atomic(tmp_path, pillar):
    net = build_network(pillar)
    out = tmp_path / "sub" / "p.cir"
    assert write_deck(net, I, out) == out
    assert out.read_text() == to_spice(net, I)
    out.write_text("old")
    with pytest.raises(NetlistError):
        write_deck(net, I, out, dialect="nope")
    assert out.read_text() == "old"                      # a failed write leaves the file
    assert sorted(p.name for p in out.parent.iterdir()) == ["p.cir"]   # no temp files


def test_hundred_thousand_segment_deck_is_written(tmp_path):
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"), segments=25_000)
    assert net.n_segments == 100_000
    path = write_deck(net, I, tmp_path / "big.cir")
    lines = path.read_text().splitlines()
    n_r = sum(ln.startswith("R") for ln in lines)
    assert n_r == net.n_edges > 300_000
    assert lines[-2:] == [".op", ".end"]


# --------------------------------------------------------------------------- reader
def assert_same_graph(g0, g1):
    """Same nodes, same edges (names, kinds); resistances bit for bit (R = 1/g written
    in full precision), so conductances within 2 ulp; the motor EMF exactly."""
    assert set(g0.nodes) == set(g1.nodes)
    e0 = {k: (frozenset((a, b)), d) for a, b, k, d in g0.edges(keys=True, data=True)}
    e1 = {k: (frozenset((a, b)), d) for a, b, k, d in g1.edges(keys=True, data=True)}
    assert e0.keys() == e1.keys()
    for k, (ends, d0) in e0.items():
        ends1, d1 = e1[k]
        assert ends1 == ends and d1["kind"] == d0["kind"], k
        g = d0["conductance"]
        assert d1["resistance"] == 1.0 / g, k
        assert abs(d1["conductance"] - g) <= 2 * np.spacing(g), k
        if "emf" in d0:
            assert d1["emf"] == d0["emf"]


@pytest.mark.parametrize("make", [
    lambda: build_network(load_stack(NETLISTS / "berger_pillar.toml")),
    lambda: build_network(load_stack(NETLISTS / "berger_pillar_ap.toml"), segments=7),
    lambda: build_network(load_stack(NETLISTS / "spin_valve_multilayer.toml"), 3, "exact"),
    lambda: build_network(stack_from_dict(pillar_dict(magnons=10.0))),
    lambda: build_network(evil_stack()),
] + [lambda s=s: build_network(random_stack(s), segments=int(s % 3) + 1) for s in range(6)],
    ids=["pillar", "ap-ladder7", "multilayer-exact3", "motor", "evil-names"]
    + [f"random{s}" for s in range(6)])
def test_round_trip_graph_deck_graph(make):
    net = make()
    g = from_spice(to_spice(net, 1.5e-3))
    assert_same_graph(net.graph, g)
    assert g.graph["current"] == 1.5e-3
    assert g.graph["source"] == net.node(net.source)
    assert g.graph["ground"] == net.node(net.ground)
    assert g.graph["method"] == net.method
    assert g.graph["title"] == net.stack.title
    assert g.nodes[net.node(net.source)]["electrode"] == "source"


def test_read_deck_file_round_trip(tmp_path):
    net = build_network(load_stack(NETLISTS / "py_cu_py.toml"))
    path = write_deck(net, I, tmp_path / "p.cir")
    assert_same_graph(net.graph, read_deck(path))
    with pytest.raises(NetlistError, match="no such file"):
        read_deck(tmp_path / "missing.cir")


PLAIN = """A hand-written divider (first line is the title, whatever it says)
* comment
I1 0 in DC 2mA   ; inline comment
R1 in mid 1k
R2 mid gnd
+ 3kOhm
Rload mid out r=1meg $ another comment
Rx out 0 250
V1 ref 0 dc 1.5 ac 1
.control
shell rm -rf /
.endc
.op
.end
R9 after end 1
"""


def test_plain_hand_written_deck():
    g = from_spice(PLAIN, source="divider.cir")
    assert g.graph["format"] is None
    assert set(g.nodes) == {"0", "in", "mid", "out", "ref"}
    cond = {k: d.get("conductance") for _, _, k, d in g.edges(keys=True, data=True)}
    assert cond == {"r1": 1e-3, "r2": 1 / 3e3, "rload": 1e-6, "rx": 1 / 250, "v1": None}
    assert g.get_edge_data("mid", "0")["r2"]["resistance"] == 3e3
    assert g.get_edge_data("ref", "0")["v1"]["voltage"] == 1.5
    (i1, v1) = g.graph["sources"]
    assert (i1["name"], i1["plus"], i1["minus"], i1["value"]) == ("i1", "0", "in", 2e-3)
    assert v1["kind"] == "V" and g.graph["cards"] == [".op"]
    assert g.graph["vccs"] == []
    g = from_spice("vccs\nI1 0 a 1m\nR1 a 0 1k\nG1 b 0 a gnd 2m\nR2 b 0 500\n.end\n")
    assert g.graph["vccs"] == [{"name": "g1", "plus": "b", "minus": "0", "ctrl_plus": "a",
                                "ctrl_minus": "0", "transconductance": 2e-3, "line": 4}]


@pytest.mark.parametrize("token, value", [
    ("1e-3", 1e-3), ("1m", 1e-3), ("1M", 1e-3), ("1meg", 1e6), ("2.2MEG", 2.2e6),
    ("4.7k", 4.7e3), ("10ohm", 10.0), ("3u", 3e-6), ("-.5n", -0.5e-9), ("1e3", 1e3),
    ("2mil", 50.8e-6), ("7f", 7e-15), ("0.001", 1e-3), ("1.5e+2V", 150.0)])
def test_spice_numbers(token, value):
    assert parse_value(token) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("body, line, message", [
    ("R1 a 0 abc", 2, "resistance 'abc' is not a number"),
    ("R1 a 0", 2, "expected"),
    ("R1 a 0 0", 2, "must be > 0"),
    ("R1 a 0 -5", 2, "must be > 0"),
    ("R1 a a 5", 2, "both ends"),
    ("R1 a 0 5 tc1=0.1", 2, "instance parameters"),
    ("R1 a 0 1\nR1 b 0 2", 3, "already defined on line 2"),
    ("C1 a 0 1p", 2, "type 'C' is not read"),
    ("X1 a b sub", 2, "type 'X' is not read"),
    ("G1 a 0 b", 2, "a linear VCCS"),
    ("G1 a 0 b 0 1m 2", 2, "a linear VCCS"),
    ("G1 a 0 b 0 gm=1m", 2, "a linear VCCS"),
    ("G1 a 0 b 0 abc", 2, "transconductance 'abc' is not a number"),
    ("R1 a 0 {2*rval}", 2, "expressions"),
    (".include other.cir", 2, ".include"),
    (".subckt foo a b", 2, ".subckt"),
    ("+ 5", 2, "continuation"),
    ("R1 a 0 1\n.control\nop", 3, "without .endc"),
    ("I1 0 a sin(0 1 1k)", 2, "dc sources only"),
    ("R1 a 0 1\n\n* c\nV1 a 0 dc", 5, "'dc' without a value"),
])
def test_malformed_decks_name_the_line(body, line, message):
    with pytest.raises(NetlistError) as err:
        from_spice("title\n" + body + "\n.end\n", source="bad.cir")
    text = str(err.value)
    assert text.startswith(f"bad.cir:{line}: ") and message in text
    assert "\n" not in text


@pytest.mark.parametrize("text, message", [
    ("", "empty deck"), ("\n  \n", "empty deck"), ("title only\n.op\n.end\n", "no elements"),
    ("t\nR1 a 0 1\x00", "NUL"),
])
def test_empty_or_binary_decks(text, message):
    with pytest.raises(NetlistError, match=message):
        from_spice(text)


def test_malformed_circuitspin_header_names_the_line():
    deck = to_spice(build_network(stack_from_dict(pillar_dict())), I).splitlines()
    k = next(i for i, ln in enumerate(deck) if ln.startswith("* layer f1 = "))
    deck[k] = '* layer f1 = "F1\\q": broken'
    with pytest.raises(NetlistError, match=f"<deck>:{k + 1}: malformed circuitspin header"):
        from_spice("\n".join(deck))


# --------------------------------------------------------------------------- command line
@pytest.mark.no_ulp_stress  # bit-for-bit identity of a deck written in a subprocess (no stress there)
def test_cli_netlist_writes_the_deck(tmp_path):
    out = tmp_path / "p.cir"
    r = run_cli("netlist", NETLISTS / "berger_pillar.toml", "--current", "1 mA", "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and f"deck written to {out}" in r.stdout
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    expected = to_spice(net, 1e-3).splitlines()
    got = out.read_text().splitlines()
    # identical but for the stack path the command line was given
    assert [ln for ln in got if not ln.startswith("* stack:")] == \
        [ln for ln in expected if not ln.startswith("* stack:")]
    r = run_cli("netlist", NETLISTS / "berger_pillar.toml", "-I", "1e-3", "--segments", "4",
                "--dialect", "xyce", "-o", "-")
    assert r.returncode == 0 and r.stdout.splitlines()[-2].startswith(".print dc")


@pytest.mark.parametrize("args, message", [
    (["missing.toml", "--current", "1e-3", "-o", "x.cir"], "missing.toml: no such file"),
    ([str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3", "--dialect", "spectre",
      "-o", "x.cir"], "invalid choice"),
    ([str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3"], "required"),
])
def test_cli_netlist_bad_input(tmp_path, args, message):
    r = run_cli("netlist", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith("circuitspin: error: ") and message in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("make", [
    lambda: build_network(load_stack(NETLISTS / "noncollinear" / "pillar_90deg.toml")),
    lambda: build_network(load_stack(NETLISTS / "noncollinear" / "pillar_90deg.toml"), 3,
                          "ladder"),
], ids=["exact", "ladder3"])
def test_noncollinear_deck_read_back_solves_to_the_nodal_answer(make):
    """A non-collinear deck (R elements and the G elements of the couplings through m)
    read back: every G element is the network's coupling entry, and the read circuit,
    assembled here from the graph alone (conductance stamps of the resistors, VCCS
    stamps of the G elements), gives the nodal solver's potentials."""
    net = make()
    assert not net.collinear
    g = from_spice(to_spice(net, I, motor=False))
    ground = g.graph["ground"]
    assert g.graph["vccs"] and all(s["minus"] == ground == s["ctrl_minus"]
                                   for s in g.graph["vccs"])
    rows, cols, vals = net.coupling               # each G element is one summed entry
    entries = {}
    for i, j, c in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        entries[net.node(i), net.node(j)] = entries.get((net.node(i), net.node(j)), 0.0) + c
    read = {(s["plus"], s["ctrl_plus"]): s["transconductance"] for s in g.graph["vccs"]}
    assert read == {k: c for k, c in entries.items() if c != 0.0}
    nodes = [n for n in g.nodes if n != ground]
    index = {n: k for k, n in enumerate(nodes)}
    A = np.zeros((len(nodes), len(nodes)))

    def stamp(i, j, value):
        if i in index and j in index:
            A[index[i], index[j]] += value

    for a, b, d in g.edges(data=True):
        assert d["kind"] != "motor"
        c = d["conductance"]
        stamp(a, a, c), stamp(b, b, c), stamp(a, b, -c), stamp(b, a, -c)
    for s in g.graph["vccs"]:      # gm (V(c+) - V(c-)) leaves plus, enters minus
        gm = s["transconductance"]
        for out, sign in ((s["plus"], 1.0), (s["minus"], -1.0)):
            stamp(out, s["ctrl_plus"], sign * gm), stamp(out, s["ctrl_minus"], -sign * gm)
    rhs = np.zeros(len(nodes))
    rhs[index[g.graph["source"]]] = g.graph["current"]      # I1 0 SOURCE: into SOURCE
    v = np.linalg.solve(A, rhs)
    ref = solve(net, I)
    got = np.array([v[index[net.node(k)]] if net.node(k) in index else 0.0
                    for k in range(net.n_nodes)])
    # the two solves differ by rounding: the dense LU's error is about cond(A) eps of the
    # largest potential (cond of these few-node matrices ~1e4 at most)
    vmax = float(np.abs(ref.potentials).max())
    np.testing.assert_allclose(got, ref.potentials, rtol=0, atol=1e-10 * vmax)
