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
    assembled diagonal (docs/model.md, "The network").  ``condition_estimate()``: the
    1-norm condition number of the scaled matrix (one solve with the factor: the
    matrix is an M-matrix, so its inverse is nonnegative);
    ``solve(b, report=True)`` also returns a :class:`Refinement` (steps, corrections,
    error estimate).
solve_nodal(network, current, refine=3, check=True) -> Solution
    ``Solution.info`` holds ``condition_estimate``, ``error_estimate`` (estimated error
    of the potentials relative to the largest) and ``refinement_steps``; when the answer
    cannot be trusted to ``TRUST_REL`` (1e-6) a :class:`~circuitspin.errors.CircuitSpinWarning`
    says why, in one line.
check_network_values(network)
    NetworkError for a conductance that is not finite or is negative (an overflow such
    as rho = 1e-300 ohm m), naming the layer and what to check.

Factors
-------
A straight stack is factorised by :class:`~circuitspin.solvers.chain.ChainFactor`
(star-mesh elimination, no subtraction: accurate to rounding whatever the condition
number; on a 1e6-segment ladder at condition 5e13 the first solve is right to 1e-14 and
one refinement step reaches rounding, where a banded Cholesky factor left 2e-3 and took
six); branched geometries by banded Cholesky or SuperLU of the scaled matrix.

Trust
-----
The refinement's residual is computed from branch currents, so it converges to the
solution of the network as given whenever the factor is accurate to better than one
digit (condition estimate kappa with kappa * eps < 1): the solver keeps refining while
the corrections shrink, and estimates the remaining error from the last two.  Measured
on the pillar with one conductance scaled by 1e10..1e19 (tests/test_robustness.py):
the answer is exact to rounding up to kappa ~ 1e15; beyond, the factor is meaningless
(kappa * eps >= 1, or the refinement stalls) and a warning is given, or the
factorisation fails (SolverError naming the conductance range).  The potentials are
doubles, so V_UD = V_U - V_D carries ~4 eps (|V_U| + |V_D|) of rounding: a bridge
output below ~1e-9 of the potentials around it is flagged too.
"""
from __future__ import annotations

import os
import sys
import warnings
import weakref
from dataclasses import dataclass

import numpy as np

from ..errors import CircuitSpinWarning, NetworkError, SolverError
from .chain import ChainBreakdown, chain_factor
from ..network import EDGE_KINDS, Network
from ..solution import Solution, injections, kcl_outflow

EPS = float(np.finfo(float).eps)
#: relative accuracy a result is held to; below it the solver warns (CircuitSpinWarning)
TRUST_REL = 1e-6
#: corrections at or below this (relative to the largest potential) are rounding
NOISE = 4 * EPS
#: at most this many refinement steps while the corrections keep shrinking
MAX_REFINE = 50
#: Kirchhoff backward error (Solution.kcl_residual) above which a result is flagged
KCL_TRUST = 1e-10


def _reduced_parts(network: Network, include_motor: bool):
    """The reduced matrix (ground removed) as halves: off-diagonal entries once each,
    ``(oa, ob, og)`` in unknown indices with og > 0 the conductance (the matrix entry is
    -og at (oa, ob) and (ob, oa)), the diagonal ``diag`` (length m), m, and the node index
    of each unknown."""
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
    return ia[off], ib[off], g[off], diag[keep], n - 1, keep


def _residual_edges(network: Network, include_motor: bool):
    """The network's edges (and the motor branch) in unknown indices, the ground as index
    m (one past the unknowns), with their conductances: what ``_residual`` sums."""
    n = network.n_nodes
    a, b, g = network.edge_a, network.edge_b, network.edge_g
    if include_motor:
        a = np.append(a, network.u)
        b = np.append(b, network.d)
        g = np.append(g, network.motor_g)
    if network.ground == n - 1:   # the unknowns are the nodes before it: no copies
        return a, b, g
    idx = np.arange(n) - (np.arange(n) > network.ground)
    idx[network.ground] = n - 1
    return idx[a], idx[b], g


def _reduced_triplets(network: Network, include_motor: bool):
    """COO triplets (rows, cols, vals) of the reduced matrix, its size and kept nodes."""
    oa, ob, og, diag, m, keep = _reduced_parts(network, include_motor)
    diag_idx = np.arange(m)
    rows = np.concatenate([oa, ob, diag_idx])
    cols = np.concatenate([ob, oa, diag_idx])
    vals = np.concatenate([-og, -og, diag])
    return rows, cols, vals, m, keep


def assemble_conductance(network: Network, include_motor: bool = True):
    """Reduced nodal conductance matrix (CSC) and the node index of each of its rows."""
    import scipy.sparse as sp

    rows, cols, vals, m, keep = _reduced_triplets(network, include_motor)
    return sp.csc_matrix((vals, (rows, cols)), shape=(m, m)), keep


def _layer_of_edge(network: Network, k: int) -> str:
    """``layer 'F1' (Co)`` for the layer (or wire) at edge ``k``'s first node."""
    li = int(network.node_layer[network.edge_a[k]])
    try:
        layer = network.stack.layers[li]
        material = getattr(getattr(layer, "material", None), "name", None)
        return f"layer {layer.name!r}" + (f" ({material})" if material else "")
    except (AttributeError, IndexError, TypeError):
        return f"layer #{li + 1}"


