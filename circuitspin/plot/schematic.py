"""Berger's Fig. 3 redrawn from an actual network with schemdraw.

The drawing is made from the network's edge arrays, one schemdraw element per edge, so
what is drawn is what is solved: the down-band row of horizontal resistors on top and
the up-band row below (as in the paper's Fig. 3), a vertical spin-flip resistor at every
node pair, the crossed diagonal conductances of exact segments, the interface resistors,
the spin-wave motor between U and D, the electrodes (bands shorted), the current source
and the ground.  Values are resistances in ohms (engineering notation).

A network with more than ``max_segments`` segments in a layer is drawn lumped: the
exact one-segment-per-layer network of the same stack, which has the same terminal
behaviour (an exact segment is exact for any length), and the drawing says so.

A long stack is wrapped into several rows of the drawing, cut at layer boundaries: the
last node before a cut is drawn again at the start of the next row, joined to itself by
two wires (one per band) that run back under the row, and the interface after the cut
is drawn from that copy.  The wires are plain conductors, so the circuit drawn is still
the network, element for element.  By default a drawing no wider than Berger's pillar
(``WRAP_WIDTH`` units) stays in one row and a wider one takes the fewest rows that make
it at most ``ASPECT`` times as wide as high.

schemdraw is imported inside the functions (optional dependency ``circuitspin[schematic]``).

Public API
----------
draw_schematic(stack_or_network, path=None, current=None, max_segments=4, rows=None)
    The schemdraw Drawing; with ``path`` also saved (``.svg`` by schemdraw's SVG
    backend, ``.png``/``.pdf`` through matplotlib).  ``drawing.circuitspin_network`` is
    the network drawn, ``drawing.circuitspin_original`` the finer one it lumps (or None),
    ``drawing.circuitspin_rows`` the number of rows it is wrapped into.
save_schematic(drawing, path, dpi=100) -> Path
    Write a drawing atomically; the format follows the suffix.
schematic_figure(drawing, dpi=100, ax=None) -> matplotlib Figure
    The drawing rendered on a matplotlib Figure (no pyplot): inline PNG in notebooks.
schematic_report(drawing) -> dict
    The circuit read back from the drawing's geometry: resistors by kind, the edges
    between network nodes (wires joined at their end points), the motor's nodes, the
    source and ground nodes.  Tests compare it with the network.
eng(value, unit="Ω", digits=3) -> str
    Engineering notation with an SI prefix, as on the parts: ``eng(0.0072) == "7.20 mΩ"``.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import CircuitSpinError, NetworkError
from ..geometry import Geometry, Stack
from ..network import BAND, DIAGONAL, EDGE_KINDS, INTERFACE, SPIN_FLIP, Network, build_network
from ..units import eng as eng  # re-exported: engineering notation with an SI prefix

H = 7.0        # drawing units between the up row (y = 0) and the down row (y = H)
W = 8.0        # width of one segment
GAP = 6.0      # width of an interface
GAP_FLIP = 24.0  # width of an interface with spin flip (its element is drawn in it)
FLIP_TAP = 2.0   # its verticals stand this far inside the gap
BAY = 3.0      # extra room left of U for the motor branch
Y = {0: 0.0, 1: H}  # band code -> row height (paper: down band on top)
PITCH = 17.0   # vertical distance between two rows of a wrapped drawing
RETURN = (3.5, 4.5)  # depth below a row of the return wires of the up and down bands
WRAP_WIDTH = 64.0  # a chain no wider than this (Berger's 4-layer pillar) is not wrapped
ASPECT = 2.5   # a wider one: the fewest rows making it at most this much wider than high
MARGIN_X, HEIGHT = 12.0, 19.0  # a row's extent beyond its chain; a one-row drawing's height
_TAG = "circuitspin"  # attribute set on every element that stands for a circuit part
_FILL = {True: "#f7e3d4", False: "#e3ecf7"}  # ferromagnet, normal metal

def _lumped(stack: Stack) -> Network:
    """The exact one-segment-per-layer network of ``stack`` (layer ``segments`` keys off)."""
    layers = tuple(replace(layer, segments=None) for layer in stack.layers)
    return build_network(replace(stack, layers=layers))


def _network_to_draw(obj, max_segments):
    stack = obj.stack if isinstance(obj, Network) else obj
    if not isinstance(stack, Stack) or getattr(obj, "terminals", None) is not None:
        if isinstance(stack, Geometry):
            raise NetworkError("draw_schematic draws straight stacks (Berger's Fig. 3); "
                               "draw a branched geometry with plot.plot_network_graph")
        raise NetworkError(f"draw_schematic needs a Stack or a Network, got "
                           f"{type(obj).__name__}")
    if isinstance(obj, Stack):
        return _lumped(obj), None
    per_layer = np.bincount(obj.rows_layer[obj.seg_a], minlength=len(obj.stack.layers))
    if per_layer.max() > max_segments:
        return _lumped(obj.stack), obj
    return obj, None


class _Layout:
    """Where every profile row is drawn: its x and the y of its drawing row (``y0``),
    and which profile rows each node stands on.  A profile row after which the drawing
    is cut is drawn a second time at the start of the next drawing row (``out``)."""

    def __init__(self, net: Network, rows: int | None = None):
        self.net = net
        nrows = net.rows_up.size
        x = np.zeros(nrows)
        x_left = np.zeros(nrows)  # where interface edges and the motor attach
        motor_row = None
        if net.u is not None:
            motor_row = int(np.flatnonzero(net.rows_layer == net.stack.motor.index)[0])
        diagonals = {frozenset(e) for e in zip(net.edge_a[net.edge_kind == DIAGONAL].tolist(),
                                               net.edge_b[net.edge_kind == DIAGONAL].tolist())}
        for r in range(1, nrows):
            same_layer = net.rows_layer[r] == net.rows_layer[r - 1]
            merged = net.rows_up[r] == net.rows_up[r - 1]
            # an interface element (spin flip) has diagonals across the layer boundary
            flip = frozenset((int(net.rows_up[r - 1]), int(net.rows_dn[r]))) in diagonals
            step = W if same_layer else (0.0 if merged else GAP_FLIP if flip else GAP)
            if r == motor_row:
                step += BAY
            x[r] = x[r - 1] + step
            x_left[r] = x[r] - (BAY - 0.5 if r == motor_row else 0.0)
        x_left[0] = x[0]
        self.motor_row = motor_row
        # cut at layer boundaries into drawing rows; x measured from each row's start
        cuts = _cuts(x, np.flatnonzero(np.diff(net.rows_layer)) + 1, rows)
        self.cuts = cuts
        self.n_rows = len(cuts) + 1
        strip = np.searchsorted(np.asarray(cuts, dtype=int), np.arange(nrows), side="right")
        origin = np.array([0.0] + [x[c - 1] for c in cuts])[strip]
        self.x, self.x_left = x - origin, x_left - origin
        self.y0 = -PITCH * strip
        self.out = {c - 1: (0.0, -PITCH * (k + 1)) for k, c in enumerate(cuts)}
        self.rows_of = {}
        for r in range(nrows):
            for node in {int(net.rows_up[r]), int(net.rows_dn[r])}:
                self.rows_of.setdefault(node, []).append(r)

    def electrode(self, node: int) -> bool:
        return int(self.net.node_band[node]) == 2

    def row_pair(self, a: int, b: int, same_layer: bool, strict: bool = True):
        """The adjacent rows (ra, rb) that an edge between nodes a and b spans (None
        when there are none and not ``strict``)."""
        lay = self.net.rows_layer
        for ra in self.rows_of[a]:
            for rb in self.rows_of[b]:
                if abs(ra - rb) == 1 and (lay[ra] == lay[rb]) == same_layer:
                    return ra, rb
        if not strict:
            return None
        raise NetworkError(f"schematic: nodes {a} and {b} are not on adjacent rows")

    def point(self, node: int, row: int, band: int, left=False, right=False):
        """Where ``node`` of profile row ``row`` is drawn on ``band``'s line; ``left``:
        where edges from the previous row attach, ``right``: where edges to the next
        row attach (the copy at the start of the next drawing row after a cut)."""
        if right and row in self.out:
            x, y0 = self.out[row]
            return (x, y0 + Y[band])
        xs = self.x_left if left else self.x
        return (float(xs[row]), float(self.y0[row]) + Y[band])


def _row_widths(x, cuts):
    """Widths of the drawing rows when profile row positions ``x`` are cut before the
    profile rows ``cuts`` (each drawing row starts at the copy of the row before)."""
    starts = [0] + [c - 1 for c in cuts]
    ends = [c - 1 for c in cuts] + [len(x) - 1]
    return [x[e] - x[s] for s, e in zip(starts, ends)]


def _greedy(x, candidates, cap):
    """Cuts that keep every drawing row within ``cap`` where they can (first fit)."""
    cuts, start = [], 0.0
    for i, c in enumerate(candidates):
        nxt = candidates[i + 1] - 1 if i + 1 < len(candidates) else len(x) - 1
        if x[nxt] - start > cap:  # the next layer would overflow this row: cut before it
            cuts.append(int(c))
            start = x[c - 1]
    return cuts


def _balanced(x, candidates, n):
    """At most ``n`` drawing rows whose widest is as narrow as cuts at ``candidates``
    allow (bisection on the widest row, first-fit cuts)."""
    lo, hi = 0.0, float(x[-1] - x[0])
    best = []
    for _ in range(60):
        cap = 0.5 * (lo + hi)
        cuts = _greedy(x, candidates, cap)
        if len(cuts) < n:
            hi, best = cap, cuts
        else:
            lo = cap
    return best


def _cuts(x, candidates, rows):
    """Profile rows before which the drawing starts a new row (layer boundaries)."""
    candidates = [int(c) for c in candidates]
    if rows is not None:
        if rows < 1:
            raise NetworkError(f"schematic: rows must be a positive integer, got {rows}")
        return _balanced(x, candidates, rows)
    if x[-1] - x[0] <= WRAP_WIDTH:
        return []
    for n in range(1, len(candidates) + 2):
        cuts = _balanced(x, candidates, n)
        width = max(_row_widths(x, cuts)) + MARGIN_X
        if width <= ASPECT * (HEIGHT + PITCH * len(cuts)):
            return cuts
    return cuts


def _tag(element, **info):
    setattr(element, _TAG, info)
    return element


def draw_schematic(stack_or_network, path=None, current: float | None = None,
                   max_segments: int = 4, rows: int | None = None):
    """Draw Berger's Fig. 3 for a stack or a built network; returns the schemdraw Drawing.

    Parameters
    ----------
    stack_or_network : Stack or Network
        A Stack is drawn as its exact one-segment-per-layer network.  A Network is drawn
        as it is, unless a layer has more than ``max_segments`` segments: then the exact
        one-segment-per-layer network of its stack is drawn, and the drawing says so.
    path : str or Path, optional
        Also save the drawing there (``.svg``, ``.png`` or ``.pdf``).
    current : float, optional
        Source current (A) written beside the current source.
    max_segments : int
        Largest number of segments per layer drawn one by one.
    rows : int, optional
        Wrap the chain of layers into this many rows of the drawing (at most; cuts fall
        at layer boundaries).  Default: one row up to ``WRAP_WIDTH`` drawing units (the
        four-layer pillar), else the fewest rows that make the drawing at most
        ``ASPECT`` (2.5) times as wide as high.
    """
    from ..optional import require

    schemdraw = require("schemdraw", "schematic", "the schematic")
    elm = require("schemdraw.elements", "schematic", "the schematic")
    net, original = _network_to_draw(stack_or_network, max_segments)
    lay = _Layout(net, rows)
    d = schemdraw.Drawing(show=False)
    d.config(fontsize=20, unit=3.0, inches_per_unit=0.5, lw=2.4)
    d.circuitspin_network = net
    d.circuitspin_original = original
    d.circuitspin_rows = lay.n_rows

    _draw_layer_boxes(d, elm, lay)
    _draw_edges(d, elm, lay)
    _draw_merged_and_motor_wires(d, elm, lay)
    _draw_row_returns(d, elm, lay)
    _draw_motor(d, elm, lay)
    _draw_electrodes(d, elm, lay, current)
    _draw_dots(d, elm, lay)
    _draw_notes(d, elm, lay, original)
    if path is not None:
        save_schematic(d, path)
    return d


def _draw_layer_boxes(d, elm, lay):
    net, stack = lay.net, lay.net.stack
    for li, layer in enumerate(stack.layers):
        rows = np.flatnonzero(net.rows_layer == li)
        x0, x1, y0 = lay.x[rows[0]], lay.x[rows[-1]], lay.y0[rows[0]]
        colour = _FILL[layer.material.ferromagnetic]
        d.add(elm.Rect(corner1=(x0, y0 - 0.9), corner2=(x1, y0 + H + 0.9), lw=0.5,
                       fill=colour, color=colour))
        arrow = {"up": " ↑", "down": " ↓"}[layer.magnetization] \
            if layer.material.ferromagnetic else ""
        d.add(elm.Label().at(((x0 + x1) / 2, y0 + H + 2.6)).label(
            f"{layer.name}{arrow}\n{layer.material.name} {layer.thickness * 1e9:.4g} nm",
            fontsize=22))


def _resistor(d, elm, p, q, kind, g, label_loc, body=None):
    """A resistor from p to q; ``body`` = (f0, f1) puts the body between those fractions
    of the way, with wires to both ends (the diagonals)."""
    text = eng(1.0 / g)
    if body is None:
        r = d.add(elm.Resistor().endpoints(p, q).label(text, loc=label_loc, fontsize=18))
        return _tag(r, kind=kind, g=g)
    f0, f1 = body
    p1 = (p[0] + f0 * (q[0] - p[0]), p[1] + f0 * (q[1] - p[1]))
    p2 = (p[0] + f1 * (q[0] - p[0]), p[1] + f1 * (q[1] - p[1]))
    d.add(elm.Line().endpoints(p, p1))
    r = d.add(elm.Resistor().endpoints(p1, p2).label(text, loc=label_loc, fontsize=18,
                                                     color="#555555"))
    d.add(elm.Line().endpoints(p2, q))
    return _tag(r, kind=kind, g=g)


def _draw_edges(d, elm, lay):
    """One element per edge of the network's edge arrays."""
    net = lay.net
    band = net.node_band
    drawn = set()  # node pairs with a spin-flip resistor drawn
    for a, b, g, k in zip(net.edge_a.tolist(), net.edge_b.tolist(), net.edge_g.tolist(),
                          net.edge_kind.tolist()):
        if k == SPIN_FLIP:
            r = max(set(lay.rows_of[a]) & set(lay.rows_of[b]))
            lo, hi = (a, b) if band[a] == 0 else (b, a)
            p, q = lay.point(lo, r, 0), lay.point(hi, r, 1)
            if (lo, hi) in drawn:  # the vertical of an interface element, in its gap
                p, q = _flip_tap(d, elm, lay, r)
            drawn.add((lo, hi))
            _resistor(d, elm, p, q, EDGE_KINDS[k], g, "bottom")
            continue
        if k not in (BAND, DIAGONAL, INTERFACE):
            raise NetworkError(f"schematic: edge kind {EDGE_KINDS[k]!r} is not drawn")
        # across a layer boundary: an interface resistor, or an interface element's
        # diagonal (an exact segment's lies within its layer)
        across = k == INTERFACE or lay.row_pair(a, b, same_layer=True, strict=False) is None
        ra, rb = lay.row_pair(a, b, same_layer=not across)
        if ra > rb:
            a, b, ra, rb = b, a, rb, ra
        ba, bb = int(band[a]), int(band[b])
        if k == DIAGONAL:  # an electrode end sits on the band opposite the other end
            ba = 1 - bb if ba == 2 else ba
            bb = 1 - ba if bb == 2 else bb
        else:
            ba = bb if ba == 2 else ba
            bb = ba if bb == 2 else bb
        p = lay.point(a, ra, ba, right=across)
        q = lay.point(b, rb, bb, left=across)
        if k == DIAGONAL:  # bodies apart: rising one low-left, falling one low-right
            body = (0.2, 0.4) if ba == 0 else (0.6, 0.8)
            _resistor(d, elm, p, q, "diagonal", g, "top", body=body)
        else:
            _resistor(d, elm, p, q, EDGE_KINDS[k], g, "top" if ba == 1 else "bottom")


