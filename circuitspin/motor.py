"""The spin-wave motor between U and D (docs/model.md, "The motor").

The motor is the paper's dc "motor" of Fig. 3: the electron spin flips in F2 that emit
magnons.  Its current ``I_M`` (A, U -> D inside the motor) is ``e`` times the net rate
``Gamma`` (1/s) of down -> up flips.  Everything is written with the bridge output
``V = V_UD`` in volts and ``xv = V - E`` (V), ``E = hbar omega / e`` the counter-EMF::

    K      = 2 delta_alpha / hbar                 (1/(J s))
    G1     = e^2 K = 1 / R_1                      (S; R_1 = hbar / (2 e^2 delta_alpha))
    B(x)   = x / (1 - exp(-x / kT))               (J; B(0) = kT, B(x) = max(x, 0) at T = 0)
    Gamma  = K [n x + B(x)]                       x = e xv = e V_UD - hbar omega
    I_M    = e Gamma = G1 [n xv + Bv(xv)]         Bv = B / e, volts
    dn/dt  = Gamma - (n - n_T) / tau0             1/tau0 = 2 alpha omega,
                                                  n_T = 1 / (exp(hbar omega / kT) - 1)

The *linear* motor (the paper's circuit, a fixed magnon number ``n_m``) keeps only the
stimulated term: ``I_M = (V - E) / R_M`` with ``R_M = R_1 / n_m``.  Threshold:
``e V_th = hbar omega (1 + alpha / delta_alpha)``; for alpha -> 0 the paper's
``delta_mu_bar + hbar omega = 0``.

Power bookkeeping: the electrical power into the motor ``P = I_M V_UD`` splits exactly
into ``hbar omega Gamma`` (to the magnons, which pass it on to the lattice through the
bulk damping in the steady state) and ``Gamma x`` (dissipated in the electron system):
``Gamma x = xv^2 / R_M + G1 xv Bv(xv)``, the ``I_M^2 R_M``-like Joule term of the
stimulated current plus the spontaneous-emission term.  The second is negative below the
counter-EMF at T > 0 (thermal electrons supply the missing ``hbar omega - e V_UD`` per
flip), zero at equilibrium.

Public API
----------
MotorLaw
    Frozen: frequency (Hz), delta_alpha, alpha (None -> 0), temperature (K), magnons
    (n_m of the linear branch), mode; derived ``emf``, ``r1``, ``g1``, ``n_thermal``,
    ``inv_tau0``, ``V_th``; ``MotorLaw.from_stack(stack)``.
bose_b(xv, vt), bose_b_prime(xv, vt)
    B(x)/e and dB/dx for ``xv`` in volts and ``vt = kT / e`` in volts, stable for all
    values including ``vt = 0`` (vectorised).
motor_current(law, V, n), magnon_rate(law, V, n), magnon_balance(law, V, n)
    I_M (A), Gamma (1/s) and dn/dt (1/s) of the full rate law.
motor_jacobian(law, V, n) -> (I_M, dI/dV, dI/dn)
steady_magnons(law, V)
    The balance solved for n at fixed V (finite below threshold only: it is singular at
    V_th, which is why the solvers keep n as an unknown instead).
linear_motor_current(law, V)
    I_M of the linear branch, fixed n_m.
linear_response_conductance(law)
    dI_M/dV_UD of the steady motor at equilibrium (V = 0, n = n_T), S.
motor_power(law, V, n) -> MotorPower
spin_count(stack), cone_angle(n, spins)
    S = M_s V_F2 / (g mu_B) and theta = arccos(1 - n / S) (rad; NaN for n outside
    [0, 2 S]).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from . import constants as _c

from .errors import SolverError

__all__ = ["MotorLaw", "MotorPower", "bose_b", "bose_b_prime", "motor_current",
           "magnon_rate", "magnon_balance", "motor_jacobian", "steady_magnons",
           "linear_motor_current", "linear_response_conductance", "motor_power",
           "spin_count", "cone_angle"]

_SMALL_U = 1e-6  # |x/kT| below which B uses its series (the closed form is 0/0 at 0)
_SERIES_U = 0.1  # |x/kT| below which dB/dx uses its series (the closed form cancels)


# --------------------------------------------------------------------------- B(x)
def bose_b(xv, vt):
    """B(x)/e = xv / (1 - exp(-xv / vt)) in volts, for ``xv`` (V) and ``vt = kT/e`` (V).

    Stable for every value: for xv > 0 it is ``xv / -expm1(-u)``, for xv < 0
    ``xv exp(u) / expm1(u)`` (u = xv / vt; no overflow either way); near 0 the series
    ``vt (1 + u/2 + u^2/12)``; at ``vt = 0`` it is ``max(xv, 0)``.  Always >= 0.
    """
    xv = np.asarray(xv, dtype=float)
    vt = float(vt)
    if vt == 0.0:
        return np.maximum(xv, 0.0)
    u = xv / vt
    small = np.abs(u) < _SMALL_U
    us = np.where(small, 1.0, u)  # avoid 0/0 in the unused branch
    with np.errstate(over="ignore", invalid="ignore"):
        pos = xv / -np.expm1(-np.abs(us))
        neg = xv * np.exp(-np.abs(us)) / np.expm1(-np.abs(us))
    out = np.where(us > 0, pos, neg)
    return np.where(small, vt * (1.0 + u / 2.0 + u * u / 12.0), out)


def bose_b_prime(xv, vt):
    """dB/dx (dimensionless), stable for every ``xv`` (V) and ``vt`` (V); 1/2 at 0.

    With u = xv / vt: ``(1 - e^-u (1 + u)) / (1 - e^-u)^2`` for u > 0, the same times
    ``e^{2u}/e^{2u}`` for u < 0 (no overflow), the Bernoulli series for |u| < 0.1;
    a step (0, 1/2, 1) at ``vt = 0``.
    """
    xv = np.asarray(xv, dtype=float)
    vt = float(vt)
    if vt == 0.0:
        return np.where(xv > 0, 1.0, np.where(xv < 0, 0.0, 0.5))
    u = xv / vt
    series = np.abs(u) < _SERIES_U
    a = np.abs(np.where(series, 1.0, u))
    em = -np.expm1(-a)  # 1 - e^-|u|, in (0, 1)
    ea = np.exp(-a)
    pos = (em - a * ea) / (em * em)          # u > 0
    neg = ea * (a - em) / (em * em)          # u < 0: e^u (e^u - 1 - u) / (e^u - 1)^2
    closed = np.where(u > 0, pos, neg)
    u2 = u * u
    ser = 0.5 + u / 6.0 - u * u2 / 180.0 + u * u2 * u2 / 5040.0 \
        - u * u2 ** 3 / 151200.0 + u * u2 ** 4 / 4790016.0
    return np.where(series, ser, closed)


# --------------------------------------------------------------------------- the law
@dataclass(frozen=True)
class MotorLaw:
    """The motor's parameters in SI units and the quantities derived from them.

    Attributes
    ----------
    frequency : float        precession frequency f, Hz (omega = 2 pi f)
    delta_alpha : float      interface enhancement of the Gilbert damping of F2
    alpha : float or None    bulk Gilbert damping of F2 (None: taken as 0, i.e. the
                             paper's threshold delta_mu_bar + hbar omega = 0)
    temperature : float      K
    magnons : float          n_m of the linear branch (0: open)
    mode : str               "linear" or "steady"
    """

    frequency: float
    delta_alpha: float
    alpha: float | None = None
    temperature: float = 0.0
    magnons: float = 0.0
    mode: str = "linear"

    @classmethod
    def from_stack(cls, stack) -> "MotorLaw":
        """The law of ``stack.motor`` at ``stack.temperature``."""
        m = stack.motor
        if m is None:
            raise SolverError(f"{stack.source}: no [motor] table: no U-D motor to solve")
        return cls(frequency=m.frequency, delta_alpha=m.delta_alpha, alpha=m.alpha,
                   temperature=stack.temperature, magnons=m.magnons, mode=m.mode)

    @property
    def omega(self) -> float:
        """Angular frequency, rad/s."""
        return 2.0 * np.pi * self.frequency

    @property
    def hbar_omega(self) -> float:
        """Magnon energy, J."""
        return _c.hbar * self.omega

    @property
    def emf(self) -> float:
        """Counter-EMF E = hbar omega / e, V."""
        return self.hbar_omega / _c.e

    @property
    def vt(self) -> float:
        """Thermal voltage kT / e, V."""
        return _c.k * self.temperature / _c.e

    @property
    def K(self) -> float:
        """K = 2 delta_alpha / hbar, 1/(J s)."""
        return 2.0 * self.delta_alpha / _c.hbar

    @property
    def r1(self) -> float:
        """R_1 = hbar / (2 e^2 delta_alpha), ohm (R_M = R_1 / n)."""
        g1 = self.g1
        return 1.0 / g1 if g1 > 0 else math.inf

    @property
    def g1(self) -> float:
        """G1 = e^2 K = 1 / R_1, S."""
        return (2.0 * _c.e ** 2 / _c.hbar) * self.delta_alpha  # no underflow to 1/0

    @property
    def alpha_used(self) -> float:
        """alpha, with None read as 0."""
        return 0.0 if self.alpha is None else float(self.alpha)

    @property
    def inv_tau0(self) -> float:
        """Magnon relaxation rate 1/tau0 = 2 alpha omega, 1/s."""
        return 2.0 * self.alpha_used * self.omega

    @property
    def n_thermal(self) -> float:
        """Thermal magnon number n_T = 1 / (exp(hbar omega / kT) - 1) (0 at T = 0)."""
        if self.temperature == 0.0:
            return 0.0
        ratio = self.hbar_omega / (_c.k * self.temperature)
        return 0.0 if ratio > 700.0 else float(1.0 / math.expm1(ratio))

    @property
    def V_th(self) -> float:
        """Threshold bridge output, V: e V_th = hbar omega (1 + alpha / delta_alpha)."""
        return self.emf * (1.0 + self.alpha_used / self.delta_alpha)

    def need_damping(self):
        """Raise unless alpha > 0 (the steady state needs the magnons to relax)."""
        if not self.alpha_used > 0:
            raise SolverError("the steady motor needs the bulk damping alpha > 0 "
                              "([motor] alpha)")


def magnon_rate(law: MotorLaw, V, n):
    """Net emission rate Gamma = K [n x + B(x)] (1/s) at V_UD = ``V`` (V), ``n`` magnons."""
    return motor_current(law, V, n) / _c.e


def motor_current(law: MotorLaw, V, n):
    """I_M = e Gamma = G1 [n xv + Bv(xv)] (A, U -> D), xv = V - E."""
    xv = np.asarray(V, dtype=float) - law.emf
    return law.g1 * (n * xv + bose_b(xv, law.vt))


def magnon_balance(law: MotorLaw, V, n):
    """dn/dt = Gamma - (n - n_T) / tau0, 1/s."""
    return magnon_rate(law, V, n) - (n - law.n_thermal) * law.inv_tau0


def motor_jacobian(law: MotorLaw, V, n):
    """(I_M, dI_M/dV in S, dI_M/dn in A) of the full rate law."""
    xv = np.asarray(V, dtype=float) - law.emf
    i_m = law.g1 * (n * xv + bose_b(xv, law.vt))
    return i_m, law.g1 * (n + bose_b_prime(xv, law.vt)), law.g1 * xv


def steady_magnons(law: MotorLaw, V):
    """n solving the balance at fixed V: (K B + n_T/tau0) / (1/tau0 - K x).

    Finite for V < V_th only (inf at and above the threshold, where no steady state
    exists at fixed V): use it for checks, not for solving.
    """
    law.need_damping()
    xv = np.asarray(V, dtype=float) - law.emf
    kb = law.g1 / _c.e * bose_b(xv, law.vt)       # K B(x), 1/s
    den = law.inv_tau0 - law.g1 / _c.e * xv        # 1/tau0 - K x, 1/s
    with np.errstate(divide="ignore", invalid="ignore"):
        n = (kb + law.n_thermal * law.inv_tau0) / den
    return np.where(den > 0, n, np.inf)


def linear_motor_current(law: MotorLaw, V):
    """I_M of the linear branch: (V - E) n_m / R_1, A (0 for the open branch)."""
    return (np.asarray(V, dtype=float) - law.emf) * law.magnons * law.g1


def linear_response_conductance(law: MotorLaw) -> float:
    """dI_M/dV_UD of the steady motor around equilibrium (V = 0, n = n_T), S.

    Linearising I_M = G1 [n xv + Bv] and the balance (n - n_T)/tau0 = I_M/e about
    xv0 = -E::  g0 = G1 (n_T + B'(-E)) / (1 + G1 E tau0 / e).
    """
    law.need_damping()
    bp = float(bose_b_prime(-law.emf, law.vt))
    tau0 = 1.0 / law.inv_tau0
    return law.g1 * (law.n_thermal + bp) / (1.0 + law.g1 * law.emf * tau0 / _c.e)


@dataclass(frozen=True)
class MotorPower:
    """Power bookkeeping of the motor, W (arrays or floats).

    ``electrical = I_M V_UD = magnons + dissipated``; ``magnons = hbar omega Gamma``;
    ``dissipated = Gamma x = joule + spontaneous`` with ``joule = xv^2 n / R_1`` (the
    I_M^2 R_M-like term) and ``spontaneous = G1 xv Bv(xv)``.
    """

    electrical: np.ndarray
    magnons: np.ndarray
    dissipated: np.ndarray
    joule: np.ndarray
    spontaneous: np.ndarray


def motor_power(law: MotorLaw, V, n, motor_current_a=None) -> MotorPower:
    """Power split at V_UD = ``V`` with ``n`` magnons (full rate law).

    ``motor_current_a`` (A): the current the network actually drives through the motor
    (default: the law's I_M); the electrical power is ``motor_current_a * V``.
    """
    V = np.asarray(V, dtype=float)
    xv = V - law.emf
    gamma = magnon_rate(law, V, n)
    i_m = gamma * _c.e if motor_current_a is None else np.asarray(motor_current_a)
    joule = law.g1 * n * xv * xv
    spont = law.g1 * xv * bose_b(xv, law.vt)
    return MotorPower(electrical=i_m * V, magnons=law.hbar_omega * gamma,
                      dissipated=joule + spont, joule=joule, spontaneous=spont)


# --------------------------------------------------------------------------- cone angle
def spin_count(stack) -> float | None:
    """S = M_s V_F2 / (g mu_B): the spins of the motor layer, units of hbar (None if no ms).

    V_F2 = area x thickness of the motor layer (m^3), M_s from ``[motor] ms`` (A/m).
    """
    m = stack.motor
    if m is None or m.ms is None:
        return None
    layer = stack.geometry.layers[m.index]   # a layer is a wire with its area
    area = layer.area
    if layer.area_profile is not None:  # a flaring layer: integrate A(x)
        xi = np.linspace(0.0, layer.thickness, 1001)
        a = layer.area_at(area, xi)
        volume = float(np.sum((a[1:] + a[:-1]) * np.diff(xi)) / 2.0)
    else:
        volume = area * layer.thickness
    return m.ms * volume / (m.g_factor * _c.mu_B)


def cone_angle(n, spins):
    """Precession cone angle theta (rad): cos theta = 1 - n / S; NaN outside [0, 2 S]."""
    n = np.asarray(n, dtype=float)
    c = 1.0 - n / spins
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(c) <= 1.0, np.arccos(np.clip(c, -1.0, 1.0)), np.nan)
