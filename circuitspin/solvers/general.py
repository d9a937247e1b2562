"""The nodal solver of a non-collinear stack's network (charge + spin-vector circuit).

The two-band network of a collinear stack is a symmetric M-matrix, solved by
:class:`~circuitspin.solvers.nodal.NodalFactor` (banded Cholesky).  A non-collinear
stack adds the x and y spin nodes of its normal metals and the F|N couplings through m
(:attr:`Network.coupling`): the matrix is no longer an M-matrix (the couplings through
m have entries of either sign) and, with an imaginary mixing conductance, not symmetric.
This factor takes the general path: diagonal scaling; with each normal-metal node's x
and y spin nodes placed right after its up/dn pair (a band of half-width 5 along a
straight stack, stored directly: no sparse matrix is assembled), else in reverse
Cuthill-McKee order when that is narrow, banded Cholesky when g_mix_im = 0 (the matrix
is then symmetric positive definite) or banded LU with partial pivoting (LAPACK gbtrf)
when not; SuperLU when no narrow order exists; iterative refinement with the residual
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


def _band_order(network: Network) -> np.ndarray:
    """Every node's place in an order with each normal-metal node's x and y spin nodes
    right after its up/dn pair (the build numbers them last): along a straight stack the
    matrix is then a narrow band (half-bandwidth 5) without a reordering."""
    n = network.n_nodes
    sn = network.spin_nodes
    if sn is None or n == 0:
        return np.arange(n)
    key = 3 * np.arange(n)
    owners = np.flatnonzero(sn[:, 0] >= 0)
    ru, rd = network.rows_up, network.rows_dn
    host = np.arange(n)    # after the later node of the owner's up/dn pair
    has = sn[ru, 0] >= 0
    host[ru[has]] = np.maximum(ru[has], rd[has])
    for hosts in (host[owners], owners):
        key[sn[owners, 0]] = 3 * hosts + 1
        key[sn[owners, 1]] = 3 * hosts + 2
        count = np.bincount(key, minlength=3 * n)
        if count.max() <= 1:    # every key once: their ranks are the order
            break
    else:
        return np.arange(n)
    return (np.cumsum(count) - 1)[key]


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
        if np.any(a == b):   # a loop adds nothing to the matrix
            keep = a != b
            a, b, g = a[keep], b[keep], g[keep]
        rc, cc, vc = network.coupling
        m = n - 1
        ground = network.ground
        self.unknowns = np.flatnonzero(np.arange(n) != ground)
        self._slice = slice(1, n) if ground == 0 else \
            slice(0, n - 1) if ground == n - 1 else None
        # every node's place in the factor's order (spin nodes beside their owner: a
        # narrow band along a straight stack), the ground last (m): its entries drop out
        q = _band_order(network)
        q -= q > q[ground]
        q[ground] = m
        qa, qb, qr, qc = q[a], q[b], q[rc], q[cc]
        on_diag = qr == qc
        d_edges = np.bincount(qa, g, m + 1)
        d_edges += np.bincount(qb, g, m + 1)
        d = d_edges + np.bincount(qr[on_diag], vc[on_diag], m + 1)
        d, d_edges = d[:m], d_edges[:m]
        if not np.all(np.isfinite(d)) or not np.all(np.isfinite(vc)):
            raise SolverError("conductance overflow: a matrix entry is not finite; check "
                              "rho/thickness/area and g_mix")
        if np.any(d <= 0):
            raise SolverError("a node has no conductance to the rest of the network")
        s = np.zeros(m + 1)          # 1 / sqrt(d); 0 at the ground
        s[:m] = 1.0 / np.sqrt(d)
        sa = s[qa]
        sa *= s[qb]
        ge = np.multiply(g, sa, out=sa)   # scaled edge conductances (entries -ge)
        sv = vc * s[qr] * s[qc]          # scaled coupling entries
        # 1-norm of the scaled matrix, bounded above (each entry of every edge and
        # coupling summed in absolute value): the condition estimate errs on the safe side
        col = np.bincount(qa, ge, m + 1)
        col += np.bincount(qb, ge, m + 1)
        col += np.bincount(qc, np.abs(sv), m + 1)
        self.norm1 = float((col[:m] + d_edges * s[:m] ** 2).max()) if m else 0.0
        del col, d_edges
        self._cond = None
        self.symmetric = all(c["g_mix_im"] == 0.0 for c in network.mixing or ())
        inv = q[self.unknowns]          # the unknowns' places
        off = ~on_diag & (qr < m) & (qc < m)
        del on_diag
        qr, qc, sv = qr[off], qc[off], sv[off]
        del off
        inner = (qa < m) & (qb < m)
        lo, hi = np.minimum(qa, qb)[inner], np.maximum(qa, qb)[inner]
        del qa, qb
        ge = ge[inner]
        del inner
        width = int(max((hi - lo).max(initial=0), np.abs(qr - qc).max(initial=0)))
        perm = np.empty_like(inv)       # the unknown at each place
        perm[inv] = np.arange(m)
        self.scale = s[inv]
        if width <= BANDED_MAX:
            self._perm, self._inv = perm, inv
            self._factor_band(lo, hi, ge, qr, qc, sv, d * s[:m] ** 2, m, width)
            return
        # no narrow order (a branched geometry): the entries by unknown, reordered by RCM
        rows = perm[np.concatenate([lo, hi, qr, np.arange(m)])]
        cols = perm[np.concatenate([hi, lo, qc, np.arange(m)])]
        svals = np.concatenate([-ge, -ge, sv, d * s[:m] ** 2])
        self._factor(rows, cols, svals, m)

    def _factor_band(self, lo, hi, ge, qr, qc, sv, diag, m, w):
        """Banded Cholesky (symmetric) or banded LU with partial pivoting of the scaled
        matrix, its band storage filled directly from the edges (lo < hi, entry -ge) and
        the coupling entries (off the diagonal) in the factor's order."""
        from scipy.linalg import LinAlgError, cholesky_banded, get_lapack_funcs

        if self.symmetric:
            # LAPACK upper band storage, ab[w + i - j, j] = S[i, j], in Fortran order
            # (column j at j * (w + 1)): factorised in place
            up = qr < qc
            ab = np.bincount(np.concatenate([hi * (w + 1) + (w + lo - hi),
                                             qc[up] * (w + 1) + (w + qr[up] - qc[up])]),
                             np.concatenate([-ge, sv[up]]), (w + 1) * m).reshape(m, w + 1).T
            ab[w] += diag
            try:
                self._cb = cholesky_banded(ab, lower=False, overwrite_ab=True,
                                           check_finite=False)
            except LinAlgError:
                raise SolverError("network matrix is numerically singular (not positive "
                                  "definite in double precision)") from None
            self.method = "banded-cholesky"
            return
        gbtrf, self._gbtrs = get_lapack_funcs(("gbtrf", "gbtrs"), dtype=np.float64)
        # LAPACK: ab[kl + ku + i - j, j] = S[i, j], kl = ku = w, in Fortran order
        rows_ab = 3 * w + 1
        ab = np.bincount(np.concatenate([hi * rows_ab + (2 * w + lo - hi),
                                         lo * rows_ab + (2 * w + hi - lo),
                                         qc * rows_ab + (2 * w + qr - qc)]),
                         np.concatenate([-ge, -ge, sv]), rows_ab * m).reshape(m, rows_ab).T
        ab[2 * w] += diag
        lu, piv, info = gbtrf(ab, w, w, overwrite_ab=True)
        if info != 0:
            raise SolverError(f"network matrix is singular (banded LU, info {info})")
        self._band = (lu, piv, w, w)
        self.method = "banded-lu"

    def _factor(self, rows, cols, svals, m):
        """Factorise the scaled matrix (entries by unknown) when the spin nodes' order is
        not narrow (a branched geometry), in reverse Cuthill-McKee order when that is:
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

            return cho_solve_banded((self._cb, False), y[self._perm], overwrite_b=True,
                                    check_finite=False)[self._inv]
        if self.method == "banded-lu":
            lu, piv, kl, ku = self._band
            x, info = self._gbtrs(lu, kl, ku, y[self._perm], piv, overwrite_b=True,
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
