"""Solvers of a built :class:`~circuitspin.network.Network`.

Public API
----------
solve(network, current, *, backend="nodal") -> Solution
    ``backend="nodal"``: the embedded sparse nodal solver (scipy); ``"ngspice"``: the
    same network through ngspice (needs ngspice, see docs/spice.md).  A stack whose
    motor has ``mode = "steady"`` is solved self-consistently with its magnon number
    (:func:`circuitspin.solvers.motor_newton.solve_steady`, option ``newton="sparse"``
    or ``"thevenin"``; with ngspice, :func:`circuitspin.solvers.motor_spice.solve_steady_ngspice`).
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
    motor = network.stack.motor
    if motor is not None and motor.mode == "steady" and backend in ("nodal", "ngspice"):
        # the self-consistent magnon number: Newton on (potentials, n)
        if backend == "nodal":
            from .motor_newton import solve_steady

            return solve_steady(network, current, **options)
        from .motor_spice import solve_steady_ngspice

        return solve_steady_ngspice(network, current, **options)
    if backend == "nodal":
        if network.coupling is not None:  # non-collinear: the unsymmetric matrix
            from .general import solve_general

            return solve_general(network, current, **options)
        from .nodal import solve_nodal

        return solve_nodal(network, current, **options)
    if backend == "ngspice":
        from .spice import solve_ngspice

        return solve_ngspice(network, current, **options)
    raise SolverError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
