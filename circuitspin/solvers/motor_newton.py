"""The steady spin-wave motor solved with the network: Newton on (potentials, n).

Everything but the motor is linear, so the network seen from U-D is a Thevenin source
(docs/model.md, "The motor"): with the motor current ``I_M`` (A, U -> D inside the
motor) the node potentials are ``v = I v_s - I_M v_m``, where ``v_s`` solves the network
(motor removed) for 1 A from source to ground and ``v_m`` for 1 A injected at U and taken
out at D.  Hence ``V_UD = k I - Z I_M`` with the bridge gain ``k`` (V/A) and the output
resistance ``Z`` (ohm), both from ONE factorisation; by reciprocity ``v_m`` across the
stack equals ``k``.

The magnon number ``n`` is an extra unknown (the "magnon node", whose KCL is the balance
``G = tau0 Gamma - (n - n_T) = 0``).  Two Newton solvers, which agree to rounding:

- :func:`solve_point` / :func:`solve_steady_thevenin`: Newton in the two unknowns
  ``(V_UD, n)`` on ``F1 = V - k I + Z I_M(V, n)`` and ``G``, after one factorisation.
- :func:`solve_steady`: Newton on the bordered sparse system (all node potentials and
  n), assembled from the network and refactorised each step; its residual is computed
  edge by edge, so the steps double as iterative refinement.

Why it converges: ``F1 - (Z e / tau0) G = V - k I + Z e (n - n_T) / tau0`` is LINEAR, so
after one Newton step every iterate lies on that line (Newton is invariant under
constant recombinations of the equations), and along it ``G`` is a smooth function of
``n`` that is positive below the physical root and negative above it for every n >= 0
(no singularity at the threshold: the Jacobian determinant is
``(tau0 K x - 1) - Z G1 (n + B') < 0`` there).  Each step is Newton's; a step that would
leave the bracket ``[n_lo, n_hi]`` built from the signs of ``G`` is replaced by a
bisection step along the line (a scalar safeguard; in the sparse solver the line's
direction costs one more back-substitution with the same factors, and an open bracket
above V_th jumps to the line's crossing of V_th, the above-threshold asymptote).

Accuracy: the 2-D Newton gets n to rounding.  In the sparse one, n = n_T + tau0 I_M / e
is known only as well as KCL at U and D fixes the small motor current against the large
band currents there (about tau0/e x 1e-16 x those currents: 3e-10 magnons in the pillar
at 1 mA); the iteration stops at that level instead of chasing rounding noise.

Public API
----------
Thevenin
    ``gain`` (V/A), ``resistance`` (ohm), ``v_source``, ``v_motor`` (V per A),
    ``input_resistance`` (ohm, motor open), ``transfer`` (V/A); ``potentials(I, I_M)``.
bridge_thevenin(network) -> Thevenin
solve_point(law, thevenin, current, n_guess=None) -> (V_UD, n, iterations)
solve_steady_thevenin(network, current, thevenin=None) -> Solution
solve_steady(network, current, max_iter=100) -> Solution
sweep_network(network, currents) -> dict of arrays (one factorisation, warm-started)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .. import constants as _c

from ..errors import SolverError
from ..motor import (MotorLaw, bose_b, cone_angle, linear_motor_current, motor_jacobian,
                     motor_power, spin_count)
from ..network import Network
from ..solution import Solution, injections, kcl_outflow
from .general import factor_for
from .nodal import assemble_conductance

_E = _c.e
_MAX_ITER = 100
_REFINE = 3  # Newton steps after n has converged, refining the potentials


# --------------------------------------------------------------------------- Thevenin
@dataclass(frozen=True, eq=False)
class Thevenin:
    """The bridge seen from U-D, the motor removed (SI units).

    ``V_UD = gain * I - resistance * I_M``; node potentials
    ``v = I * v_source - I_M * v_motor`` (V); the stack voltage
    ``input_resistance * I - transfer * I_M``.
    """

    network: Network
    gain: float
    resistance: float
    v_source: np.ndarray
    v_motor: np.ndarray

    @property
    def input_resistance(self) -> float:
        """Stack resistance with the motor open, ohm."""
        net = self.network
        return float(self.v_source[net.source] - self.v_source[net.ground])

    @property
    def transfer(self) -> float:
        """Stack voltage per ampere of motor current (V/A); equals ``gain`` (reciprocity)."""
        net = self.network
        return float(self.v_motor[net.source] - self.v_motor[net.ground])

    def potentials(self, current: float, motor_current: float) -> np.ndarray:
        """Node potentials (V) for source ``current`` and motor current (A)."""
        return current * self.v_source - motor_current * self.v_motor

    def V_UD(self, current, motor_current):
        """Bridge output (V) on the load line."""
        return self.gain * np.asarray(current) - self.resistance * np.asarray(motor_current)

    def voltage(self, current, motor_current):
        """Voltage across the stack (V)."""
        return (self.input_resistance * np.asarray(current)
                - self.transfer * np.asarray(motor_current))


def _need_motor(network: Network):
    if not isinstance(network, Network):
        raise SolverError("needs a built Network (call build_network(stack) first), got "
                          f"{type(network).__name__}")
    if network.u is None:
        raise SolverError(f"{network.stack.source}: no [motor] table: the stack has no "
                          "U-D points")


def bridge_thevenin(network: Network, factor=None) -> Thevenin:
    """Open-circuit gain and output resistance at U-D from one factorisation.

    Two solves of the network without its motor: 1 A source -> ground (``v_source``,
    ``gain = V_UD`` per ampere, V/A) and 1 A injected at U, taken out at D
    (``v_motor``, ``resistance = V_UD`` per ampere, ohm).
    """
    _need_motor(network)
    if factor is None:
        factor = factor_for(network, include_motor=False)
    elif factor.include_motor:
        raise SolverError("bridge_thevenin needs a factor of the network without its motor")
    v_s = factor.solve(injections(network, 1.0))
    b = np.zeros(network.n_nodes)
    b[network.u] += 1.0
    b[network.d] -= 1.0
    v_m = factor.solve(b)
    return Thevenin(network=network, gain=float(v_s[network.u] - v_s[network.d]),
                    resistance=float(v_m[network.u] - v_m[network.d]),
                    v_source=v_s, v_motor=v_m)


def threshold_current(law: MotorLaw, thevenin: Thevenin) -> float:
    """I_th = V_th / bridge_gain (A): the current at which the open-circuit bridge output
    reaches V_th (NaN for a bridge without output)."""
    return law.V_th / thevenin.gain if thevenin.gain else math.nan


# --------------------------------------------------------------------------- safeguard
class _Bracket:
    """Bracket on n from the sign of G = tau0 Gamma - (n - n_T) along the load line.

    G > 0 at n means the root is above n, G < 0 below (for n >= 0); ``target`` proposes a
    bisection point (geometric when the bracket spans decades, expanding when open).
    """

    def __init__(self, n_thermal: float):
        self.lo = 0.0
        self.hi = math.inf
        self.unit = max(n_thermal, 1.0)

    def update(self, n: float, g: float):
        if n < 0:
            return
        if g > 0:
            self.lo = max(self.lo, n)
        elif g < 0:
            self.hi = min(self.hi, n)

    def inside(self, n: float) -> bool:
        return self.lo < n < self.hi or (self.lo == n == 0.0)

    def target(self) -> float:
        lo, hi = self.lo, self.hi
        if math.isinf(hi):
            return 4.0 * lo + self.unit
        if lo > 0 and hi > 4.0 * lo:
            return math.sqrt(lo * hi)
        return 0.5 * (lo + hi)


def _tolerance(n: float) -> float:
    return 1e-14 * max(abs(n), 1.0)


def _kcl_scale(network: Network, v: np.ndarray, nodes: np.ndarray, i_m: float) -> float:
    """Rounding level (A) of the KCL residual at ``nodes``: 16 eps sum g (|V_a| + |V_b|)."""
    a, b, g = network.edge_a, network.edge_b, network.edge_g
    w = g * (np.abs(v[a]) + np.abs(v[b]))
    n = network.n_nodes
    scale = np.bincount(a, w, n)[nodes] + np.bincount(b, w, n)[nodes] + abs(i_m)
    return 16.0 * np.finfo(float).eps * float(scale.max())


def _noise(law: MotorLaw, tau0: float, V: float, n: float) -> float:
    """Rounding level of G = tau0 Gamma - (n - n_T): below it, its sign means nothing."""
    xv = V - law.emf
    terms = tau0 * law.g1 / _E * (abs(n * xv) + float(bose_b(xv, law.vt)))
    return 16.0 * np.finfo(float).eps * (terms + abs(n) + law.n_thermal)


# --------------------------------------------------------------------------- 2-D Newton
def solve_point(law: MotorLaw, thevenin: Thevenin, current: float,
                n_guess: float | None = None):
    """Steady (V_UD, n) at source ``current`` (A) by Newton in (V_UD, n).

    Returns ``(V_UD (V), n, iterations)``.  ``n_guess`` warm-starts (default: the larger
    of n_T and the above-threshold asymptote).
    """
    law.need_damping()
    k, Z = thevenin.gain, thevenin.resistance
    tau0 = 1.0 / law.inv_tau0
    n_t = law.n_thermal
    kI = k * float(current)
    c_line = Z * _E / tau0  # V per magnon along the load line

    def v_line(n):
        return kI - c_line * (n - n_t)

    if n_guess is None or not np.isfinite(n_guess) or n_guess < 0:
        n_guess = max(n_t, n_t + (kI - law.V_th) / c_line)
    n = float(n_guess)
    V = v_line(n)
    bracket = _Bracket(n_t)
    for it in range(1, _MAX_ITER + 1):
        i_m, g_v, g_n = (float(a) for a in motor_jacobian(law, V, n))
        g = tau0 * i_m / _E - (n - n_t)
        noisy = abs(g) <= _noise(law, tau0, V, n)
        if not noisy:
            bracket.update(n, g)
        # the 2x2 Newton step on (F1, G); F1 = (Z e / tau0) G on the load line
        f1 = V - kI + Z * i_m
        j11, j12 = 1.0 + Z * g_v, Z * g_n
        j21, j22 = tau0 * g_v / _E, tau0 * g_n / _E - 1.0
        det = j11 * j22 - j12 * j21
        dn = -(j11 * g - j21 * f1) / det if det != 0 else math.nan
        if noisy or abs(dn) <= _tolerance(n):  # converged: take the last step and stop
            n += dn
            return v_line(n), n, it
        n_new = n + dn
        if not (math.isfinite(n_new) and bracket.inside(n_new)):
            n_new = bracket.target()
        n, V = n_new, v_line(n_new)
    raise SolverError(f"steady motor: Newton did not converge at I = {current:g} A "
                      f"({_MAX_ITER} iterations; n bracket [{bracket.lo:g}, {bracket.hi:g}])")


def _solution_info(law: MotorLaw, network: Network, V: float, n: float, i_m: float,
                   iterations: int, newton: str) -> dict:
    power = motor_power(law, V, n, motor_current_a=i_m)
    info = {"motor_mode": "steady", "newton": newton, "newton_iterations": iterations,
            "V_th": law.V_th, "n_thermal": law.n_thermal,
            "motor_power": float(power.electrical), "magnon_power": float(power.magnons),
            "motor_dissipation": float(power.dissipated)}
    spins = spin_count(network.stack)
    if spins is not None:
        info["spins"] = spins
        info["theta_deg"] = float(np.degrees(cone_angle(n, spins)))
    return info


def solve_steady_thevenin(network: Network, current: float,
                          thevenin: Thevenin | None = None) -> Solution:
    """Steady motor and network at ``current`` (A) via the Thevenin view (2-D Newton)."""
    _need_motor(network)
    law = MotorLaw.from_stack(network.stack)
    th = bridge_thevenin(network) if thevenin is None else thevenin
    V, n, its = solve_point(law, th, current)
    i_m = float((th.gain * current - V) / th.resistance)
    v = th.potentials(float(current), i_m)
    return Solution(network=network, potentials=v, current=float(current), backend="nodal",
                    motor_current=i_m, magnons=float(n),
                    info=_solution_info(law, network, V, n, i_m, its, "thevenin"))


# --------------------------------------------------------------------------- sparse Newton
def solve_steady(network: Network, current: float, *, newton: str = "sparse",
                 max_iter: int = _MAX_ITER) -> Solution:
    """Steady motor and network at ``current`` (A): Newton on (potentials, n).

    ``newton="sparse"`` (default): the bordered sparse system, unknowns all node
    potentials but the ground and the magnon number; ``newton="thevenin"``: the 2-D
    Newton after one factorisation (:func:`solve_steady_thevenin`).
    """
    if newton == "thevenin":
        return solve_steady_thevenin(network, current)
    if newton != "sparse":
        raise SolverError(f"newton must be 'sparse' or 'thevenin', got {newton!r}")
    if network.coupling is not None:  # the bordered system is the symmetric one
        return solve_steady_thevenin(network, current)
    _need_motor(network)
    current = float(current)
    if not np.isfinite(current):
        raise SolverError(f"current must be finite, got {current}")
    law = MotorLaw.from_stack(network.stack)
    law.need_damping()
    tau0 = 1.0 / law.inv_tau0
    n_t = law.n_thermal
    import scipy.sparse as sp  # here: the command line need not load scipy
    import scipy.sparse.linalg as spla

    G, keep = assemble_conductance(network, include_motor=False)
    m = G.shape[0]
    d = G.diagonal()
    if np.any(d <= 0) or not np.all(np.isfinite(d)):
        raise SolverError("a node has no conductance to the rest of the network")
    s = 1.0 / np.sqrt(d)
    pos = np.full(network.n_nodes, -1)
    pos[keep] = np.arange(m)
    ru, rd = int(pos[network.u]), int(pos[network.d])
    if ru < 0 or rd < 0:
        raise SolverError("the motor nodes U and D must not be the ground electrode")
    b = injections(network, current)
    G = G.tocoo()
    rows = np.concatenate([G.row, [ru, ru, rd, rd, ru, rd, m, m, m]])
    cols = np.concatenate([G.col, [ru, rd, ru, rd, m, m, ru, rd, m]])

    v = np.zeros(network.n_nodes)
    n = n_t
    bracket = _Bracket(n_t)
    on_line = False  # after the first full step, every iterate is on the load line
    n_done = False
    refined = 0
    ends = np.array([network.u, network.d])
    for it in range(1, max_iter + 1):
        V = float(v[network.u] - v[network.d])
        i_m, g_v, g_n = (float(a) for a in motor_jacobian(law, V, n))
        g = tau0 * i_m / _E - (n - n_t)
        r = kcl_outflow(network, v, i_m) - b  # node residuals, edge by edge (A)
        # bordered Jacobian, scaled: columns of v by s, the n column by n_s; rows of
        # KCL by s, the magnon row by 1/n_s
        n_s = max(abs(n), n_t, 1.0)
        gj, hj = tau0 * g_v / _E, tau0 * g_n / _E - 1.0
        vals = np.concatenate([G.data, [g_v, -g_v, -g_v, g_v, g_n, -g_n, gj, -gj, hj]])
        sc = np.append(s, 1.0 / n_s)
        sv = np.append(s, n_s)
        J = sp.csc_matrix((vals * sc[rows] * sv[cols], (rows, cols)), shape=(m + 1, m + 1))
        try:
            lu = spla.splu(J, permc_spec="MMD_AT_PLUS_A")
        except RuntimeError as exc:
            raise SolverError(f"steady motor: singular Newton matrix: {exc}") from None
        y = lu.solve(-np.append(r[keep], g) * sc)
        dv = np.zeros(network.n_nodes)
        dv[keep] = y[:m] * s
        dn = float(y[m] * n_s)
        # n is known no better than the KCL at U and D lets the motor current be known
        acc = 4.0 * max(_tolerance(n), tau0 / _E * _kcl_scale(network, v, ends, i_m))
        if on_line and not n_done:
            if abs(g) <= _noise(law, tau0, V, n) or abs(dn) <= acc:
                n_done = True
            else:
                bracket.update(n, g)
        if on_line and not n_done and not (np.isfinite(n + dn) and bracket.inside(n + dn)):
            # bisection along the load line: its direction t solves J t = w with w = e/tau0
            # at U, -e/tau0 at D, 1 in the magnon row (on the line the residual is g w,
            # so the Newton step is -g t); t has full precision however small g is
            w = np.zeros(m + 1)
            w[ru], w[rd], w[m] = _E / tau0, -_E / tau0, 1.0
            t = lu.solve(w * sc)
            target = bracket.target()
            t_v = t[ru] * s[ru] - t[rd] * s[rd]  # dV_UD per unit of t
            if math.isinf(bracket.hi) and V > law.V_th and t_v != 0:
                # open bracket above V_th: jump to where the line crosses V_th (there
                # G > 0 still), the above-threshold asymptote, instead of expanding
                target = max(target, n + (law.V_th - V) * t[m] * n_s / t_v)
            mu = (target - n) / (t[m] * n_s)
            dv[keep] = mu * t[:m] * s
            dn = mu * t[m] * n_s
        v = v + dv
        n = n + dn
        if n_done:
            # n has converged; the remaining steps only refine the potentials
            refined += 1
            if (np.abs(dv).max() <= 1e-15 * max(np.abs(v).max(), 1e-300)
                    or refined >= _REFINE):
                break
        on_line = True
    else:
        raise SolverError(f"steady motor: Newton did not converge at I = {current:g} A "
                          f"({max_iter} iterations)")
    V = float(v[network.u] - v[network.d])
    i_m = float(motor_jacobian(law, V, n)[0])
    return Solution(network=network, potentials=v, current=current, backend="nodal",
                    motor_current=i_m, magnons=float(n),
                    info=_solution_info(law, network, V, n, i_m, it, "sparse"))


# --------------------------------------------------------------------------- sweeps
def sweep_network(network: Network, currents) -> dict:
    """Operating points of ``network`` at every current (A), one factorisation.

    Returns a dict (SI units).  Arrays, one value per current: ``current``, ``voltage``
    (across the stack), ``V_UD``, ``delta_mu_bar_eV`` (= -V_UD), ``V_open`` (k I, the
    unloaded bridge output), ``magnons``, ``motor_current``, ``P_motor`` (I_M V_UD, W),
    ``P_magnons`` (hbar omega Gamma, W) and, when the stack gives ``ms``, ``theta_deg``
    (cone angle, degrees; NaN beyond n = 2 S).  Scalars: ``resistance`` (ohm, the stack
    with its motor open), ``bridge_gain`` (V/A), ``bridge_resistance`` (ohm), ``V_th``
    (V), ``threshold_current`` (V_th / bridge_gain, A), ``alpha``, ``alpha_given``,
    ``mode``, ``spins``, ``n_thermal``, ``iterations`` (Newton steps in all).  Without a
    motor the U-D quantities are NaN.  A steady motor is solved point by point by the
    2-D Newton, warm-started from the previous point; a linear one in closed form.
    """
    currents = np.atleast_1d(np.asarray(currents, dtype=float)).ravel()
    if not np.all(np.isfinite(currents)):
        raise SolverError("currents must be finite")
    if network.u is None:
        factor = factor_for(network, include_motor=False)
        v_s = factor.solve(injections(network, 1.0))
        return open_points(currents, float(v_s[network.source] - v_s[network.ground]))
    law = MotorLaw.from_stack(network.stack)
    return operating_points(network.stack, bridge_thevenin(network), currents, law)


def open_points(currents: np.ndarray, r_in: float) -> dict:
    """:func:`sweep_network`'s dict for a stack without a motor (input resistance r_in)."""
    nan = np.full(currents.size, np.nan)
    return {"current": currents, "voltage": r_in * currents, "V_UD": nan,
            "delta_mu_bar_eV": nan, "V_open": nan, "magnons": nan,
            "motor_current": nan, "P_motor": nan, "P_magnons": nan,
            "resistance": r_in, "bridge_gain": math.nan, "bridge_resistance": math.nan,
            "V_th": math.nan, "threshold_current": math.nan, "mode": None,
            "spins": None, "iterations": 0}