def _flip_tap(d, elm, lay, r):
    """End points of an interface element's vertical at row ``r``, moved ``FLIP_TAP``
    into the interface's gap (wires back to the row's nodes; after a cut, the gap is at
    the start of the next drawing row)."""
    first = r > 0 and lay.net.rows_layer[r - 1] != lay.net.rows_layer[r]
    x0, lo = lay.point(None, r, 0, left=first, right=not first)
    hi = lo + H
    x = x0 - FLIP_TAP if first else x0 + FLIP_TAP
    d.add(elm.Line().endpoints((x0, lo), (x, lo)))
    d.add(elm.Line().endpoints((x0, hi), (x, hi)))
    return (x, lo), (x, hi)


def _draw_merged_and_motor_wires(d, elm, lay):
    """Wires joining the two drawn rows of a merged node, and the U/D taps."""
    net = lay.net
    for r in range(1, net.rows_up.size):
        if net.rows_up[r] == net.rows_up[r - 1]:
            for band in (0, 1):
                p = lay.point(None, r - 1, band, right=True)
                q = lay.point(None, r, band, left=True)
                if p != q:
                    d.add(elm.Line().endpoints(p, q))
    r = lay.motor_row
    if r is not None and lay.x_left[r] != lay.x[r]:
        for band in (0, 1):
            d.add(elm.Line().endpoints(lay.point(None, r, band, left=True),
                                       lay.point(None, r, band)))