def check_network_values(network: Network) -> None:
    """Raise NetworkError if a conductance (or the motor's) is not finite or negative.

    An overflow (e.g. rho = 1e-300 ohm m makes A / (rho h) infinite) names the layer
    and what to check; nothing computed from such a network could be trusted.
    """
    g = network.edge_g
    tiny = (g > 0) & (g < np.finfo(float).tiny)
    if tiny.any():  # subnormal: 1/sqrt(g) and every resistance overflow
        k = int(np.flatnonzero(tiny)[0])
        kind = EDGE_KINDS[int(network.edge_kind[k])]
        raise NetworkError(f"conductance underflow: {_a(kind)} conductance of "
                           f"{_layer_of_edge(network, k)} is {g[k]:.3g} S, below the "
                           "smallest normal double: check the area and rho/thickness "
                           "(values far outside the physical range)")
    bad = ~np.isfinite(g)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        kind = EDGE_KINDS[int(network.edge_kind[k])]
        what = "infinite" if np.isinf(g[k]) else "not a number"
        check = "the interface ar and the area" if kind == "interface" else \
            "rho, lsf, thickness and area"
        raise NetworkError(f"conductance overflow: {int(bad.sum())} conductance(s) are "
                           f"not finite, the first {_a(kind)} conductance of "
                           f"{_layer_of_edge(network, k)} that is {what}: check {check} "
                           "(values far outside the physical range)")
    if np.any(g < 0):
        k = int(np.flatnonzero(g < 0)[0])
        kind = EDGE_KINDS[int(network.edge_kind[k])]
        raise NetworkError(f"negative conductance {g[k]:g} S ({kind} of "
                           f"{_layer_of_edge(network, k)}): the network is not passive")
    if not (np.isfinite(network.motor_g) and network.motor_g >= 0
            and np.isfinite(network.motor_emf)):
        raise NetworkError(f"motor branch conductance {network.motor_g:g} S / EMF "
                           f"{network.motor_emf:g} V is not finite: check [motor]")


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _span_text(network: Network) -> str:
    """Which conductances are extreme: ``conductances span 1e-3..1e27 S (30 decades; the
    largest a band conductance of layer 'F1' (Co))``."""
    g = network.edge_g
    pos = g[g > 0]
    if pos.size == 0:
        return "no conductances"
    k = int(np.argmax(g))
    lo, hi = float(pos.min()), float(g[k])
    largest = (f"{_a(EDGE_KINDS[int(network.edge_kind[k])])} conductance of "
               f"{_layer_of_edge(network, k)}")
    if network.u is not None and network.motor_g > hi:  # the motor branch dominates
        hi = float(network.motor_g)
        largest = "the motor branch's (check [motor] magnons and delta_alpha)"
    return (f"conductances span {lo:.3g}..{hi:.3g} S ({np.log10(hi / lo):.0f} decades; "
            f"the largest {largest})")


