"""The nodal solver of a non-collinear stack's network (charge + spin-vector circuit).

The two-band network of a collinear stack is a symmetric M-matrix, solved by
:class:`~circuitspin.solvers.nodal.NodalFactor` (banded Cholesky).  A non-collinear
stack adds the x and y spin nodes of its normal metals and the F|N couplings through m
(:attr:`Network.coupling`): the matrix is no longer an M-matrix (the couplings through
m have entries of either sign) and, with an imaginary mixing conductance, not symmetric.
This factor takes the general path: diagonal scaling, an LU factorisation with partial
pivoting (LAPACK's banded gbtrf in reverse Cuthill-McKee order when that is narrow, as
for every straight stack; SuperLU otherwise), iterative refinement with the residual
from branch currents plus the coupling entries, and a 1-norm condition estimate
(Hager-Higham, ``scipy.sparse.linalg.onenormest``).

Public API
----------
GeneralFactor(network, include_motor=True)
    The interface of :class:`~circuitspin.solvers.nodal.NodalFactor`: ``solve(b,
    refine, report=False)``, ``condition_estimate()``, ``outflow(v)``, ``method``
    ("banded-lu" or "splu").
factor_for(network, include_motor=True)
    The factor of any network, kept while it lives: a :class:`GeneralFactor` for a
    non-collinear one, else :func:`circuitspin.solvers.nodal.factor_for`'s.
solve_general(network, current, **options) -> Solution
    :func:`~circuitspin.solvers.nodal.solve_nodal` with this factor (the same trust
    checks and warnings).
"""
from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import SolverError
from ..network import Network
from ..solution import kcl_outflow
from . import nodal
from .nodal import MAX_REFINE, NOISE, NodalFactor, _refinement_report

#: the widest band (sub- or super-diagonals after reordering) factorised as a band
BANDED_MAX = 64

_FACTORS: "weakref.WeakKeyDictionary[Network, dict]" = weakref.WeakKeyDictionary()


def factor_for(network: Network, include_motor: bool = True):
    """The factor of ``network`` (see the module docstring), computed once."""
    if network.coupling is None:
        return nodal.factor_for(network, include_motor)
    include = bool(include_motor and network.u is not None and network.motor_g > 0)
    cache = _FACTORS.setdefault(network, {})
    if include not in cache:
        factor = GeneralFactor(network, include_motor=include)
        factor._network = weakref.ref(network)  # a strong reference would pin the key
        cache[include] = factor
    return cache[include]


def solve_general(network: Network, current: float, **options):
    """Solve any network (non-collinear ones with :class:`GeneralFactor`)."""
    return nodal.solve_nodal(network, current, factor=factor_for(network), **options)