def _draw_row_returns(d, elm, lay):
    """At every cut: the last node of a drawing row wired, band by band, to its copy at
    the start of the next row (the down band's wire outside the up band's at the right,
    inside it at the left, so that the two never cross)."""
    for r in sorted(lay.out):
        for band, (right, depth, left) in ((1, (2.0, RETURN[1], -1.0)),
                                           (0, (1.0, RETURN[0], -2.0))):
            xe, ye = lay.point(None, r, band)
            xs, ys = lay.point(None, r, band, right=True)
            y_run = float(lay.y0[r]) - depth
            path = [(xe, ye), (xe + right, ye), (xe + right, y_run), (xs + left, y_run),
                    (xs + left, ys), (xs, ys)]
            for p, q in zip(path[:-1], path[1:]):
                d.add(elm.Line().endpoints(p, q))
        for band in (0, 1):
            d.add(elm.Dot().at(lay.point(None, r, band, right=True)))
        name = lay.net.stack.layers[int(lay.net.rows_layer[r])].name
        xs, ys = lay.point(None, r, 1, right=True)
        d.add(elm.Label().at((xs, ys + 0.9)).label(f"{name} (cont.)", fontsize=16,
                                                    color="#555555"))


def _draw_motor(d, elm, lay):
    net = lay.net
    if net.u is None:
        return
    motor = net.stack.motor
    r = lay.motor_row
    xm, y0 = lay.x_left[r], float(lay.y0[r])
    mid = (xm, y0 + H / 2)
    # U (+) is the motor layer's majority band: the up row, or the down row for a layer
    # magnetised "down"
    yu, yd = (y0 + Y[int(net.node_band[n])] for n in (net.u, net.d))
    emf = d.add(elm.Motor().endpoints((xm, yu), mid).label(
        ["+", f"E = hf/e\n{eng(net.motor_emf, 'V')}", "−"], loc="top", fontsize=18))
    _tag(emf, kind="motor-emf", emf=net.motor_emf)
    if net.motor_g > 0:
        rm = d.add(elm.Resistor().endpoints(mid, (xm, yd)).label(
            f"R_M = R_1/n_m\n{eng(1.0 / net.motor_g)}\n(n_m = {motor.magnons:g})",
            loc="top", fontsize=18))
        _tag(rm, kind="motor", g=net.motor_g)
    else:
        text = ("R_M = R_1/n\nn self-consistent\n(steady mode)" if motor.mode == "steady"
                else "open\n(n_m = 0)")
        gap = d.add(elm.Gap().endpoints(mid, (xm, yd)).label(text, loc="top", fontsize=18))
        _tag(gap, kind="motor-open", g=0.0)
        step = 0.5 if yd > yu else -0.5
        for y in (y0 + H / 2 + step, yd - step):  # the open terminals, wired to the branch ends
            d.add(elm.Dot(open=True).at((xm, y)))
        d.add(elm.Line().endpoints(mid, (xm, y0 + H / 2 + step)))
        d.add(elm.Line().endpoints((xm, yd - step), (xm, yd)))
    for y in (y0, y0 + H):  # junction dots at the taps (plain dots: not network nodes)
        d.add(elm.Dot().at((xm, y)))
    for name, y in (("U", yu), ("D", yd)):
        d.add(elm.Label().at((xm - 0.35, y + (0.45 if y > y0 else -0.45))).label(
            name, fontsize=24, color="C2"))


