"""Batched solver: many straight stacks of one shape, solved together (no per-stack loop).

Sweeps and fits solve thousands of small stacks that differ only in numbers (thickness,
rho, beta, lsf, interface ar, gamma and delta, area, the linear motor's magnons and frequency,
which way each layer is magnetised).  Such stacks share one network *shape*: the layer
count, which interfaces merge their boundary nodes, the motor layer.  This module builds
that shape's node/edge structure once, the edge conductances of every stack with the
vectorised segment kernels (:func:`circuitspin.segments.exact_segment`, one exact segment
per layer, the default discretisation), and solves all the (B, n, n) nodal systems at
once with numpy's batched dense linear algebra, refined like the sparse solver: residuals
summed edge by edge from branch currents until the corrections reach rounding.

Public API
----------
BatchShape.of(stack) -> BatchShape
    The structure a batch shares (layers, merged interfaces, motor layer).
BatchParameters.of(stacks) -> BatchParameters
    The numbers of each stack as arrays (B, ...): area, layer thickness, lsf, band
    resistivities (with each layer's magnetisation), interface band resistances, motor
    conductance, counter-EMF and the motor layer's frame sign.
solve_batch(stacks, currents) -> dict of arrays
solve_parameters(shape, params, currents) -> dict of arrays
    Per stack (B,): ``resistance`` (ohm, motor open, as in sweeps), ``bridge_gain``
    (V/A, open-circuit V_UD per ampere), ``bridge_resistance`` (ohm, the Thevenin
    resistance at U-D), with a motor ``transfer`` (V/A, the stack voltage per ampere
    of motor current; equal to the gain by reciprocity); per stack and current (B, K):
    ``voltage`` (V) and ``V_UD`` (V, in the motor layer's own frame) with the linear
    motor branch connected, as
    :func:`circuitspin.solve` gives them, and ``motor_current`` (A).  Without a motor the
    U-D quantities are NaN.  A "steady" motor is open here (its law is nonlinear), as in
    :func:`circuitspin.solve`.

Only straight stacks in the default exact discretisation (no ``segments`` key, no
flaring ``area_profile``) have a shape; ``BatchShape.of`` raises StackError otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SolverError, StackError
from .segments import exact_segment, interface_element

EPS = float(np.finfo(float).eps)
#: corrections at or below this (relative to the largest potential) are rounding
NOISE = 4 * EPS
MAX_REFINE = 10


@dataclass(frozen=True)
class BatchShape:
    """What every stack of a batch shares.

    ``merged[i]``: interface i (between layers i and i+1) joins the two layers' boundary
    nodes (zero ar, or no interface between layers of one material).  ``motor``: index
    of the motor layer or None.  Nodes: 0 is the source electrode, the last node the
    ground electrode; ``face_a[i]`` and ``face_b[i]`` are layer i's (up, down) nodes at
    its first and last face (one node twice at an electrode)."""

    n_layers: int
    merged: tuple
    motor: int | None
    #: flip[i]: interface i has spin flip (delta > 0): the exact interface element
    flip: tuple = ()

    @classmethod
    def of(cls, stack) -> "BatchShape":
        from .stack import Stack

        if not isinstance(stack, Stack):
            raise StackError(f"the batched solver takes straight stacks, got "
                             f"{type(stack).__name__}")
        if stack.spin_axis is None:
            raise StackError(f"{stack.source}: the batched solver takes collinear magnets "
                             "(use build_network and solve for a non-collinear stack)")
        for lay in stack.layers:
            if lay.segments is not None or lay.area_profile is not None:
                raise StackError(f"{stack.source}: layer {lay.name!r}: the batched solver "
                                 "takes one exact segment per layer (no segments key, no "
                                 "area_profile)")
        return cls(len(stack.layers), tuple(bool(i.merged) for i in stack.interfaces),
                   None if stack.motor is None else int(stack.motor.index),
                   tuple(not i.merged and i.params.delta > 0 for i in stack.interfaces))

    # ---- topology, built once per shape
    def faces(self):
        """(face_a, face_b, n_nodes): each layer's (up, dn) nodes at both faces."""
        n = 1
        face_a, face_b = [], []
        for li in range(self.n_layers):
            if li == 0:
                a = (0, 0)
            elif self.merged[li - 1]:
                a = face_b[-1]
            else:
                a = (n, n + 1)
                n += 2
            if li == self.n_layers - 1:
                b = (n, n)
                n += 1
            else:
                b = (n, n + 1)
                n += 2
            face_a.append(a)
            face_b.append(b)
        return face_a, face_b, n


