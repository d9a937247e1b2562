"""Solvers of a built :class:`~circuitspin.network.Network`.

Public API
----------
solve(network, current, *, backend="nodal") -> Solution
    ``backend="nodal"``: the embedded sparse nodal solver (scipy); ``"ngspice"``: the
    same network through ngspice (needs the SPICE path, see the README).
"""
from __future__ import annotations

from ..errors import NetworkError, SolverError
from ..network import Network

BACKENDS = ("nodal", "ngspice")


def solve(network, current: float, *, backend: str = "nodal", **options):
    """Solve ``network`` with ``current`` (A) entering the source electrode."""
    if not isinstance(network, Network):
        raise NetworkError("solve() needs a built Network: call build_network(stack) first, "
                           f"got {type(network).__name__}")
    if backend == "nodal":
        from .nodal import solve_nodal

        return solve_nodal(network, current, **options)
    if backend == "ngspice":
        from .spice import solve_ngspice

        return solve_ngspice(network, current, **options)
    raise SolverError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
