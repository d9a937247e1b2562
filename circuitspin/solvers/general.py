"""The nodal solver of a non-collinear stack's network (charge + spin-vector circuit).

The two-band network of a collinear stack is a symmetric M-matrix, solved by
:class:`~circuitspin.solvers.nodal.NodalFactor` (banded Cholesky).  A non-collinear
stack adds the x and y spin nodes of its normal metals and the F|N couplings through m
(:attr:`Network.coupling`): the matrix is no longer an M-matrix (the couplings through
m have entries of either sign) and, with an imaginary mixing conductance, not symmetric.
This factor takes the general path: diagonal scaling; in reverse Cuthill-McKee order
(narrow for every straight stack) banded Cholesky when g_mix_im = 0 (the matrix is then
symmetric positive definite) or banded LU with partial pivoting (LAPACK gbtrf) when not;
SuperLU when no narrow order exists; iterative refinement with the residual
from branch currents plus the coupling entries, and a 1-norm condition estimate
(Hager-Higham, ``scipy.sparse.linalg.onenormest``).

Public API
----------
GeneralFactor(network, include_motor=True)
    The interface of :class:`~circuitspin.solvers.nodal.NodalFactor`: ``solve(b,
    refine, report=False)``, ``condition_estimate()``, ``outflow(v)``, ``method``
    ("banded-cholesky", "banded-lu" or "splu").
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

from ..errors import SolverError
from ..network import Network
from . import nodal
from .nodal import NodalFactor

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
        # matrix entries in unknown indices (the ground's row and column dropped)
        idx = np.arange(n) - (np.arange(n) > network.ground)
        idx[network.ground] = -1
        rows = idx[np.concatenate([a, b, a, b, rc])]
        cols = idx[np.concatenate([a, b, b, a, cc])]
        vals = np.concatenate([g, g, -g, -g, vc])
        ok = (rows >= 0) & (cols >= 0)
        rows, cols, vals = rows[ok], cols[ok], vals[ok]
        m = n - 1
        self.unknowns = np.flatnonzero(idx >= 0)
        self._slice = slice(1, n) if network.ground == 0 else \
            slice(0, n - 1) if network.ground == n - 1 else None
        on_diag = rows == cols
        d = np.bincount(rows[on_diag], vals[on_diag], m)
        if not np.all(np.isfinite(d)) or not np.all(np.isfinite(vals)):
            raise SolverError("conductance overflow: a matrix entry is not finite; check "
                              "rho/thickness/area and g_mix")
        if np.any(d <= 0):
            raise SolverError("a node has no conductance to the rest of the network")
        self.scale = 1.0 / np.sqrt(d)
        svals = vals * self.scale[rows] * self.scale[cols]
        # 1-norm of the scaled matrix, bounded above (a node pair's entries summed in
        # absolute value): the condition estimate errs on the safe side
        self.norm1 = float(np.bincount(cols, np.abs(svals), m).max()) if m else 0.0
        self._cond = None
        self.symmetric = all(c["g_mix_im"] == 0.0 for c in network.mixing or ())
        self._factor(rows, cols, svals, m)

    def _factor(self, rows, cols, svals, m):
        """Factorise the scaled matrix, in reverse Cuthill-McKee order when that makes it
        narrow (a straight stack: every node couples only to its neighbours along x):
        banded Cholesky when it is symmetric (g_mix_im = 0: the matrix is then symmetric
        positive definite), banded LU with partial pivoting (LAPACK gbtrf) when not;
        SuperLU when no narrow order exists."""
        import scipy.sparse as sp  # here: a collinear solve need not load scipy
        import scipy.sparse.linalg as spla
        from scipy.linalg import LinAlgError, cholesky_banded, get_lapack_funcs
        from scipy.sparse.csgraph import reverse_cuthill_mckee

        if m:
            pattern = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(m, m))
            perm = reverse_cuthill_mckee(pattern, symmetric_mode=False).astype(np.int64)
        else:
            perm = np.zeros(0, dtype=np.int64)
        inv = np.empty_like(perm)
        inv[perm] = np.arange(m)
        r, c = inv[rows], inv[cols]
        kl = int(max(0, (r - c).max())) if m else 0
        ku = int(max(0, (c - r).max())) if m else 0
        self._perm, self._inv = perm, inv
        if max(kl, ku) <= BANDED_MAX and self.symmetric:
            up = r <= c     # LAPACK upper band storage: ab[ku + i - j, j] = S[i, j]
            ab = np.bincount((ku + r[up] - c[up]) * m + c[up], svals[up],
                             (ku + 1) * m).reshape(ku + 1, m)
            try:
                self._cb = cholesky_banded(ab, lower=False, check_finite=False)
            except LinAlgError:
                raise SolverError("network matrix is numerically singular (not positive "
                                  "definite in double precision)") from None
            self.method = "banded-cholesky"
            return
        if max(kl, ku) <= BANDED_MAX:
            gbtrf, self._gbtrs = get_lapack_funcs(("gbtrf", "gbtrs"), dtype=np.float64)
            rows_ab = 2 * kl + ku + 1
            ab = np.bincount((kl + ku + r - c) * m + c, svals,
                             rows_ab * m).reshape(rows_ab, m)
            lu, piv, info = gbtrf(ab, kl, ku, overwrite_ab=True)
            if info != 0:
                raise SolverError(f"network matrix is singular (banded LU, info {info})")
            self._band = (lu, piv, kl, ku)
            self.method = "banded-lu"
            return
        try:
            self.lu = spla.splu(sp.csc_matrix((svals, (rows, cols)), shape=(m, m)),
                                permc_spec="COLAMD")
        except RuntimeError as exc:
            raise SolverError(f"network matrix is singular ({exc})") from None
        self.method = "splu"

    def _solve_scaled(self, y: np.ndarray, trans: str = "N") -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if self.method == "banded-cholesky":   # symmetric: the transpose is itself
            from scipy.linalg import cho_solve_banded

            return cho_solve_banded((self._cb, False), y[self._perm],
                                    check_finite=False)[self._inv]
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
            import scipy.sparse.linalg as spla

            op = spla.LinearOperator(
                (m, m), matvec=lambda y: self._solve_scaled(np.ravel(y)),
                rmatvec=lambda y: self._solve_scaled(np.ravel(y), trans="T"), dtype=float)
            with np.errstate(all="ignore"):
                inv = float(spla.onenormest(op)) if m > 1 else float(
                    abs(self._solve_scaled(np.ones(1))[0]))
            self._cond = self.norm1 * inv if np.isfinite(inv) else float("inf")
        return self._cond
