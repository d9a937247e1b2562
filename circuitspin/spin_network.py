"""The charge + spin-vector part of a non-collinear stack's network (docs/noncollinear.md).

Used by :func:`circuitspin.network.build_network` when the magnets are not collinear.
The two-band network stays as it is (a normal metal's up/dn pair carries V_c and D_z,
a magnet's bands are along its own m); this module adds the x and y spin nodes of the
normal metals and the matrix entries that are not two-terminal resistors.

Public API
----------
mixing_pair(wires, li, end_nodes, node_nodes, node_wire, contact) -> dict or None
    An F|N contact's record for :attr:`Network.mixing`.
spin_vector_parts(...) -> {"nodes", "coupling", "spin_nodes", "mixing", "spin_segments"}
    The new nodes, the coupling triplets (S), the spin-node map, the F|N contacts and
    the normal-metal segments' x/y lines (segment indices, series, shunt at each end).
"""
from __future__ import annotations

import numpy as np

from .segments import spin_channel_segment


def mixing_pair(wires, li, end_nodes, node_nodes, node_wire, contact):
    """A non-collinear stack's contact between wire ``li``'s end (its up/dn nodes) and a
    geometry node: a dict for :attr:`Network.mixing` if it joins a magnet to a normal
    metal's (non-electrode) node, else None (the contact stays two band resistors)."""
    other = int(node_wire[node_nodes[0]])
    wa, wb = wires[li], wires[other]
    fa, fb = wa.material.ferromagnetic, wb.material.ferromagnetic
    if fa == fb or node_nodes[0] == node_nodes[1] or end_nodes[0] == end_nodes[1]:
        return None
    f, fn, n, nn = (li, end_nodes, other, node_nodes) if fa else (other, node_nodes, li,
                                                                     end_nodes)
    r_up, r_dn = contact.band_resistances
    params = contact.params
    return {"f": f, "n": n, "f_nodes": fn, "n_nodes": nn,
            "m": np.array(wires[f].direction, dtype=float), "area": contact.area,
            "g_mix": float(params.g_mix), "g_mix_im": float(params.g_mix_im),
            "G": (contact.area / r_up, contact.area / r_dn)}


def _stamp_series(rows, cols, vals, i, j, g):
    """A conductance g between nodes i and j (-1: a node at D = 0, a shunt)."""
    for a, b in ((i, j), (j, i)):
        ok = a >= 0
        both = ok & (b >= 0)
        if ok.all():      # (no masked copies)
            rows.append(a), cols.append(a), vals.append(g)
        else:
            rows.append(a[ok]), cols.append(a[ok]), vals.append(g[ok])
        if both.all():
            rows.append(a), cols.append(b), vals.append(-g)
        elif both.any():
            rows.append(a[both]), cols.append(b[both]), vals.append(-g[both])