def _draw_electrodes(d, elm, lay, current):
    net = lay.net
    for node, row in ((net.source, 0), (net.ground, net.rows_up.size - 1)):
        x, y0 = lay.x[row], lay.y0[row]
        for ya, yb in ((0.0, H / 2), (H / 2, H)):
            d.add(_tag(elm.Line(lw=7).endpoints((x, y0 + ya), (x, y0 + yb)),
                       kind="electrode"))
    x0 = lay.x[0]
    xs = x0 - 3.0
    d.add(elm.Line().endpoints((x0, H / 2), (xs, H / 2)))
    src = d.add(elm.SourceI().endpoints((xs, -2.0), (xs, H / 2)).label(
        "I" if current is None else f"I =\n{eng(current, 'A')}", loc="top"))
    _tag(src, kind="source")
    _tag(d.add(elm.Ground().at((xs, -2.0))), kind="ground")
    xe, ye = lay.x[-1], lay.y0[-1]
    d.add(elm.Line().endpoints((xe, ye), (xe, ye - 2.0)))
    _tag(d.add(elm.Ground().at((xe, ye - 2.0))), kind="ground")
    for x, y in ((x0, 0.0), (xe, ye)):
        d.add(elm.Label().at((x, y + H + 1.5)).label("electrode\n(bands shorted)",
                                                     fontsize=16))
    d.add(elm.Label().at((xe + 0.6, ye + H)).label("down band", fontsize=20, halign="left"))
    d.add(elm.Label().at((xe + 0.6, ye)).label("up band", fontsize=20, halign="left"))


