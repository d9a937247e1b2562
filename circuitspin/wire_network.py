"""Branched wire geometry -> the two-band network, in the same arrays as a straight stack.

Public API
----------
build_wire_network(wirestack, segments=None, method=None) -> Network
    Called by :func:`circuitspin.network.build_network` for a
    :class:`~circuitspin.wires.WireStack`.  Every wire is cut as a layer is (one exact
    segment by default; ``segments=N`` ladders or ``method="exact"`` exact pieces; a
    flaring wire also at the breakpoints of its profile).  The nodes of the geometry:

    - a terminal is one electrode node (bands shorted), named after the terminal; the
      source and ground terminals are ``Network.source`` / ``Network.ground``, every
      terminal is in ``Network.terminals`` (name -> node);
    - a junction is one up and one down node shared by the wire ends meeting there
      (named ``<junction>_up``, ``<junction>_dn``);
    - an open end is the wire's own end nodes, with nothing else attached;
    - a wire end with an interface keeps its own up/down nodes, joined to the node of the
      geometry by one resistor per band (``contact.area / r_s``).

    Profile rows run wire by wire (``rows_layer`` = wire index) with x along each wire
    from its ``from`` end; the motor nodes U, D are the rows at the motor wire's ``end``.
"""
from __future__ import annotations

import numpy as np

from .errors import NetworkError
from .flaring import mesh
from .network import (INTERFACE, Network, check_conductances, check_segments, finish_edges,
                      join_rows, motor_nodes, segment_edges)
from .segments import flared_segment
from .wires import TERMINAL_KINDS, WireStack


