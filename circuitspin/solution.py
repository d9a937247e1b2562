"""The result of a solve: node potentials and what a researcher reads off them.

Public API
----------
Solution
    Frozen: ``potentials`` (V, one per network node, ground = 0), the source
    ``current`` (A), ``backend``; named accessors ``V_UD``, ``delta_mu_bar_eV``,
    ``voltage``, ``resistance``, ``motor_current``, ``magnons``; ``profile()`` (a numpy
    record array along x); ``branch_currents()``; ``kcl_residual``; ``to_dict()`` with
    the JSON fields of ``solve --json`` (docs/commands.md); ``spin_accumulation(key)``
    (lab-frame vectors at the interfaces); non-collinear magnets (docs/noncollinear.md):
    ``torque(name)``, ``torque_parts()``, ``spin_currents()``,
    ``spin_current_into_magnets()``.
kcl_outflow(network, potentials) -> array
    Net current leaving every node through the network's edges and motor (A), computed
    edge by edge (differences of potentials times conductances), not from an assembled
    matrix: the residual that iterative refinement and the KCL check use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import SolverError
from .network import Network

PROFILE_DTYPE = np.dtype([("layer", "i4"), ("x", "f8"), ("V_up", "f8"), ("V_dn", "f8"),
                          ("Delta", "f8"), ("I_up", "f8"), ("I_dn", "f8")])
#: the columns of :meth:`Solution.profile_csv` (``solve --profile``) and their units:
#: x along the layer (wire), the layer's name, the band potentials and their difference
#: (lab frame), the band currents along +x
PROFILE_COLUMNS = {"x": "m", "layer": "", "V_up": "V", "V_dn": "V", "Delta": "V",
                   "I_up": "A", "I_dn": "A"}


def kcl_outflow(network: Network, potentials: np.ndarray, motor_current: float = 0.0
                ) -> np.ndarray:
    """Net current (A) leaving each node through edges and the motor branch (and, in a
    non-collinear network, the coupling entries: sum_j C_ij V_j)."""
    v = potentials
    i_e = network.edge_g * (v[network.edge_a] - v[network.edge_b])
    n = network.n_nodes
    out = np.bincount(network.edge_a, i_e, n) - np.bincount(network.edge_b, i_e, n)
    if network.coupling is not None:  # a non-collinear stack's extra matrix entries
        rows, cols, vals = network.coupling
        out += np.bincount(rows, vals * v[cols], n)
    if network.u is not None and motor_current:
        out[network.u] += motor_current
        out[network.d] -= motor_current
    return out


def injections(network: Network, current: float) -> np.ndarray:
    """Current injected into each node by the source (A); the ground takes the rest."""
    b = np.zeros(network.n_nodes)
    b[network.source] += current
    b[network.ground] -= current
    return b


def segment_end_currents(network: Network, v: np.ndarray):
    """Band currents (A, along +x) at both ends of every segment.

    Returns (I_up_a, I_dn_a, I_up_b, I_dn_b): the current entering each segment at its
    up/down node on the left face, and leaving at the right face.
    """
    ra, rb = network.seg_a, network.seg_b
    vua, vda = v[network.rows_up[ra]], v[network.rows_dn[ra]]
    vub, vdb = v[network.rows_up[rb]], v[network.rows_dn[rb]]
    g_uu, g_dd, g_v, g_x = network.seg_g.T
    g_vb = g_v if network.seg_vert_b is None else network.seg_vert_b
    i_up_a = g_uu * (vua - vub) + g_v * (vua - vda) + g_x * (vua - vdb)
    i_dn_a = g_dd * (vda - vdb) + g_v * (vda - vua) + g_x * (vda - vub)
    i_up_b = g_uu * (vua - vub) - g_vb * (vub - vdb) - g_x * (vub - vda)
    i_dn_b = g_dd * (vda - vdb) - g_vb * (vdb - vub) - g_x * (vdb - vua)
    return i_up_a, i_dn_a, i_up_b, i_dn_b


@dataclass(frozen=True, eq=False)
class Solution:
    """Node potentials of a solved network and the quantities derived from them."""

    network: Network
    potentials: np.ndarray
    current: float
    backend: str = "nodal"
    motor_current: float = 0.0
    magnons: float = 0.0
    info: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        st = self.network.stack
        lines = [f"Solution of {st.title!r} at {self.current:.6g} A ({self.backend}): "
                 f"voltage {self.voltage:.6g} V, resistance {self.resistance:.6g} ohm"]
        if self.network.u is not None:
            lines.append(f"  V_UD {self.V_UD:.6g} V at {st.motor.layer!r} (its frame), "
                         f"motor current {self.motor_current:.4g} A, magnons "
                         f"{self.magnons:.4g}")
        return "\n".join(lines)

    # ---- the bridge output
    @property
    def V_UD(self) -> float | None:
        """V_U - V_D (V): the bridge output, = Delta at U-D; None without a motor."""
        net = self.network
        if net.u is None:
            return None
        return float(self.potentials[net.u] - self.potentials[net.d])

    @property
    def delta_mu_bar_eV(self) -> float | None:
        """delta_mu_bar = mu_up - mu_dn = -e V_UD, in eV (numerically -V_UD)."""
        v = self.V_UD
        return None if v is None else -v

    @property
    def voltage(self) -> float:
        """Voltage across the stack, V(source electrode) - V(ground), V."""
        return float(self.potentials[self.network.source] - self.potentials[self.network.ground])

    @property
    def resistance(self) -> float:
        """voltage / current (ohm); NaN at zero current."""
        return self.voltage / self.current if self.current else float("nan")

    @property
    def kcl_residual(self) -> float:
        """Kirchhoff residual: max over nodes of |net current| / its rounding scale.

        The scale of node i is sum over its edges of g_e (|V_a| + |V_b|) plus |b_i|
        (the componentwise backward error of the nodal equations): the smallest residual
        double precision can show, whatever the spread of conductances.  ``kcl_max``
        gives the plain max |net current| in amperes.
        """
        return self._kcl[0]

    @property
    def kcl_max(self) -> float:
        """max over nodes of |net current| (A), ground excluded."""
        return self._kcl[1]

    @cached_property
    def _kcl(self) -> tuple[float, float]:
        """(kcl_residual, kcl_max), computed once (the potentials of a Solution do not
        change)."""
        net = self.network
        v = self.potentials
        a, b, g, n = net.edge_a, net.edge_b, net.edge_g, net.n_nodes
        va, vb = v[a], v[b]
        i_e = va - vb
        i_e *= g
        r = np.bincount(a, i_e, n)       # kcl_outflow's sums, with fewer temporaries
        r -= np.bincount(b, i_e, n)
        del i_e
        np.abs(va, out=va)
        np.abs(vb, out=vb)
        va += vb
        va *= g                          # g (|V_a| + |V_b|)
        del vb
        scale = np.bincount(a, va, n)
        scale += np.bincount(b, va, n)
        del va
        if net.coupling is not None:
            rows, cols, vals = net.coupling
            r += np.bincount(rows, vals * v[cols], n)
            scale += np.bincount(rows, np.abs(vals * v[cols]), n)
        scale[[net.source, net.ground]] += abs(self.current)   # |injections|
        if net.u is not None and self.motor_current:
            r[net.u] += self.motor_current
            r[net.d] -= self.motor_current
            # the motor's terms in the equations at U and D: a linear motor is a stamped
            # conductance and source, g_m (|V_U| + |V_D| + |emf|) like any edge (I_M =
            # g_m (V_U - V_D - emf) cancels: the rounding of V_U - V_D is of V_U's size)
            scale[[net.u, net.d]] += abs(self.motor_current) + net.motor_g * (
                abs(v[net.u]) + abs(v[net.d]) + abs(net.motor_emf))
        # minus the injections (the ground takes whatever the source and motor return)
        r[net.source] -= self.current
        r[net.ground] = 0.0
        scale[scale == 0] = 1.0
        np.abs(r, out=r)
        kcl_max = float(r.max())
        r /= scale
        return float(r.max()), kcl_max

    def branch_currents(self) -> np.ndarray:
        """Current through every edge from edge_a to edge_b (A)."""
        net = self.network
        return net.edge_g * (self.potentials[net.edge_a] - self.potentials[net.edge_b])

    def profile(self, names: bool = False) -> np.ndarray:
        """Record array along x, one row per (layer, node position).

        Fields: ``layer`` (index), ``x`` (m), ``V_up``, ``V_dn``, ``Delta`` = V_up - V_dn
        (V), ``I_up``, ``I_dn`` (A, band currents along +x, exact at segment ends).  At an
        interface the row of each side is kept (the potentials jump there).
        ``names``: a last field ``name``, the layer's (wire's) name.
        """
        net = self.network
        v = self.potentials
        dtype = PROFILE_DTYPE
        if names:
            width = max(len(p.name) for p in net.stack.layers)
            dtype = np.dtype(PROFILE_DTYPE.descr + [("name", f"U{width}")])
        out = np.zeros(net.rows_up.size, dtype=dtype)
        if names:
            out["name"] = np.array([p.name for p in net.stack.layers])[net.rows_layer]
        out["layer"] = net.rows_layer
        out["x"] = net.rows_x
        out["V_up"] = v[net.rows_up]
        out["V_dn"] = v[net.rows_dn]
        out["Delta"] = out["V_up"] - out["V_dn"]
        i_up_a, i_dn_a, i_up_b, i_dn_b = segment_end_currents(net, v)
        out["I_up"][net.seg_b] = i_up_b
        out["I_dn"][net.seg_b] = i_dn_b
        out["I_up"][net.seg_a] = i_up_a
        out["I_dn"][net.seg_a] = i_dn_a
        return out

    def profile_csv(self) -> str:
        """The profile as CSV text: a header of ``name (unit)`` (``PROFILE_COLUMNS``),
        then one row per profile row with the layer by name, numbers to 17 digits."""
        import csv
        import io

        prof = self.profile(names=True)
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow([f"{c} ({u})" if u else c for c, u in PROFILE_COLUMNS.items()])
        for row in prof:
            out.writerow([row["name"] if c == "layer" else f"{row[c]:.17g}"
                          for c in PROFILE_COLUMNS])
        return buf.getvalue()

    def spin_accumulation(self, key: str | None = None) -> dict:
        """Spin accumulation at the interfaces, lab frame, V (full splitting V_up - V_dn).

        Straight stacks: ``{"LEFT|RIGHT": {"left": [x, y, z], "right": [x, y, z]}}`` for
        every interface, the two sides' vectors (a magnet's side is m (V_maj - V_min),
        which for collinear layers is ``[0, 0, V_up - V_dn]`` in the lab bands).
        Branched geometries: one entry per wire end, ``"WIRE:from"`` / ``"WIRE:to"`` ->
        ``[x, y, z]`` on the wire's side of its node.  ``key`` selects one entry.
        """
        net = self.network
        v = self.potentials
        layers = net.stack.layers
        rows = net.rows_layer
        # first and last profile row of every layer, in one pass over the rows
        _, first = np.unique(rows, return_index=True)
        _, from_end = np.unique(rows[::-1], return_index=True)
        last = rows.size - 1 - from_end
        ends = np.concatenate([first, last])
        vec = dict(zip(ends.tolist(), (self._spin_vector(r) for r in ends.tolist())))
        first, last = first.tolist(), last.tolist()
        out = {}
        if getattr(net.stack, "interfaces", None) is not None:
            for i in range(len(layers) - 1):
                out[f"{layers[i].name}|{layers[i + 1].name}"] = {
                    "left": vec[last[i]], "right": vec[first[i + 1]]}
        else:
            for i, part in enumerate(layers):
                out[f"{part.name}:from"] = vec[first[i]]
                out[f"{part.name}:to"] = vec[last[i]]
        if key is None:
            return out
        if key not in out:
            raise SolverError(f"{net.stack.source}: no interface {key!r} (interfaces: "
                              f"{', '.join(out)})")
        return out[key]

    def _spin_vector(self, row: int) -> list:
        """The lab-frame spin accumulation (V) at profile row ``row``: a normal metal's
        (D_x, D_y, D_z) in a non-collinear stack, else the up band's axis times
        V_up - V_dn (for a collinear stack along z: ``[0, 0, V_up - V_dn]``)."""
        net = self.network
        v = self.potentials
        up, dn = int(net.rows_up[row]), int(net.rows_dn[row])
        delta = float(v[up] - v[dn])
        if net.spin_nodes is not None:
            sx, sy = net.spin_nodes[up]
            if sx >= 0:
                return [float(v[sx]), float(v[sy]), delta]
        axis = net.stack.geometry.band_axis(int(net.rows_layer[row]))
        return [float(a * delta) if a else 0.0 for a in axis.tolist()]

    def spin_currents(self) -> dict:
        """Spin current vectors (A, units of I_up - I_dn, lab frame, along +x) on both
        sides of every interface of a straight stack, each from its own layer's bulk
        (the band currents at the face; a normal metal's x and y from its spin lines):
        ``{"LEFT|RIGHT": {"left": [x, y, z], "right": [x, y, z]}}``.  Across an F|N
        contact the difference left - right is the transverse spin current the magnet
        absorbs (whichever side it is on); elsewhere it is zero."""
        net = self.network
        v = self.potentials
        geo = net.stack.geometry
        i_up_a, i_dn_a, i_up_b, i_dn_b = segment_end_currents(net, v)
        n_rows = net.rows_up.size
        vec = np.zeros((n_rows, 3))
        axes = np.array([geo.band_axis(i) for i in range(len(net.stack.layers))])
        s_a, s_b = i_up_a - i_dn_a, i_up_b - i_dn_b
        vec[net.seg_b] = axes[net.rows_layer[net.seg_b]] * s_b[:, None]
        vec[net.seg_a] = axes[net.rows_layer[net.seg_a]] * s_a[:, None]
        if net.spin_segments is not None and net.spin_segments[0].size:
            seg, g_s, sh_a, sh_b = net.spin_segments
            ra, rb = net.seg_a[seg], net.seg_b[seg]
            for c in (0, 1):
                ia = net.spin_nodes[net.rows_up[ra], c]
                ib = net.spin_nodes[net.rows_up[rb], c]
                da = np.where(ia >= 0, v[ia], 0.0)
                db = np.where(ib >= 0, v[ib], 0.0)
                vec[rb, c] = 2.0 * (g_s * (da - db) - sh_b * db)
                vec[ra, c] = 2.0 * (g_s * (da - db) + sh_a * da)
        rows = net.rows_layer
        _, first = np.unique(rows, return_index=True)
        _, from_end = np.unique(rows[::-1], return_index=True)
        last = rows.size - 1 - from_end
        layers = net.stack.layers
        return {f"{layers[i].name}|{layers[i + 1].name}": {
                    "left": vec[last[i]].tolist(), "right": vec[first[i + 1]].tolist()}
                for i in range(len(layers) - 1)}

    def spin_current_into_magnets(self) -> dict:
        """Transverse spin current (A, units of I_up - I_dn, lab frame) flowing into each
        magnet across its F|N contacts: ``{layer name: array([x, y, z])}``, each F|N
        contact's A [g_mix D_perp + g_mix_im (D x m)] with D the normal metal's spin
        accumulation there; zero for a collinear stack."""
        net = self.network
        v = self.potentials
        layers = net.stack.layers
        out = {lay.name: np.zeros(3) for lay in layers if lay.material.ferromagnetic}
        for c in net.mixing or ():
            nu, nd = c["n_nodes"]
            sx, sy = net.spin_nodes[nu]
            d = np.array([v[sx], v[sy], v[nu] - v[nd]])
            m = c["m"]
            d_perp = d - m * (m @ d)
            out[layers[c["f"]].name] += c["area"] * (c["g_mix"] * d_perp
                                                     + c["g_mix_im"] * np.cross(d, m))
        return out

    def torque(self, key: str | None = None):
        """Spin-transfer torque on each magnet (N m, lab frame): (hbar / 2e) times the
        transverse spin current flowing into it (:meth:`spin_current_into_magnets`).
        ``{layer name: [x, y, z]}``; ``key`` selects one magnet."""
        from . import constants as c

        k = c.hbar / (2.0 * c.e)
        out = {name: [float(k * x) for x in i_s]
               for name, i_s in self.spin_current_into_magnets().items()}
        if key is None:
            return out
        if key not in out:
            raise SolverError(f"{self.network.stack.source}: no magnet {key!r} (magnets: "
                              f"{', '.join(out)})")
        return out[key]

    def torque_parts(self) -> dict:
        """Damping-like and field-like torque (N m) on each magnet relative to the
        other magnet p (the first other magnet of the stack): ``{name: {"reference": p,
        "damping_like": tau . e_DL, "field_like": tau . e_FL}}`` with the unit vectors
        e_DL along m x (p x m) (in the plane of m and p, towards p) and e_FL along
        m x p; both 0 when m and p are collinear (or there is no other magnet)."""
        layers = self.network.stack.layers
        geo = self.network.stack.geometry
        magnets = [i for i, lay in enumerate(layers) if lay.material.ferromagnetic]
        out = {}
        tau = self.torque()
        for i in magnets:
            others = [j for j in magnets if j != i]
            entry = {"reference": layers[others[0]].name if others else None,
                     "damping_like": 0.0, "field_like": 0.0}
            if others:
                m = np.array(layers[i].direction, dtype=float) if geo.spin_axis is None \
                    else geo.band_axis(i)
                p = np.array(layers[others[0]].direction, dtype=float)
                e_fl = np.cross(m, p)
                s = float(np.linalg.norm(e_fl))
                if s > 1e-12:
                    e_fl /= s
                    e_dl = np.cross(e_fl, m)   # = m x (p x m) / |p x m|
                    t = np.array(tau[layers[i].name])
                    entry["damping_like"] = float(t @ e_dl)
                    entry["field_like"] = float(t @ e_fl)
            out[layers[i].name] = entry
        return out

    def to_dict(self) -> dict:
        """The JSON fields of ``solve --json`` (SI units; docs/commands.md)."""
        net = self.network
        return {
            "stack": net.stack.source,
            "title": net.stack.title,
            "current": self.current,
            "voltage": self.voltage,
            "resistance": self.resistance,
            "V_UD": self.V_UD,
            "delta_mu_bar_eV": self.delta_mu_bar_eV,
            "motor_current": self.motor_current,
            "magnons": self.magnons,
            "backend": self.backend,
            "method": net.method,
            "segments": net.n_segments,
            "nodes": net.n_nodes,
            "edges": net.n_edges,
            "kcl_residual": self.kcl_residual,
            "kcl_max": self.kcl_max,
            "spin_accumulation": self.spin_accumulation(),
            **self.noncollinear_fields(),
            **self.terminal_fields(),
            **self.info,
        }

    def noncollinear_fields(self) -> dict:
        """``torque`` ({magnet: [x, y, z]}, N m) of every stack (zero vectors when the
        magnets are collinear) and, for a non-collinear stack, ``torque_parts``."""
        if self.network.collinear:
            return {"torque": self.torque()}
        return {"torque": self.torque(), "torque_parts": self.torque_parts()}

    def terminal_fields(self) -> dict:
        """Branched geometries: ``{"terminal_voltages": {name: V}}``; else empty."""
        terminals = self.network.terminals
        if not terminals:
            return {}
        return {"terminal_voltages": {name: float(self.potentials[i])
                                      for name, i in terminals.items()}}
