"""The circuit's own spin-transfer torque on the macrospin, solved quasi-statically at m.

The circuit relaxes in femtoseconds, so at every m of the free layer the torque is that
of the charge + spin-vector circuit (docs/noncollinear.md) with the layer
magnetised along m: ``tau(m) = (hbar / 2e) sum over its F|N contacts of
A [g_mix D_perp + g_mix_im (D x m)]``, D the normal metal's spin accumulation there.

Only the free layer's contacts depend on m, and their matrix entries are quadratic in
the components of m (rank-one band stamps along m, the projector 1 - m m^T, the cross
product).  So the network is reduced once.  The nodes whose rows change with m (the
"ports": both sides of the layer's contacts) are found by building the network at a few
directions; every other node is eliminated with one sparse factorisation (the Schur
complement ``S(m) = A_PP(m) - A_PI A_II^-1 A_IP``, right-hand side per ampere);
``A_PP(m)`` is fitted exactly on the basis ``1, m_i, m_i m_j`` from builds at 20
directions and checked at 5 more (a mismatch beyond rounding is a SolverError); the
result is checked against a full solve of the network built at a random m.

Each evaluation then solves one dense system of the port count (about 12).  The spin-wave
motor branch is left open: the macrospin is the precession the motor stands for.

Public API
----------
CircuitTorque(stack, layer, segments=None, method=None)
    ``.per_ampere(m)`` -> N m / A; ``.at(current)`` -> callable tau(m) (N m);
    ``.efficiency(m, reference)`` -> dimensionless eta, the damping-like torque
    ``(hbar/2e) eta I sin(angle)``.
noncollinear_stack(data, layer, source, direction) -> Stack
    The stack mapping read with ``layer`` turned off its ``direction`` (so that the
    non-collinear circuit, with its g_mix, is built).
with_direction(stack, index, m) -> Stack
    A copy of the non-collinear stack with layer ``index`` along m.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy import constants as _c

from .errors import CircuitSpinError, SolverError

#: hbar / 2e, J s / C: torque (N m) per ampere of spin current
HBAR_2E = _c.hbar / (2 * _c.e)


def _basis(m) -> np.ndarray:
    """1, m_i, m_i m_j: the functions the contact entries are combinations of."""
    x, y, z = m
    return np.array([1.0, x, y, z, x * x, y * y, z * z, x * y, x * z, y * z])


def with_direction(stack, index: int, m):
    """A copy of the non-collinear ``stack`` with layer ``index`` magnetised along m."""
    m = tuple(float(c) for c in np.asarray(m, dtype=float) / np.linalg.norm(m))
    layers = list(stack.layers)
    layers[index] = replace(layers[index], direction=m, magnetization="up")
    return replace(stack, layers=tuple(layers))


def noncollinear_stack(data: dict, layer: str, source: str = "<dict>", direction=None):
    """The stack of mapping ``data`` with ``layer`` turned 30 degrees off ``direction``
    (its initial magnetization, lab unit vector; default +z), so that the non-collinear
    circuit is built (a StackError names what it lacks, e.g. the interfaces' g_mix)."""
    import copy

    from .reader import stack_from_dict

    base = stack_from_dict(data, source=source)
    index = base.layer_index(layer)
    u = np.asarray((0.0, 0.0, 1.0) if direction is None else direction, dtype=float)
    u = u / np.linalg.norm(u)
    w = np.array([0.3, 0.8, 0.5])
    w = w - u * (u @ w)
    w /= np.linalg.norm(w)
    m = np.cos(np.pi / 6) * u + np.sin(np.pi / 6) * w
    d = copy.deepcopy(data)
    d["layers"][index]["magnetization"] = [float(x) for x in m]
    stack = stack_from_dict(d, source=source)
    if stack.spin_axis is not None:
        raise CircuitSpinError(f"{source}: layer {layer!r} turned off its axis leaves the "
                               "stack collinear (no other magnet?): no spin-transfer torque")
    return stack


def _matrix(net):
    """The network's conductance matrix with its F|N couplings (motor branch open)."""
    n = net.n_nodes
    a, b, g = net.edge_a, net.edge_b, net.edge_g
    rc, cc, vc = net.coupling
    rows = np.concatenate([a, b, a, b, rc])
    cols = np.concatenate([a, b, b, a, cc])
    vals = np.concatenate([g, g, -g, -g, vc])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


class CircuitTorque:
    """The torque of the circuit on layer ``layer`` at any m (module docstring).

    ``stack``: a non-collinear stack (:func:`noncollinear_stack`); ``segments``,
    ``method``: the network's discretisation (:func:`circuitspin.build_network`)."""

    N_FIT = 20
    N_CHECK = 5

    def __init__(self, stack, layer: str, segments=None, method=None):
        from .network import build_network

        if stack.spin_axis is not None:
            raise CircuitSpinError(f"{stack.source}: CircuitTorque needs the non-collinear "
                                   "stack (noncollinear_stack)")
        self.stack = stack
        self.index = stack.layer_index(layer)
        self.layer = layer
        self._build = lambda s: build_network(s, segments, method)
        rng = np.random.default_rng(12345)
        dirs = rng.standard_normal((self.N_FIT + self.N_CHECK + 1, 3))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        nets = [self._build(with_direction(stack, self.index, m)) for m in dirs]
        ref = nets[0]
        for net in nets[1:]:
            if net.n_nodes != ref.n_nodes or net.ground != ref.ground \
                    or net.source != ref.source:
                raise SolverError("the network's nodes change with the free layer's "
                                  "direction: no reduction possible")
        mats = [_matrix(net) for net in nets]
        changed = np.zeros(ref.n_nodes, dtype=bool)
        for mat in mats[1:]:
            diff = (mat - mats[0]).tocoo()
            on = diff.data != 0
            changed[diff.row[on]] = True
            changed[diff.col[on]] = True
        contacts = [c for c in (ref.mixing or ()) if c["f"] == self.index]
        if not contacts:
            raise CircuitSpinError(f"{stack.source}: layer {layer!r} has no F|N contact "
                                   "with a spin-mixing conductance: no torque on it")
        for c in contacts:
            nu, nd = c["n_nodes"]
            changed[[nu, nd, *ref.spin_nodes[nu]]] = True
        changed[ref.ground] = False
        keep = np.flatnonzero(np.arange(ref.n_nodes) != ref.ground)
        ports = keep[changed[keep]]
        inner = keep[~changed[keep]]
        self.ports = ports
        a0 = mats[0].tocsr()
        b = np.zeros(ref.n_nodes)
        b[ref.source] += 1.0   # per ampere; the ground takes the rest
        a_ii = a0[inner][:, inner].tocsc()
        a_ip = a0[inner][:, ports].toarray()
        a_pi = a0[ports][:, inner].toarray()
        if inner.size:
            try:
                lu = spla.splu(a_ii)
            except RuntimeError as exc:
                raise SolverError(f"the network without the free layer's contacts is "
                                  f"singular ({exc})") from None
            x = lu.solve(a_ip) if ports.size else np.zeros((inner.size, 0))
            y = lu.solve(b[inner])
        else:
            x, y = np.zeros((0, ports.size)), np.zeros(0)
        self._s0 = -a_pi @ x
        self._rhs = b[ports] - a_pi @ y
        # A_PP(m) = sum_k basis_k(m) C_k, fitted on N_FIT directions, checked on the rest
        blocks = np.array([m[ports][:, ports].toarray() for m in mats])
        phi = np.array([_basis(m) for m in dirs])
        fit = slice(0, self.N_FIT + 1)
        coef, *_ = np.linalg.lstsq(phi[fit], blocks[fit].reshape(len(phi[fit]), -1),
                                   rcond=None)
        self._coef = coef  # (basis, ports^2)
        pred = (phi @ coef).reshape(blocks.shape)
        scale = np.max(np.abs(blocks))
        # rounding of the fit: the entries are sums of a few conductances, each known to
        # eps; the least-squares solve adds the condition of the sampled basis (~10)
        if np.max(np.abs(pred - blocks)) > 1e-11 * scale:
            raise SolverError("the free layer's contact entries are not quadratic in m: "
                              "the reduced circuit cannot stand for it")
        pos = {int(p): k for k, p in enumerate(ports)}
        self._contacts = [(c["area"] * c["g_mix"], c["area"] * c["g_mix_im"],
                           pos[int(c["n_nodes"][0])], pos[int(c["n_nodes"][1])],
                           pos[int(ref.spin_nodes[c["n_nodes"][0]][0])],
                           pos[int(ref.spin_nodes[c["n_nodes"][0]][1])])
                          for c in contacts]
        self._check(dirs[-1])

    def _check(self, m):
        """The reduced circuit against a full solve of the network built at m."""
        from .solvers import solve

        full = np.array(solve(self._build(with_direction(self.stack, self.index, m)), 1.0)
                        .torque(self.layer))
        fast = self.per_ampere(m)
        if not np.allclose(fast, full, rtol=1e-9, atol=1e-9 * np.max(np.abs(full))):
            raise SolverError(f"the reduced circuit's torque {fast} differs from the full "
                              f"solve's {full}")

    def per_ampere(self, m) -> np.ndarray:
        """Torque (N m per ampere of current) on the layer magnetised along unit m."""
        m = np.asarray(m, dtype=float)
        m = m / np.linalg.norm(m)
        n = self._rhs.size
        s = self._s0 + (_basis(m) @ self._coef).reshape(n, n)
        v = np.linalg.solve(s, self._rhs)
        tau = np.zeros(3)
        for g_re, g_im, nu, nd, sx, sy in self._contacts:
            d = np.array([v[sx], v[sy], v[nu] - v[nd]])
            d_perp = d - m * (m @ d)
            tau += g_re * d_perp
            if g_im:
                tau += g_im * np.cross(d, m)
        return HBAR_2E * tau

    def at(self, current: float):
        """The callable tau(m) (N m) at ``current`` (A)."""
        current = float(current)

        def torque(m):
            m = np.asarray(m, dtype=float)
            if m.ndim == 1:
                return current * self.per_ampere(m)
            flat = m.reshape(-1, 3)
            return current * np.array([self.per_ampere(x) for x in flat]).reshape(m.shape)

        return torque

    def efficiency(self, m, reference) -> float:
        """eta with ``tau_DL = (hbar / 2e) eta I sin(angle between m and reference)``,
        tau_DL the damping-like part of the torque, along ``m x (reference x m)``."""
        m = np.asarray(m, dtype=float) / np.linalg.norm(m)
        p = np.asarray(reference, dtype=float) / np.linalg.norm(reference)
        e = np.cross(m, np.cross(p, m))
        s = np.linalg.norm(e)
        return float(self.per_ampere(m) @ (e / s) / (HBAR_2E * s))