@dataclass(frozen=True)
class BridgeNumbers:
    """The Thevenin view as four numbers (what :func:`operating_points` needs; the
    batched solver gives them for many stacks at once): ``gain`` (V/A), ``resistance``
    (ohm, at U-D), ``input_resistance`` (ohm, motor open), ``transfer`` (V/A)."""

    gain: float
    resistance: float
    input_resistance: float
    transfer: float

    voltage = Thevenin.voltage
    V_UD = Thevenin.V_UD


def operating_points(stack, th, currents: np.ndarray, law: MotorLaw | None = None) -> dict:
    """:func:`sweep_network`'s dict for a stack with a motor, from its Thevenin view
    ``th`` (a :class:`Thevenin` or :class:`BridgeNumbers`) at ``currents`` (A)."""
    if law is None:
        law = MotorLaw.from_stack(stack)
    k, Z = th.gain, th.resistance
    iterations = 0
    if law.mode == "steady":
        V = np.empty(currents.size)
        n = np.empty(currents.size)
        guess = None
        for i, cur in enumerate(currents):
            V[i], n[i], its = solve_point(law, th, cur, guess)
            guess = n[i]
            iterations += its
        i_m = (k * currents - V) / Z
        p_mag = motor_power(law, V, n, motor_current_a=i_m).magnons
    else:
        g = law.magnons * law.g1
        V = (k * currents + Z * g * law.emf) / (1.0 + Z * g)
        i_m = linear_motor_current(law, V) + 0.0  # no -0.0 for an open branch
        n = np.full(currents.size, law.magnons)
        p_mag = law.hbar_omega * i_m / _E
    out = {"current": currents, "voltage": th.voltage(currents, i_m), "V_UD": V,
           "delta_mu_bar_eV": 0.0 - V, "V_open": k * currents, "magnons": n,
           "motor_current": i_m, "P_motor": i_m * V, "P_magnons": p_mag}
    spins = spin_count(stack)
    if spins is not None:
        out["theta_deg"] = np.degrees(cone_angle(n, spins))
    out.update(resistance=th.input_resistance, bridge_gain=k, bridge_resistance=Z,
               V_th=law.V_th, threshold_current=threshold_current(law, th),
               alpha=law.alpha_used, alpha_given=law.alpha is not None, mode=law.mode,
               spins=spins, n_thermal=law.n_thermal, iterations=iterations)
    return out