@dataclass(frozen=True)
class BatchParameters:
    """The numbers of B stacks of one :class:`BatchShape`, SI units.

    ``area`` (B,); ``thickness``, ``lsf``, ``rho_up``, ``rho_dn`` (B, layers), the band
    resistivities with each layer's magnetisation; ``r_up``, ``r_dn`` (B, interfaces),
    ohm m^2 (ignored where merged), and ``delta`` (B, interfaces), their spin flip;
    ``motor_g`` (S, 0 = open), ``motor_emf`` (V) and
    ``motor_sign`` (+1: the motor layer is magnetised "up", -1 "down"), each (B,);
    ``motor_linear`` (B,) bool: the motor is the linear branch (False: "steady")."""

    area: np.ndarray
    thickness: np.ndarray
    lsf: np.ndarray
    rho_up: np.ndarray
    rho_dn: np.ndarray
    r_up: np.ndarray
    r_dn: np.ndarray
    motor_g: np.ndarray
    motor_emf: np.ndarray
    motor_sign: np.ndarray
    motor_linear: np.ndarray
    delta: np.ndarray | None = None

    @classmethod
    def of(cls, stacks) -> "BatchParameters":
        stacks = list(stacks)
        if not stacks:
            raise StackError("an empty batch of stacks")
        rho = np.array([[lay.band_resistivities for lay in s.layers] for s in stacks],
                       dtype=float).reshape(len(stacks), -1, 2)
        ifaces = np.array([[i.band_resistances for i in s.interfaces] for s in stacks],
                          dtype=float).reshape(len(stacks), -1, 2)
        motors = [s.motor for s in stacks]
        linear = [m is not None and m.mode == "linear" for m in motors]
        return cls(
            area=np.array([s.area for s in stacks], dtype=float),
            thickness=np.array([[lay.thickness for lay in s.layers] for s in stacks],
                               dtype=float),
            lsf=np.array([[lay.lsf for lay in s.layers] for s in stacks], dtype=float),
            rho_up=rho[:, :, 0], rho_dn=rho[:, :, 1],
            r_up=ifaces[:, :, 0], r_dn=ifaces[:, :, 1],
            motor_g=np.array([m.conductance if lin else 0.0
                              for m, lin in zip(motors, linear)], dtype=float),
            motor_emf=np.array([m.emf if m is not None else 0.0 for m in motors],
                               dtype=float),
            motor_sign=np.array([s.motor_sign if s.motor is not None else 1.0
                                 for s in stacks], dtype=float),
            motor_linear=np.array(linear, dtype=bool),
            delta=np.array([[i.params.delta if i.params is not None else 0.0
                             for i in s.interfaces] for s in stacks],
                           dtype=float).reshape(len(stacks), -1),
        )

    @property
    def size(self) -> int:
        return int(self.area.size)


def edge_table(shape: BatchShape, p: BatchParameters):
    """Edges of every stack: (a, b) node indices (E,) and conductances (B, E), S; the
    same edges as :func:`circuitspin.build_network` builds for one stack (band, spin-flip,
    diagonal, interface), without the motor branch."""
    face_a, face_b, n = shape.faces()
    area = p.area[:, None]
    g_uu, g_dd, g_v, g_x = exact_segment(area, p.thickness, p.lsf, 1.0 / p.rho_up,
                                         1.0 / p.rho_dn)
    ea, eb, cols = [], [], []

    def edge(a, b, g):
        if a != b:          # an electrode's two bands are one node
            ea.append(a)
            eb.append(b)
            cols.append(g)

    vert = {}               # (up, dn) node pair -> its spin-flip conductance, summed
    for li in range(shape.n_layers):
        (ua, da), (ub, db) = face_a[li], face_b[li]
        edge(ua, ub, g_uu[:, li])
        edge(da, db, g_dd[:, li])
        for pair in ((ua, da), (ub, db)):
            if pair[0] != pair[1]:
                vert[pair] = vert[pair] + g_v[:, li] if pair in vert else g_v[:, li]
    for pair, g in vert.items():
        edge(pair[0], pair[1], g)
    for li in range(shape.n_layers):
        (ua, da), (ub, db) = face_a[li], face_b[li]
        if ua != db and da != ub:
            edge(ua, db, g_x[:, li])
            edge(da, ub, g_x[:, li])
    for i, merged in enumerate(shape.merged):
        if merged:
            continue
        (lu, ld), (ru, rd) = face_b[i], face_a[i + 1]
        if not (shape.flip and shape.flip[i]):
            edge(lu, ru, p.area / p.r_up[:, i])
            edge(ld, rd, p.area / p.r_dn[:, i])
            continue
        g_uu, g_dd, g_v, g_x = interface_element(p.area, p.r_up[:, i], p.r_dn[:, i],
                                                 p.delta[:, i])
        for a, b, g in ((lu, ru, g_uu), (ld, rd, g_dd), (lu, ld, g_v), (ru, rd, g_v),
                        (lu, rd, g_x), (ld, ru, g_x)):
            edge(a, b, g)
    return np.array(ea), np.array(eb), np.column_stack(cols), n


