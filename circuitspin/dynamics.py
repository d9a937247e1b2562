"""Macrospin dynamics of a free layer: Landau-Lifshitz-Gilbert for its unit vector m.

The model (docs/model.md, "Macrospin dynamics"; SI units throughout)::

    dm/dt = -gamma m x B_eff + alpha m x dm/dt + s(m)

    B_eff = B_applied + B_k (m.u) u - mu0 Ms N m          (tesla)
    s(m)  = -(gamma / (Ms V)) [tau(m) - m (m.tau(m))]      (1/s)

with ``u`` the anisotropy axis (the layer's initial magnetization), ``N`` the
demagnetisation tensor (a thin film whose normal is the stack axis x: diag(1, 0, 0)),
``alpha`` the Gilbert damping (plus an optional spin-pumping part) and ``tau(m)`` the
spin-transfer torque in N m: the spin angular momentum per second the layer absorbs
(docs/noncollinear.md, "Outputs": ``hbar/2e`` times the transverse spin current
flowing into it).  The magnet's spin angular momentum is ``-(Ms V / gamma) m`` (moment
and spin point opposite ways), hence the minus sign in ``s``.  Solved for dm/dt (Landau-Lifshitz form)::

    (1 + alpha^2) dm/dt = T + alpha m x T,      T = -gamma m x B_eff + s(m)

Keeping the norm of m at 1: the right-hand side is evaluated at ``m / |m|`` and is
perpendicular to it, so the exact flow keeps the norm constant and the direction's
motion does not depend on it; the adaptive integrator's truncation error moves the norm
by about its tolerance over a
run, and every stored sample is renormalised.  (Integrating on the sphere in angles would
be singular at the poles, exactly where a magnet starts.)  ``Trajectory.norm_error``
reports the largest drift before renormalisation.

Thermal noise (stochastic LLG): a random field ``b`` enters with ``B_eff`` in both terms,
``<b_i(t) b_j(t')> = 2 D delta_ij delta(t - t')`` with the fluctuation-dissipation strength
``D = alpha k_B T / (gamma Ms V)`` (Brown; this makes the Boltzmann distribution of m
stationary).  Solved in Stratonovich sense by Heun's scheme with a fixed step,
renormalising after each step, seeded (numpy ``default_rng``).

Public API
----------
Macrospin(ms, volume, alpha, anisotropy_field, axis, field, gamma, demag, alpha_pumping)
    One layer (SI); ``.effective_field(m)``, ``.energy(m)``, ``.rhs(m, torque=None, thermal=None)``,
    ``.rotated(R)``, ``.linear_modes()``, ``.critical_torque_efficiency()``.
integrate(macrospin, m0, duration, torque=None, rtol=..., atol=..., method=..., samples=...)
    Deterministic run (scipy ``solve_ivp``) -> :class:`Trajectory`.
integrate_thermal(macrospin, m0, duration, temperature, step=..., seed=..., torque=None)
    Stochastic run (Heun, fixed step); ``m0`` may carry leading ensemble dimensions.
Trajectory
    ``t``, ``m``, ``m_initial``, ``axis``; ``.frequency()``, ``.max_cone_angle``,
    ``.switched``, ``.to_dict()``.
precession_frequency(t, m, interpolant=None) -> float
    Dominant precession frequency (Hz) over the last half of a run.
slonczewski_torque(efficiency, current, polarizer) -> callable
    A Slonczewski torque model tau(m).
kittel_frequency(macrospin), tilted(axis, degrees), GAMMA, MU0, THIN_FILM
    Kittel's frequency; a tilted start; constants.
macrospin_of(stack, field=None) -> Macrospin
    From a stack's ``[dynamics]`` table (also layer_direction, layer_volume,
    spin_pumping_damping).
circuit_model(stack, data=None) -> CircuitTorque
    The circuit's torque at any m.
simulate(stack, current, duration, tilt=0, ...) -> Trajectory
    One run from a stack file (maps over current x field: :mod:`circuitspin.dynamics_map`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import constants as _c

from .errors import CircuitSpinError, SolverError

#: gyromagnetic ratio of the electron used unless given, rad/(s T)
#: (docs/model.md, "Macrospin dynamics")
GAMMA = 1.76e11
MU0 = _c.mu_0
_MU_B = _c.physical_constants["Bohr magneton"][0]
#: demagnetisation tensor of a thin film whose normal is the stack axis x
THIN_FILM = ((1.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


_I1 = [1, 2, 0]
_I2 = [2, 0, 1]


def _cross(a, b) -> np.ndarray:
    """a x b over the last axis (numpy's cross costs ~10x more for one vector)."""
    return a[..., _I1] * b[..., _I2] - a[..., _I2] * b[..., _I1]


def _unit(v, what="vector") -> np.ndarray:
    v = np.asarray(v, dtype=float)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    if not np.all(np.isfinite(n)) or np.any(n == 0):
        raise CircuitSpinError(f"{what} must be a finite non-zero 3-vector, got {v!r}")
    return v / n


@dataclass(frozen=True)
class Macrospin:
    """One uniformly magnetised layer (SI units).

    ms: saturation magnetisation (A/m); volume (m^3); alpha: Gilbert damping;
    anisotropy_field B_k (T) along the unit ``axis``; field: applied B (T, lab axes);
    gamma (rad/(s T)); demag: the 3x3 demagnetisation tensor N (trace <= 1);
    alpha_pumping: spin-pumping damping added to alpha (damping and noise).
    """

    ms: float
    volume: float
    alpha: float
    anisotropy_field: float
    axis: tuple
    field: tuple = (0.0, 0.0, 0.0)
    gamma: float = GAMMA
    demag: tuple = THIN_FILM
    alpha_pumping: float = 0.0

    def __post_init__(self):
        for name in ("ms", "volume", "gamma"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise CircuitSpinError(f"Macrospin: {name} must be > 0, got {v!r}")
        for name in ("alpha", "alpha_pumping"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise CircuitSpinError(f"Macrospin: {name} must be >= 0, got {v!r}")
        if not math.isfinite(self.anisotropy_field):
            raise CircuitSpinError("Macrospin: anisotropy_field must be finite")
        object.__setattr__(self, "axis", tuple(_unit(self.axis, "Macrospin: axis")))
        f = np.asarray(self.field, dtype=float)
        if f.shape != (3,) or not np.all(np.isfinite(f)):
            raise CircuitSpinError(f"Macrospin: field must be a finite 3-vector (T), "
                                   f"got {self.field!r}")
        object.__setattr__(self, "field", tuple(f))
        n = np.asarray(self.demag, dtype=float)
        if n.shape != (3, 3) or not np.allclose(n, n.T) or not np.all(np.isfinite(n)):
            raise CircuitSpinError("Macrospin: demag must be a symmetric 3x3 tensor")
        object.__setattr__(self, "demag", tuple(map(tuple, n)))
        # arrays for the right-hand side (a frozen dataclass keeps its tuples public)
        object.__setattr__(self, "_u", np.asarray(self.axis))
        object.__setattr__(self, "_b", np.asarray(self.field))
        object.__setattr__(self, "_nt", MU0 * self.ms * n.T)

    # ------------------------------------------------------------------ fields
    @property
    def alpha_total(self) -> float:
        return self.alpha + self.alpha_pumping

    @property
    def moment(self) -> float:
        """Ms V, A m^2."""
        return self.ms * self.volume

    def effective_field(self, m) -> np.ndarray:
        """B_eff (T) at unit vector(s) ``m`` (shape (..., 3))."""
        m = np.asarray(m, dtype=float)
        u = self._u
        return self._b + self.anisotropy_field * (m @ u)[..., None] * u - m @ self._nt

    def energy(self, m) -> np.ndarray:
        """Magnetic energy (J): Zeeman + uniaxial anisotropy + demagnetisation."""
        m = np.asarray(m, dtype=float)
        u = np.asarray(self.axis)
        n = np.asarray(self.demag)
        density = (-(m @ np.asarray(self.field)) - 0.5 * self.anisotropy_field * (m @ u) ** 2
                   + 0.5 * MU0 * self.ms * np.einsum("...i,ij,...j->...", m, n, m))
        return self.moment * density

    def rhs(self, m, torque=None, thermal=None) -> np.ndarray:
        """dm/dt (1/s) at ``m`` (normalised here), Landau-Lifshitz form.

        ``torque``: callable ``tau(m)`` (N m, spin angular momentum absorbed per second)
        or None; ``thermal``: a random field (T) added to B_eff, or None."""
        m = np.asarray(m, dtype=float)
        m = m / np.sqrt(np.sum(m * m, axis=-1, keepdims=True))
        b = self.effective_field(m)
        if thermal is not None:
            b = b + thermal
        t = -self.gamma * _cross(m, b)
        if torque is not None:
            tau = np.asarray(torque(m), dtype=float)
            if tau.shape != m.shape or not np.all(np.isfinite(tau)):
                raise SolverError(f"the spin-transfer torque at m = {m.tolist()} is "
                                  f"{tau!r}: not a finite vector of shape {m.shape}")
            tau_perp = tau - m * np.sum(m * tau, axis=-1, keepdims=True)
            t = t - (self.gamma / self.moment) * tau_perp
        a = self.alpha_total
        return (t + a * _cross(m, t)) / (1.0 + a * a)

    def rotated(self, rotation) -> "Macrospin":
        """The same magnet with field, anisotropy axis and demag tensor rotated by the
        3x3 rotation matrix ``rotation``."""
        r = np.asarray(rotation, dtype=float)
        return replace(self, axis=tuple(r @ np.asarray(self.axis)),
                       field=tuple(r @ np.asarray(self.field)),
                       demag=tuple(map(tuple, r @ np.asarray(self.demag) @ r.T)))

    # --------------------------------------------------------- linear analysis
    def _stiffness(self, m0=None):
        """The two curvatures (T) of the energy per moment about the equilibrium
        ``m0`` (default: the axis) along two orthonormal transverse axes, and those
        axes: E/(Ms V) ~ (k1 d1^2 + k2 d2^2)/2 for small deviations d."""
        m0 = np.asarray(self.axis if m0 is None else _unit(m0, "m0"))
        e1, e2 = transverse_basis(m0)
        b0 = float(self.effective_field(m0) @ m0)
        h = np.zeros((2, 2))
        u = np.asarray(self.axis)
        n = np.asarray(self.demag)
        for i, ei in enumerate((e1, e2)):
            for j, ej in enumerate((e1, e2)):
                h[i, j] = (-self.anisotropy_field * (ei @ u) * (ej @ u)
                           + MU0 * self.ms * (ei @ n @ ej))
        h += b0 * np.eye(2)
        w, v = np.linalg.eigh(h)
        axes = (v[0, 0] * e1 + v[1, 0] * e2, v[0, 1] * e1 + v[1, 1] * e2)
        return w, axes

    def linear_modes(self, m0=None) -> dict:
        """Small-amplitude precession about the equilibrium ``m0`` (default: the axis),
        which must be a stationary point of the energy.

        Returns ``frequency`` (Hz, undamped: gamma sqrt(k1 k2) / 2 pi, Kittel's formula
        for an in-plane film), ``decay_rate`` (1/s, of the amplitude:
        alpha gamma (k1 + k2) / (2 (1 + alpha^2))) and ``stiffness`` (k1, k2 in T).
        Derivation: with deviations d1, d2 along the principal axes the linearised LLG
        reads (1 - alpha J) d' = gamma [[0, -k2], [k1, 0]] d (J the quarter turn); the
        eigenvalues are -lambda +- i omega with lambda = alpha gamma (k1 + k2) /
        (2 (1 + alpha^2)) and omega^2 = gamma^2 k1 k2 / (1 + alpha^2) - lambda^2."""
        (k1, k2), _ = self._stiffness(m0)
        a, g = self.alpha_total, self.gamma
        lam = a * g * (k1 + k2) / (2.0 * (1.0 + a * a))
        w2 = g * g * k1 * k2 / (1.0 + a * a) - lam * lam
        return {"frequency": g * math.sqrt(max(k1 * k2, 0.0)) / (2 * math.pi),
                "damped_frequency": math.sqrt(max(w2, 0.0)) / (2 * math.pi),
                "decay_rate": lam, "stiffness": (float(k1), float(k2))}

    def critical_torque_efficiency(self, m0=None) -> float:
        """The anti-damping torque a_c (T) that cancels the damping of small
        precession about ``m0`` (Sun, PRB 62, 570 (2000), linearised):
        a_c = alpha (k1 + k2) / 2, i.e. alpha (B + B_k + mu0 Ms / 2) for an in-plane
        film with the field along its easy axis.  A Slonczewski torque whose
        ``gamma * a_J * m x (m x p)`` term has a_J > a_c destabilises m0 = p."""
        (k1, k2), _ = self._stiffness(m0)
        return self.alpha_total * (k1 + k2) / 2.0


def transverse_basis(m0):
    """Two unit vectors completing ``m0`` to a right-handed orthonormal basis."""
    m0 = _unit(m0, "m0")
    helper = np.eye(3)[int(np.argmin(np.abs(m0)))]
    e1 = _unit(np.cross(m0, helper))
    return e1, np.cross(m0, e1)


def tilted(axis, degrees: float, towards=None) -> np.ndarray:
    """``axis`` turned by ``degrees`` towards ``towards`` (default: the in-plane
    direction ``axis x x_hat`` of a film normal to x, or z if ``axis`` is along x)."""
    u = _unit(axis, "axis")
    if towards is None:
        towards = np.cross(u, [1.0, 0.0, 0.0])
        if np.linalg.norm(towards) < 1e-12:
            towards = np.array([0.0, 0.0, 1.0])
    w = np.asarray(towards, dtype=float) - u * (u @ np.asarray(towards, dtype=float))
    w = _unit(w, "tilt direction")
    th = math.radians(degrees)
    return math.cos(th) * u + math.sin(th) * w


def kittel_frequency(macrospin: Macrospin) -> float:
    """f = (gamma / 2 pi) sqrt(B (B + mu0 Ms)), B = B_applied.u + B_k: an in-plane
    thin film (normal x) with the field along its easy axis u."""
    u = np.asarray(macrospin.axis)
    b = float(np.asarray(macrospin.field) @ u) + macrospin.anisotropy_field
    return macrospin.gamma / (2 * math.pi) * math.sqrt(b * (b + MU0 * macrospin.ms))


def slonczewski_torque(efficiency: float, current: float, polarizer):
    """tau(m) = (hbar / 2e) efficiency I (p - m (m.p)): the spin angular momentum a
    current I (A) carries into the layer from a polarizer whose moment points along p
    (electrons flowing from the layer towards the polarizer, I > 0, bring back spins
    along +p, i.e. moments along -p: this destabilises m = p).  In the LLG it is
    ``gamma a_J m x (m x p)`` with a_J = hbar efficiency I / (2 e Ms V)."""
    p = _unit(polarizer, "polarizer")
    k = _c.hbar / (2 * _c.e) * efficiency * current

    def torque(m):
        m = np.asarray(m, dtype=float)
        return k * (p - m * (m @ p)[..., None])

    return torque


# ----------------------------------------------------------------- trajectories
@dataclass
class Trajectory:
    """A run: times ``t`` (s, shape (n,)) and unit vectors ``m`` (shape (n, 3), or
    (n, ..., 3) for an ensemble); ``m_initial`` the start, ``axis`` the anisotropy
    axis (the layer's initial magnetization, before any tilt)."""

    t: np.ndarray
    m: np.ndarray
    m_initial: np.ndarray
    axis: np.ndarray
    norm_error: float = 0.0
    interpolant: object = field(default=None, repr=False)

    @property
    def m_final(self) -> np.ndarray:
        return self.m[-1]

    @property
    def switched(self) -> bool:
        """m_final . axis < 0: the layer ended reversed from its initial magnetization."""
        return bool(self.m_final @ self.axis < 0)

    @property
    def cone_angle(self) -> np.ndarray:
        """Angle (deg) between m(t) and the anisotropy axis."""
        return np.degrees(np.arccos(np.clip(self.m @ self.axis, -1.0, 1.0)))

    @property
    def max_cone_angle(self) -> float:
        return float(np.max(self.cone_angle))

    def frequency(self) -> float:
        """Dominant precession frequency (Hz) over the last half (0 when static)."""
        return precession_frequency(self.t, self.m, self.interpolant)

    def to_dict(self) -> dict:
        """The JSON fields of ``circuitspin dynamics``."""
        return {"time": float(self.t[-1]), "m_final": [float(x) for x in self.m_final],
                "m_initial": [float(x) for x in self.m_initial],
                "switched": self.switched, "frequency": self.frequency(),
                "max_cone_angle": self.max_cone_angle,
                "norm_error": float(self.norm_error)}


#: below this transverse amplitude (rad) about the mean direction m is static
STATIC_AMPLITUDE = 1e-7


def precession_frequency(t, m, interpolant=None) -> float:
    """Dominant precession frequency (Hz) of m(t) over the last half of the run.

    The azimuth of the velocity dm/dt in the plane normal to the mean m of that half is
    unwrapped (the velocity turns once per turn of any convex orbit, whatever its centre,
    and its zero crossings stay exactly periodic while a ringdown decays); the frequency
    is the number of whole turns between its first and last crossings of a multiple of
    2 pi divided by the time between them.  Crossing times are interpolated between
    samples and refined on ``interpolant`` (a callable t -> m, e.g. solve_ivp's dense
    output) when given, so a clean oscillation gives its frequency to far better than
    1e-3 (the samples need only resolve each turn).  Returns 0 when the transverse
    amplitude stays below ``STATIC_AMPLITUDE`` or less than two whole turns are seen."""
    t = np.asarray(t, dtype=float)
    m = np.asarray(m, dtype=float)
    if t.size < 5:
        return 0.0
    half = t >= t[0] + 0.5 * (t[-1] - t[0])
    ts, ms = t[half], m[half]
    if ts.size < 5:
        return 0.0
    mean = ms.mean(axis=0)
    if np.linalg.norm(mean) < 1e-12:
        return 0.0
    mean = mean / np.linalg.norm(mean)
    dev = ms - mean
    if np.max(np.linalg.norm(dev - np.outer(dev @ mean, mean), axis=1)) < STATIC_AMPLITUDE:
        return 0.0
    vs = np.gradient(m, t, axis=0)[half]
    # azimuth measured from minus the velocity at the window's start: covariant under
    # rotations, and its first crossing half a turn into the window
    e1 = vs[0] - mean * (vs[0] @ mean)
    if np.linalg.norm(e1) < 1e-9 * np.max(np.linalg.norm(vs, axis=1)):
        e1 = transverse_basis(mean)[0]
    e1 = e1 / np.linalg.norm(e1)
    e2 = np.cross(mean, e1)

    def azimuth(v):
        return np.arctan2(-(v @ e2), -(v @ e1))

    phi = np.unwrap(azimuth(vs))
    turns = np.floor(phi / (2 * math.pi))
    idx = np.nonzero(np.diff(turns) != 0)[0]
    if idx.size < 3:
        return 0.0
    velocity = None
    if interpolant is not None:
        h = 1e-3 * float(np.min(np.diff(ts)))

        def velocity(tt):
            return (np.asarray(interpolant(tt + h)) - np.asarray(interpolant(tt - h))) / (2 * h)

    crossings = []
    for i in idx:
        level = 2 * math.pi * max(turns[i], turns[i + 1])
        tc = ts[i] + (level - phi[i]) / (phi[i + 1] - phi[i]) * (ts[i + 1] - ts[i])
        if velocity is not None and ts[0] < ts[i] and ts[i + 1] < ts[-1]:
            tc = _refine_crossing(velocity, azimuth, ts[i], ts[i + 1], phi[i], level, tc)
        crossings.append((turns[i + 1] - turns[i], tc))
    n_turns = abs(sum(d for d, _ in crossings[1:]))
    dt = crossings[-1][1] - crossings[0][1]
    return float(n_turns / dt) if dt > 0 else 0.0


def _refine_crossing(velocity, azimuth, ta, tb, phi_a, level, guess):
    """The time in [ta, tb] where the unwrapped azimuth of ``velocity(t)`` reaches
    ``level`` (continued from ``phi_a`` at ``ta``: samples are far less than half a turn
    apart)."""
    from scipy.optimize import brentq

    base = azimuth(velocity(ta))

    def g(tt):
        turn = azimuth(velocity(tt)) - base
        return phi_a + (turn + math.pi) % (2 * math.pi) - math.pi - level

    try:
        return brentq(g, ta, tb, xtol=1e-15 * abs(tb), rtol=4e-16)
    except ValueError:  # no sign change on the interpolant: keep the linear estimate
        return guess


def _output_times(duration, samples):
    return np.linspace(0.0, duration, int(samples))


def fastest_frequency(macrospin: Macrospin, torque_scale: float = 0.0) -> float:
    """An upper bound (Hz) of the precession frequency the fields allow:
    ``gamma (|B| + |B_k| + mu0 Ms |N| + a_J) / 2 pi`` (``torque_scale`` = a_J in T)."""
    b = (np.linalg.norm(macrospin.field) + abs(macrospin.anisotropy_field)
         + MU0 * macrospin.ms * np.max(np.abs(np.linalg.eigvalsh(np.asarray(macrospin.demag))))
         + torque_scale)
    return macrospin.gamma * b / (2 * math.pi)


def default_samples(macrospin: Macrospin, duration: float, torque_scale: float = 0.0,
                    per_turn: int = 24, limit: int = 2_000_000) -> int:
    """Output samples enough to resolve every turn: ``per_turn`` per period of
    :func:`fastest_frequency` (at least 1001, at most ``limit``)."""
    f = fastest_frequency(macrospin, torque_scale)
    return int(min(limit, max(1001, math.ceil(duration * f * per_turn) + 1)))


def _check_run(duration, m0):
    if not (math.isfinite(duration) and duration > 0):
        raise CircuitSpinError(f"duration must be a finite time > 0 s, got {duration!r}")
    return _unit(m0, "m0")


def integrate(macrospin: Macrospin, m0, duration: float, torque=None, *, rtol=1e-8,
              atol=1e-10, method="DOP853", samples=None, max_step=np.inf) -> Trajectory:
    """Integrate the LLG from ``m0`` for ``duration`` seconds (adaptive ``solve_ivp``).

    ``torque``: callable tau(m) (N m) or None.  ``samples``: number of stored, equally
    spaced times (default: :func:`default_samples`).  ``rtol``/``atol`` bound the
    integrator's local error on the components of m."""
    from scipy.integrate import solve_ivp

    m0 = _check_run(duration, m0)
    if samples is None:
        samples = default_samples(macrospin, duration)
    t_eval = _output_times(duration, samples)
    sol = solve_ivp(lambda _t, y: macrospin.rhs(y, torque), (0.0, duration), m0,
                    method=method, t_eval=t_eval, rtol=rtol, atol=atol, dense_output=True,
                    max_step=max_step)
    if not sol.success:
        raise SolverError(f"the LLG integration failed: {sol.message}")
    raw = sol.y.T
    norms = np.linalg.norm(raw, axis=1)
    dense = sol.sol

    def interpolant(tt):
        y = dense(tt)
        return y / np.linalg.norm(y, axis=0)

    return Trajectory(t=sol.t, m=raw / norms[:, None], m_initial=m0,
                      axis=np.asarray(macrospin.axis), norm_error=float(np.max(np.abs(norms - 1))),
                      interpolant=interpolant)


def thermal_strength(macrospin: Macrospin, temperature: float) -> float:
    """D = alpha k_B T / (gamma Ms V) (T^2 s): <b_i(t) b_j(t')> = 2 D delta_ij delta(t-t')."""
    return macrospin.alpha_total * _c.k * temperature / (macrospin.gamma * macrospin.moment)


def integrate_thermal(macrospin: Macrospin, m0, duration: float, temperature: float, *,
                      step: float, seed=None, torque=None, samples=None) -> Trajectory:
    """Stochastic LLG at ``temperature`` (K): Heun (Stratonovich) with the fixed ``step``
    (s), seeded by ``seed``.  ``m0`` of shape (..., 3) runs an ensemble of independent
    magnets at once (the torque callable, if any, must then accept that shape).

    Stores ``samples`` equally spaced states (default: every step up to 100001)."""
    m0 = _check_run(duration, m0)
    if not (math.isfinite(temperature) and temperature >= 0):
        raise CircuitSpinError(f"temperature must be >= 0 K, got {temperature!r}")
    if not (math.isfinite(step) and 0 < step <= duration):
        raise CircuitSpinError(f"step must be in (0, duration], got {step!r}")
    n_steps = int(math.ceil(duration / step - 1e-9))
    dt = duration / n_steps
    if samples is None:
        samples = min(n_steps + 1, 100_001)
    keep = np.unique(np.round(np.linspace(0, n_steps, int(samples))).astype(int))
    rng = np.random.default_rng(seed)
    sigma = math.sqrt(2.0 * thermal_strength(macrospin, temperature) / dt)
    m = m0.copy()
    out = np.empty((keep.size,) + m.shape)
    out[0] = m
    k = 1
    for i in range(1, n_steps + 1):
        b = sigma * rng.standard_normal(m.shape) if sigma > 0 else None
        f0 = macrospin.rhs(m, torque, b)
        mp = _unit(m + dt * f0)
        f1 = macrospin.rhs(mp, torque, b)
        m = _unit(m + 0.5 * dt * (f0 + f1))
        if k < keep.size and keep[k] == i:
            out[k] = m
            k += 1
    return Trajectory(t=keep * dt, m=out, m_initial=m0, axis=np.asarray(macrospin.axis))


# ------------------------------------------------------------- from a stack file
def layer_direction(stack, index: int) -> np.ndarray:
    """The initial magnetization of layer ``index`` as a lab unit vector: "up" = +z
    ("down" = -z) along the stack's spin axis, or the layer's own direction in a stack
    with non-collinear magnets."""
    layer = stack.layers[index]
    spin_axis = getattr(stack, "spin_axis", (0.0, 0.0, 1.0))
    if spin_axis is None:
        return _unit(layer.direction, f"layer {layer.name!r} magnetization")
    sign = -1.0 if layer.magnetization == "down" else 1.0
    return sign * _unit(spin_axis, "spin axis")


def layer_volume(stack, index: int) -> float:
    """Volume (m^3) of layer ``index``: area x thickness, or the integral of its area
    profile."""
    layer = stack.layers[index]
    if layer.area_profile is None:
        return stack.area * layer.thickness
    from scipy.integrate import simpson

    x = np.linspace(0.0, layer.thickness, 1025)
    return float(simpson(layer.area_at(stack.area, x), x=x))


def _table(stack):
    d = getattr(stack, "dynamics", None)
    if d is None:
        raise CircuitSpinError(f"{stack.source}: [dynamics] table missing (it names the "
                               "free layer and gives ms, alpha, anisotropy_field, field)")
    return d


def spin_pumping_damping(stack, index: int, ms: float, gamma: float = GAMMA) -> float:
    """The Gilbert damping that spin pumping into the layer's normal-metal neighbours
    adds (Tserkovnyak, Brataas, Bauer, PRL 88, 117601 (2002), ideal spin sinks, no
    backflow): ``alpha' = gamma hbar g_r / (4 pi Ms V)`` per interface, with the
    dimensionless mixing conductance ``g_r = A g_mix h / e^2`` (g_mix per area in the
    per-spin normalisation of the circuit), i.e. ``gamma hbar^2 A g_mix / (2 e^2 Ms V)``.
    A neighbour without ``g_mix`` (a collinear stack file) is a StackError."""
    from .errors import StackError
    from .literature import spin_pumping_delta_alpha

    volume = layer_volume(stack, index)
    total = 0.0
    for k in (index - 1, index):
        if not 0 <= k < len(stack.interfaces):
            continue
        other = stack.layers[k if k != index else index + 1]
        if other.material.ferromagnetic:
            continue
        params = stack.interfaces[k].params
        g_mix = getattr(params, "g_mix", None) if params is not None else None
        if g_mix is None:
            a, b = stack.layers[k].material.name, stack.layers[k + 1].material.name
            raise StackError(f'{stack.source}: [interfaces."{a}/{b}"] g_mix: missing: '
                             "[dynamics] spin_pumping needs the spin-mixing conductance")
        area = float(stack.layers[index].area_at(stack.area, 0.0 if k < index
                                                 else stack.layers[index].thickness))
        # the one formula (circuitspin.literature), with g_L mu_B = gamma hbar
        total += spin_pumping_delta_alpha(g_mix, ms, volume / area,
                                          g_factor=gamma * _c.hbar / _MU_B)
    return total


def macrospin_of(stack, *, field=None, alpha_pumping=None) -> Macrospin:
    """The :class:`Macrospin` of the stack's ``[dynamics]`` table: a thin film normal to
    the stack axis x, anisotropy along the layer's initial magnetization, volume from
    the stack's area.  ``field`` (T, 3-vector) replaces the table's applied field;
    ``alpha_pumping`` replaces the spin-pumping damping (default: that of
    :func:`spin_pumping_damping` with ``spin_pumping = true``, else 0)."""
    d = _table(stack)
    if alpha_pumping is None:
        alpha_pumping = (spin_pumping_damping(stack, d.index, d.ms, d.gamma)
                         if getattr(d, "spin_pumping", False) else 0.0)
    return Macrospin(ms=d.ms, volume=layer_volume(stack, d.index), alpha=d.alpha,
                     anisotropy_field=d.anisotropy_field,
                     axis=tuple(layer_direction(stack, d.index)),
                     field=tuple(d.field if field is None else field), gamma=d.gamma,
                     alpha_pumping=alpha_pumping)


def _resolve(stack):
    """(Stack, its mapping or None) from a stack file path, a mapping or a Stack."""
    import os

    from .reader import read_stack_data, stack_from_dict

    if isinstance(stack, (str, os.PathLike)):
        data = read_stack_data(stack)
        return stack_from_dict(data, source=str(stack)), data
    if isinstance(stack, dict):
        return stack_from_dict(stack), stack
    return stack, None


def circuit_model(stack, data=None, *, segments=None, method=None):
    """The circuit's torque on the ``[dynamics]`` layer at any m
    (:class:`circuitspin.dynamics_circuit.CircuitTorque`).  A collinear stack is read
    again from its mapping ``data`` with the layer turned off its axis, so that the
    non-collinear circuit is built (its F|N interfaces need ``g_mix``)."""
    from .dynamics_circuit import CircuitTorque, noncollinear_stack

    d = _table(stack)
    if getattr(stack, "spin_axis", None) is None:
        nc = stack
    elif data is None:
        raise CircuitSpinError(f"{stack.source}: the circuit's torque at any angle needs "
                               "the stack file or its mapping (pass the path to "
                               "simulate), not a loaded collinear Stack")
    else:
        nc = noncollinear_stack(data, d.layer, stack.source,
                                layer_direction(stack, d.index))
    return CircuitTorque(nc, d.layer, segments=segments, method=method)


def simulate(stack, current: float = 0.0, duration: float = 5e-9, *, tilt: float = 0.0,
             torque=None, model=None, field=None, temperature=None, step=None, seed=None,
             rtol: float = 1e-8, atol: float = 1e-10, samples=None, segments=None,
             method=None) -> Trajectory:
    """Run the macrospin of the stack's ``[dynamics]`` layer at ``current`` (A).

    ``stack``: a stack file path, its mapping, or a Stack.  m starts ``tilt`` degrees
    off the layer's initial magnetization (towards the film-plane direction of
    :func:`tilted`).  The torque is the circuit's own (:func:`circuit_model`; pass
    ``model`` to reuse one over many runs), or ``torque``: a factory
    ``current -> tau(m)`` of your own (e.g. ``lambda i: slonczewski_torque(0.3, i, p)``).
    ``field``: applied field (T, 3-vector) replacing the table's.  ``temperature`` (K;
    default None: no noise; ``"stack"``: the stack's temperature) switches to the
    stochastic LLG with the fixed ``step`` (s; default 1/50 of the fastest precession
    period) and ``seed``.  ``segments``, ``method``: the circuit's discretisation.
    """
    stack, data = _resolve(stack)
    magnet = macrospin_of(stack, field=field)
    if torque is not None:
        tau = torque(current)
    elif current == 0:
        tau = None
    else:
        model = model or circuit_model(stack, data, segments=segments, method=method)
        tau = model.at(current)
    m0 = tilted(magnet.axis, tilt)
    if temperature is None:
        return integrate(magnet, m0, duration, tau, rtol=rtol, atol=atol, samples=samples)
    if temperature == "stack":
        temperature = stack.temperature
    if step is None:
        step = min(duration, 1.0 / (50.0 * fastest_frequency(magnet)))
    if samples is None:
        samples = min(int(math.ceil(duration / step)) + 1,
                      default_samples(magnet, duration))
    return integrate_thermal(magnet, m0, duration, float(temperature), step=step, seed=seed,
                             torque=tau, samples=samples)