def _draw_dots(d, elm, lay):
    """One dot per network node, tagged with its index (where the report reads it)."""
    net = lay.net
    for node in range(net.n_nodes):
        rows = lay.rows_of[node]
        if lay.electrode(node):
            xy = (lay.x[rows[0]], lay.y0[rows[0]] + H / 2)
        else:
            xy = lay.point(node, rows[-1], int(net.node_band[node]))
        _tag(d.add(elm.Dot(radius=0.1).at(xy)), kind="node", node=node)


def _draw_notes(d, elm, lay, original):
    net, stack = lay.net, lay.net.stack
    x0 = lay.x[0] - 3.0
    d.add(elm.Label().at((x0, H + 5.2)).label(
        f"{stack.title} — Berger's Fig. 3 drawn from the network: {net.method}, "
        f"{net.n_segments} segments, area {stack.area:.3g} m²", fontsize=26, halign="left"))
    if original is not None:
        d.add(elm.Label().at((x0, H + 4.2)).label(
            f"LUMPED: one exact segment per layer is drawn; the network given has "
            f"{original.n_segments} {original.method} segments (same stack, same terminals)",
            fontsize=22, halign="left", color="#b2182b"))
    lines = ["Values are resistances (ohm). Top row: down band; bottom row: up band "
             "(as in the paper); vertical: spin flip; between layers: interface resistors."]
    if any(st.params is not None and st.params.delta > 0 for st in stack.interfaces):
        lines.append("A wide gap: an interface with spin flip (delta), drawn as its exact "
                     "element (band, vertical and crossed resistors, no thickness).")
    if (net.edge_kind == DIAGONAL).any():
        lines.append("Crossed resistors (grey): the diagonal conductances up_a–dn_b and "
                     "dn_a–up_b of each exact segment.")
    if net.u is not None:
        lines.append("Motor between U and D: counter-EMF E = hf/e (+ at U) in series with "
                     "R_M = R_1/n_m, R_1 = hbar/(2 e² Δα); open when n_m = 0.")
    if lay.n_rows > 1:
        lines.append(f"The chain is wrapped into {lay.n_rows} rows: the two wires at the end "
                     "of a row join its last node, band by band, to the same node drawn "
                     "again at the start of the next row.")
    d.add(elm.Label().at((x0, float(lay.y0[-1]) - 4.2)).label(
        "\n".join(lines), fontsize=18, halign="left", valign="top"))


