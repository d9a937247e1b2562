"""Pictures: every figure shows the numbers the solvers compute, and the schematic is the
network (read back from the drawing's geometry, element by element)."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import NETLISTS, pillar_dict, run_cli

from circuitspin import stack_from_dict
from circuitspin.diffusion import solve_diffusion
from circuitspin.network import EDGE_KINDS, build_network
from circuitspin.solvers import solve
from circuitspin.stack import load_stack

PNG = b"\x89PNG\r\n\x1a\n"
I = 1e-3


def _stack(**kw):
    return stack_from_dict(pillar_dict(**kw), source="pillar")


def _line(ax, label):
    found = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(found) == 1, f"no single line labelled {label!r}"
    return found[0]


def _saved_png(fig, tmp_path, name):
    from circuitspin.plot import save_figure

    path = save_figure(fig, tmp_path / name)
    assert path.read_bytes()[:8] == PNG
    return path


# ---------------------------------------------------------------- profile
@pytest.mark.parametrize("segments", [None, 20])
def test_profile_plots_the_solvers_delta_and_the_bridge_output(pillar, tmp_path, segments):
    from circuitspin.plot import plot_profile

    net = build_network(pillar, segments)
    sol = solve(net, I)
    fig = plot_profile(sol)
    ax = fig.axes[0]
    prof = sol.profile()
    circuit = _line(ax, "circuit")
    np.testing.assert_array_equal(circuit.get_ydata(), prof["Delta"])
    np.testing.assert_allclose(circuit.get_xdata(), prof["x"] * 1e9)
    # the U row of the profile and the U-D marker carry the solver's V_UD ...
    row_u = int(np.flatnonzero(net.rows_up == net.u)[-1])
    assert circuit.get_ydata()[row_u] == sol.V_UD
    marker = _line(ax, "U–D")
    assert marker.get_ydata()[0] == sol.V_UD
    assert marker.get_xdata()[0] == pytest.approx(net.node_x[net.u] * 1e9)
    # ... which is the diffusion solution's (exact segments: to rounding; ladder: O(h^2))
    ref = solve_diffusion(pillar, I).V_UD
    assert marker.get_ydata()[0] == pytest.approx(ref, rel=1e-10 if segments is None else 1e-3)
    # and has the sign that pumps magnons: delta_mu_bar = -e V_UD < 0 for P and I > 0
    assert marker.get_ydata()[0] > 0
    _saved_png(fig, tmp_path, "profile.png")


def test_profile_band_currents_add_up_to_the_source_current(pillar):
    from circuitspin.plot import plot_profile

    fig = plot_profile(solve(build_network(pillar, 8), I))
    ax = fig.axes[2 * 2]  # third row, left column: band currents (mA)
    up, dn = _line(ax, "I_up (circuit)"), _line(ax, "I_dn (circuit)")
    np.testing.assert_allclose(up.get_ydata() + dn.get_ydata(), I * 1e3, rtol=1e-9)


def test_profile_zooms_on_the_thin_layers_and_its_labels_do_not_overlap(pillar):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from circuitspin.plot import plot_profile

    fig = plot_profile(solve(build_network(pillar), I))
    assert len(fig.axes) == 6  # three panels, full stack and zoom
    zoom = fig.axes[1]
    lo, hi = zoom.get_xlim()
    n, f2 = pillar.layers[1], pillar.layers[2]
    assert lo <= n.x0 * 1e9 and hi >= f2.x1 * 1e9  # N and F2 both inside the zoom
    assert hi - lo < 0.05 * pillar.thickness * 1e9  # and the zoom is a zoom
    renderer = FigureCanvasAgg(fig).get_renderer()
    names = {lay.name for lay in pillar.layers}
    seen = set()
    for ax in fig.axes[:2]:
        labels = [t for t in ax.texts if t.get_text().rstrip("↑↓") in names]
        seen |= {t.get_text().rstrip("↑↓") for t in labels}
        boxes = [t.get_window_extent(renderer) for t in labels]
        for i in range(len(boxes)):
            for j in range(i):
                assert not boxes[i].overlaps(boxes[j]), (labels[i].get_text(),
                                                         labels[j].get_text())
    assert seen == names  # every layer is named in one column or the other


def test_profile_signature_still_serves_the_cli(tmp_path):
    out = tmp_path / "p.png"
    res = run_cli("plot", NETLISTS / "berger_pillar.toml", "--current", "1e-3", "-o", out)
    assert res.returncode == 0, res.stderr
    assert out.read_bytes()[:8] == PNG


# ---------------------------------------------------------------- convergence
def test_convergence_points_are_the_independently_computed_errors(pillar, tmp_path):
    from circuitspin.plot import plot_convergence

    counts = [2, 4, 8, 16]
    fig = plot_convergence(pillar, I, counts)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    ref = solve_diffusion(pillar, I)
    want_v, want_r = [], []
    for n in counts:
        sol = solve(build_network(pillar, n, "ladder"), I)
        want_v.append(abs(sol.V_UD - ref.V_UD) / abs(ref.V_UD))
        want_r.append(abs(sol.resistance - ref.resistance) / ref.resistance)
    v, r = _line(ax, "V_UD"), _line(ax, "R")
    np.testing.assert_array_equal(v.get_xdata(), counts)
    np.testing.assert_allclose(v.get_ydata(), want_v, rtol=1e-9)
    np.testing.assert_allclose(r.get_ydata(), want_r, rtol=1e-9)
    # the ladder is second order: halving h divides the error by 4
    for y in (v.get_ydata(), r.get_ydata()):
        slopes = np.log2(y[:-1] / y[1:])
        assert np.all((slopes > 1.8) & (slopes < 2.2)), slopes
    guide = _line(ax, "∝ 1/N² (guide)")
    np.testing.assert_allclose(guide.get_ydata() * np.asarray(counts, float) ** 2,
                               want_v[0] * counts[0] ** 2)
    _saved_png(fig, tmp_path, "convergence.png")


def test_convergence_quotes_the_exact_segments_error(pillar):
    from circuitspin.plot import convergence_errors

    data = convergence_errors(pillar, I, [1])
    assert data["exact_V_UD"] < 1e-10 and data["exact_R"] < 1e-10
    assert data["V_UD"][0] > 1e-3  # one ladder segment per layer is visibly wrong


def test_convergence_rejects_bad_counts(pillar):
    from circuitspin.errors import NetworkError
    from circuitspin.plot import plot_convergence

    with pytest.raises(NetworkError):
        plot_convergence(pillar, I, [0, 2])
    with pytest.raises(NetworkError):
        plot_convergence(pillar, 0.0, [2])


# ---------------------------------------------------------------- network graph
@pytest.mark.parametrize("magnons, segments", [(0.0, None), (3.0, None), (0.0, 3)])
def test_network_graph_draws_every_node_and_edge_by_kind(tmp_path, magnons, segments):
    from matplotlib.collections import LineCollection

    from circuitspin.plot import plot_network_graph

    net = build_network(_stack(magnons=magnons), segments)
    fig = plot_network_graph(net)
    ax = fig.axes[0]
    counts = {k: int(n) for k, n in zip(EDGE_KINDS, np.bincount(net.edge_kind, minlength=5))}
    counts["motor"] = 1 if net.motor_g > 0 else 0
    for kind, n in counts.items():
        lines = sum(len(c.get_segments()) for c in ax.collections
                    if isinstance(c, LineCollection) and c.get_label() == kind)
        arcs = sum(1 for p in ax.patches if p.get_label() == kind)
        assert lines + arcs == n, kind
    nodes = [c for c in ax.collections if c.get_label() == "nodes"]
    assert len(nodes) == 1
    xy = nodes[0].get_offsets()
    assert len(xy) == net.n_nodes
    # rows: up band y = 0, down band y = 1, electrodes between; x follows position
    g = net.graph
    idx = np.array([data["index"] for _, data in g.nodes(data=True)])
    np.testing.assert_array_equal(xy[:, 1], np.array([0.0, 1.0, 0.5])[net.node_band[idx]])
    order = np.argsort(net.node_x[idx], kind="stable")
    assert np.all(np.diff(np.asarray(xy[order, 0])) >= 0)
    _saved_png(fig, tmp_path, "graph.png")


def test_network_graph_linear_scale_is_x_in_nm(pillar):
    from circuitspin.plot import plot_network_graph

    net = build_network(pillar)
    ax = plot_network_graph(net, scale="linear").axes[0]
    xy = [c for c in ax.collections if c.get_label() == "nodes"][0].get_offsets()
    idx = np.array([data["index"] for _, data in net.graph.nodes(data=True)])
    np.testing.assert_allclose(xy[:, 0], net.node_x[idx] * 1e9)


def test_network_graph_refuses_huge_networks(pillar):
    from circuitspin.errors import NetworkError
    from circuitspin.plot import plot_network_graph

    with pytest.raises(NetworkError, match="max_nodes"):
        plot_network_graph(build_network(pillar, 1000))


# ---------------------------------------------------------------- schematic
def _merged_dict():
    """F1 | N | N1b (Cu|Cu: merged nodes, no interface) | F2 (motor) | N2."""
    d = pillar_dict(magnons=3.0)
    d["layers"].insert(2, {"name": "N1b", "material": "Cu", "thickness": 4e-9})
    return d


def _motor_after_merge_dict():
    """F1 | N | F2a | F2 (motor, Co|Co: merged nodes) | N2: U and D are the merged
    F2a|F2 nodes (the motor sits on a magnet)."""
    d = copy.deepcopy(pillar_dict(magnons=3.0))
    d["layers"].insert(2, {"name": "F2a", "material": "Co", "thickness": 2e-9})
    return d


CASES = {
    "P, open motor": lambda: build_network(_stack()),
    "AP, closed motor": lambda: build_network(_stack(f2_magnetization="down", magnons=3.0)),
    "steady motor": lambda: build_network(_stack(mode="steady", alpha=0.005)),
    "merged interface": lambda: build_network(stack_from_dict(_merged_dict())),
    "motor on merged nodes": lambda: build_network(stack_from_dict(_motor_after_merge_dict())),
    "ladder, 2 segments": lambda: build_network(_stack(magnons=5.0), 2),
    "multilayer": lambda: build_network(load_stack(NETLISTS / "spin_valve_multilayer.toml")),
}


def _edges(net):
    return sorted(((min(a, b), max(a, b), EDGE_KINDS[k], g) for a, b, g, k in
                   zip(net.edge_a.tolist(), net.edge_b.tolist(), net.edge_g.tolist(),
                       net.edge_kind.tolist())), key=repr)


@pytest.mark.parametrize("case", list(CASES))
def test_schematic_is_the_network(case):
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    net = CASES[case]()
    rep = schematic_report(draw_schematic(net))
    assert rep["shorts"] == [] and not rep["lumped"]
    # as many resistors of each kind as the network has edges of that kind ...
    kinds = np.bincount(net.edge_kind, minlength=len(EDGE_KINDS))
    for kind, n in zip(EDGE_KINDS[:4], kinds[:4]):
        assert rep["resistors"][kind] == n, kind
    # ... joining the same nodes with the same conductances (wires read back by geometry)
    assert rep["edges"] == _edges(net)
    assert (rep["source"], rep["ground"]) == (net.source, net.ground)
    # the motor between U (its + terminal) and D
    m = rep["motor"]
    assert m["nodes"] == (net.u, net.d)
    assert m["emf"] == net.motor_emf
    assert m["conductance"] == net.motor_g and m["open"] == (net.motor_g == 0)
    assert rep["resistors"]["motor"] == (1 if net.motor_g > 0 else 0)
    assert rep["unnamed_clusters"] == 2  # the motor's midpoint, the source's ground side


@pytest.mark.parametrize("case", list(CASES))
def test_schematic_cut_at_every_layer_is_the_network(case):
    """Wrapped into one drawing row per layer (a cut at every boundary: after merged
    nodes, before the motor's layer, inside interface elements), the drawing read back
    is still the network, edge for edge."""
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    net = CASES[case]()
    drawing = draw_schematic(net, rows=len(net.stack.layers))
    assert drawing.circuitspin_rows == len(net.stack.layers)
    rep = schematic_report(drawing)
    assert rep["shorts"] == [] and rep["edges"] == _edges(net)
    assert (rep["source"], rep["ground"]) == (net.source, net.ground)
    assert rep["motor"]["nodes"] == (net.u, net.d)
    assert rep["unnamed_clusters"] == 2


def test_schematic_of_a_long_stack_is_wrapped_into_rows():
    """The 13-layer multilayer: one strip 20 times as wide as high unwrapped; wrapped by
    default into rows at most 2.5 times as wide as high, with the same resistors."""
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_figure, schematic_report

    net = CASES["multilayer"]()
    one, wrapped = draw_schematic(net, rows=1), draw_schematic(net)
    assert one.circuitspin_rows == 1 and wrapped.circuitspin_rows > 1
    px = {}
    for name, drawing in (("one", one), ("wrapped", wrapped)):
        w, h = schematic_figure(drawing).get_size_inches() * 100  # pixels at dpi 100
        px[name] = (w, h)
    assert px["one"][0] > 10 * px["one"][1]
    assert px["wrapped"][0] <= 2.5 * px["wrapped"][1]
    assert px["wrapped"][0] < px["one"][0] / 3
    rep_one, rep_wrapped = schematic_report(one), schematic_report(wrapped)
    assert rep_wrapped["resistors"] == rep_one["resistors"]
    assert rep_wrapped["edges"] == rep_one["edges"] == _edges(net)
    # the four-layer pillar (Berger's Fig. 3) stays in one row
    assert draw_schematic(CASES["P, open motor"]()).circuitspin_rows == 1


def test_schematic_rows_must_be_positive(pillar):
    pytest.importorskip("schemdraw")
    from circuitspin.errors import NetworkError
    from circuitspin.plot import draw_schematic

    with pytest.raises(NetworkError, match="rows"):
        draw_schematic(pillar, rows=0)


def test_schematic_without_motor_has_none():
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    d = pillar_dict()
    del d["motor"]
    net = build_network(stack_from_dict(d))
    rep = schematic_report(draw_schematic(net))
    assert rep["motor"] is None and rep["edges"] == _edges(net)


def test_schematic_lumps_a_fine_network_into_exact_segments(pillar):
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    fine = build_network(pillar, 50)
    drawing = draw_schematic(fine)
    rep = schematic_report(drawing)
    lumped = build_network(pillar)
    assert rep["lumped"] and rep["edges"] == _edges(lumped)
    # the lumping is exact: the drawn network has the diffusion solution's terminals,
    # which the fine ladder only approaches as h^2
    drawn = solve(drawing.circuitspin_network, I)
    ref = solve_diffusion(pillar, I)
    assert drawn.V_UD == pytest.approx(ref.V_UD, rel=1e-10)
    assert drawn.resistance == pytest.approx(ref.resistance, rel=1e-10)
    assert solve(fine, I).V_UD == pytest.approx(ref.V_UD, rel=1e-4)


def test_schematic_lumps_a_layer_with_its_own_segments():
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, schematic_report

    d = pillar_dict()
    d["layers"][0]["segments"] = 40  # the layer's own key wins over segments=None
    stack = stack_from_dict(d)
    rep = schematic_report(draw_schematic(stack))
    assert rep["resistors"]["band"] == 2 * len(stack.layers)


def test_schematic_svg_and_png_carry_the_values(pillar, tmp_path):
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic, eng

    net = build_network(pillar.with_motor(magnons=3.0))
    svg, png = tmp_path / "fig3.svg", tmp_path / "fig3.png"
    draw_schematic(net, svg, current=I)
    draw_schematic(net, png)
    assert png.read_bytes()[:8] == PNG
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = "\n".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
    for g in net.edge_g:
        assert eng(1.0 / g) in text
    assert eng(1.0 / net.motor_g) in text and eng(net.motor_emf, "V") in text
    for layer in pillar.layers:
        assert layer.name in text
    assert "I =" in text and "LUMPED" not in text


def test_schematic_says_open_and_lumped(pillar, tmp_path):
    pytest.importorskip("schemdraw")
    from circuitspin.plot import draw_schematic

    svg = tmp_path / "fig3.svg"
    draw_schematic(build_network(pillar, 30), svg)
    text = svg.read_text(encoding="utf-8")
    assert "open" in text and "LUMPED" in text and "120 ladder segments" in text


@pytest.mark.parametrize("value, unit, text", [
    (0.0072, "Ω", "7.20 mΩ"), (999.9, "Ω", "1.00 kΩ"), (999.4, "Ω", "999 Ω"),
    (205411.8, "Ω", "205 kΩ"), (4.13567e-5, "V", "41.4 µV"), (0.99951, "Ω", "1.00 Ω"),
    (-0.0125, "Ω", "-12.5 mΩ"), (1e-20, "Ω", "1.00e-20 Ω")])
def test_engineering_notation(value, unit, text):
    from circuitspin.plot import eng

    assert eng(value, unit) == text


def test_schematic_refuses_other_objects():
    pytest.importorskip("schemdraw")
    from circuitspin.errors import NetworkError
    from circuitspin.plot import draw_schematic

    with pytest.raises(NetworkError, match="Stack or a Network"):
        draw_schematic("pillar.toml")


def test_schematic_refuses_a_branched_geometry(pillar):
    pytest.importorskip("schemdraw")
    import circuitspin.geometry as wires
    from circuitspin.errors import NetworkError
    from circuitspin.plot import draw_schematic

    chain = wires.wires_from_stack(pillar)
    for obj in (chain, build_network(chain)):
        with pytest.raises(NetworkError, match="plot_network_graph"):
            draw_schematic(obj)


def test_network_graph_draws_a_branched_geometry(pillar):
    import circuitspin.geometry as wires
    from circuitspin.plot import plot_network_graph

    net = build_network(wires.wires_from_stack(pillar))
    ax = plot_network_graph(net).axes[0]
    xy = [c for c in ax.collections if c.get_label() == "nodes"][0].get_offsets()
    assert len(xy) == net.n_nodes
    names = {t.get_text() for t in ax.texts}
    assert set(net.terminals) <= names  # the terminals are named at their electrodes


# ---------------------------------------------------------------- command line
@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_cli_schematic_writes_the_file(tmp_path, suffix):
    pytest.importorskip("schemdraw")
    out = tmp_path / f"fig3.{suffix}"
    res = run_cli("schematic", NETLISTS / "berger_pillar.toml", "-o", out)
    assert res.returncode == 0, res.stderr
    assert "8 band" in res.stdout and "8 diagonal" in res.stdout
    data = out.read_bytes()
    if suffix == "png":
        assert data[:8] == PNG
    else:
        assert ET.fromstring(data).tag.endswith("svg")


def test_cli_schematic_wraps_into_rows(tmp_path):
    pytest.importorskip("schemdraw")
    out = tmp_path / "fig3.svg"
    stack = NETLISTS / "spin_valve_multilayer.toml"
    res = run_cli("schematic", stack, "-o", out, "--rows", "3")
    assert res.returncode == 0, res.stderr
    assert "in 3 rows" in res.stdout and "26 band" in res.stdout
    assert "wrapped into 3 rows" in out.read_text(encoding="utf-8")


def test_cli_schematic_lumps_with_segments(tmp_path):
    pytest.importorskip("schemdraw")
    out = tmp_path / "fig3.svg"
    res = run_cli("schematic", NETLISTS / "berger_pillar.toml", "-o", out, "--segments", "100")
    assert res.returncode == 0, res.stderr
    assert "lumped" in res.stdout and "LUMPED" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [
    ["{stack}", "-o", "{tmp}/fig3.jpg"],
    ["{tmp}/missing.toml", "-o", "{tmp}/fig3.svg"],
    ["{stack}", "-o", "{tmp}/fig3.svg", "--segments", "0"],
    ["{stack}", "-o", "{tmp}/fig3.svg", "--rows", "0"],
    ["{stack}"],
    ["{tmp}", "-o", "{tmp}/fig3.svg"],
])
def test_cli_schematic_bad_input_exits_2(tmp_path, args):
    args = [a.format(stack=NETLISTS / "berger_pillar.toml", tmp=tmp_path) for a in args]
    res = run_cli("schematic", *args)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("circuitspin: error:")
    assert not list(tmp_path.glob("fig3.*"))


def test_plot_profile_of_a_branched_geometry_is_drawn_wire_by_wire():
    from circuitspin import build_network, load_stack, solve
    from circuitspin.plot import plot_profile
    from conftest import NETLISTS

    sol = solve(build_network(load_stack(NETLISTS / "zero_current_swaser.toml")), 1e-3)
    fig = plot_profile(sol)
    ax_delta = fig.axes[0]
    labels = [line.get_label() for line in ax_delta.get_lines()]
    assert labels[:len(sol.network.stack.layers)] == [w.name for w in sol.network.stack.layers]
    prof = sol.profile()
    for i, line in enumerate(ax_delta.get_lines()[:len(sol.network.stack.layers)]):
        np.testing.assert_array_equal(line.get_ydata(), prof["Delta"][prof["layer"] == i])