#: A chain factor (:class:`ChainFactor`) solves to a relative accuracy that does not
#: grow with the condition number; the first refinement correction c measures it (the
#: error of the first solve), and the correction itself is computed to that accuracy,
#: so the error left after one step is ~c^2 (plus rounding).  Measured on ladders of
#: 1e5-1e6 segments at condition ~5e13: c ~ 2e-14, error after the step ~2 eps, the
#: further corrections rounding noise.  At or below this c, one step is enough.
CHAIN_ONE_STEP = 1e-8

#: Banded Cholesky (LAPACK pbtrf) is used up to this half-bandwidth; a straight stack with
#: up/down nodes interleaved along x has half-bandwidth 3.  Wider networks use SuperLU.
BANDED_MAX = 16


@dataclass(frozen=True)
class Refinement:
    """How the iterative refinement of one solve went.

    ``history``: max |correction| / max |potential| of each step; ``error_estimate``:
    the error left after the last step, relative to the largest potential (geometric
    tail of the corrections; the last correction itself when they stopped shrinking);
    ``converged``: the corrections reached rounding (or shrank geometrically below it).
    """

    steps: int
    history: tuple
    error_estimate: float
    converged: bool


class NodalFactor:
    """A factorised network: solves for any node injections, refining edge by edge.

    Factorised once.  A straight stack (a chain: :mod:`circuitspin.solvers.chain`) by
    subtraction-free block cyclic reduction of the network itself, accurate whatever
    the condition number, so one refinement step reaches rounding; otherwise the
    conductance matrix G is scaled symmetrically (D^-1/2 G D^-1/2, D = diag G) and
    factorised by banded Cholesky when the node order makes it narrow (O(N) time and
    memory), else by SuperLU with a fill-reducing ordering.  ``method`` reports which
    ("chain", "banded" or "splu").
    """

    def __init__(self, network: Network, include_motor: bool = True):
        if not isinstance(network, Network):
            raise SolverError("NodalFactor needs a built Network (call build_network first)")
        if network.coupling is not None:
            raise SolverError("a non-collinear network (couplings through m) takes "
                              "circuitspin.solvers.general.GeneralFactor")
        check_network_values(network)
        self._network = network
        self.include_motor = include_motor and network.u is not None and network.motor_g > 0
        self._cond = None
        # unknowns are all nodes but the ground: a slice when the ground is first or last
        n = network.n_nodes
        g0 = network.ground
        self._slice = slice(1, n) if g0 == 0 else slice(0, n - 1) if g0 == n - 1 else None
        self._edges = _residual_edges(network, self.include_motor)
        if self._factor_chain(n - 1):
            return
        oa, ob, og, d, m, self.unknowns = _reduced_parts(network, self.include_motor)
        if not np.all(np.isfinite(d)):
            raise SolverError(f"conductance overflow: a node's total conductance is not "
                              f"finite ({_span_text(network)}): check rho/thickness/area")
        if np.any(d <= 0):
            raise SolverError("a node has no conductance to the rest of the network")
        self.scale = 1.0 / np.sqrt(d)
        s_off = -og * self.scale[oa] * self.scale[ob]   # scaled off-diagonal entries
        s_diag = d * self.scale * self.scale            # 1 up to rounding
        # 1-norm of the scaled (symmetric) matrix: its largest column sum
        a_off = np.abs(s_off)
        self.norm1 = float((np.bincount(oa, a_off, m) + np.bincount(ob, a_off, m)
                            + s_diag).max()) if m else 0.0
        width = int(np.max(np.abs(oa - ob))) if oa.size else 0
        if width <= BANDED_MAX:
            self._factor_banded(oa, ob, s_off, s_diag, m, width)
        else:
            diag_idx = np.arange(m)
            self._factor_splu(np.concatenate([oa, ob, diag_idx]),
                              np.concatenate([ob, oa, diag_idx]),
                              np.concatenate([s_off, s_off, s_diag]), m)

    def _factor_banded(self, oa, ob, s_off, s_diag, m, width):
        from scipy.linalg import LinAlgError, cholesky_banded

        # LAPACK upper band storage: ab[width + i - j, j] = S[i, j] for i <= j
        r, c = np.minimum(oa, ob), np.maximum(oa, ob)
        ab = np.bincount((width + r - c) * m + c, s_off, (width + 1) * m).astype(float, copy=False)
        ab = ab.reshape(width + 1, m)
        ab[width] += s_diag
        try:
            self._cb = cholesky_banded(ab, lower=False, check_finite=False)
        except LinAlgError:
            raise SolverError(f"network matrix is numerically singular (not positive "
                              f"definite in double precision): {_span_text(self.network)}"
                              "; check rho/thickness/area (ar for an interface) there, or "
                              "look for a floating piece") from None
        self.method = "banded"

    def _factor_chain(self, m) -> bool:
        """The subtraction-free block cyclic reduction when the network is a chain
        (:class:`ChainFactor`); False when it is not one, or a pivot block is singular
        or overflows (the banded Cholesky then reports it)."""
        ea, eb, eg = self._edges
        if not m:
            return False
        with np.errstate(all="ignore"):
            try:
                chain = chain_factor(ea, eb, eg, m)
            except ChainBreakdown:
                return False
            if chain is None:
                return False
            offset = chain.offset
            scale = chain.scale[offset:offset + m]     # 1 / sqrt(d)
            # every d finite and > 0 (a NaN fails both)
            if not (scale.min() > 0 and scale.max() < np.inf) \
                    or not np.isfinite(chain.norm1):
                return False
        self._chain = chain
        sl = self._slice     # the ground first or last: the unknowns are a range
        self.unknowns = np.arange(sl.start, sl.stop) if sl is not None else \
            np.delete(np.arange(m + 1), self.network.ground)
        self.scale = scale
        self.norm1 = chain.norm1
        self.method = "chain"
        return True

    def _factor_splu(self, rows, cols, svals, m):
        import scipy.sparse as sp
        import scipy.sparse.linalg as spla

        A = sp.csc_matrix((svals, (rows, cols)), shape=(m, m))
        try:
            self.lu = spla.splu(A, permc_spec="MMD_AT_PLUS_A")
        except RuntimeError as exc:  # "Factor is exactly singular"
            raise SolverError(f"network matrix is singular ({exc}): "
                              f"{_span_text(self.network)}") from None
        self.method = "splu"

    @property
    def network(self) -> Network:
        """The factorised network (held weakly when the factor sits in the cache of
        :func:`factor_for`, so that the cache never keeps a network alive)."""
        net = self._network
        if isinstance(net, weakref.ref):
            net = net()
            if net is None:
                raise SolverError("the network of this factor no longer exists")
        return net

    def outflow(self, v: np.ndarray) -> np.ndarray:
        """Net current leaving each node (A) for potentials ``v``, motor branch included."""
        net = self.network
        out = kcl_outflow(net, v)
        if self.include_motor:
            i_m = net.motor_g * (v[net.u] - v[net.d])
            out[net.u] += i_m
            out[net.d] -= i_m
        return out

    def _solve_scaled(self, y: np.ndarray) -> np.ndarray:
        """Solve S z = y with the factor of the scaled matrix S (y: vector or columns)."""
        if self.method == "chain":
            y = self._chain.solve(y / self.scale)
            y /= self.scale
            return y
        if self.method == "banded":
            from scipy.linalg import cho_solve_banded

            return cho_solve_banded((self._cb, False), y, check_finite=False)
        return self.lu.solve(np.asarray(y, dtype=float))

    def _reduce(self, x_nodes: np.ndarray) -> np.ndarray:
        """The unknowns' entries of a node vector (the ground dropped)."""
        return x_nodes[self._slice if self._slice is not None else self.unknowns]

    def _expand(self, x: np.ndarray) -> np.ndarray:
        """A node vector from the unknowns' values (the ground at 0)."""
        v = np.zeros(self.network.n_nodes)
        v[self._slice if self._slice is not None else self.unknowns] = x
        return v

    def _solve_unknowns(self, r: np.ndarray) -> np.ndarray:
        """G^-1 r on the unknowns (via the scaled factor)."""
        if self.method == "chain":
            return self._chain.solve(r)
        y = self._solve_scaled(self.scale * r)
        y *= self.scale
        return y

    def _solve_reduced(self, r_nodes: np.ndarray) -> np.ndarray:
        return self._expand(self._solve_unknowns(self._reduce(r_nodes)))

    def _residual(self, x: np.ndarray, b: np.ndarray) -> np.ndarray:
        """b - G x on the unknowns, summed edge by edge from branch currents
        g (x_a - x_b) (the motor branch and the edges to the ground included): the
        residual keeps the digits the assembled diagonal of a fine ladder loses.  The
        same sums, in the network's edge order, as ``kcl_outflow``."""
        ea, eb, eg = self._edges
        m = x.size
        xg = np.empty(m + 1)
        xg[:m] = x
        xg[m] = 0.0                              # the ground
        i_e = eg * (xg[ea] - xg[eb])
        out = np.bincount(ea, i_e, m + 1)[:m]
        out -= np.bincount(eb, i_e, m + 1)[:m]
        np.subtract(b, out, out=out)
        return out

    def condition_estimate(self) -> float:
        """1-norm condition number of the scaled matrix, ||S||_1 ||S^-1||_1.  Cached.

        S is a symmetric M-matrix (positive diagonal, off-diagonal entries -g <= 0,
        nonsingular with the ground), so S^-1 >= 0 entrywise and ||S^-1||_1 =
        ||S^-1||_inf = max(S^-1 e) with e the vector of ones: one solve with the factor
        gives the norm (not an estimate from several, as Hager/Higham's method would).
        kappa * eps >= 1 means the factor carries no correct digit."""
        if self._cond is None:
            m = self.unknowns.size
            if m == 0:
                self._cond = 1.0
                return self._cond
            with np.errstate(all="ignore"):
                inv = float(np.abs(self._solve_scaled(np.ones(m))).max())
            self._cond = self.norm1 * inv if np.isfinite(inv) else float("inf")
        return self._cond

    def solve(self, b: np.ndarray, refine: int = 3, *, report: bool = False):
        """Node potentials (V, ground 0) for net injections ``b`` (A per node).

        ``refine`` steps of iterative refinement at least (fewer once the corrections
        reach rounding), more while they keep shrinking fast (up to ``MAX_REFINE``);
        ``refine=0``: the plain solve.  With ``report=True`` returns
        ``(potentials, Refinement)``.
        """
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
            if k == 0 and self.method == "chain" and c <= CHAIN_ONE_STEP:
                break       # the error left is ~c^2: rounding (see CHAIN_ONE_STEP)
            slow = k > 0 and c > 0.5 * hist[-2]   # rounding noise, or no contraction
            if k + 1 >= refine and (slow or c <= 1e-13):
                break
        v = self._expand(x)
        if not report:
            return v
        return v, _refinement_report(hist, self, refine)