def build_wire_network(ws: WireStack, segments: int | None = None,
                       method: str | None = None) -> Network:
    """Build the network of a branched geometry (see the module docstring)."""
    if method is None:
        method = "exact" if segments is None else "ladder"
    if method not in ("exact", "ladder"):
        raise NetworkError(f"method must be 'exact' or 'ladder', got {method!r}")
    check_segments(segments, ws.layers)
    default = 1 if segments is None else int(segments)
    wires = ws.layers
    local = [mesh(w.thickness, w.segments or default, w.area_profile) for w in wires]
    counts = [x.size - 1 for x in local]
    kinds = dict(ws.nodes)

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

    # ---- the geometry's nodes first: terminals (electrodes) and junctions (up, dn).
    # Every node keeps a unique key (wire, pos, band): a geometry node takes the key of
    # the first wire end that meets it without an interface (it is that end's row); a
    # terminal reached only through interfaces takes (wire, pos, "e") beside the end's
    # own up/dn nodes; a junction reached only through interfaces takes pos n + 1
    # (n + 2 for a "from" end) of its first wire, past that wire's rows 0..n.
    geo: dict[str, tuple[int, int]] = {}
    labels: dict[int, str] = {}
    for name, kind in ws.nodes:
        if kind == "open":
            continue
        ends = ws.ends(name)
        free = [(li, e) for li, e in ends if wires[li].contact(e) is None]
        li, end = (free or ends)[0]
        pos = 0 if end == "from" else counts[li]
        x = wires[li].x0 + (0.0 if end == "from" else wires[li].thickness)
        if kind in TERMINAL_KINDS:
            (e,) = new(li, [pos], [x], [2])
            geo[name] = (int(e), int(e))
            labels[int(e)] = name.lower()
            continue
        if not free:
            pos = counts[li] + (1 if end == "to" else 2)
        up, dn = (int(i) for i in new(li, [pos], [x], [0, 1]))
        geo[name] = (up, dn)
        labels[up], labels[dn] = f"{name}_up".lower(), f"{name}_dn".lower()

    # ---- profile rows, wire by wire (interior nodes interleaved up, dn)
    row_up, row_dn, row_x, row_layer = [], [], [], []
    for li, w in enumerate(wires):
        n = counts[li]
        x = w.x0 + local[li]
        ups = np.empty(n + 1, dtype=np.int64)
        dns = np.empty(n + 1, dtype=np.int64)
        for end, k in (("from", 0), ("to", n)):
            if k == n and end == "to" and n > 1:
                ids = new(li, np.arange(1, n), x[1:n], [0, 1])
                ups[1:n], dns[1:n] = ids[0::2], ids[1::2]
            if w.contact(end) is None and kinds[w.node(end)] != "open":
                ups[k], dns[k] = geo[w.node(end)]
            else:
                ups[k], dns[k] = new(li, [k], [x[k]], [0, 1])
        row_up.append(ups)
        row_dn.append(dns)
        row_x.append(x)
        row_layer.append(np.full(n + 1, li))
    rows_up, rows_dn, rows_x, rows_layer, offsets = join_rows(row_up, row_dn, row_x,
                                                              row_layer, counts)

    # ---- segments
    seg_layer = np.repeat(np.arange(len(wires)), counts)
    seg_a = np.concatenate([np.arange(offsets[i], offsets[i] + counts[i])
                            for i in range(len(wires))])
    seg_b = seg_a + 1
    lsf = np.array([w.lsf for w in wires])[seg_layer]
    rho = np.array([w.band_resistivities for w in wires])[seg_layer]
    xa = np.concatenate([x[:-1] for x in local])
    xb = np.concatenate([x[1:] for x in local])
    area_a = np.concatenate([w.area_at(w.area, x[:-1]) for w, x in zip(wires, local)])
    area_b = np.concatenate([w.area_at(w.area, x[1:]) for w, x in zip(wires, local)])
    g_uu, g_dd, g_va, g_vb, g_x = flared_segment(area_a, area_b, xb - xa, lsf,
                                                 1.0 / rho[:, 0], 1.0 / rho[:, 1],
                                                 method=method)
    parts_a, parts_b, parts_g, parts_k = segment_edges(
        rows_up, rows_dn, seg_a, seg_b, g_uu, g_dd, g_va, g_vb, g_x, n_nodes,
        exact=method == "exact")

    # ---- interfaces between wire ends and the geometry's nodes
    for li, w in enumerate(wires):
        for end, row in (("from", offsets[li]), ("to", offsets[li + 1] - 1)):
            contact = w.contact(end)
            if contact is None:
                continue
            up, dn = geo[w.node(end)]
            r_up, r_dn = contact.band_resistances
            parts_a.append(np.array([rows_up[row], rows_dn[row]]))
            parts_b.append(np.array([up, dn]))
            parts_g.append(np.array([contact.area / r_up, contact.area / r_dn]))
            parts_k.append(np.full(2, INTERFACE))
    edge_a, edge_b, edge_g, edge_kind = finish_edges(parts_a, parts_b, parts_g, parts_k)
    node_layer = np.concatenate(chunks["layer"])
    check_conductances(ws, node_layer, edge_a, edge_b, edge_g, n_nodes)

    u = d = None
    motor_g = motor_emf = 0.0
    motor = ws.motor
    if motor is not None:
        row = offsets[motor.index] if motor.end == "from" else offsets[motor.index + 1] - 1
        u, d = motor_nodes(ws.layers[motor.index], rows_up[row], rows_dn[row])
        if u == d:
            raise NetworkError(f"{ws.source}: [motor] U and D are an electrode")
        motor_g = motor.conductance if motor.mode == "linear" else 0.0
        motor_emf = motor.emf
    terminals = {name: geo[name][0] for name, kind in ws.nodes if kind in TERMINAL_KINDS}
    net = Network(
        stack=ws, method=method,
        node_layer=node_layer, node_pos=np.concatenate(chunks["pos"]),
        node_band=np.concatenate(chunks["band"]), node_x=np.concatenate(chunks["x"]),
        edge_a=edge_a, edge_b=edge_b, edge_g=edge_g, edge_kind=edge_kind,
        source=terminals[ws.terminal("source")], ground=terminals[ws.terminal("ground")],
        u=u, d=d, motor_g=float(motor_g), motor_emf=float(motor_emf),
        rows_up=rows_up, rows_dn=rows_dn, rows_x=rows_x, rows_layer=rows_layer,
        seg_a=seg_a, seg_b=seg_b, seg_g=np.column_stack([g_uu, g_dd, g_va, g_x]),
        seg_vert_b=g_vb, terminals=terminals, node_labels=labels,
    )
    keys = (net.node_layer * (max(counts) + 3) + net.node_pos) * 3 + net.node_band
    if np.unique(keys).size != keys.size:  # cannot happen: a guard for the SPICE names
        raise NetworkError(f"{ws.source}: two nodes share a (wire, pos, band) key")
    names = net.node_names()
    if len(set(names)) != len(names):
        from collections import Counter

        dup = sorted(n for n, c in Counter(names).items() if c > 1)
        raise NetworkError(f"{ws.source}: node names collide ({', '.join(dup[:3])}): "
                           "rename a terminal, junction or wire")
    return net