class _BatchFactor:
    """LDL^T factors of the diagonally scaled reduced matrices of B networks (the ground,
    the last node, removed), and refined solves whose residuals are summed edge by edge.
    Vectors are node-major, (nodes, B, K), so each edge reads contiguous rows."""

    def __init__(self, ea, eb, g, n):
        E, B = g.shape
        m = n - 1
        self.ea, self.eb, self.g, self.m = ea, eb, g, m
        if not (np.all(np.isfinite(g)) and np.all(g >= 0)):
            raise SolverError("a conductance of the batch is not finite or is negative: "
                              "check the stacks' parameters")
        G = np.zeros((n, n, B))
        for k in range(E):
            a, b, gk = ea[k], eb[k], g[k]
            G[a, a] += gk
            G[b, b] += gk
            G[a, b] -= gk
            G[b, a] -= gk
        d = G[np.arange(m), np.arange(m)]                            # (m, B)
        if not np.all(d > 0):
            raise SolverError("a node of the batch has no conductance: check the stacks' "
                              "parameters")
        self.s = 1.0 / np.sqrt(d)                                    # (m, B)
        # LDL^T of the scaled matrix (symmetric positive definite: no pivoting), one
        # elimination step per node, each vectorised over the batch; L below the
        # diagonal, D on it
        A = G[:m, :m] * self.s[:, None, :] * self.s[None, :, :]
        for q in range(m - 1):
            col = A[q + 1:, q] / A[q, q]
            A[q + 1:, q + 1:] -= col[:, None, :] * A[q, q + 1:][None, :, :]
            A[q + 1:, q] = col
        if not np.all(A[np.arange(m), np.arange(m)] > 0):
            raise SolverError("a network matrix of the batch is numerically singular: "
                              "check the stacks' parameters")
        self.lt = A

    def _apply(self, r):
        """G^-1 r for node-major r (m, B, K) with the factor of the scaled matrix."""
        A, m = self.lt, self.m
        y = self.s[:, :, None] * r
        for q in range(m - 1):                   # L z = y
            y[q + 1:] -= A[q + 1:, q][:, :, None] * y[q]
        y /= A[np.arange(m), np.arange(m)][:, :, None]
        for q in range(m - 2, -1, -1):           # L^T x = z / D
            y[q] -= np.einsum("ib,ibk->bk", A[q + 1:, q], y[q + 1:])
        y *= self.s[:, :, None]
        return y

    def residual(self, x, b):
        """b - G x, summed edge by edge from branch currents g (x_a - x_b)."""
        m = self.m
        xg = np.concatenate([x, np.zeros((1,) + x.shape[1:])])     # the ground at 0
        out = np.zeros(xg.shape)
        for k in range(self.ea.size):
            a, b_ = self.ea[k], self.eb[k]
            i_e = self.g[k][:, None] * (xg[a] - xg[b_])
            out[a] += i_e
            out[b_] -= i_e
        return b - out[:m]

    def solve(self, b):
        """Potentials of the unknowns (m, B, K) for injections b (m, B, K), refined until
        the corrections reach rounding (relative to each solution's largest potential)."""
        x = self._apply(b)
        # a solution stops at its own last correction: its bits do not depend on the
        # other stacks of the batch (a sweep's answer is the same however it is split)
        active = np.ones(x.shape[1:], dtype=bool)
        for _ in range(MAX_REFINE):
            dx = np.where(active, self._apply(self.residual(x, b)), 0.0)
            x += dx
            active &= ~(np.abs(dx).max(axis=0) <= NOISE * np.abs(x).max(axis=0))
            if not active.any():
                break
        return x