def _refinement_report(hist, factor: NodalFactor, refine: int) -> Refinement:
    if not hist:  # no refinement: the factor's own accuracy
        err = factor.condition_estimate() * EPS
        return Refinement(0, (), err, err <= NOISE)
    c = hist[-1]
    if not np.isfinite(c):
        return Refinement(len(hist), tuple(hist), float("inf"), False)
    if len(hist) == 1 and factor.method == "chain" and c <= CHAIN_ONE_STEP:
        return Refinement(1, tuple(hist), max(c * c, NOISE), True)
    if c <= NOISE:
        return Refinement(len(hist), tuple(hist), max(c, EPS), True)
    q = c / hist[-2] if len(hist) > 1 and hist[-2] > 0 else 1.0
    if q < 0.5:
        err = max(c * q / (1.0 - q), EPS)
        return Refinement(len(hist), tuple(hist), err, err <= NOISE * 8)
    return Refinement(len(hist), tuple(hist), c, c <= NOISE * 8)


def motor_injections(network: Network) -> np.ndarray:
    """Node injections (A) equivalent to the linear motor's counter-EMF (Norton form)."""
    b = np.zeros(network.n_nodes)
    if network.u is not None and network.motor_g > 0:
        i = network.motor_g * network.motor_emf
        b[network.u] += i
        b[network.d] -= i
    return b