class GeneralFactor(NodalFactor):
    """A factorised non-collinear network (see the module docstring)."""

    def __init__(self, network: Network, include_motor: bool = True):
        if not isinstance(network, Network):
            raise SolverError("GeneralFactor needs a built Network (call build_network "
                              "first)")
        if network.coupling is None:
            raise SolverError("GeneralFactor is for non-collinear networks: use NodalFactor")
        self._network = network
        self.include_motor = include_motor and network.u is not None and network.motor_g > 0
        n = network.n_nodes
        a, b, g = network.edge_a, network.edge_b, network.edge_g
        if self.include_motor:
            a, b, g = (np.append(a, network.u), np.append(b, network.d),
                       np.append(g, network.motor_g))
        rc, cc, vc = network.coupling
        rows = np.concatenate([a, b, a, b, rc])
        cols = np.concatenate([a, b, b, a, cc])
        vals = np.concatenate([g, g, -g, -g, vc])
        full = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
        keep = np.flatnonzero(np.arange(n) != network.ground)
        self.unknowns = keep
        self._slice = None
        mat = full[keep][:, keep].tocsc()
        d = mat.diagonal()
        if not np.all(np.isfinite(d)) or not np.all(np.isfinite(mat.data)):
            raise SolverError("conductance overflow: a matrix entry is not finite; check "
                              "rho/thickness/area and g_mix")
        if np.any(d <= 0):
            raise SolverError("a node has no conductance to the rest of the network")
        self.scale = 1.0 / np.sqrt(d)
        s = sp.diags(self.scale) @ mat @ sp.diags(self.scale)
        self._scaled = s.tocsc()
        self.norm1 = float(abs(s).sum(axis=0).max()) if keep.size else 0.0
        self._cond = None
        self._factor(self._scaled)

    def _factor(self, s):
        """Banded LU (LAPACK gbtrf, partial pivoting) in reverse Cuthill-McKee order when
        that order makes the matrix narrow (a straight stack: every node couples only to
        its neighbours along x), else SuperLU."""
        from scipy.linalg import get_lapack_funcs
        from scipy.sparse.csgraph import reverse_cuthill_mckee

        m = s.shape[0]
        coo = s.tocoo()
        perm = reverse_cuthill_mckee(s.tocsr(), symmetric_mode=False).astype(np.int64) \
            if m else np.zeros(0, dtype=np.int64)
        inv = np.empty_like(perm)
        inv[perm] = np.arange(m)
        r, c = inv[coo.row], inv[coo.col]
        kl = int(max(0, (r - c).max())) if m else 0
        ku = int(max(0, (c - r).max())) if m else 0
        if max(kl, ku) <= BANDED_MAX:
            gbtrf, self._gbtrs = get_lapack_funcs(("gbtrf", "gbtrs"), dtype=np.float64)
            rows_ab = 2 * kl + ku + 1
            ab = np.bincount((kl + ku + r - c) * m + c, coo.data,
                             rows_ab * m).reshape(rows_ab, m)
            lu, piv, info = gbtrf(ab, kl, ku, overwrite_ab=True)
            if info != 0:
                raise SolverError(f"network matrix is singular (banded LU, info {info})")
            self._band = (lu, piv, kl, ku)
            self._perm, self._inv = perm, inv
            self.method = "banded-lu"
            return
        try:
            self.lu = spla.splu(s.tocsc(), permc_spec="COLAMD")
        except RuntimeError as exc:
            raise SolverError(f"network matrix is singular ({exc})") from None
        self.method = "splu"

    def outflow(self, v: np.ndarray) -> np.ndarray:
        net = self.network
        out = kcl_outflow(net, v)
        if self.include_motor:
            i_m = net.motor_g * (v[net.u] - v[net.d])
            out[net.u] += i_m
            out[net.d] -= i_m
        return out

    def _solve_scaled(self, y: np.ndarray, trans: str = "N") -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.method == "banded-lu":
            lu, piv, kl, ku = self._band
            x, info = self._gbtrs(lu, kl, ku, y[self._perm], piv,
                                  trans=0 if trans == "N" else 1)
            if info != 0:
                raise SolverError(f"banded solve failed (info {info})")
            return x[self._inv]
        return self.lu.solve(y, trans=trans)

    def _residual(self, x: np.ndarray, b: np.ndarray) -> np.ndarray:
        """b - G x on the unknowns: branch currents and coupling entries, node by node."""
        return b - self._reduce(self.outflow(self._expand(x)))

    def condition_estimate(self) -> float:
        """1-norm condition number of the scaled matrix (Hager-Higham estimate of
        ||S^-1||_1 with the factor).  Cached."""
        if self._cond is None:
            m = self.unknowns.size
            if m == 0:
                self._cond = 1.0
                return self._cond
            op = spla.LinearOperator(
                (m, m), matvec=lambda y: self._solve_scaled(np.ravel(y)),
                rmatvec=lambda y: self._solve_scaled(np.ravel(y), trans="T"), dtype=float)
            with np.errstate(all="ignore"):
                inv = float(spla.onenormest(op)) if m > 1 else float(
                    abs(self._solve_scaled(np.ones(1))[0]))
            self._cond = self.norm1 * inv if np.isfinite(inv) else float("inf")
        return self._cond

    def solve(self, b: np.ndarray, refine: int = 3, *, report: bool = False):
        """Node potentials (V, ground 0) for net injections ``b`` (A per node), refined
        as :meth:`NodalFactor.solve`."""
        b_red = self._reduce(np.asarray(b, dtype=float))
        x = self._solve_unknowns(b_red)
        hist: list[float] = []
        for k in range(MAX_REFINE if refine > 0 else 0):
            dx = self._solve_unknowns(self._residual(x, b_red))
            x += dx
            xmax = float(np.abs(x).max()) if x.size else 0.0
            c = float(np.abs(dx).max()) / xmax if xmax > 0 else 0.0
            hist.append(c)
            if not np.isfinite(c) or c <= NOISE:
                break
            slow = k > 0 and c > 0.5 * hist[-2]
            if k + 1 >= refine and (slow or c <= 1e-13):
                break
        v = self._expand(x)
        if not report:
            return v
        return v, _refinement_report(hist, self, refine)
