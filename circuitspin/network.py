"""Stack -> Berger's two-band network (the paper's Fig. 3) as arrays and a named graph.

The network is kept as arrays (node table, edge table, segment table) so that a
1e6-segment ladder costs megabytes, not gigabytes; :attr:`Network.graph` builds the
networkx view (a ``MultiGraph`` keyed by :class:`Node`) on demand.

Public API
----------
Node
    NamedTuple key ``(layer, pos, band)``: layer name, node position inside the layer
    (0 = first face), band ``"up"``, ``"dn"`` or ``"e"`` (an electrode: bands shorted).
Network
    Frozen result of :func:`build_network`: node and edge arrays, the source and ground
    nodes, the motor nodes ``u`` and ``d``, per-segment conductances for band currents.
build_network(stack, segments=None, method=None) -> Network
    ``stack``: a :class:`~circuitspin.geometry.Stack` or a
    :class:`~circuitspin.geometry.Geometry` (its wires are the "layers" of the network,
    x runs along each wire).  ``segments=None``: one exact segment per layer
    (default).  ``segments=N``: the paper's ladder with N segments in every layer (a
    layer's own ``segments`` key wins).  ``method="exact"`` with ``segments=N`` cuts
    every layer into N exact segments.  A flaring layer (``area_profile``) is cut at
    the breakpoints of its profile too; its segments are cone frustums, exact in the
    default discretisation (:func:`~circuitspin.segments.flared_segment`).  A
    geometry node joined to a wire end through an interface gets its own nodes, joined
    to the end's by one resistor per band (``contact.area / r_s``), or, for an interface
    with spin flip (``delta > 0``), by the exact element of :func:`contact_edges`
    (band, vertical and diagonal conductances, no thickness); a terminal is in
    ``Network.terminals`` (name -> node) and junctions are named ``<node>_up``,
    ``<node>_dn`` in the deck (files with ``[[wires]]``).
EDGE_KINDS
    ``("band", "spin-flip", "interface", "diagonal", "motor")``: the ``kind`` code of an
    edge is its index here.

Electrodes short the two bands, so each electrode is one node (band ``"e"``); an
interface with zero resistance (or two layers of the same material) merges the boundary
nodes of the two layers instead of joining them with a huge conductance.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from .errors import NetworkError
from .flaring import mesh
from .segments import exact_segment, flared_segment, interface_element, ladder_segment
from .spin_network import mixing_pair, spin_vector_parts
from .geometry import TERMINAL_KINDS, Geometry, Stack

EDGE_KINDS = ("band", "spin-flip", "interface", "diagonal", "motor")
BAND, SPIN_FLIP, INTERFACE, DIAGONAL, MOTOR = range(5)
#: band codes: up, down, electrode; "sx", "sy": the x and y spin-accumulation nodes of a
#: normal metal in a non-collinear stack (potential D_x, D_y; its z is up - dn)
BANDS = ("up", "dn", "e", "sx", "sy")


class Node(NamedTuple):
    """Key of a network node: layer name, position (0 = first face), band."""

    layer: str
    pos: int
    band: str

    def spice_name(self) -> str:
        """Lower-case name used in SPICE decks (``layer_pos_band``)."""
        return f"{self.layer}_{self.pos}_{self.band}".lower()


@dataclass(frozen=True, eq=False)
class Network:
    """A built two-band network (arrays, SI units).

    Attributes
    ----------
    stack : Stack or Geometry
    method : str                  "exact" or "ladder"
    node_layer, node_pos, node_band : int arrays (band code: 0 up, 1 dn, 2 electrode)
    node_x : float array          position along x, m
    edge_a, edge_b : int arrays   edge end nodes
    edge_g : float array          conductance, S
    edge_kind : int array         index into EDGE_KINDS
    source, ground : int          electrode nodes where the current enters / 0 V
    u, d : int or None            motor nodes (up and down at the motor layer's first face)
    motor_g, motor_emf : float    linear motor branch: conductance (S), counter-EMF (V)
    rows_up, rows_dn, rows_x, rows_layer : arrays
        The profile rows: one per (layer, position), the up and down node of each.
    seg_a, seg_b : int arrays     profile rows at both ends of each segment
    seg_g : float array (n, 4)    g_uu, g_dd, g_vert (each end), g_diag of each segment
    seg_vert_b : float array or None
        The vertical at the last end of each segment where it differs from the first
        (a flaring segment); None: ``seg_g[:, 2]`` at both ends.
    terminals : dict or None      branched geometries: terminal name -> electrode node
    node_labels : dict or None    node index -> name overriding the default in
                                  :meth:`node_names` (terminals, junctions)
    coupling : (rows, cols, vals) or None
        Non-collinear stacks: matrix entries (S) added to the edges' conductance matrix
        (node indices): the x and y spin nodes' lines and shunts, and the F|N contacts
        (band conductances along m, spin-mixing conductance; not symmetric when
        g_mix_im != 0).  The current leaving node i is sum_e + sum_j C_ij V_j.
    spin_nodes : int array (n_nodes, 2) or None
        The x and y spin nodes of a normal metal's node (indexed by its up node; -1:
        none, e.g. an electrode, where D = 0).
    mixing : tuple of dict or None
        The F|N contacts of a non-collinear stack: ``f`` (the magnet's layer index),
        ``n`` (the normal metal's), ``f_nodes`` (up, dn along m), ``n_nodes`` (up, dn,
        sx, sy), ``m``, ``area``, ``g_mix``, ``g_mix_im``, ``G`` (G_up, G_dn).
    spin_segments : (seg, g_series, g_shunt_a, g_shunt_b) or None
        The x/y line of each normal-metal segment (indices into the segment table).
    """

    stack: Stack | Geometry
    method: str
    node_layer: np.ndarray
    node_pos: np.ndarray
    node_band: np.ndarray
    node_x: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_g: np.ndarray
    edge_kind: np.ndarray
    source: int
    ground: int
    u: int | None
    d: int | None
    motor_g: float
    motor_emf: float
    rows_up: np.ndarray
    rows_dn: np.ndarray
    rows_x: np.ndarray
    rows_layer: np.ndarray
    seg_a: np.ndarray
    seg_b: np.ndarray
    seg_g: np.ndarray
    seg_vert_b: np.ndarray | None = None
    terminals: dict | None = None
    node_labels: dict | None = None
    coupling: tuple | None = None
    spin_nodes: np.ndarray | None = None
    mixing: tuple | None = None
    spin_segments: tuple | None = None

    @property
    def collinear(self) -> bool:
        """True for Berger's two-band network; False for the charge + spin-vector
        network of a non-collinear stack (``coupling`` holds its extra matrix entries)."""
        return self.coupling is None

    def __repr__(self) -> str:
        st = self.stack
        motor = (f"; motor U-D at {st.motor.layer!r}" if self.u is not None else
                 "; no motor")
        return (f"Network of {st.title!r} ({st.source}): {self.method}, "
                f"{self.n_segments} segments, {self.n_nodes} nodes, {self.n_edges} edges"
                f"{motor}")

    @property
    def n_nodes(self) -> int:
        return int(self.node_x.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_g.size)

    @property
    def n_segments(self) -> int:
        return int(self.seg_a.size)

    def node(self, i: int) -> Node:
        """The :class:`Node` key of node index ``i``."""
        return Node(self.stack.layers[int(self.node_layer[i])].name, int(self.node_pos[i]),
                    BANDS[int(self.node_band[i])])

    def index(self, key) -> int:
        """Node index of a :class:`Node` key or of a ``(layer, pos, band)`` tuple.

        Merged nodes answer to every key they stand for (e.g. the last node of a layer
        and the first node of the next across a zero-resistance interface).
        """
        layer, pos, band = key
        li = self.stack.layer_index(layer)
        rows = np.flatnonzero(self.rows_layer == li)
        if not 0 <= pos < rows.size:
            raise NetworkError(f"layer {layer!r} has positions 0..{rows.size - 1}, got {pos}")
        row = rows[pos]
        if band == "up" or band == "e":
            return int(self.rows_up[row])
        if band == "dn":
            return int(self.rows_dn[row])
        if band in ("sx", "sy") and self.spin_nodes is not None:
            i = int(self.spin_nodes[self.rows_up[row], band == "sy"])
            if i >= 0:
                return i
        raise NetworkError(f"band must be 'up', 'dn', 'e' (or 'sx', 'sy' of a normal "
                           f"metal in a non-collinear stack), got {band!r}")

    def node_names(self) -> list[str]:
        """SPICE-style names of all nodes, in index order (motor nodes ``u`` and ``d``)."""
        layers = [lay.name for lay in self.stack.layers]
        names = [f"{layers[li]}_{p}_{BANDS[b]}".lower()
                 for li, p, b in zip(self.node_layer.tolist(), self.node_pos.tolist(),
                                     self.node_band.tolist())]
        for i, label in (self.node_labels or {}).items():
            names[i] = label
        if self.u is not None:
            names[self.u] = "u"
            names[self.d] = "d"
        return names

    def edge_names(self) -> list[str]:
        """Unique edge names: kind prefix and index (``band17``, ``spin-flip3``...)."""
        return [f"{EDGE_KINDS[k]}{i}" for i, k in enumerate(self.edge_kind.tolist())]

    @cached_property
    def graph(self):
        """The network as a ``networkx.MultiGraph``.

        Nodes are :class:`Node` keys with attributes ``index``, ``x`` (m) and
        ``electrode`` (``"source"``, ``"ground"`` or None); edges carry ``name``,
        ``kind`` and ``conductance`` (S), and the motor edge also ``emf`` (V).
        """
        import networkx as nx

        g = nx.MultiGraph(title=self.stack.title, method=self.method)
        keys = [self.node(i) for i in range(self.n_nodes)]
        for i, key in enumerate(keys):
            electrode = "source" if i == self.source else "ground" if i == self.ground else None
            g.add_node(key, index=i, x=float(self.node_x[i]), electrode=electrode)
        for name, a, b, cond, kind in zip(self.edge_names(), self.edge_a.tolist(),
                                          self.edge_b.tolist(), self.edge_g.tolist(),
                                          self.edge_kind.tolist()):
            g.add_edge(keys[a], keys[b], key=name, name=name, kind=EDGE_KINDS[kind],
                       conductance=cond)
        if self.u is not None and self.motor_g > 0:
            g.add_edge(keys[self.u], keys[self.d], key="motor", name="motor", kind="motor",
                       conductance=self.motor_g, emf=self.motor_emf)
        return g


def motor_nodes(part, up: int, dn: int) -> tuple[int, int]:
    """(U, D): the majority and minority band nodes of the motor's layer or wire.

    Berger's up and down are along the motor layer's own spins, so for a layer
    magnetised "down" U is the lab down-band node: V_UD = s (V_up - V_dn) with s = +1
    for "up", -1 for "down", and every motor result is unchanged by a global rotation.
    """
    if part.magnetization == "down":
        return int(dn), int(up)
    return int(up), int(dn)


#: the most segments a network may have (all layers or wires together) unless raised
#: (``circuitspin ... --segment-limit N``); about 650 bytes of memory each at the peak of
#: a nodal solve (measured: 1e6 segments, 650 MB)
MAX_SEGMENTS = 10_000_000
BYTES_PER_SEGMENT = 650


def check_segments(segments, parts=()):
    """Reject a ``segments`` option that is not a whole number >= 1, or a network whose
    ``parts`` (layers or wires, each with its own ``segments`` or None) would have more
    than ``MAX_SEGMENTS`` segments: NetworkError with the estimate and the limit, before
    anything is allocated."""
    if segments is not None and (isinstance(segments, bool) or int(segments) != segments
                                 or segments < 1):
        raise NetworkError(f"segments must be a whole number >= 1, got {segments!r}")
    default = 1 if segments is None else int(segments)
    total = sum(int(getattr(p, "segments", None) or default) for p in parts)
    if total > MAX_SEGMENTS:
        raise NetworkError(f"the network would have {total:.3g} segments (about "
                           f"{total * BYTES_PER_SEGMENT / 1e9:.3g} GB to solve), more than "
                           f"the limit {MAX_SEGMENTS:.3g}: use fewer segments, or raise "
                           "the limit (--segment-limit)")


def segment_edges(rows_up, rows_dn, seg_a, seg_b, g_uu, g_dd, g_va, g_vb, g_x, n_nodes,
                  exact):
    """Edge lists (a, b, g, kind) of the band, spin-flip and diagonal conductances.

    Shared by the straight and the branched builders.  The vertical of a node is the sum
    of the halves (``g_va`` at each segment's first row, ``g_vb`` at its last) of every
    segment meeting it, accumulated per node so that rows merged into one node (a
    shared boundary, a junction) count once; electrodes (up == dn) have none.
    """
    ua, da = rows_up[seg_a], rows_dn[seg_a]
    ub, db = rows_up[seg_b], rows_dn[seg_b]
    n_rows = rows_up.size
    vert = np.bincount(seg_a, g_va, n_rows) + np.bincount(seg_b, g_vb, n_rows)
    vert_node = np.bincount(rows_up, vert, n_nodes)
    has_vert = np.zeros(n_nodes, dtype=bool)  # sorted unique up-nodes with a vertical
    has_vert[rows_up[rows_up != rows_dn]] = True
    vnodes_up = np.flatnonzero(has_vert)
    up_to_dn = np.empty(n_nodes, dtype=np.int64)
    up_to_dn[rows_up] = rows_dn
    parts_a = [ua, da, vnodes_up]
    parts_b = [ub, db, up_to_dn[vnodes_up]]
    parts_g = [g_uu, g_dd, vert_node[vnodes_up]]
    parts_k = [np.full(ua.size, BAND, np.int8), np.full(da.size, BAND, np.int8),
               np.full(vnodes_up.size, SPIN_FLIP, np.int8)]
    if exact:
        keep = (ua != db) & (da != ub)  # no self-loops on electrodes
        parts_a += [ua[keep], da[keep]]
        parts_b += [db[keep], ub[keep]]
        parts_g += [g_x[keep], g_x[keep]]
        parts_k += [np.full(int(keep.sum()), DIAGONAL, np.int8)] * 2
    return parts_a, parts_b, parts_g, parts_k


def join_rows(row_up, row_dn, row_x, row_layer, counts):
    """The profile-row arrays (rows_up, rows_dn, rows_x, rows_layer) from per-layer
    pieces, and the offset of each layer's first row (n + 1 rows for n segments)."""
    offsets = np.concatenate([[0], np.cumsum([n + 1 for n in counts])])
    return (np.concatenate(row_up), np.concatenate(row_dn), np.concatenate(row_x),
            np.concatenate(row_layer), offsets)


def finish_edges(parts_a, parts_b, parts_g, parts_k):
    """Concatenated edge arrays, zero-length loops (an electrode's two bands) dropped."""
    edge_a = np.concatenate(parts_a).astype(np.int64, copy=False)
    edge_b = np.concatenate(parts_b).astype(np.int64, copy=False)
    edge_g = np.concatenate(parts_g).astype(float, copy=False)
    edge_kind = np.concatenate(parts_k).astype(np.int8, copy=False)
    loop = edge_a == edge_b
    if loop.any():
        edge_a, edge_b, edge_g, edge_kind = (v[~loop] for v in (edge_a, edge_b, edge_g,
                                                                edge_kind))
    return edge_a, edge_b, edge_g, edge_kind


def check_conductances(stack, node_layer, edge_a, edge_b, edge_g, n_nodes):
    """NetworkError naming the file and a layer if a conductance is not finite (an
    overflow, e.g. rho = 1e-300 ohm m) or a node is left with no conductance at all (an
    underflow): the solvers could not trust such a network."""
    bad = ~np.isfinite(edge_g)
    if bad.any():
        li = int(node_layer[edge_a[np.flatnonzero(bad)[0]]])
        raise NetworkError(f"{stack.source}: layer {stack.layers[li].name!r}: a conductance "
                           "overflows (check its rho, lsf, area or interface ar: values "
                           "far outside the physical range)")
    total = np.bincount(edge_a, edge_g, n_nodes) + np.bincount(edge_b, edge_g, n_nodes)
    if not np.all(total > 0):
        li = int(node_layer[np.flatnonzero(~(total > 0))[0]])
        raise NetworkError(f"{stack.source}: layer {stack.layers[li].name!r}: a node has no "
                           "conductance left (an underflow: check its rho, lsf, area or "
                           "thickness)")


def contact_edges(contact, end, node):
    """Edges (a, b, g, kind) of one interface between a wire end's nodes ``end`` = (up,
    dn) and its geometry node's ``node`` = (up, dn) (one node twice: an electrode).

    Without spin flip (``delta == 0``): one resistor per band, A / r_s ("interface").
    With it, the exact element of :func:`~circuitspin.segments.interface_element`: the
    two band conductances ("interface"), a vertical at each side ("spin-flip"; the one at
    an electrode is a loop, dropped later) and the two diagonals ("diagonal").
    """
    (ua, da), (ub, db) = end, node
    delta = contact.params.delta
    r_up, r_dn = contact.band_resistances
    if delta == 0.0:
        return (np.array([ua, da]), np.array([ub, db]),
                np.array([contact.area / r_up, contact.area / r_dn]), np.full(2, INTERFACE))
    g_uu, g_dd, g_v, g_x = (float(g) for g in interface_element(contact.area, r_up, r_dn,
                                                                delta))
    return (np.array([ua, da, ua, ub, ua, da]), np.array([ub, db, da, db, db, ub]),
            np.array([g_uu, g_dd, g_v, g_v, g_x, g_x]),
            np.array([INTERFACE, INTERFACE, SPIN_FLIP, SPIN_FLIP, DIAGONAL, DIAGONAL]))


def _conductances(wires, local, counts, method):
    """Per-segment (g_uu, g_dd, g_vert_a, g_vert_b, g_diag) of all wires, wire by wire.

    A constant-section wire takes the straight kernels (exact or ladder) with its
    segment length thickness / n; a wire with an area profile the frustum kernel over
    its mesh.  Returns the five arrays and whether any wire flares.
    """
    nw = len(wires)
    seg_wire = np.repeat(np.arange(nw), counts)
    lsf = np.array([w.lsf for w in wires])[seg_wire]
    rho = np.array([w.band_resistivities for w in wires])  # (nw, 2)
    su, sd = 1.0 / rho[seg_wire, 0], 1.0 / rho[seg_wire, 1]
    flares = np.array([w.area_profile is not None for w in wires])
    kernel = exact_segment if method == "exact" else ladder_segment
    if not flares.any():  # constant sections only (every straight stack): no masks
        thick = np.array([w.thickness for w in wires])
        h = (thick / np.asarray(counts))[seg_wire]
        areas = np.array([w.area for w in wires], dtype=float)
        area = areas[0] if np.all(areas == areas[0]) else areas[seg_wire]
        g_uu, g_dd, g_v, g_x = kernel(area, h, lsf, su, sd)
        return (g_uu, g_dd, g_v, g_v, g_x), False
    out = np.empty((5, seg_wire.size))
    const = ~flares[seg_wire]
    if const.any():
        thick = np.array([w.thickness for w in wires])
        h = (thick / np.asarray(counts))[seg_wire][const]
        area = np.array([w.area for w in wires], dtype=float)[seg_wire][const]
        g_uu, g_dd, g_v, g_x = kernel(area, h, lsf[const], su[const], sd[const])
        out[:, const] = g_uu, g_dd, g_v, g_v, g_x
    fl = ~const
    pick = [i for i in range(nw) if flares[i]]
    xa = np.concatenate([local[i][:-1] for i in pick])
    xb = np.concatenate([local[i][1:] for i in pick])
    area_a = np.concatenate([wires[i].area_at(wires[i].area, local[i][:-1]) for i in pick])
    area_b = np.concatenate([wires[i].area_at(wires[i].area, local[i][1:]) for i in pick])
    out[:, fl] = flared_segment(area_a, area_b, xb - xa, lsf[fl], su[fl], sd[fl],
                                method=method)
    return out, True


def build_network(stack: Stack | Geometry, segments: int | None = None,
                  method: str | None = None) -> Network:
    """Build the two-band network of a stack or geometry (see the module docstring).

    One walk over the wires, in file order, numbers every node when it first reaches
    it: a wire's ``from`` end, its interior rows (up and down interleaved), its ``to``
    end, and the geometry node past an interface right after the end that reaches it.
    A chain (a straight stack) is so numbered along x, a band matrix.
    """
    if not isinstance(stack, (Stack, Geometry)):
        raise NetworkError(f"build_network needs a Stack (use load_stack), got "
                           f"{type(stack).__name__}")
    if method is None:
        method = "exact" if segments is None else "ladder"
    if method not in ("exact", "ladder"):
        raise NetworkError(f"method must be 'exact' or 'ladder', got {method!r}")
    geo = stack.geometry
    wires = geo.layers
    check_segments(segments, wires)
    default = 1 if segments is None else int(segments)
    # node positions in each wire (from its first face): n uniform segments, plus the
    # breakpoints of a table profile
    local = [mesh(w.thickness, w.segments or default, w.area_profile) for w in wires]
    counts = [x.size - 1 for x in local]
    kinds = dict(geo.nodes)

    chunks = {"layer": [], "pos": [], "band": [], "x": []}
    n_nodes = 0

    def new(li, pos, x, bands):
        """Nodes at positions ``pos`` (arrays) of wire ``li``, one per band code."""
        nonlocal n_nodes
        k = len(bands)
        pos, x = np.repeat(np.asarray(pos), k), np.repeat(np.asarray(x, dtype=float), k)
        chunks["layer"].append(np.full(pos.size, li))
        chunks["pos"].append(pos)
        chunks["band"].append(np.tile(bands, pos.size // k))
        chunks["x"].append(x)
        ids = np.arange(n_nodes, n_nodes + pos.size)
        n_nodes += pos.size
        return ids

    # Every node keeps a unique key (wire, pos, band): a geometry node takes the key of
    # the first wire end that meets it without an interface (it is that end's row); a
    # terminal reached only through interfaces takes (wire, pos, "e") beside the end's
    # own up/dn nodes; a junction reached only through interfaces takes pos n + 1
    # (n + 2 for a "from" end) of its first wire, past that wire's rows 0..n.
    geo_nodes: dict[str, tuple[int, int]] = {}
    labels: dict[int, str] = {}

    def reach(name):
        """Number geometry node ``name`` (a terminal or junction) if not done yet."""
        if name in geo_nodes:
            return geo_nodes[name]
        ends = geo.ends(name)
        free = [(li, e) for li, e in ends if wires[li].contact(e) is None]
        li, end = (free or ends)[0]
        pos = 0 if end == "from" else counts[li]
        x = wires[li].x0 + local[li][pos]
        if kinds[name] in TERMINAL_KINDS:
            (e,) = new(li, [pos], [x], [2])
            geo_nodes[name] = (int(e), int(e))
            labels[int(e)] = name.lower()
        else:
            if not free:
                pos = counts[li] + (1 if end == "to" else 2)
            up, dn = (int(i) for i in new(li, [pos], [x], [0, 1]))
            geo_nodes[name] = (up, dn)
            labels[up], labels[dn] = f"{name}_up".lower(), f"{name}_dn".lower()
        return geo_nodes[name]

    row_up, row_dn, row_x, row_layer = [], [], [], []
    for li, w in enumerate(wires):
        n = counts[li]
        x = w.x0 + local[li]
        ups = np.empty(n + 1, dtype=np.int64)
        dns = np.empty(n + 1, dtype=np.int64)
        for end, k in (("from", 0), ("to", n)):
            if end == "to" and n > 1:
                ids = new(li, np.arange(1, n), x[1:n], [0, 1])
                ups[1:n], dns[1:n] = ids[0::2], ids[1::2]
            node = w.node(end)
            if w.contact(end) is None and kinds[node] != "open":
                ups[k], dns[k] = reach(node)
            else:
                ups[k], dns[k] = new(li, [k], [x[k]], [0, 1])
                if kinds[node] != "open":
                    reach(node)
        row_up.append(ups)
        row_dn.append(dns)
        row_x.append(x)
        row_layer.append(np.full(n + 1, li))
    rows_up, rows_dn, rows_x, rows_layer, offsets = join_rows(row_up, row_dn, row_x,
                                                              row_layer, counts)

    # ---- segments (vectorised over all wires)
    seg_a = np.concatenate([np.arange(offsets[i], offsets[i] + counts[i])
                            for i in range(len(wires))])
    seg_b = seg_a + 1
    (g_uu, g_dd, g_va, g_vb, g_x), flared = _conductances(wires, local, counts, method)
    parts_a, parts_b, parts_g, parts_k = segment_edges(
        rows_up, rows_dn, seg_a, seg_b, g_uu, g_dd, g_va, g_vb, g_x, n_nodes,
        exact=method == "exact")

    # ---- interfaces between wire ends and the geometry's nodes
    node_wire = np.concatenate(chunks["layer"])
    mixed = []      # non-collinear F|N contacts: (F nodes, N nodes, m, contact)
    for li, w in enumerate(wires):
        for end, row in (("from", offsets[li]), ("to", offsets[li + 1] - 1)):
            contact = w.contact(end)
            if contact is None:
                continue
            if geo.spin_axis is None:
                up, dn = geo_nodes[w.node(end)]
                pair = mixing_pair(wires, li, (int(rows_up[row]), int(rows_dn[row])),
                                    (up, dn), node_wire, contact)
                if pair is not None:
                    mixed.append(pair)
                    continue
            edges = contact_edges(contact, (rows_up[row], rows_dn[row]),
                                  geo_nodes[w.node(end)])
            for part, new_part in zip((parts_a, parts_b, parts_g, parts_k), edges):
                part.append(new_part)
    edge_a, edge_b, edge_g, edge_kind = finish_edges(parts_a, parts_b, parts_g, parts_k)
    node_layer = np.concatenate(chunks["layer"])
    check_conductances(stack, node_layer, edge_a, edge_b, edge_g, n_nodes)
    spin = None
    if geo.spin_axis is None:  # non-collinear: the x, y spin nodes and the couplings
        spin = spin_vector_parts(wires, local, method, rows_up, rows_dn, rows_layer, seg_a,
                                 seg_b, mixed, edge_a, edge_b, edge_g,
                                 edge_kind == INTERFACE, node_layer,
                                 np.concatenate(chunks["pos"]), np.concatenate(chunks["x"]))
        extra = spin.pop("nodes")
        for key in chunks:
            chunks[key].append(extra[key])
        node_layer = np.concatenate(chunks["layer"])
        n_nodes = node_layer.size

    u = d = None
    motor_g = motor_emf = 0.0
    motor = geo.motor
    if motor is not None:
        row = offsets[motor.index] if motor.end == "from" else offsets[motor.index + 1] - 1
        u, d = motor_nodes(wires[motor.index], rows_up[row], rows_dn[row])
        if u == d:
            raise NetworkError(f"{geo.source}: [motor] U and D are an electrode")
        motor_g = motor.conductance if motor.mode == "linear" else 0.0
        motor_emf = motor.emf
    terminals = {name: geo_nodes[name][0] for name, kind in geo.nodes
                 if kind in TERMINAL_KINDS}
    named = geo.named_nodes
    nodes = [node_layer, np.concatenate(chunks["pos"]), np.concatenate(chunks["band"]),
             np.concatenate(chunks["x"])]
    # (a non-collinear network is ordered by its own solver: its couplings keep indices)
    order = _banded_order(n_nodes, edge_a, edge_b) if named and spin is None else None
    if order is not None:  # a branched geometry: renumber for a narrow band
        perm, inv = order
        nodes = [v[perm] for v in nodes]
        edge_a, edge_b, rows_up, rows_dn = inv[edge_a], inv[edge_b], inv[rows_up], inv[rows_dn]
        u, d = (None, None) if u is None else (int(inv[u]), int(inv[d]))
        terminals = {k: int(inv[v]) for k, v in terminals.items()}
        labels = {int(inv[k]): v for k, v in labels.items()}
    net = Network(
        stack=stack, method=method,
        node_layer=nodes[0], node_pos=nodes[1], node_band=nodes[2], node_x=nodes[3],
        edge_a=edge_a, edge_b=edge_b, edge_g=edge_g, edge_kind=edge_kind,
        source=terminals[geo.terminal("source")], ground=terminals[geo.terminal("ground")],
        u=u, d=d, motor_g=float(motor_g), motor_emf=float(motor_emf),
        rows_up=rows_up, rows_dn=rows_dn, rows_x=rows_x, rows_layer=rows_layer,
        seg_a=seg_a, seg_b=seg_b, seg_g=np.column_stack([g_uu, g_dd, g_va, g_x]),
        seg_vert_b=g_vb if flared else None,
        terminals=terminals if named else None, node_labels=labels if named else None,
        coupling=None if spin is None else spin["coupling"],
        spin_nodes=None if spin is None else spin["spin_nodes"],
        mixing=None if spin is None else spin["mixing"],
        spin_segments=None if spin is None else spin["spin_segments"],
    )
    if named:
        _check_names(net, counts)
    return net


def _banded_order(n_nodes, edge_a, edge_b):
    """(perm, inverse) renumbering the nodes by reverse Cuthill-McKee when that narrows
    the band (a branched geometry: the walk leaves a jump of one arm's length at every
    junction; level by level the arms interleave), else None."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    adj = sp.coo_matrix((np.ones(edge_a.size), (edge_a, edge_b)),
                        shape=(n_nodes, n_nodes)).tocsr()
    perm = reverse_cuthill_mckee(adj, symmetric_mode=False).astype(np.int64)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(n_nodes)
    if np.abs(inv[edge_a] - inv[edge_b]).max() >= np.abs(edge_a - edge_b).max():
        return None
    return perm, inv


def _check_names(net, counts):
    """NetworkError if two nodes of a named geometry share a key or a SPICE name."""
    source = net.stack.source
    keys = (net.node_layer * (max(counts) + 3) + net.node_pos) * len(BANDS) + net.node_band
    if np.unique(keys).size != keys.size:  # cannot happen: a guard for the SPICE names
        raise NetworkError(f"{source}: two nodes share a (wire, pos, band) key")
    names = net.node_names()
    if len(set(names)) != len(names):
        from collections import Counter

        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        raise NetworkError(f"{source}: node names collide ({', '.join(dup[:3])}): "
                           "rename a terminal, junction or wire")