def trust_problems(sol: Solution, condition: float, refinement: Refinement) -> list[str]:
    """Why ``sol`` cannot be trusted to TRUST_REL (empty list: it can).

    Flags: a condition estimate with kappa * eps >= 1 (the factor has no correct digit);
    a refinement that stopped with an estimated error above TRUST_REL of the stack
    voltage; a bridge output V_UD whose uncertainty (what the refinement left, plus the
    rounding of the two potentials it is the difference of, 4 eps (|V_U| + |V_D|))
    exceeds TRUST_REL |V_UD|; a Kirchhoff backward error above KCL_TRUST.
    """
    out = []
    if not condition * EPS < 1.0:
        out.append(f"condition estimate {condition:.2g} of the scaled network matrix "
                   f"exceeds 1/eps = {1 / EPS:.2g}: the matrix is numerically singular")
    v = sol.potentials
    vmax = float(np.abs(v).max()) if v.size else 0.0
    err = 0.0 if refinement.converged else refinement.error_estimate * vmax  # V
    if err > TRUST_REL * abs(sol.voltage):
        out.append(f"iterative refinement stopped after {refinement.steps} steps with an "
                   f"estimated error of {err:.2g} V on the potentials, more than "
                   f"{TRUST_REL:g} of the stack voltage")
    elif sol.V_UD is not None:
        net = sol.network
        # a few ulps of each potential (measured: at most ~2 eps (|V_U| + |V_D|) over
        # 3,000 random extreme stacks against mpmath, tests/test_robustness.py)
        rounding = 4 * EPS * (abs(float(v[net.u])) + abs(float(v[net.d])))
        err_ud = 2 * err + rounding
        if err_ud > TRUST_REL * abs(sol.V_UD):
            why = (f"it is the difference of two potentials of ~{abs(float(v[net.u])):.3g} V"
                   " (double precision)" if rounding >= 2 * err else
                   f"iterative refinement, {refinement.steps} steps")
            if abs(sol.V_UD) <= err_ud:
                out.append(f"V_UD = {sol.V_UD:.3g} V is zero to within +-{err_ud:.2g} V "
                           f"({why}): only that bound is meaningful")
            else:
                out.append(f"V_UD = {sol.V_UD:.6g} V is known only to +-{err_ud:.2g} V "
                           f"({why})")
    kcl = sol.kcl_residual
    if not kcl <= KCL_TRUST:
        out.append(f"Kirchhoff backward error {kcl:.2g} after refinement (> {KCL_TRUST:g})")
    return out


