"""Solvers of a built :class:`~circuitspin.network.Network`.

Public API
----------
solve(network, current, *, backend="nodal") -> Solution
    ``current``: amperes, or a string with units (``"1 mA"``).
    ``backend="nodal"``: the embedded sparse nodal solver (scipy); ``"ngspice"``: the
    same network through ngspice (needs ngspice, see docs/spice.md).  A stack whose
    motor has ``mode = "steady"`` is solved self-consistently with its magnon number
    (:func:`circuitspin.solvers.motor_newton.solve_steady`, option ``newton="sparse"``
    or ``"thevenin"``; with ngspice, :func:`circuitspin.solvers.motor_spice.solve_steady_ngspice`).
"""
from __future__ import annotations

from ..errors import NetworkError, SolverError
from ..network import Network
from ..solution import Solution

BACKENDS = ("nodal", "ngspice")


def _current(value) -> float:
    """A current in A from a number or a string with units; SolverError otherwise."""
    import math

    from ..units import to_si

    if isinstance(value, str) or not isinstance(value, float):
        try:
            value = to_si(value if isinstance(value, str) else _number(value), "A")
        except ValueError as exc:
            raise SolverError(f"current: {exc}") from None
    if not math.isfinite(value):
        raise SolverError(f"current: must be finite, got {value!r}")
    return value


def _number(value):
    """An int or a numpy scalar as a Python number (to_si takes int and float)."""
    try:
        import numpy as np

        if isinstance(value, np.generic) and np.ndim(value) == 0:
            return value.item()
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return value


def solve(network: Network, current: float | str, *, backend: str = "nodal",
          **options) -> Solution:
    """Solve ``network`` with ``current`` entering the source electrode: a number in
    amperes, or a string with units (``"1 mA"``)."""
    if not isinstance(network, Network):
        raise NetworkError("solve() needs a built Network: call build_network(stack) first, "
                           f"got {type(network).__name__}")
    current = _current(current)
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