def spin_vector_parts(wires, local, method, rows_up, rows_dn, rows_layer, seg_a, seg_b,
                      mixed, edge_a, edge_b, edge_g, is_interface, node_wire, node_pos,
                      node_x):
    """The x and y spin nodes of a non-collinear stack's normal metals and the extra
    matrix entries (docs/noncollinear.md).

    Every node of a normal metal (not an electrode) gets two nodes sx, sy (potential
    D_x, D_y, row Is_x / 2, Is_y / 2); its up/dn pair carries Vc and D_z as in the
    two-band network.  Each segment of a normal metal adds the line of
    :func:`~circuitspin.segments.spin_channel_segment` to the x and the y nodes.  An
    F|N contact (m of the magnet) joins the magnet's band s to the normal metal's band
    along m, V_s^N = Vc +- (m . D) / 2, by G_s (a rank-one stamp), and draws the
    transverse spin current A [g_mix D_perp + g_mix_im D x m] out of the normal metal.
    """
    n_nodes = node_wire.size
    normal = np.array([not w.material.ferromagnetic for w in wires])
    nrow = normal[rows_layer] & (rows_up != rows_dn)
    mark = np.zeros(n_nodes, dtype=bool)
    mark[rows_up[nrow]] = True
    owners = np.flatnonzero(mark)     # sorted, unique (merged rows share their node)
    k = owners.size
    spin_nodes = np.full((n_nodes + 2 * k, 2), -1, dtype=np.int64)
    spin_nodes[owners, 0] = n_nodes + 2 * np.arange(k)
    spin_nodes[owners, 1] = n_nodes + 2 * np.arange(k) + 1
    # node table entries of the new nodes: those of their up node, band 3 / 4
    nodes = {"layer": np.repeat(node_wire[owners], 2), "pos": np.repeat(node_pos[owners], 2),
             "band": np.tile([3, 4], k), "x": np.repeat(node_x[owners], 2)}
    rows, cols, vals = [], [], []
    # the x and y lines of every normal-metal segment
    seg_wire = rows_layer[seg_a]
    sel = np.flatnonzero(normal[seg_wire])
    seg_spin = (sel, np.zeros(0), np.zeros(0), np.zeros(0))
    if sel.size:
        xs = np.concatenate(local)   # local position of every profile row
        xa, xb = xs[seg_a[sel]], xs[seg_b[sel]]
        wi = seg_wire[sel]
        area_a, area_b = np.empty(sel.size), np.empty(sel.size)
        for w in np.unique(wi).tolist():
            on = wi == w
            area_a[on] = wires[w].area_at(wires[w].area, xa[on])
            area_b[on] = wires[w].area_at(wires[w].area, xb[on])
        lsf = np.array([w.lsf for w in wires])[wi]
        sigma = np.array([1.0 / w.material.rho for w in wires])[wi]
        g_s, sh_a, sh_b = spin_channel_segment(area_a, area_b, xb - xa, lsf, sigma,
                                               method=method)
        seg_spin = (sel, g_s, sh_a, sh_b)
        for c in (0, 1):
            ia = spin_nodes[rows_up[seg_a[sel]], c]
            ib = spin_nodes[rows_up[seg_b[sel]], c]
            _stamp_series(rows, cols, vals, ia, ib, g_s)
            _stamp_series(rows, cols, vals, ia, np.full_like(ia, -1), sh_a)
            _stamp_series(rows, cols, vals, ib, np.full_like(ib, -1), sh_b)
    # N|N interfaces: each spin component sees the band resistors (gamma = 0): G / 2
    # (the up-band edge of each pair stands for both: G_up = G_dn)
    iface = np.flatnonzero(is_interface & normal[node_wire[edge_a]]
                           & normal[node_wire[edge_b]])
    owner = np.zeros(spin_nodes.shape[0], dtype=bool)
    owner[owners] = True
    iface = iface[owner[edge_a[iface]] | owner[edge_b[iface]]]  # the up edges (dn: no sx)
    for c in (0, 1):
        _stamp_series(rows, cols, vals, spin_nodes[edge_a[iface], c],
                      spin_nodes[edge_b[iface], c], edge_g[iface] / 2.0)
    mixing = []
    for c in mixed:
        mixing.append(c)
        fu, fd = c["f_nodes"]
        nu, nd = c["n_nodes"]
        sx, sy = spin_nodes[nu]
        mx, my, mz = c["m"]
        idx = np.array([fu, fd, nu, nd, sx, sy])
        a_up = np.array([1.0, 0.0, -(1 + mz) / 2, -(1 - mz) / 2, -mx / 2, -my / 2])
        a_dn = np.array([0.0, 1.0, -(1 - mz) / 2, -(1 + mz) / 2, mx / 2, my / 2])
        mat = c["G"][0] * np.outer(a_up, a_up) + c["G"][1] * np.outer(a_dn, a_dn)
        m = c["m"]
        proj = np.eye(3) - np.outer(m, m)
        cross = -np.array([[0.0, -mz, my], [mz, 0.0, -mx], [-my, mx, 0.0]])  # D -> D x m
        kmat = c["area"] * (c["g_mix"] * proj + c["g_mix_im"] * cross)
        e = np.zeros((3, 6))  # D = E y over (fu, fd, nu, nd, sx, sy)
        e[0, 4] = e[1, 5] = 1.0
        e[2, 2], e[2, 3] = 1.0, -1.0
        mat += 0.5 * e.T @ kmat @ e
        ii, jj = np.meshgrid(idx, idx, indexing="ij")
        nz = mat != 0.0
        rows.append(ii[nz]), cols.append(jj[nz]), vals.append(mat[nz])
    coupling = []
    for parts, dtype in ((rows, np.int64), (cols, np.int64), (vals, float)):
        coupling.append(np.concatenate(parts).astype(dtype, copy=False) if parts
                        else np.zeros(0, dtype))
        parts.clear()    # each list's parts go once joined (a lower peak of memory)
    coupling = tuple(coupling)
    return {"nodes": nodes, "coupling": coupling, "spin_nodes": spin_nodes,
            "mixing": tuple(mixing), "spin_segments": seg_spin}
