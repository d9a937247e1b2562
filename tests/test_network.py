"""The network builder: names, kinds, conductances, merges, both discretisations."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_allclose

from circuitspin import Node, build_network, solve, stack_from_dict
from circuitspin.errors import NetworkError
from circuitspin.network import EDGE_KINDS
from circuitspin.segments import exact_segment, ladder_segment
from conftest import CO, CO_CU, CU, pillar_dict


def test_graph_names_kinds_and_conductances(pillar):
    net = build_network(pillar, segments=4)
    g = net.graph
    assert isinstance(g, nx.MultiGraph)
    assert g.number_of_nodes() == net.n_nodes
    assert g.number_of_edges() == net.n_edges  # open motor: no motor edge
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds == {"band", "spin-flip", "interface"}
    # the electrodes short the bands: one node each, band "e"
    assert g.nodes[Node("F1", 0, "e")]["electrode"] == "source"
    assert g.nodes[Node("N2", 4, "e")]["electrode"] == "ground"
    # a band resistor of F1 (ladder, h = 25 nm): A / (rho_up h)
    rs = CO["rho"] / (1 - CO["beta"] ** 2)
    h = 100e-9 / 4
    data = g.get_edge_data(Node("F1", 1, "up"), Node("F1", 2, "up"))
    (edge,) = data.values()
    assert edge["kind"] == "band"
    assert_allclose(edge["conductance"], 1e-14 / (2 * rs * (1 - CO["beta"]) * h), rtol=1e-14)
    # the paper's vertical: R_v = 4 rho* lsf^2 / (A w), w = h inside, h/2 at a layer end
    (inside,) = g.get_edge_data(Node("F1", 2, "up"), Node("F1", 2, "dn")).values()
    (end,) = g.get_edge_data(Node("N", 4, "up"), Node("N", 4, "dn")).values()
    assert_allclose(1 / inside["conductance"], 4 * rs * CO["lsf"] ** 2 / (1e-14 * h),
                    rtol=1e-13)
    assert_allclose(1 / end["conductance"], 4 * CU["rho"] * CU["lsf"] ** 2 / (1e-14 * 6e-9 / 8),
                    rtol=1e-13)
    # an interface resistor: r_up / A
    (iface,) = g.get_edge_data(Node("F1", 4, "up"), Node("N", 0, "up")).values()
    assert iface["kind"] == "interface"
    assert_allclose(iface["conductance"], 1e-14 / (2 * CO_CU["ar"] * (1 - CO_CU["gamma"])))


def test_exact_network_has_diagonals_and_motor_edge():
    stack = stack_from_dict(pillar_dict(magnons=10))
    net = build_network(stack)
    g = net.graph
    kinds = [d["kind"] for _, _, d in g.edges(data=True)]
    assert kinds.count("diagonal") == 2 * 4   # two per exact segment, one segment a layer
    assert kinds.count("motor") == 1
    u, d = net.node(net.u), net.node(net.d)
    assert u == Node("F2", 0, "up") and d == Node("F2", 0, "dn")
    (motor,) = [e for e in g.get_edge_data(u, d).values() if e["kind"] == "motor"]
    assert_allclose(motor["conductance"], 10 / stack.motor.r1)
    assert_allclose(motor["emf"], 6.62607015e-34 * 1e10 / 1.602176634e-19)
    names = net.node_names()
    assert names[net.u] == "u" and names[net.d] == "d"
    assert len(set(names)) == len(names)


def test_exact_segment_tends_to_ladder_for_short_segments():
    su, sd, lsf, A = 1 / 80e-9, 1 / 30e-9, 50e-9, 1e-14
    L = 1e-4 * lsf
    ex = exact_segment(A, L, lsf, su, sd)
    la = ladder_segment(A, L, lsf, su, sd)
    p = su * sd / (su + sd)
    assert_allclose(ex[2], A * p * L / (3 * lsf**2), rtol=1e-7)   # vertical
    assert_allclose(ex[3], A * p * L / (6 * lsf**2), rtol=1e-7)   # diagonal
    assert_allclose(ex[0], la[0], rtol=1e-7)
    # ladder's vertical (half a cell at each end) = the exact vertical + diagonal
    assert_allclose(la[2], ex[2] + ex[3], rtol=1e-7)


def test_exact_segment_long_and_tiny_never_overflow():
    for L in (1e-13, 1e-9, 1e-3, 1.0):
        g = np.array(exact_segment(1e-14, L, 5e-9, 1e7, 3e7))
        assert np.all(np.isfinite(g)) and np.all(g >= 0)


def test_zero_resistance_interface_merges_nodes():
    d = pillar_dict()
    d["interfaces"]["Co/Cu"]["ar"] = 0.0
    net = build_network(stack_from_dict(d))
    assert not np.any(net.edge_kind == EDGE_KINDS.index("interface"))
    # the F1 end and the N start are the same node
    assert net.index(("F1", 1, "up")) == net.index(("N", 0, "up"))
    assert np.all(net.edge_g < 1e12)   # no "huge conductance" shorts anywhere


def test_node_count_ladder(pillar):
    n = 10
    net = build_network(pillar, segments=n)
    # per layer n+1 positions x 2 bands, less the two electrodes' extra band
    assert net.n_nodes == 4 * (n + 1) * 2 - 2
    assert net.n_segments == 4 * n


def test_layer_segments_key_wins():
    d = pillar_dict()
    d["layers"][3]["segments"] = 40
    net = build_network(stack_from_dict(d), segments=5)
    assert np.sum(net.rows_layer == 3) == 41 and np.sum(net.rows_layer == 0) == 6


def test_builder_rejects_bad_arguments(pillar):
    with pytest.raises(NetworkError):
        build_network(pillar, segments=0)
    with pytest.raises(NetworkError):
        build_network(pillar, method="spectral")
    with pytest.raises(NetworkError, match="build_network"):
        solve(pillar, 1e-3)   # a Stack, not a Network


def test_graph_laplacian_is_the_nodal_matrix(pillar):
    """networkx's Laplacian with weight='conductance' equals the assembled matrix."""
    from circuitspin.solvers.nodal import assemble_conductance

    net = build_network(pillar, segments=3)
    g = net.graph
    nodes = [net.node(i) for i in range(net.n_nodes)]
    lap = nx.laplacian_matrix(nx.Graph(_summed(g)), nodelist=nodes, weight="conductance")
    G, keep = assemble_conductance(net)
    assert_allclose(G.toarray(), lap.toarray()[np.ix_(keep, keep)], rtol=1e-13, atol=0)


def _summed(multigraph):
    simple = nx.Graph()
    simple.add_nodes_from(multigraph.nodes)
    for a, b, data in multigraph.edges(data=True):
        w = simple.get_edge_data(a, b, {"conductance": 0.0})["conductance"]
        simple.add_edge(a, b, conductance=w + data["conductance"])
    return simple


def test_reciprocity(pillar):
    """Transfer resistance is symmetric: inject at a and read b equals inject at b, read a."""
    from circuitspin.solvers.nodal import NodalFactor

    net = build_network(pillar, segments=6)
    f = NodalFactor(net)
    a, b = net.index(("N", 2, "up")), net.index(("N2", 3, "dn"))
    ea = np.zeros(net.n_nodes); ea[a] = 1.0; ea[net.ground] = -1.0
    eb = np.zeros(net.n_nodes); eb[b] = 1.0; eb[net.ground] = -1.0
    assert_allclose(f.solve(ea)[b], f.solve(eb)[a], rtol=1e-12)
