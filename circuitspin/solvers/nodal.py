"""The embedded sparse nodal solver (scipy.sparse).

Public API
----------
assemble_conductance(network, include_motor=True) -> (G, unknowns)
    The reduced conductance matrix (CSC, ground removed) assembled vectorised from the
    edge table, and the node index of each row.
NodalFactor(network, include_motor=True)
    One diagonal scaling and sparse LU of G; ``solve(b)`` returns node potentials for
    node injections ``b`` (A) with iterative refinement whose residual is computed edge
    by edge (branch currents), which restores the digits a fine ladder loses in the
    assembled diagonal (shared/physics.md section 3).
solve_nodal(network, current, refine=3) -> Solution
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import SolverError
from ..network import Network
from ..solution import Solution, injections, kcl_outflow


def _reduced_triplets(network: Network, include_motor: bool):
    """COO triplets (rows, cols, vals) of the reduced matrix, its size and kept nodes."""
    n = network.n_nodes
    a, b, g = network.edge_a, network.edge_b, network.edge_g
    if include_motor and network.u is not None and network.motor_g > 0:
        a = np.append(a, network.u)
        b = np.append(b, network.d)
        g = np.append(g, network.motor_g)
    # map nodes to unknowns: the ground is dropped
    idx = np.arange(n) - (np.arange(n) > network.ground)
    idx[network.ground] = -1
    ia, ib = idx[a], idx[b]
    diag = np.bincount(a, g, n) + np.bincount(b, g, n)
    off = (ia >= 0) & (ib >= 0)
    keep = np.flatnonzero(idx >= 0)
    rows = np.concatenate([ia[off], ib[off], idx[keep]])
    cols = np.concatenate([ib[off], ia[off], idx[keep]])
    vals = np.concatenate([-g[off], -g[off], diag[keep]])
    return rows, cols, vals, n - 1, keep


def assemble_conductance(network: Network, include_motor: bool = True):
    """Reduced nodal conductance matrix (CSC) and the node index of each of its rows."""
    rows, cols, vals, m, keep = _reduced_triplets(network, include_motor)
    return sp.csc_matrix((vals, (rows, cols)), shape=(m, m)), keep


#: Banded Cholesky (LAPACK pbtrf) is used up to this half-bandwidth; a straight stack with
#: up/down nodes interleaved along x has half-bandwidth 3.  Wider networks use SuperLU.
BANDED_MAX = 16


class NodalFactor:
    """A factorised network: solves for any node injections, refining edge by edge.

    The conductance matrix G is scaled symmetrically (D^-1/2 G D^-1/2, D = diag G) and
    factorised once: by banded Cholesky when the node order makes it narrow (straight
    stacks: O(N) time and memory), otherwise by SuperLU with a fill-reducing ordering.
    ``method`` reports which ("banded" or "splu").
    """

    def __init__(self, network: Network, include_motor: bool = True):
        if not isinstance(network, Network):
            raise SolverError("NodalFactor needs a built Network (call build_network first)")
        self.network = network
        self.include_motor = include_motor and network.u is not None and network.motor_g > 0
        rows, cols, vals, m, self.unknowns = _reduced_triplets(network, self.include_motor)
        d = np.bincount(rows[rows == cols], vals[rows == cols], m)
        if np.any(d <= 0) or not np.all(np.isfinite(d)):
            raise SolverError("a node has no conductance to the rest of the network")
        self.scale = 1.0 / np.sqrt(d)
        svals = vals * self.scale[rows] * self.scale[cols]
        width = int(np.max(np.abs(rows - cols))) if rows.size else 0
        if width <= BANDED_MAX:
            self._factor_banded(rows, cols, svals, m, width)
        else:
            self._factor_splu(rows, cols, svals, m)

    def _factor_banded(self, rows, cols, svals, m, width):
        from scipy.linalg import LinAlgError, cholesky_banded

        upper = rows <= cols
        flat = (width + rows[upper] - cols[upper]) * m + cols[upper]
        ab = np.bincount(flat, svals[upper], (width + 1) * m).reshape(width + 1, m)
        try:
            self._cb = cholesky_banded(ab, lower=False, check_finite=False)
        except LinAlgError as exc:
            raise SolverError(f"network matrix is not positive definite (a floating "
                              f"piece?): {exc}") from None
        self.method = "banded"

    def _factor_splu(self, rows, cols, svals, m):
        A = sp.csc_matrix((svals, (rows, cols)), shape=(m, m))
        try:
            self.lu = spla.splu(A, permc_spec="MMD_AT_PLUS_A")
        except RuntimeError as exc:  # "Factor is exactly singular"
            raise SolverError(f"network matrix is singular: {exc}") from None
        self.method = "splu"

    def outflow(self, v: np.ndarray) -> np.ndarray:
        """Net current leaving each node (A) for potentials ``v``, motor branch included."""
        net = self.network
        out = kcl_outflow(net, v)
        if self.include_motor:
            i_m = net.motor_g * (v[net.u] - v[net.d])
            out[net.u] += i_m
            out[net.d] -= i_m
        return out

    def _solve_reduced(self, r_nodes: np.ndarray) -> np.ndarray:
        rhs = self.scale * r_nodes[self.unknowns]
        if self.method == "banded":
            from scipy.linalg import cho_solve_banded

            y = cho_solve_banded((self._cb, False), rhs, check_finite=False)
        else:
            y = self.lu.solve(rhs)
        v = np.zeros(self.network.n_nodes)
        v[self.unknowns] = self.scale * y
        return v

    def solve(self, b: np.ndarray, refine: int = 3) -> np.ndarray:
        """Node potentials (V, ground 0) for net injections ``b`` (A per node)."""
        v = self._solve_reduced(b)
        for _ in range(refine):
            r = b - self.outflow(v)
            dv = self._solve_reduced(r)
            v = v + dv
            if not np.any(np.abs(dv) > 1e-17 * np.abs(v).max()):
                break
        return v


def motor_injections(network: Network) -> np.ndarray:
    """Node injections (A) equivalent to the linear motor's counter-EMF (Norton form)."""
    b = np.zeros(network.n_nodes)
    if network.u is not None and network.motor_g > 0:
        i = network.motor_g * network.motor_emf
        b[network.u] += i
        b[network.d] -= i
    return b


def solve_nodal(network: Network, current: float, refine: int = 3) -> Solution:
    """Solve the network with ``current`` (A) entering its source electrode."""
    current = float(current)
    if not np.isfinite(current):
        raise SolverError(f"current must be finite, got {current}")
    factor = NodalFactor(network)
    b = injections(network, current) + motor_injections(network)
    v = factor.solve(b, refine=refine)
    i_m = 0.0
    magnons = 0.0
    if network.u is not None and network.motor_g > 0:
        i_m = network.motor_g * (v[network.u] - v[network.d] - network.motor_emf)
        magnons = network.stack.motor.magnons
    return Solution(network=network, potentials=v, current=current, backend="nodal",
                    motor_current=float(i_m), magnons=float(magnons))