_FACTORS: "weakref.WeakKeyDictionary[Network, dict]" = weakref.WeakKeyDictionary()


def factor_for(network: Network, include_motor: bool = True) -> NodalFactor:
    """The :class:`NodalFactor` of ``network``, computed once and kept while it lives.

    With an open motor branch (``motor_g == 0``) the network with and without its motor
    is the same matrix, so ``solve`` and the Thevenin view share one factorisation.
    The cached factor refers to its network weakly: the cache entry (and the factor's
    memory) goes when the network does.
    """
    include = bool(include_motor and network.u is not None and network.motor_g > 0)
    cache = _FACTORS.setdefault(network, {})
    if include not in cache:
        factor = NodalFactor(network, include_motor=include)
        factor._network = weakref.ref(network)  # a strong reference would pin the key
        cache[include] = factor
    return cache[include]


def solve_nodal(network: Network, current: float, refine: int = 3, check: bool = True,
                factor=None) -> Solution:
    """Solve the network with ``current`` (A) entering its source electrode.

    ``check=True`` (default) estimates the condition number and the error left by the
    refinement (``Solution.info``: ``condition_estimate``, ``error_estimate``,
    ``refinement_steps``) and warns (:class:`~circuitspin.errors.CircuitSpinWarning`)
    when the answer cannot be trusted to ``TRUST_REL``; ``check=False`` skips the
    estimate (a few solves with the factor).  ``factor``: the factorisation to use
    (default :func:`factor_for`; a non-collinear network's comes from
    :func:`circuitspin.solvers.general.factor_for`).
    """
    current = float(current)
    if not np.isfinite(current):
        raise SolverError(f"current must be finite, got {current}")
    if factor is None:
        factor = factor_for(network)
    b = injections(network, current) + motor_injections(network)
    with np.errstate(over="ignore", invalid="ignore"):
        v, rep = factor.solve(b, refine=refine, report=True)
    if not np.all(np.isfinite(v)):
        with np.errstate(all="ignore"):  # the same network at 1 A: is it the current?
            unit = factor.solve(b / current, refine=0) if current else v
        if np.all(np.isfinite(unit)):
            raise SolverError(f"current {current:g} A is too large: the potentials "
                              f"overflow (about {float(np.abs(unit).max()):.3g} V per A)")
        raise SolverError(f"the solve gave non-finite potentials: the network matrix is "
                          f"numerically singular ({_span_text(network)})")
    i_m = 0.0
    magnons = 0.0
    if network.u is not None and network.motor_g > 0:
        i_m = network.motor_g * (v[network.u] - v[network.d] - network.motor_emf)
        magnons = network.stack.motor.magnons
    info = {"refinement_steps": rep.steps, "error_estimate": rep.error_estimate}
    if check:
        info["condition_estimate"] = factor.condition_estimate()
    sol = Solution(network=network, potentials=v, current=current, backend="nodal",
                   motor_current=float(i_m), magnons=float(magnons), info=info)
    if check and not info["condition_estimate"] * EPS < 1.0 \
            and not sol.kcl_residual <= KCL_TRUST:
        # no correct digit to be expected, and the refinement could not make the answer
        # satisfy Kirchhoff's law: refused, as when a factorisation breaks down
        raise SolverError(f"network matrix is numerically singular (condition estimate "
                          f"{info['condition_estimate']:.2g}, Kirchhoff backward error "
                          f"{sol.kcl_residual:.2g} after refinement): "
                          f"{_span_text(network)}; check rho/thickness/area (ar for an "
                          "interface) there")
    if check:
        problems = trust_problems(sol, info["condition_estimate"], rep)
        if problems:
            numerical = not (info["condition_estimate"] * EPS < 1.0) or not rep.converged
            warnings.warn("result may be inaccurate: " + "; ".join(problems)
                          + (f" ({_span_text(network)})" if numerical else ""),
                          CircuitSpinWarning, stacklevel=_caller_level())
    return sol


