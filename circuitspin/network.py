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
    ``segments=None``: one exact segment per layer (default).  ``segments=N``: the
    paper's ladder with N segments in every layer (a layer's own ``segments`` key wins).
    ``method="exact"`` with ``segments=N`` cuts every layer into N exact segments.
    A branched geometry (:class:`~circuitspin.wires.WireStack`) is built by
    :func:`circuitspin.wire_network.build_wire_network` into the same arrays (its
    "layers" are the wires, x runs along each wire).  A flaring layer (``area_profile``)
    is cut at the breakpoints of its profile too; its segments are cone frustums, exact
    in the default discretisation (:func:`~circuitspin.segments.flared_segment`).
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
from .segments import exact_segment, flared_segment, ladder_segment
from .stack import Stack

EDGE_KINDS = ("band", "spin-flip", "interface", "diagonal", "motor")
BAND, SPIN_FLIP, INTERFACE, DIAGONAL, MOTOR = range(5)
BANDS = ("up", "dn", "e")


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
    stack : Stack
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
    """

    stack: Stack
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
        raise NetworkError(f"band must be 'up', 'dn' or 'e', got {band!r}")

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
    parts_k = [np.full(ua.size, BAND), np.full(da.size, BAND),
               np.full(vnodes_up.size, SPIN_FLIP)]
    if exact:
        keep = (ua != db) & (da != ub)  # no self-loops on electrodes
        parts_a += [ua[keep], da[keep]]
        parts_b += [db[keep], ub[keep]]
        parts_g += [g_x[keep], g_x[keep]]
        parts_k += [np.full(int(keep.sum()), DIAGONAL)] * 2
    return parts_a, parts_b, parts_g, parts_k


def join_rows(row_up, row_dn, row_x, row_layer, counts):
    """The profile-row arrays (rows_up, rows_dn, rows_x, rows_layer) from per-layer
    pieces, and the offset of each layer's first row (n + 1 rows for n segments)."""
    offsets = np.concatenate([[0], np.cumsum([n + 1 for n in counts])])
    return (np.concatenate(row_up), np.concatenate(row_dn), np.concatenate(row_x),
            np.concatenate(row_layer), offsets)


def finish_edges(parts_a, parts_b, parts_g, parts_k):
    """Concatenated edge arrays, zero-length loops (an electrode's two bands) dropped."""
    edge_a = np.concatenate(parts_a).astype(np.int64)
    edge_b = np.concatenate(parts_b).astype(np.int64)
    edge_g = np.concatenate(parts_g).astype(float)
    edge_kind = np.concatenate(parts_k).astype(np.int8)
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


def _layer_segments(stack: Stack, segments, method) -> list[int]:
    check_segments(segments, stack.layers)
    default = 1 if segments is None else int(segments)
    return [lay.segments or default for lay in stack.layers]