def solve_parameters(shape: BatchShape, p: BatchParameters, currents) -> dict:
    """Solve B stacks of ``shape`` with numbers ``p`` at ``currents`` (A), see the module
    docstring for what is returned.

    One factorisation per stack, of its network with the motor open: a solve with 1 A
    source -> ground and one with 1 A in at U and out at D give the input resistance R,
    the bridge gain k = V_UD / I, the Thevenin resistance Z at U-D and the transfer
    resistance T (the source potential per ampere at U-D).  The linear motor (g_M, EMF
    E) is then the rank-one update of the matrix (Sherman-Morrison, the load line of
    the Thevenin view, as :func:`circuitspin.solvers.motor_newton.sweep_network` has
    it): V_UD = (k I + Z g_M E) / (1 + Z g_M), I_M = g_M (V_UD - E) and
    V = R I - T I_M.
    """
    currents = np.atleast_1d(np.asarray(currents, dtype=float)).ravel()
    if not np.all(np.isfinite(currents)):
        raise SolverError("currents must be finite")
    ea, eb, g, n = edge_table(shape, p)
    B, m = p.size, n - 1
    factor = _BatchFactor(ea, eb, g.T.copy(), n)
    src = 0
    out = {"current": currents}
    if shape.motor is None:
        b = np.zeros((m, B, 1))
        b[src] = 1.0
        r_in = factor.solve(b)[src, :, 0]
        nan_b, nan_k = np.full(B, np.nan), np.full((B, currents.size), np.nan)
        out.update(resistance=r_in, bridge_gain=nan_b, bridge_resistance=nan_b,
                   voltage=r_in[:, None] * currents, V_UD=nan_k, motor_current=nan_k)
        return out
    face_a, _, _ = shape.faces()
    up, dn = face_a[shape.motor]
    rows = np.arange(B)
    flip = p.motor_sign < 0           # U is the lab down-band node of a "down" layer
    u = np.where(flip, dn, up)
    d = np.where(flip, up, dn)
    b = np.zeros((m, B, 2))
    b[src, :, 0] = 1.0
    b[u, rows, 1] += 1.0
    b[d, rows, 1] -= 1.0
    v = factor.solve(b)
    r_in = v[src, :, 0]
    k = v[u, rows, 0] - v[d, rows, 0]
    Z = v[u, rows, 1] - v[d, rows, 1]
    T = v[src, :, 1]
    gm, emf = p.motor_g[:, None], p.motor_emf[:, None]
    zg = Z[:, None] * gm
    v_ud = (k[:, None] * currents + zg * emf) / (1.0 + zg)
    i_m = (v_ud - emf) * gm + 0.0        # no -0.0 for an open branch
    nonlinear = ~p.motor_linear
    for a in (v_ud, i_m):
        a[nonlinear] = np.nan
    out.update(resistance=r_in, bridge_gain=k, bridge_resistance=Z, transfer=T,
               voltage=np.where(nonlinear[:, None], np.nan,
                                r_in[:, None] * currents - T[:, None] * i_m), V_UD=v_ud,
               motor_current=i_m)
    return out


def solve_batch(stacks, currents) -> dict:
    """Solve straight stacks of one shape (see :class:`BatchShape`) at ``currents`` (A).

    ``stacks``: a sequence of :class:`~circuitspin.stack.Stack`.  Returns the dict of
    :func:`solve_parameters`, arrays with the stacks along the first axis."""
    stacks = list(stacks)
    if not stacks:
        raise StackError("an empty batch of stacks")
    shape = BatchShape.of(stacks[0])
    for s in stacks[1:]:
        other = BatchShape.of(s)
        if other != shape:
            raise StackError(f"{s.source}: not the batch's shape ({other} vs {shape}): "
                             "the layers, merged interfaces and motor layer must match")
    return solve_parameters(shape, BatchParameters.of(stacks), currents)