#: an answer from another solver whose potentials are off by more than this (relative to
#: the largest) does not solve the network: it is refused, not warned about
REFUSE_REL = 1e-3


def check_answer(sol: Solution, who: str, factor=None) -> None:
    """Check a solution computed elsewhere (ngspice) on the network's own conductances.

    Non-finite potentials are a SolverError.  Otherwise one step of the nodal solver's
    refinement measures how far the potentials are from the network's solution: the
    Kirchhoff residual, computed edge by edge, solved with the network's factor.  An
    error above ``REFUSE_REL`` of the largest potential is a SolverError (the answer
    does not solve the network); above ``TRUST_REL`` (or a Kirchhoff backward error above
    ``KCL_TRUST``) a :class:`~circuitspin.errors.CircuitSpinWarning`, as
    :func:`solve_nodal` gives for its own answers.  ``sol.info`` gets ``error_estimate``,
    ``condition_estimate`` and ``kcl_residual``.
    """
    network = sol.network
    v = sol.potentials
    if not np.all(np.isfinite(v)):
        bad = int(np.count_nonzero(~np.isfinite(v)))
        raise SolverError(f"{who} returned {bad} non-finite node potential(s): its answer "
                          "is not a solution of the network")
    if factor is None:
        factor = factor_for(network)
    with np.errstate(over="ignore", invalid="ignore"):
        # the residual with the answer's own motor current (a linear or steady motor)
        r = injections(network, sol.current) - kcl_outflow(network, v, sol.motor_current)
        dv = factor._solve_reduced(r)
    vmax = float(np.abs(v).max()) if v.size else 0.0
    scale = max(vmax, float(np.abs(v + dv).max()) if v.size else 0.0)
    err = float(np.abs(dv).max()) / scale if scale > 0 else 0.0
    condition = factor.condition_estimate()
    kcl = sol.kcl_residual
    sol.info.update(error_estimate=err, condition_estimate=condition, kcl_residual=kcl)
    if not np.isfinite(err) or err > REFUSE_REL:
        raise SolverError(f"{who}'s answer does not solve the network: its potentials are "
                          f"off by {err:.2g} of the largest (Kirchhoff backward error "
                          f"{kcl:.2g}; {_span_text(network)}); use the nodal backend")
    rep = Refinement(1, (err,), max(err, EPS), err <= NOISE * 8)
    problems = trust_problems(sol, condition, rep)
    if problems:
        warnings.warn(f"{who} result may be inaccurate: " + "; ".join(problems),
                      CircuitSpinWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """``stacklevel`` that points a warning at the first caller outside circuitspin."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level
