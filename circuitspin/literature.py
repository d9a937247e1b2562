"""Published thresholds and damping next to the circuit's: Slonczewski, spin pumping, Kittel.

The motor threshold of a Berger circuit (``circuitspin threshold``) is compared here with
J. C. Slonczewski's 1996 critical current (J. Magn. Magn. Mater. 159, L1 (1996)) for the
same free layer, and Berger's damping enhancement ``delta_alpha`` with the one spin
pumping gives (Y. Tserkovnyak, A. Brataas, G. E. W. Bauer, PRL 88, 117601 (2002)).
Everything is SI: fields H and magnetisations M_s in A/m (``mu0 M_s`` = 1.81 T for Co is
``ms = 1.44e6``), thicknesses in m, conductances per area in S/m^2, frequencies in Hz.

Conventions (the factor-2 traps are spelled out where they occur)
-----------------------------------------------------------------
- Spin-transfer torque on the free layer per unit area, small angle theta:
  ``tau = (hbar / 2e) g J sin(theta)``: ``g`` is the transverse spin carried into the
  layer per electron **in units of hbar/2**.  This is how Slonczewski's 1996 result
  ``dS_2/dt = (I_e g / e) s_2 x (s_1 x s_2)`` is read by J. Z. Sun (PRB 62, 570 (2000)) and
  most later work; with it the threshold below has the prefactor ``2e / hbar``.  (Reading
  ``g`` per hbar instead would halve every Slonczewski current here.)
- Macrospin of the free layer: ``S = M_s V / (g_L mu_B)`` spins (units of hbar),
  gyromagnetic ratio ``gamma = g_L mu_B / hbar`` (g_L = 2 unless given: the motor's
  ``g_factor`` default), magnon number ``n = S (1 - cos theta)``.
- Mixing conductance ``g_mix`` (S/m^2): the real part of the spin-mixing conductance per
  area in the per-spin normalisation of the band conductances (physics reference section
  7, the stack file's ``g_mix``): ``g_mix = (e^2/h) Re(g_updn) / A`` with ``Re(g_updn)``
  the dimensionless mixing conductance (number of channels) of Tserkovnyak et al.
  A transparent contact has the Sharvin value ``(e^2/h) k_F^2 / (4 pi)`` of the normal
  metal: 5.7e14 S/m^2 for Cu (k_F = 1.36e10 1/m), close to the 0.55e15 S/m^2 that
  first-principles calculations give for Co/Cu (Xia et al., PRB 65, 220401 (2002)).

Public API
----------
slonczewski_g(polarization, theta=0)
    Slonczewski's 1996 efficiency ``[-4 + (1+P)^3 (3 + cos theta) / (4 P^(3/2))]^-1``.
kittel_frequency(field, ms, g_factor=2), kittel_field(frequency, ms, g_factor=2)
    In-plane thin film: ``f = (gamma mu0 / 2 pi) sqrt(H (H + M_s))`` and its inverse (A/m).
thin_film_damping_ratio(field, ms)
    ``(H + M_s/2) / sqrt(H (H + M_s))``: the film's relaxation rate over ``alpha omega``.
slonczewski_critical_current_density(alpha, thickness, ms, field, ...)
    ``J_c = (2e/hbar) (alpha / g) mu0 M_s d (H + H_k + M_s/2)``, A/m^2.
sharvin_conductance(kF)
    ``(e^2/h) kF^2 / (4 pi)``, S/m^2 per spin.
spin_pumping_delta_alpha(g_mix, ms, thickness, g_factor=2)
    ``g_L mu_B Re(g_updn/A) / (4 pi M_s d) = g_L mu_B hbar g_mix / (2 e^2 M_s d)``.
bridge_efficiency(bridge_gain, delta_alpha, spins)
    The spin transferred per electron (units of hbar/2) that the linear motor amounts to:
    ``2 delta_alpha e^2 k S / hbar``.
compare_with_slonczewski(stack, polarization, ...) -> ThresholdComparison
    Both thresholds of a stack with a steady motor, and the three factors between them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import constants as _c

from .errors import CircuitSpinError

__all__ = ["slonczewski_g", "kittel_frequency", "kittel_field", "thin_film_damping_ratio",
           "slonczewski_critical_current_density", "sharvin_conductance",
           "spin_pumping_delta_alpha", "bridge_efficiency", "ThresholdComparison",
           "compare_with_slonczewski"]

MU0 = _c.mu_0
MU_B = _c.mu_B
HBAR = _c.hbar
E = _c.e


def _positive(value, name):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise CircuitSpinError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0.0):
        raise CircuitSpinError(f"{name} must be positive and finite, got {value!r}")
    return v


def _gamma(g_factor):
    """Gyromagnetic ratio g_L mu_B / hbar, rad/(s T)."""
    return _positive(g_factor, "g_factor") * MU_B / HBAR


def slonczewski_g(polarization, theta=0.0):
    """Slonczewski's spin-transfer efficiency g(theta) (JMMM 159, L1 (1996)).

    ``g = [-4 + (1 + P)^3 (3 + cos theta) / (4 P^(3/2))]^-1`` for the polarisation
    0 < P <= 1 of the ferromagnets and the angle theta (rad) between them; per electron
    in units of hbar/2 (see the module's conventions).  g(0) = 0.167 for P = 0.46;
    P = 1 gives 1 / (2 + 2 cos theta).
    """
    p = _positive(polarization, "polarization")
    if p > 1.0:
        raise CircuitSpinError(f"polarization must lie in (0, 1], got {polarization!r}")
    return 1.0 / (-4.0 + (1.0 + p) ** 3 * (3.0 + math.cos(theta)) / (4.0 * p ** 1.5))


def kittel_frequency(field, ms, g_factor=2.0):
    """Uniform-mode frequency (Hz) of an in-plane film: (gamma mu0 / 2 pi) sqrt(H (H+M_s)).

    ``field`` H (A/m, in plane, along the magnetisation, anisotropy field included),
    ``ms`` M_s (A/m).  Demagnetising factor 1 along the film normal, 0 in plane.
    """
    h = float(field)
    if not (math.isfinite(h) and h >= 0.0):
        raise CircuitSpinError(f"field must be >= 0 A/m, got {field!r}")
    m = _positive(ms, "ms")
    return _gamma(g_factor) * MU0 * math.sqrt(h * (h + m)) / (2.0 * math.pi)


def kittel_field(frequency, ms, g_factor=2.0):
    """The in-plane field H (A/m) at which the film precesses at ``frequency`` (Hz).

    Inverse of :func:`kittel_frequency`: with w = 2 pi f / (gamma mu0),
    ``H = 2 w^2 / (M_s + sqrt(M_s^2 + 4 w^2))`` (the root of H^2 + M_s H - w^2 = 0
    written without cancellation).
    """
    f = _positive(frequency, "frequency")
    m = _positive(ms, "ms")
    w = 2.0 * math.pi * f / (_gamma(g_factor) * MU0)
    return 2.0 * w * w / (m + math.sqrt(m * m + 4.0 * w * w))


def thin_film_damping_ratio(field, ms):
    """``(H + M_s/2) / sqrt(H (H + M_s))`` (dimensionless, >= 1).

    The uniform mode of an in-plane film relaxes (Gilbert damping alpha) at
    ``alpha gamma mu0 (H + M_s/2)`` in amplitude: the mean of its two stiffness fields H
    and H + M_s.  A circular precession at the same omega relaxes at ``alpha omega``,
    which is what the motor's ``1/tau0 = 2 alpha omega`` (for n) assumes.  This ratio is
    how much faster the elliptical film mode loses its magnons.
    """
    h = _positive(field, "field")
    m = _positive(ms, "ms")
    return (h + 0.5 * m) / math.sqrt(h * (h + m))


def slonczewski_critical_current_density(alpha, thickness, ms, field, *, polarization=None,
                                         efficiency=None, theta=0.0, anisotropy_field=0.0):
    """Slonczewski's critical current density of an in-plane free layer, A/m^2.

    ``J_c = (2e / hbar) (alpha / g) mu0 M_s d (H + H_k + M_s / 2)``.

    Derivation (macrospin, SI): the torque per area ``(hbar/2e) g J sin(theta)`` (the
    module's convention) pushes the free layer (angular momentum ``M_s d / gamma`` per
    area) away from the polariser.  Linearising Landau-Lifshitz-Gilbert about the easy
    axis (field H + H_k along it, demagnetising field M_s along the normal), the trace of
    the 2 x 2 dynamical matrix is ``-gamma [2 a + alpha mu0 (2H + 2H_k + M_s)] / (1 +
    alpha^2)`` with ``a = (hbar / 2e) g J / (M_s d)`` (tesla): it changes sign, and the
    easy-axis state becomes unstable, at ``a = alpha mu0 (H + H_k + M_s/2)``.  Per area,
    this is the critical current J. Z. Sun gives (PRB 62, 570 (2000)),
    ``(2e/hbar)(alpha/eta) M_s V (H + H_k + 2 pi M_s)`` in Gaussian units, with his
    efficiency eta = Slonczewski's g.  ``alpha`` is the *total* Gilbert damping of the
    layer (spin pumping included).

    Parameters
    ----------
    alpha : float            Gilbert damping (dimensionless, > 0)
    thickness : float        free-layer thickness d, m
    ms : float               saturation magnetisation M_s, A/m
    field : float            applied in-plane field H along the magnetisation, A/m (>= 0)
    polarization : float     P for :func:`slonczewski_g` (give this or ``efficiency``)
    efficiency : float       g directly (units of hbar/2 per electron)
    theta : float            angle for g(theta), rad (0: parallel polariser)
    anisotropy_field : float H_k, A/m (>= 0)
    """
    if (polarization is None) == (efficiency is None):
        raise CircuitSpinError("give either polarization (Slonczewski's g(theta)) or "
                               "efficiency (g itself)")
    g = slonczewski_g(polarization, theta) if efficiency is None else \
        _positive(efficiency, "efficiency")
    a = _positive(alpha, "alpha")
    d = _positive(thickness, "thickness")
    m = _positive(ms, "ms")
    h = float(field) + float(anisotropy_field)
    if not (math.isfinite(h) and h >= 0.0):
        raise CircuitSpinError(f"field + anisotropy_field must be >= 0 A/m, got {h!r}")
    return (2.0 * E / HBAR) * (a / g) * MU0 * m * d * (h + 0.5 * m)


def sharvin_conductance(kF):
    """Sharvin conductance per area and per spin, ``(e^2/h) kF^2 / (4 pi)``, S/m^2.

    ``kF^2 / (4 pi)`` is the number of transverse channels per area (states of one spin
    with |k_parallel| < kF, density 1/(2 pi)^2).  The mixing conductance of a
    transparent N|F contact, in the per-spin normalisation of ``g_mix``.
    """
    k = _positive(kF, "kF (1/m)")
    return E * E / _c.h * k * k / (4.0 * math.pi)


def spin_pumping_delta_alpha(g_mix, ms, thickness, g_factor=2.0):
    """Damping enhancement of a free layer pumping spins into an ideal spin sink.

    Tserkovnyak, Brataas and Bauer (PRL 88, 117601 (2002)):
    ``delta_alpha = g_L mu_B Re(g_updn / A) / (4 pi M_s d)`` with ``Re(g_updn / A)`` the
    dimensionless mixing conductance per area (1/m^2, i.e. in units of e^2/h per area).
    With ``g_mix = (e^2/h) Re(g_updn/A)`` in S/m^2 (the module's convention) this is
    ``g_L mu_B hbar g_mix / (2 e^2 M_s d)``.  One interface; a layer between two sinks
    gets the sum.  The backflow of a finite spin accumulation (Tserkovnyak et al.,
    PRB 66, 224403 (2002)) lowers it; this is the upper value.

    Parameters: ``g_mix`` (S/m^2), ``ms`` (A/m), ``thickness`` (m); dimensionless result.
    """
    gm = _positive(g_mix, "g_mix (S/m^2)")
    m = _positive(ms, "ms")
    d = _positive(thickness, "thickness")
    return _positive(g_factor, "g_factor") * MU_B * HBAR * gm / (2.0 * E * E * m * d)


def bridge_efficiency(bridge_gain, delta_alpha, spins):
    """The spin-transfer efficiency per electron (units of hbar/2) of the linear motor.

    Below threshold the motor's stimulated term gives ``dn/dt = K n e V_UD + ...`` with
    ``K = 2 delta_alpha / hbar`` and the open-circuit ``V_UD = k I`` (``k`` the bridge
    gain, V/A).  A torque ``(hbar/2e) g I sin(theta)`` on S spins gives
    ``dn/dt = g I n / (e S)`` at small angle (n = S theta^2 / 2).  Equal rates:
    ``g = 2 delta_alpha e^2 k S / hbar``.  With ``delta_alpha`` from spin pumping this is
    exactly ``k g_mix A``: the bridge gain times the mixing conductance of the contact.
    """
    k = float(bridge_gain)
    if not math.isfinite(k):
        raise CircuitSpinError(f"bridge_gain must be finite, got {bridge_gain!r}")
    return 2.0 * _positive(delta_alpha, "delta_alpha") * E * E * k * \
        _positive(spins, "spins") / HBAR


@dataclass(frozen=True)
class ThresholdComparison:
    """Slonczewski's critical current next to the circuit's threshold for one stack.

    Current densities in A/m^2 (magnitudes), fields in A/m, rates in 1/s.

    ``ratio = J_slonczewski / J_circuit`` equals
    ``damping_ratio * efficiency_ratio * damping_share`` exactly:

    - ``damping_ratio`` = (H + M_s/2) / sqrt(H (H + M_s)): Slonczewski's film relaxes at
      alpha gamma mu0 (H + M_s/2), the motor's magnons at alpha omega;
    - ``efficiency_ratio`` = g_bridge / g_slonczewski: spin transferred per electron;
    - ``damping_share`` = alpha / (alpha + delta_alpha): the motor's threshold
      ``e V_th = hbar omega (1 + alpha / delta_alpha)`` amounts to a total damping
      alpha + delta_alpha, Slonczewski's formula is evaluated with alpha alone.
    """

    J_circuit: float
    J_slonczewski: float
    frequency: float
    field: float
    ms: float
    thickness: float
    alpha: float
    delta_alpha: float
    polarization: float
    g_slonczewski: float
    g_bridge: float
    bridge_gain: float
    V_th: float
    spins: float
    damping_ratio: float
    efficiency_ratio: float
    damping_share: float

    @property
    def ratio(self) -> float:
        """J_slonczewski / J_circuit."""
        return self.J_slonczewski / self.J_circuit

    @property
    def factors(self) -> float:
        """damping_ratio x efficiency_ratio x damping_share (equals ``ratio``)."""
        return self.damping_ratio * self.efficiency_ratio * self.damping_share


def compare_with_slonczewski(stack, polarization, *, alpha=None, ms=None, theta=0.0,
                             segments=None):
    """Compare the motor threshold of ``stack`` with Slonczewski's for its free layer.

    The free layer is the motor layer (thickness d, area A); the precession frequency f,
    ``delta_alpha``, the bulk damping ``alpha`` and ``ms`` come from ``[motor]`` unless
    given here (``alpha`` and ``ms`` are required one way or the other).  The field H is
    the in-plane field at which the film precesses at f (:func:`kittel_field`).

    The circuit's threshold is ``circuitspin threshold``'s: ``|V_th / k| / A`` with
    ``V_th = h f (1 + alpha/delta_alpha)/e`` and the bridge gain k (V/A) of the network
    without its motor (the clamp value, no thermal correction).  Slonczewski's is
    :func:`slonczewski_critical_current_density` with the same alpha, d, M_s, H and
    g(theta) of ``polarization``.  Returns a :class:`ThresholdComparison`.
    """
    from .motor import MotorLaw, spin_count
    from .network import build_network
    from .solvers.motor_newton import bridge_thevenin

    motor = getattr(stack, "motor", None)
    if motor is None:
        raise CircuitSpinError(f"{stack.source}: no [motor] table: no threshold to compare")
    a = motor.alpha if alpha is None else alpha
    m = motor.ms if ms is None else ms
    if a is None or m is None:
        raise CircuitSpinError(f"{stack.source}: the comparison needs the bulk damping "
                               "alpha and ms ([motor] alpha, ms, or the arguments)")
    a, m = _positive(a, "alpha"), _positive(m, "ms")
    changed = stack.with_motor(alpha=a, ms=m)
    law = MotorLaw.from_stack(changed)
    gain = bridge_thevenin(build_network(changed, segments)).gain
    if gain == 0.0:
        raise CircuitSpinError(f"{stack.source}: the bridge has no output at U-D")
    layer = changed.layers[motor.index]
    area = getattr(layer, "area", None) or changed.area   # the free layer's (wire's) area
    d = layer.thickness
    spins = spin_count(changed)
    g_factor = motor.g_factor
    h = kittel_field(law.frequency, m, g_factor)
    g_s = slonczewski_g(polarization, theta)
    g_b = bridge_efficiency(abs(gain), law.delta_alpha, spins)
    return ThresholdComparison(
        J_circuit=abs(law.V_th / gain) / area,
        J_slonczewski=slonczewski_critical_current_density(a, d, m, h, efficiency=g_s),
        frequency=law.frequency, field=h, ms=m, thickness=d, alpha=a,
        delta_alpha=law.delta_alpha, polarization=float(polarization), g_slonczewski=g_s,
        g_bridge=g_b, bridge_gain=gain, V_th=law.V_th, spins=spins,
        damping_ratio=thin_film_damping_ratio(h, m), efficiency_ratio=g_b / g_s,
        damping_share=a / (a + law.delta_alpha))
