"""Closed-form Valet–Fert spin-diffusion solution of a straight stack.

An independent reference for the circuit: it imports only the stack (never the network
or the solvers).  In each layer (local coordinate xi in [0, t], lsf = l)::

    Delta(xi) = a C(xi) + b S(xi)                        (Delta'' = Delta / l^2)
    V_c(xi)   = c - I xi / (A sigma)                     (sigma-weighted mean potential)
    V_up = V_c + (sigma_dn/sigma) Delta,   V_dn = V_c - (sigma_up/sigma) Delta
    I_up = (sigma_up/sigma) I - A p Delta',  I_dn = (sigma_dn/sigma) I + A p Delta'

with p = sigma_up sigma_dn / sigma and the even and odd solutions about the layer's
middle, C = cosh((xi - t/2)/l) / cosh(t/2l), S = sinh((xi - t/2)/l) / sinh(t/2l)
(C = 1, S = -+1 at the faces: a is the mean, b the half-difference of Delta at the
faces).  :func:`even_odd` evaluates them from scaled exponentials and expm1: no overflow
for thick layers, no cancellation for thin ones (where exp(-(t - xi)/l) and exp(-xi/l)
would both be ~1 and their large coefficients would cancel).  The
equations: Delta = 0 at both electrodes, V = 0 at the last face; at each interface the
up current is continuous (less the motor current I_M at U-D) and each band drops
r_s I_s / A; the linear motor adds I_M = (Delta_U - E) / R_M.  One dense solve of
3 (layers) + 1 unknowns.

Public API
----------
solve_diffusion(stack, current) -> DiffusionSolution
    (a BranchedSolution with the same accessors for wires and flaring layers)
DiffusionSolution
    ``V_UD``, ``delta_mu_bar_eV``, ``voltage``, ``resistance``, ``motor_current``;
    ``at(layer, xi)`` -> (V_up, V_dn, I_up, I_dn) at local positions of a layer;
    ``profile(points_per_layer)`` -> record array like ``Solution.profile()``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import Stack, check_geometry

PROFILE_DTYPE = np.dtype([("layer", "i4"), ("x", "f8"), ("V_up", "f8"), ("V_dn", "f8"),
                          ("Delta", "f8"), ("I_up", "f8"), ("I_dn", "f8")])


def even_odd(xi, t, l):
    """(C, S, C', S') at local positions xi (m) of a layer of thickness t, lsf l.

    C = cosh((xi - t/2)/l) / cosh(t/(2l)), S = sinh((xi - t/2)/l) / sinh(t/(2l)), from
    e_a = exp(-(t - xi)/l), e_b = exp(-xi/l): C = (e_a + e_b) / (1 + e^{-t/l}),
    S = (e_a - e_b) / (1 - e^{-t/l}), with e_a - e_b and 1 - e^{-t/l} through expm1.
    """
    xi = np.asarray(xi, dtype=float)
    e_a = np.exp(-(t - xi) / l)
    e_b = np.exp(-xi / l)
    left = 2.0 * xi <= t
    arg = np.where(left, (2.0 * xi - t) / l, (t - 2.0 * xi) / l)  # <= 0: no overflow
    diff = np.where(left, e_b, -e_a) * np.expm1(arg)               # e_a - e_b
    ep = 1.0 + np.exp(-t / l)
    em = -np.expm1(-t / l)
    return (e_a + e_b) / ep, diff / em, diff / (l * ep), (e_a + e_b) / (l * em)


def _layer_constants(stack: Stack):
    out = []
    for layer in stack.layers:
        rho_up, rho_dn = layer.band_resistivities
        su, sd = 1.0 / rho_up, 1.0 / rho_dn
        out.append((layer.thickness, layer.lsf, su, sd, su + sd, su * sd / (su + sd)))
    return out


@dataclass(frozen=True)
class DiffusionSolution:
    """Coefficients (a, b, c) of every layer (Delta = a C + b S, V_c(0) = c; see the
    module docstring) and the motor current of one solve."""

    stack: Stack
    current: float
    coeffs: np.ndarray  # (layers, 3)
    motor_current: float

    def at(self, layer: int, xi):
        """(V_up, V_dn, I_up, I_dn) at local positions ``xi`` (m) of layer ``layer``."""
        t, l, su, sd, sigma, p = _layer_constants(self.stack)[layer]
        a, b, c = self.coeffs[layer]
        xi = np.asarray(xi, dtype=float)
        cc, ss, dc, ds = even_odd(xi, t, l)
        delta = a * cc + b * ss
        ddelta = a * dc + b * ds
        vc = c - self.current * xi / (self.stack.area * sigma)
        area = self.stack.area
        return (vc + sd / sigma * delta, vc - su / sigma * delta,
                su / sigma * self.current - area * p * ddelta,
                sd / sigma * self.current + area * p * ddelta)

    @property
    def V_UD(self) -> float | None:
        motor = self.stack.motor
        if motor is None:
            return None
        v_up, v_dn, _, _ = self.at(motor.index, 0.0)
        return float(self.stack.motor_sign * (v_up - v_dn))

    @property
    def delta_mu_bar_eV(self) -> float | None:
        v = self.V_UD
        return None if v is None else -v

    @property
    def voltage(self) -> float:
        v_up, _, _, _ = self.at(0, 0.0)
        return float(v_up)

    @property
    def resistance(self) -> float:
        return self.voltage / self.current if self.current else float("nan")

    def profile(self, points_per_layer: int = 50) -> np.ndarray:
        """Record array along x with ``points_per_layer`` points in every layer."""
        return profile_records(self.at, self.stack.layers, points_per_layer)


def profile_records(at, layers, points_per_layer: int = 50) -> np.ndarray:
    """Record array (PROFILE_DTYPE) of ``at(i, xi) -> (V_up, V_dn, I_up, I_dn)`` sampled
    at ``points_per_layer`` points across each of ``layers`` (x = x0 + xi)."""
    rows = []
    for i, layer in enumerate(layers):
        xi = np.linspace(0.0, layer.thickness, points_per_layer)
        v_up, v_dn, i_up, i_dn = at(i, xi)
        r = np.zeros(xi.size, dtype=PROFILE_DTYPE)
        r["layer"], r["x"] = i, layer.x0 + xi
        r["V_up"], r["V_dn"], r["Delta"] = v_up, v_dn, v_up - v_dn
        r["I_up"], r["I_dn"] = i_up, i_dn
        rows.append(r)
    return np.concatenate(rows)


def solve_diffusion(stack: Stack, current: float) -> DiffusionSolution:
    """Solve the spin-diffusion equations of ``stack`` with ``current`` (A) along +x.

    A branched geometry (a :class:`~circuitspin.wires.WireStack`) or a stack with a
    flaring layer goes to :func:`circuitspin.branched_diffusion.solve_branched`, whose
    solution has the same accessors (radial exponentials in the flaring layers).
    """
    check_geometry(stack, "solve_diffusion")
    if not isinstance(stack, Stack) or any(lay.area_profile is not None
                                           for lay in stack.layers):
        from .branched_diffusion import solve_branched

        return solve_branched(stack, current)
    consts = _layer_constants(stack)
    n = len(consts)
    motor = stack.motor
    g_m = motor.conductance if (motor is not None and motor.mode == "linear") else 0.0
    s_m = stack.motor_sign if motor is not None else 1.0  # U is the motor layer's majority band
    size = 3 * n + 1  # last unknown: motor current I_M (A)
    M = np.zeros((size, size))
    rhs = np.zeros(size)
    area, current = stack.area, float(current)
    im = 3 * n
    row = 0

    def delta_row(i, at_end):
        t, l, *_ = consts[i]
        cc, ss, _, _ = even_odd(t if at_end else 0.0, t, l)
        r = np.zeros(size)
        r[3 * i:3 * i + 2] = cc, ss
        return r

    def dprime_row(i, at_end):
        t, l, *_ = consts[i]
        _, _, dc, ds = even_odd(t if at_end else 0.0, t, l)
        r = np.zeros(size)
        r[3 * i:3 * i + 2] = dc, ds
        return r

    def potential_rows(i, at_end):
        """Rows giving (V_up, V_dn) = row . z + const at a face of layer i."""
        t, l, su, sd, sigma, p = consts[i]
        dr = delta_row(i, at_end)
        vc = np.zeros(size)
        vc[3 * i + 2] = 1.0
        const = -current * t / (area * sigma) if at_end else 0.0
        return (vc + sd / sigma * dr, const), (vc - su / sigma * dr, const)

    # electrodes: Delta = 0 at both outer faces, V = 0 at the last face
    M[row] = delta_row(0, False); row += 1
    M[row] = delta_row(n - 1, True); row += 1
    (vup_end, c_end), _ = potential_rows(n - 1, True)
    M[row] = vup_end; rhs[row] = -c_end; row += 1

    for iface in stack.interfaces:
        i, k = iface.left, iface.left + 1
        ti, li, sui, sdi, sgi, pi_ = consts[i]
        tk, lk, suk, sdk, sgk, pk = consts[k]
        r_up, r_dn = iface.band_resistances
        at_motor = motor is not None and motor.index == k
        # I_up,i(t) = I_up,k(0) + s I_M   (currents in A; scaled by a resistance to volts)
        scale = li / (area * pi_)
        r = -area * pi_ * dprime_row(i, True) + area * pk * dprime_row(k, False)
        if at_motor:
            r[im] = -s_m
        M[row] = scale * r
        rhs[row] = scale * (suk / sgk - sui / sgi) * current
        row += 1
        # band drops: V_s,i(t) - V_s,k(0) = (r_s / A) I_s,i(t)
        (vu_i, cu_i), (vd_i, cd_i) = potential_rows(i, True)
        (vu_k, cu_k), (vd_k, cd_k) = potential_rows(k, False)
        iup_row = -area * pi_ * dprime_row(i, True)
        M[row] = vu_i - vu_k - (r_up / area) * iup_row
        rhs[row] = -(cu_i - cu_k) + (r_up / area) * sui / sgi * current
        row += 1
        M[row] = vd_i - vd_k + (r_dn / area) * iup_row
        rhs[row] = -(cd_i - cd_k) + (r_dn / area) * sdi / sgi * current
        row += 1

    # motor: I_M = G_M (s Delta_U - E), or I_M = 0 for an open branch
    if g_m > 0:
        dr = delta_row(motor.index, False)
        M[row] = g_m * s_m * dr
        M[row, im] = -1.0
        rhs[row] = g_m * motor.emf
    else:
        M[row, im] = 1.0
    row += 1
    assert row == size
    z = np.linalg.solve(M, rhs)
    return DiffusionSolution(stack=stack, current=current, coeffs=z[:im].reshape(n, 3),
                             motor_current=float(z[im]))