# ---------------------------------------------------------------- output
def save_schematic(drawing, path, dpi: float = 100) -> Path:
    """Write ``drawing`` to ``path`` atomically; ``.svg`` via schemdraw's SVG backend,
    other suffixes (``.png``, ``.pdf``) via a matplotlib Figure (no pyplot)."""
    from ..safe_io import write_output

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        raise CircuitSpinError(f"{path}: schematic output must end in .svg, .png or .pdf")

    def produce(fh):
        if suffix == ".svg":
            fh.write(drawing.draw(show=False, canvas="svg").getimage("svg"))
        else:
            schematic_figure(drawing).savefig(fh, dpi=dpi, facecolor="white",
                                              format=suffix[1:])

    return write_output(path, produce)


def schematic_figure(drawing, dpi: float = 100, ax=None):
    """Render ``drawing`` on a new ``matplotlib.figure.Figure`` at the drawing's scale
    (no pyplot); in a notebook it shows inline as a PNG.  ``ax``: draw on this Axes
    instead (its figure is returned)."""
    from .figure import Figure

    bbox = drawing.get_bbox()
    margin = 0.5
    if ax is None:
        per_unit = drawing.dwgparams.get("inches_per_unit", 0.5)
        w = (bbox.xmax - bbox.xmin + 2 * margin) * per_unit
        h = (bbox.ymax - bbox.ymin + 2 * margin) * per_unit
        fig = Figure(figsize=(w, h), dpi=dpi)
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        from .axes import axes_for

        fig, ax, _ = axes_for(ax, None, (), None)
    drawing.draw(show=False, canvas=ax)
    ax.set_xlim(bbox.xmin - margin, bbox.xmax + margin)
    ax.set_ylim(bbox.ymin - margin, bbox.ymax + margin)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig


