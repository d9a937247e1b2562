"""The chain factor of straight stacks and the refinement it allows.

The chain factor (circuitspin.solvers.chain) eliminates the network by star-mesh
transformations without subtracting, so its answers are checked against mpmath on
networks far beyond 1/eps in condition number, where a Cholesky factor has no digit.
"""
from __future__ import annotations

import math
from pathlib import Path

import mpmath
import numpy as np
import pytest

from circuitspin import build_network, load_stack, solve
from circuitspin.solution import injections
from circuitspin.solvers import chain as chain_module
from circuitspin.solvers.chain import ChainBreakdown, ChainFactor, chain_offset
from circuitspin.solvers.nodal import NOISE, NodalFactor, motor_injections

from test_robustness import _mp_nodal, mp_solve_network

EPS = float(np.finfo(float).eps)
PILLAR = Path(__file__).resolve().parent.parent / "netlists" / "berger_pillar.toml"


def random_chain(rng, m, offset, decades):
    """Edges (unknown indices, the ground m) of a random chain: up/down pairs joined in
    and across neighbouring blocks, conductances log-uniform over ``decades``, the
    ground on a few nodes."""
    real = range(offset, offset + m)              # slots p = node + offset
    pairs = []
    for p in real:
        pairs.append((p, p + 2))                      # along x, in one band
        if p % 2 == 0:
            pairs.append((p, p + 1))                  # up-down inside the block
            if rng.random() < 0.5:
                pairs += [(p, p + 3), (p + 1, p + 2)]  # diagonals to the next block
    pairs = [(p, q) for p, q in pairs if p in real and q in real]
    ea = [p - offset for p, _ in pairs]
    eb = [q - offset for _, q in pairs]
    grounded = {m - 1} | set(rng.integers(0, m, 2).tolist())
    for k in sorted(grounded):
        ea.append(k)
        eb.append(m)
    ea, eb = np.array(ea), np.array(eb)
    eg = 10.0 ** rng.uniform(-decades / 2, decades / 2, ea.size)
    return ea, eb, eg


@pytest.mark.parametrize("seed", range(12))
def test_chain_factor_against_mpmath_beyond_one_over_eps(seed):
    """Random chains with conductances over 24 decades (condition numbers far past
    1/eps), positive injections: every potential is a sum of products of positive
    numbers, so each is right to a few eps per elimination level (log2 m levels), not
    kappa eps; checked entry by entry against mpmath at 50 digits."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 40))
    offset = int(rng.integers(0, 2))
    ea, eb, eg = random_chain(rng, m, offset, decades=24)
    assert chain_offset(ea, eb, m) is not None
    b = rng.uniform(0.0, 1.0, m)
    x = ChainFactor(ea, eb, eg, m, chain_offset(ea, eb, m)).solve(b)
    with mpmath.workdps(50):
        edges = [(int(a), int(c), mpmath.mpf(float(g))) for a, c, g in zip(ea, eb, eg)]
        ref = _mp_nodal(m + 1, m, edges, [mpmath.mpf(float(v)) for v in b] + [0])
        rel = max(float(abs(mpmath.mpf(float(x[k])) - ref[k]) / abs(ref[k]))
                  for k in range(m))
    levels = max(1, math.ceil(math.log2(m + 1)))
    assert rel <= 64 * levels * EPS, rel


def test_chain_factor_refuses_a_floating_network():
    """No path to the ground: a pivot block is singular; the caller falls back (and the
    banded factor names the problem)."""
    ea, eb, eg = np.array([0, 1, 2]), np.array([1, 2, 3]), np.ones(3)
    with pytest.raises(ChainBreakdown):
        ChainFactor(ea, eb, eg, 4, 0)


def test_ladder_of_a_straight_stack_is_a_chain_and_matches_the_banded_factor(monkeypatch):
    """The pillar's ladder: the chain factor and the banded Cholesky of the scaled matrix
    solve the same network (to the banded factor's own rounding, kappa eps of the
    largest potential after its refinement) and give the same condition number."""
    net = build_network(load_stack(PILLAR), 200)
    chain = NodalFactor(net)
    assert chain.method == "chain"
    monkeypatch.setattr(NodalFactor, "_factor_chain", lambda self, m: False)
    banded = NodalFactor(net)
    assert banded.method == "banded"
    b = injections(net, 1e-3) + motor_injections(net)
    vc, vb = chain.solve(b), banded.solve(b)
    kappa = banded.condition_estimate()
    assert np.abs(vc - vb).max() <= 4 * kappa * EPS * np.abs(vb).max()
    assert abs(chain.condition_estimate() - kappa) <= 1e-6 * kappa
    assert chain.norm1 == pytest.approx(banded.norm1, rel=1e-14)


def test_one_refinement_step_reaches_rounding_at_condition_1e10():
    """A 2e4-segment ladder (condition > 1e10): the solver stops after one refinement
    step, and refining on moves the potentials by rounding only (NOISE of the largest):
    the one step left nothing to correct."""
    net = build_network(load_stack(PILLAR), 5000)
    sol = solve(net, 1e-3)
    assert sol.info["refinement_steps"] == 1
    assert sol.info["condition_estimate"] > 1e10
    f = NodalFactor(net)
    b = f._reduce(injections(net, 1e-3) + motor_injections(net))
    x = f._reduce(sol.potentials)
    for _ in range(4):
        x = x + f._solve_unknowns(f._residual(x, b))
    assert np.abs(f._expand(x) - sol.potentials).max() <= NOISE * np.abs(x).max()


def test_short_ladder_against_mpmath():
    """The pillar's 5-segment ladder against mpmath: one refinement step, V_UD and the
    voltage to rounding (the potentials are ~1e-3 V, V_UD ~0.13 of them)."""
    net = build_network(load_stack(PILLAR), 5)
    sol = solve(net, 1e-3)
    ref = mp_solve_network(net, injections(net, 1e-3) + motor_injections(net))
    assert sol.info["refinement_steps"] == 1
    v_ud = ref[net.u] - ref[net.d]
    assert abs(sol.V_UD - float(v_ud)) <= 8 * EPS * float(abs(ref[net.source]))
    assert abs(sol.voltage - float(ref[net.source])) <= 4 * EPS * abs(sol.voltage)


@pytest.mark.parametrize("seed", range(6))
def test_slicing_the_levels_leaves_every_bit(seed, monkeypatch):
    """The factorisation works through each level slice by slice (CHUNK blocks at a time,
    for the cache); the arithmetic of every entry does not depend on where the slices
    end: chains of a few hundred unknowns (many slices per level, odd and even
    block counts, both offsets) give the same factor and potentials bit for bit with
    slices of 1, 3 and 64 blocks as in one piece (the one-piece factor is the one checked
    against mpmath above)."""
    rng = np.random.default_rng(100 + seed)
    m = int(rng.integers(150, 400))
    offset = seed % 2
    ea, eb, eg = random_chain(rng, m, offset, decades=12)
    b = rng.uniform(-1.0, 1.0, m)
    monkeypatch.setattr(chain_module, "CHUNK", 1 << 30)
    ref = ChainFactor(ea, eb, eg, m, chain_offset(ea, eb, m))
    x_ref = ref.solve(b)
    for size in (1, 3, 64):
        monkeypatch.setattr(chain_module, "CHUNK", size)
        f = ChainFactor(ea, eb, eg, m, chain_offset(ea, eb, m))
        assert np.array_equal(f.solve(b), x_ref)
        assert all(np.array_equal(k, k_ref) for (_, k), (_, k_ref) in zip(f.levels,
                                                                          ref.levels))