def build_network(stack: Stack, segments: int | None = None, method: str | None = None
                  ) -> Network:
    """Build the two-band network of ``stack`` (see the module docstring)."""
    from .wires import WireStack

    if isinstance(stack, WireStack):
        from .wire_network import build_wire_network

        return build_wire_network(stack, segments, method)
    if not isinstance(stack, Stack):
        raise NetworkError(f"build_network needs a Stack (use load_stack), got "
                           f"{type(stack).__name__}")
    if method is None:
        method = "exact" if segments is None else "ladder"
    if method not in ("exact", "ladder"):
        raise NetworkError(f"method must be 'exact' or 'ladder', got {method!r}")
    counts = _layer_segments(stack, segments, method)
    layers = stack.layers
    nl = len(layers)
    flared = any(lay.area_profile is not None for lay in layers)
    # node positions in each layer (from its first face): n uniform segments, plus the
    # breakpoints of a table profile
    local = [mesh(lay.thickness, n, lay.area_profile) for lay, n in zip(layers, counts)]
    counts = [x.size - 1 for x in local]

    # ---- nodes: profile rows (layer, pos) -> up/dn node ids, interleaved for a band matrix
    row_up, row_dn, row_x, row_layer = [], [], [], []
    n_nodes = 0
    node_layer, node_pos, node_band, node_x = [], [], [], []

    def new_nodes(li, pos, x, electrode):
        nonlocal n_nodes
        k = pos.size
        if electrode:
            ids = np.arange(n_nodes, n_nodes + k)
            up, dn = ids, ids
            node_band.append(np.full(k, 2))
            node_pos.append(pos)
            node_x.append(x)
            node_layer.append(np.full(k, li))
            n_nodes += k
            return up, dn
        ids = np.arange(n_nodes, n_nodes + 2 * k)
        up, dn = ids[0::2], ids[1::2]
        node_band.append(np.tile([0, 1], k))
        node_pos.append(np.repeat(pos, 2))
        node_x.append(np.repeat(x, 2))
        node_layer.append(np.full(2 * k, li))
        n_nodes += 2 * k
        return up, dn

    prev_last = None
    for li, (layer, n) in enumerate(zip(layers, counts)):
        pos = np.arange(n + 1)
        x = layer.x0 + local[li]
        ups = np.empty(n + 1, dtype=np.int64)
        dns = np.empty(n + 1, dtype=np.int64)
        if li == 0:
            ups[:1], dns[:1] = new_nodes(li, pos[:1], x[:1], electrode=True)
        elif stack.interfaces[li - 1].merged:
            ups[0], dns[0] = prev_last
        else:
            ups[:1], dns[:1] = new_nodes(li, pos[:1], x[:1], electrode=False)
        if n > 1:
            ups[1:n], dns[1:n] = new_nodes(li, pos[1:n], x[1:n], electrode=False)
        last_electrode = li == nl - 1
        ups[n:], dns[n:] = new_nodes(li, pos[n:], x[n:], electrode=last_electrode)
        prev_last = (ups[n], dns[n])
        row_up.append(ups)
        row_dn.append(dns)
        row_x.append(x)
        row_layer.append(np.full(n + 1, li))

    rows_up, rows_dn, rows_x, rows_layer, offsets = join_rows(row_up, row_dn, row_x,
                                                              row_layer, counts)

    # ---- segments (vectorised over all layers)
    seg_layer = np.repeat(np.arange(nl), counts)
    seg_a = np.concatenate([np.arange(offsets[i], offsets[i] + counts[i]) for i in range(nl)])
    seg_b = seg_a + 1
    thick = np.array([lay.thickness for lay in layers])
    lsf = np.array([lay.lsf for lay in layers])
    rho = np.array([lay.band_resistivities for lay in layers])  # (nl, 2)
    su, sd = 1.0 / rho[seg_layer, 0], 1.0 / rho[seg_layer, 1]
    seg_vert_b = None
    if flared:
        xa = np.concatenate([x[:-1] for x in local])
        xb = np.concatenate([x[1:] for x in local])
        area_a = np.concatenate([lay.area_at(stack.area, x[:-1]) for lay, x in zip(layers, local)])
        area_b = np.concatenate([lay.area_at(stack.area, x[1:]) for lay, x in zip(layers, local)])
        g_uu, g_dd, g_v, seg_vert_b, g_x = flared_segment(
            area_a, area_b, xb - xa, lsf[seg_layer], su, sd, method=method)
        g_vb = seg_vert_b
    else:
        h = (thick / np.asarray(counts))[seg_layer]
        kernel = exact_segment if method == "exact" else ladder_segment
        g_uu, g_dd, g_v, g_x = kernel(stack.area, h, lsf[seg_layer], su, sd)
        g_vb = g_v
    seg_g = np.column_stack([g_uu, g_dd, g_v, g_x])

    parts_a, parts_b, parts_g, parts_k = segment_edges(
        rows_up, rows_dn, seg_a, seg_b, g_uu, g_dd, g_v, g_vb, g_x, n_nodes,
        exact=method == "exact")
    for iface in stack.interfaces:
        if iface.merged:
            continue
        row_l = offsets[iface.left + 1] - 1
        row_r = offsets[iface.left + 1]
        r_up, r_dn = iface.band_resistances
        area = stack.area
        if flared:  # the smaller of the two faces that meet there
            left, right = layers[iface.left], layers[iface.left + 1]
            area = min(float(left.area_at(stack.area, left.thickness)),
                       float(right.area_at(stack.area, 0.0)))
        parts_a += [np.array([rows_up[row_l], rows_dn[row_l]])]
        parts_b += [np.array([rows_up[row_r], rows_dn[row_r]])]
        parts_g += [np.array([area / r_up, area / r_dn])]
        parts_k += [np.full(2, INTERFACE)]
    edge_a, edge_b, edge_g, edge_kind = finish_edges(parts_a, parts_b, parts_g, parts_k)
    node_layer = np.concatenate(node_layer)
    check_conductances(stack, node_layer, edge_a, edge_b, edge_g, n_nodes)

    u = d = None
    motor_g = motor_emf = 0.0
    if stack.motor is not None:
        row = offsets[stack.motor.index]
        u, d = motor_nodes(layers[stack.motor.index], rows_up[row], rows_dn[row])
        motor_g = stack.motor.conductance if stack.motor.mode == "linear" else 0.0
        motor_emf = stack.motor.emf

    return Network(
        stack=stack, method=method,
        node_layer=node_layer, node_pos=np.concatenate(node_pos),
        node_band=np.concatenate(node_band), node_x=np.concatenate(node_x),
        edge_a=edge_a, edge_b=edge_b, edge_g=edge_g, edge_kind=edge_kind,
        source=int(rows_up[0]), ground=int(rows_up[-1]), u=u, d=d,
        motor_g=float(motor_g), motor_emf=float(motor_emf),
        rows_up=rows_up, rows_dn=rows_dn, rows_x=rows_x, rows_layer=rows_layer,
        seg_a=seg_a, seg_b=seg_b, seg_g=seg_g, seg_vert_b=seg_vert_b,
    )
