"""The closed-form spin-diffusion (Valet–Fert) solution of any geometry.

An independent reference for the circuit: it imports only the geometry (never the
network or the solvers).  Each wire (a layer of a straight stack is one) is cut into
pieces: one for a constant section, cone frustums for an area profile (one for a
spherical one, one per pair of points of a table).  In a piece of length L, local
coordinate x in [0, L], with I_w the charge current of its wire (along +x, from its
``from`` end) and p = sigma_up sigma_dn / sigma::

    V_up = V_c + (sigma_dn/sigma) Delta,    V_dn = V_c - (sigma_up/sigma) Delta
    I_up = (sigma_up/sigma) I_w + J,        I_dn = (sigma_dn/sigma) I_w - J,
    J = -A p Delta'

Constant section A:  Delta = a C(x) + b S(x),  V_c = c - I_w x / (A sigma), with the even
and odd solutions about the piece's middle, C = cosh((x - L/2)/l) / cosh(L/2l),
S = sinh((x - L/2)/l) / sinh(L/2l) (C = 1, S = -+1 at the faces).  :func:`even_odd`
evaluates them from scaled exponentials and expm1: no overflow for thick layers, no
cancellation for thin ones (where exp(-(L - x)/l) and exp(-x/l) would both be ~1 and
their large coefficients would cancel): V_UD keeps 1e-16 agreement with the network on
0.01 nm layers.

Frustum, sqrt(A) = s(x) linear from s_a to s_b (k = (s_b - s_a)/L):
Delta = [a e^{-(L-x)/l} s_b + b e^{-x/l} s_a] / s(x) (radial: e^{+-r/l} / r),
V_c = c - I_w x / (sigma s_a s(x)) (int dx / A = x / (s_a s)).

Unknowns: (a, b, c) per piece, I_w per wire, (V_up, V_dn) per junction, V per terminal,
the motor current I_M.  U and D are the majority and minority bands of the motor's
layer (V_UD = s (V_up - V_dn), s = -1 for a layer magnetised "down").  Equations: V_up, V_dn and J continuous between the pieces of a
wire; at every wire end V_s(node) - V_s(end) = R_s I_s (R_s = r_s / A of its interface,
0 without one), where I_s is the band current from the node into the end (less the motor
current at U-D); per band the currents into a junction sum to zero; an open end carries
none; a terminal's net current is I (source), 0 (floating), or its potential is 0
(ground); the linear motor I_M = (Delta_U - E) / R_M or I_M = 0.  One dense solve, rows
and columns equilibrated (Ruiz), refined.

Public API
----------
solve_diffusion(stack, current) -> DiffusionSolution
    ``stack``: a Stack or a Geometry; ``current`` (A) enters the source terminal.
DiffusionSolution
    ``V_UD``, ``delta_mu_bar_eV``, ``voltage``, ``resistance``, ``motor_current``,
    ``terminal_voltages`` (name -> V), ``wire_currents`` (A, along each wire),
    ``at(layer, xi)`` -> (V_up, V_dn, I_up, I_dn) at local positions of a layer or wire;
    ``profile(points_per_layer)`` -> record array like ``Solution.profile()``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import ENDS, TERMINAL_KINDS, Geometry, Stack, check_geometry

PROFILE_DTYPE = np.dtype([("layer", "i4"), ("x", "f8"), ("V_up", "f8"), ("V_dn", "f8"),
                          ("Delta", "f8"), ("I_up", "f8"), ("I_dn", "f8")])


def even_odd(xi, t, l):
    """(C, S, C', S') at local positions xi (m) of a layer of thickness t, lsf l.

    C = cosh((xi - t/2)/l) / cosh(t/(2l)), S = sinh((xi - t/2)/l) / sinh(t/(2l)), from
    e_a = exp(-(t - xi)/l), e_b = exp(-xi/l): C = (e_a + e_b) / (1 + e^{-t/l}),
    S = (e_a - e_b) / (1 - e^{-t/l}), with e_a - e_b and 1 - e^{-t/l} through expm1.
    """
    xi = np.asarray(xi, dtype=float)
    e_a = np.exp(-(t - xi) / l)
    e_b = np.exp(-xi / l)
    left = 2.0 * xi <= t
    arg = np.where(left, (2.0 * xi - t) / l, (t - 2.0 * xi) / l)  # <= 0: no overflow
    diff = np.where(left, e_b, -e_a) * np.expm1(arg)               # e_a - e_b
    ep = 1.0 + np.exp(-t / l)
    em = -np.expm1(-t / l)
    return (e_a + e_b) / ep, diff / em, diff / (l * ep), (e_a + e_b) / (l * em)


@dataclass(frozen=True)
class _Piece:
    wire: int
    x0: float    # m, position of its first face along the wire
    L: float
    l: float
    su: float
    sd: float
    sa: float    # sqrt(area) at both faces, m
    sb: float
    flat: bool   # constant section: the even/odd basis

    @property
    def sigma(self):
        return self.su + self.sd

    @property
    def p(self):
        return self.su * self.sd / self.sigma


def _area_scale(ws: Geometry) -> float:
    """A_ref (m^2): the equations are solved with areas A / A_ref (potentials V A_ref)."""
    return max(float(np.max(w.area_at(w.area, [0.0, w.thickness]))) for w in ws.layers)


def _pieces(ws: Geometry, a_ref: float) -> list[_Piece]:
    """The cone frustums of every wire, sqrt(area) in units of sqrt(A_ref)."""
    out = []
    for i, w in enumerate(ws.layers):
        su, sd = (1.0 / r for r in w.band_resistivities)
        x = np.concatenate([[0.0], w.area_profile.breakpoints(w.thickness) if w.area_profile
                            else [], [w.thickness]])
        s = np.sqrt(w.area_at(w.area, x) / a_ref)
        flat = w.area_profile is None
        for k in range(x.size - 1):
            out.append(_Piece(i, float(x[k]), float(x[k + 1] - x[k]), w.lsf, su, sd,
                              float(s[k]), float(s[k + 1]), flat))
    return out


class _System:
    """Linear forms over the unknown vector z (one row vector per quantity)."""

    def __init__(self, ws: Geometry, pieces, a_ref):
        self.ws, self.pieces, self.a_ref = ws, pieces, a_ref
        self.n_p = 3 * len(pieces)
        self.wire0 = self.n_p
        idx = self.n_p + len(ws.layers)
        self.node: dict[str, int] = {}
        for name, kind in ws.nodes:
            if kind != "open":
                self.node[name] = idx
                idx += 2 if kind == "junction" else 1
        # an interface with spin flip (delta > 0): the two coefficients of its spin
        # accumulation (see _flip_end), per (wire, end)
        self.flip: dict[tuple[int, str], int] = {}
        for i, w in enumerate(ws.layers):
            for end in ENDS:
                contact = w.contact(end)
                if contact is not None and contact.params.delta > 0:
                    self.flip[(i, end)] = idx
                    idx += 2
        self.im = idx
        self.size = idx + 1
        self.motor_delta = None  # row of Delta at U-D, set by _assemble

    def zero(self):
        return np.zeros(self.size)

    def forms(self, k: int, x: float):
        """Rows (Delta, V_c, J, I_w) of piece k at its local position x."""
        pc = self.pieces[k]
        delta, dprime, vc, iw = self.zero(), self.zero(), self.zero(), self.zero()
        if pc.flat:
            s = pc.sa
            cc, ss, dc, ds = even_odd(x, pc.L, pc.l)
            delta[3 * k:3 * k + 2] = cc, ss
            dprime[3 * k:3 * k + 2] = dc, ds
        else:
            s = pc.sa + (pc.sb - pc.sa) * x / pc.L
            kap = (pc.sb - pc.sa) / pc.L
            e1 = np.exp(-(pc.L - x) / pc.l) * pc.sb / s
            e2 = np.exp(-x / pc.l) * pc.sa / s
            delta[3 * k:3 * k + 2] = e1, e2
            dprime[3 * k:3 * k + 2] = (e1 * (1.0 / pc.l - kap / s),
                                       e2 * (-1.0 / pc.l - kap / s))
        vc[3 * k + 2] = 1.0
        vc[self.wire0 + pc.wire] = -x / (pc.sigma * pc.sa * s)
        iw[self.wire0 + pc.wire] = 1.0
        return delta, vc, -pc.p * s * s * dprime, iw

    def bands(self, k: int, x: float):
        """Rows (V_up, V_dn, I_up, I_dn) of piece k at x (currents along +x)."""
        pc = self.pieces[k]
        delta, vc, j, iw = self.forms(k, x)
        return (vc + pc.sd / pc.sigma * delta, vc - pc.su / pc.sigma * delta,
                pc.su / pc.sigma * iw + j, pc.sd / pc.sigma * iw - j)


def _assemble(ws: Geometry, pieces, current: float, a_ref: float):
    """Rows of the linear system, with areas in units of a_ref: resistances and
    potentials come out multiplied by a_ref, currents unchanged (so the motor takes
    G_M / a_ref and E a_ref)."""
    sy = _System(ws, pieces, a_ref)
    rows, rhs = [], []

    def eq(row, value=0.0):
        rows.append(row)
        rhs.append(value)

    # continuity between the frustums of one wire
    for k in range(len(pieces) - 1):
        if pieces[k + 1].wire != pieces[k].wire:
            continue
        a, b = sy.forms(k, pieces[k].L), sy.forms(k + 1, 0.0)
        ba, bb = sy.bands(k, pieces[k].L), sy.bands(k + 1, 0.0)
        eq(ba[0] - bb[0])
        eq(ba[1] - bb[1])
        eq(a[2] - b[2])
    first = {}
    last = {}
    for k, pc in enumerate(pieces):
        first.setdefault(pc.wire, k)
        last[pc.wire] = k
    motor = ws.motor
    # every wire end: potentials on the wire side, band currents from the node
    kcl: dict[str, list] = {}
    for i, w in enumerate(ws.layers):
        for end in ENDS:
            k = first[i] if end == "from" else last[i]
            v_up, v_dn, i_up, i_dn = sy.bands(k, 0.0 if end == "from" else pieces[k].L)
            if end == "to":
                i_up, i_dn = -i_up, -i_dn
            if motor is not None and motor.index == i and motor.end == end:
                i_up, i_dn = i_up.copy(), i_dn.copy()
                # I_M leaves U and enters D inside the motor; U is the majority band
                s_m = ws.motor_sign
                i_up[sy.im] += s_m
                i_dn[sy.im] -= s_m
                sy.motor_delta = s_m * (v_up - v_dn)
            name = w.node(end)
            kind = ws.node_kind(name)
            if kind == "open":
                eq(i_up)
                eq(i_dn)
                continue
            contact = w.contact(end)
            r_up, r_dn = contact.resistances if contact is not None else (0.0, 0.0)
            r_up, r_dn = r_up * a_ref, r_dn * a_ref
            if (i, end) in sy.flip:  # the interface's own spin accumulation in between
                v_up, v_dn, i_up, i_dn = _flip_end(sy, eq, sy.flip[(i, end)],
                                                   contact.params.delta, r_up, r_dn,
                                                   v_up, v_dn, i_up, i_dn)
                r_up = r_dn = 0.0
            col = sy.node[name]
            for band, (v, cur, r) in enumerate(((v_up, i_up, r_up), (v_dn, i_dn, r_dn))):
                row = -v - r * cur
                row[col + (band if kind == "junction" else 0)] += 1.0
                eq(row)
            kcl.setdefault(name, []).append((i_up, i_dn))
    for name, kind in ws.nodes:
        if kind == "open":
            continue
        ends = kcl[name]
        if kind == "junction":
            eq(sum(e[0] for e in ends))
            eq(sum(e[1] for e in ends))
        elif kind == "ground":
            row = sy.zero()
            row[sy.node[name]] = 1.0
            eq(row)
        else:
            eq(sum(e[0] + e[1] for e in ends), current if kind == "source" else 0.0)
    g_m = motor.conductance if (motor is not None and motor.mode == "linear") else 0.0
    row = sy.zero()
    if g_m > 0:
        row[:] = g_m / a_ref * sy.motor_delta
        row[sy.im] = -1.0
        eq(row, g_m * motor.emf)
    else:
        row[sy.im] = 1.0
        eq(row)
    M, b = np.array(rows), np.array(rhs)
    assert M.shape == (sy.size, sy.size), M.shape
    return sy, M, b


def _flip_end(sy, eq, col, delta, r_up, r_dn, v_up, v_dn, i_up, i_dn):
    """An interface with spin flip between a wire end and its node (physics: the
    interface is a thin layer with rho* t = AR*, beta = gamma, t / lsf = delta).

    Across it, s in [0, 1] from the node (s = 0) to the wire end (s = 1), with band
    resistances R_s (``r_up``, ``r_dn``: ohm, already times a_ref), G_s = 1 / R_s,
    G = G_up + G_dn and k = 1 / (R_up + R_dn)::

        Delta'' = delta^2 Delta,  Delta = a C(s) + b S(s)   (even/odd about s = 1/2)
        J = -k Delta',  I_up = (G_up / G) I + J,  I_dn = (G_dn / G) I - J
        V_up = V_c + (G_dn / G) Delta,  V_dn = V_c - (G_up / G) Delta,  V_c' = -I / G

    The two rows that fix (a, b) from the wire end's Delta and J are added with
    ``eq``; returns the rows (V_up, V_dn, I_up, I_dn) on the node side (s = 0), which
    then join the node with no further resistance.  delta -> 0 gives V_s(node) -
    V_s(end) = R_s I_s, the interface without spin flip.
    """
    g_up, g_dn = 1.0 / r_up, 1.0 / r_dn
    g = g_up + g_dn
    k = 1.0 / (r_up + r_dn)
    # C, S and their s-derivatives at s = 0 and s = 1 (C = 1; S = -1, +1)
    _, _, dc0, ds0 = (float(v) for v in even_odd(0.0, 1.0, 1.0 / delta))
    _, _, dc1, ds1 = (float(v) for v in even_odd(1.0, 1.0, 1.0 / delta))
    current = i_up + i_dn                       # charge current from the node inward
    j_end = (g_dn * i_up - g_up * i_dn) / g     # its spin part at the wire end
    a, b = sy.zero(), sy.zero()
    a[col], b[col + 1] = 1.0, 1.0
    eq(a + b - (v_up - v_dn))                   # Delta(1) = the end's Delta
    eq(-k * (dc1 * a + ds1 * b) - j_end)        # J(1) = the end's J
    delta_0 = a - b
    j_0 = -k * (dc0 * a + ds0 * b)
    v_c = (g_up * v_up + g_dn * v_dn) / g + current / g   # V_c(0) = V_c(1) + I / G
    return (v_c + g_dn / g * delta_0, v_c - g_up / g * delta_0,
            g_up / g * current + j_0, g_dn / g * current - j_0)


def _equilibrated_solve(M, b):
    """Solve M z = b after Ruiz equilibration (rows and columns scaled towards max 1:
    the unknowns mix volts and amperes, the rows ohms and siemens), then refine."""
    r = np.ones(M.shape[0])
    c = np.ones(M.shape[1])
    A = M.copy()
    for _ in range(20):
        rmax = np.abs(A).max(axis=1)
        cmax = np.abs(A).max(axis=0)
        if np.all(np.abs(rmax - 1) < 1e-3) and np.all(np.abs(cmax - 1) < 1e-3):
            break
        dr, dc = 1.0 / np.sqrt(rmax), 1.0 / np.sqrt(cmax)
        A = A * dr[:, None] * dc[None, :]
        r, c = r * dr, c * dc
    import scipy.linalg as sla  # here: the command line need not load scipy

    lu = sla.lu_factor(A)
    z = c * sla.lu_solve(lu, r * b)
    for _ in range(2):  # iterative refinement, residual in the scaled rows
        res = r * b - (A @ (z / c))
        z = z + c * sla.lu_solve(lu, res)
    return z


def solve_diffusion(stack: Stack | Geometry, current: float | str) -> DiffusionSolution:
    """Solve the spin-diffusion equations of ``stack`` (a Stack or a Geometry) with
    ``current`` entering its source terminal: a number in amperes, or a string with
    units (``"1 mA"``)."""
    from .errors import StackError
    from .units import to_si

    try:  # amperes, or a string with units; finite
        current = to_si(current if isinstance(current, str) else float(current), "A")
    except (TypeError, ValueError) as exc:
        raise StackError(f"current: {exc}") from None
    check_geometry(stack, "solve_diffusion")
    ws = stack.geometry
    if getattr(ws, "spin_axis", ()) is None:
        raise StackError(f"{ws.source}: the magnets are not collinear: use "
                         "circuitspin.diffusion_vector.solve_noncollinear")
    a_ref = _area_scale(ws)
    pieces = _pieces(ws, a_ref)
    sy, M, b = _assemble(ws, pieces, float(current), a_ref)
    z = _equilibrated_solve(M, b)
    return DiffusionSolution(stack=stack, geometry=ws, current=float(current), z=z,
                             pieces=tuple(pieces), system=sy)


@dataclass(frozen=True, eq=False)
class DiffusionSolution:
    """The solved coefficients of a geometry (see the module docstring)."""

    stack: object
    geometry: Geometry
    current: float
    z: np.ndarray
    pieces: tuple
    system: _System

    def __repr__(self) -> str:
        lines = [f"DiffusionSolution of {self.geometry.title!r} at {self.current:.6g} A "
                 f"(closed form): voltage {self.voltage:.6g} V, resistance "
                 f"{self.resistance:.6g} ohm"]
        if self.geometry.motor is not None:
            lines.append(f"  V_UD {self.V_UD:.6g} V at {self.geometry.motor.layer!r} "
                         f"(its frame), motor current {self.motor_current:.4g} A")
        return "\n".join(lines)

    def at(self, layer: int, xi):
        """(V_up, V_dn, I_up, I_dn) at local positions ``xi`` (m) of wire ``layer``."""
        shape = np.shape(xi)
        xi = np.atleast_1d(np.asarray(xi, dtype=float)).ravel()
        out = np.zeros((4, xi.size))
        ks = [k for k, pc in enumerate(self.pieces) if pc.wire == layer]
        starts = np.array([self.pieces[k].x0 for k in ks])
        which = np.clip(np.searchsorted(starts, xi, side="right") - 1, 0, len(ks) - 1)
        for j, x in enumerate(xi):
            k = ks[which[j]]
            rows = self.system.bands(k, x - self.pieces[k].x0)
            out[:, j] = [row @ self.z for row in rows]
        out[:2] /= self.system.a_ref   # potentials back to volts
        return tuple(v.reshape(shape) for v in out)

    @property
    def motor_current(self) -> float:
        return float(self.z[self.system.im])

    @property
    def V_UD(self) -> float | None:
        if self.geometry.motor is None:
            return None
        return float(self.system.motor_delta @ self.z) / self.system.a_ref

    @property
    def delta_mu_bar_eV(self) -> float | None:
        v = self.V_UD
        return None if v is None else -v

    @property
    def terminal_voltages(self) -> dict[str, float]:
        return {name: float(self.z[self.system.node[name]]) / self.system.a_ref
                for name, kind in self.geometry.nodes if kind in TERMINAL_KINDS}

    @property
    def wire_currents(self) -> np.ndarray:
        """Charge current (A) of every wire, along +x (from its ``from`` end)."""
        n = len(self.geometry.layers)
        return self.z[self.system.wire0:self.system.wire0 + n].copy()

    @property
    def voltage(self) -> float:
        t = self.terminal_voltages
        return t[self.geometry.terminal("source")] - t[self.geometry.terminal("ground")]

    @property
    def resistance(self) -> float:
        return self.voltage / self.current if self.current else float("nan")

    def profile(self, points_per_layer: int = 50) -> np.ndarray:
        """Record array, ``points_per_layer`` points along every wire (x = x0 + xi)."""
        return profile_records(self.at, self.stack.layers, points_per_layer)


def profile_records(at, layers, points_per_layer: int = 50) -> np.ndarray:
    """Record array (PROFILE_DTYPE) of ``at(i, xi) -> (V_up, V_dn, I_up, I_dn)`` sampled
    at ``points_per_layer`` points across each of ``layers`` (x = x0 + xi)."""
    rows = []
    for i, layer in enumerate(layers):
        xi = np.linspace(0.0, layer.thickness, points_per_layer)
        v_up, v_dn, i_up, i_dn = at(i, xi)
        r = np.zeros(xi.size, dtype=PROFILE_DTYPE)
        r["layer"], r["x"] = i, layer.x0 + xi
        r["V_up"], r["V_dn"], r["Delta"] = v_up, v_dn, v_up - v_dn
        r["I_up"], r["I_dn"] = i_up, i_dn
        rows.append(r)
    return np.concatenate(rows)