# ---------------------------------------------------------------- read back
def _key(p):
    return (round(float(p[0]), 6), round(float(p[1]), 6))


def schematic_report(drawing) -> dict:
    """The circuit read back from the drawing's geometry.

    Wires (``Line`` elements) join the points at their two ends; a dot tagged with a
    network node names the cluster it sits in.  Returns a dict with

    ``resistors``
        {kind: number of drawn resistors} (kinds of ``EDGE_KINDS``);
    ``edges``
        sorted list of (node_a, node_b, kind, conductance S), node_a < node_b, the
        network nodes at the two ends of every drawn resistor;
    ``motor``
        None, or {"nodes": (node at the + end, node at the other end), "emf": V,
        "conductance": S (0 = open), "open": bool};
    ``source``, ``ground``
        the network node the current source feeds; the grounded node;
    ``lumped``
        True when the drawing stands for a finer network;
    ``unnamed_clusters``
        junctions that are no network node (the motor's midpoint and the grounded
        side of the current source);
    ``shorts``
        clusters holding two or more network nodes (an error in the drawing).
    """
    import schemdraw.elements as elm

    parent = {}

    def find(k):
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(p, q):
        parent[find(_key(p))] = find(_key(q))

    parts = []
    for e in drawing.elements:
        start, end = e.absanchors.get("start"), e.absanchors.get("end")
        info = getattr(e, _TAG, None)
        if isinstance(e, elm.Line):
            union(start, end)
        elif info is not None:
            find(_key(start)), find(_key(end))
            parts.append((e, info, start, end))
    names = {}
    for e, info, start, _ in parts:
        if info["kind"] == "node":
            names.setdefault(find(_key(start)), set()).add(info["node"])
    shorts = [sorted(v) for v in names.values() if len(v) > 1]
    node_of = {c: min(v) for c, v in names.items()}

    def node(p):
        return node_of.get(find(_key(p)))

    resistors = {k: 0 for k in EDGE_KINDS}
    edges = []
    motor = None
    source = ground = None
    motor_parts = {}
    for e, info, start, end in parts:
        kind = info["kind"]
        if kind in EDGE_KINDS:
            resistors[kind] += 1
        if kind in ("band", "spin-flip", "interface", "diagonal"):
            a, b = node(start), node(end)
            edges.append((min(a, b), max(a, b), kind, info["g"]) if None not in (a, b)
                         else (a, b, kind, info["g"]))
        elif kind in ("motor-emf", "motor", "motor-open"):
            motor_parts[kind] = (e, info, start, end)
        elif kind == "source":
            source = node(end)
        elif kind == "ground" and node(start) is not None:
            ground = node(start)
    if "motor-emf" in motor_parts:
        _, info, s0, e0 = motor_parts["motor-emf"]
        other = [v for k, v in motor_parts.items() if k != "motor-emf"][0]
        _, oinfo, s1, e1 = other
        joined = find(_key(e0)) == find(_key(s1))
        motor = {"nodes": (node(s0), node(e1)) if joined else (node(s0), None),
                 "emf": info["emf"], "conductance": oinfo["g"],
                 "open": other[1]["kind"] == "motor-open"}
    clusters = {find(k) for k in list(parent)}
    return {"resistors": resistors, "edges": sorted(edges, key=repr), "motor": motor,
            "source": source, "ground": ground,
            "lumped": getattr(drawing, "circuitspin_original", None) is not None,
            "unnamed_clusters": len(clusters - set(node_of)), "shorts": shorts}
