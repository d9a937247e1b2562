"""The closed form of a straight stack with non-collinear magnets (charge + spin vector).

An independent reference for the charge + spin-vector circuit of a non-collinear stack
(docs/noncollinear.md): it imports only the geometry and the scalar closed form's
numerical helpers, never the network or the solvers.  Every layer's coefficients are
the unknowns of one linear system, as in :mod:`circuitspin.diffusion`.

In a layer of thickness t (local x in [0, t], constant section A, charge current I
along +x, sigma = sigma_up + sigma_dn, p = sigma_up sigma_dn / sigma), with the even and
odd solutions C, S of f'' = f / lsf^2 (:func:`circuitspin.diffusion.even_odd`):

- a ferromagnet (bands along its own m): Delta = a C + b S (V_up - V_dn along m),
  V_c = c - I x / (A sigma), V_up = V_c + (sigma_dn / sigma) Delta,
  V_dn = V_c - (sigma_up / sigma) Delta, I_up = (sigma_up / sigma) I + J,
  I_dn = (sigma_dn / sigma) I - J, J = -A p Delta';
- a normal metal: the spin-accumulation vector D_k = a_k C + b_k S (k = x, y, z),
  V_c = c - I x / (A sigma); along a unit axis n the bands sit at V_c +- (n . D) / 2;
  spin current Is = -(A sigma / 2) D' (units of I_up - I_dn).

Conditions: at the outer faces the electrodes short the bands (Delta = 0, D = 0) and
fix V_c (the source's potential is an unknown, the ground's is 0).  At an interface:

- N|N (band resistance 2 AR* each, gamma = 0; G = A / (2 AR*)): V_c^L - V_c^R = I / (2 G)
  and, for each component, Is^L = Is^R = G (D^L - D^R); no interface: V_c, D, Is
  continuous;
- F|F (parallel magnets): J continuous and I_s = G_s (V_s^L - V_s^R); no interface:
  V_up, V_dn, J continuous;
- F|N: the band currents through it I_s = G_s (V_s^F - V_s^N) (F to N), with
  V_s^N = V_c^N +- (m . D^N) / 2, and the normal metal's spin current at the face equals
  (I_up - I_dn) m (F to N) minus the transverse spin current
  T = A [g_mix D_perp + g_mix_im (D x m)] that flows from N into F (absorbed there).

The torque on a magnet is (hbar / 2e) times the sum of T over its contacts.

Public API
----------
solve_noncollinear(stack, current) -> VectorDiffusionSolution
    ``voltage``, ``resistance``, ``V_UD`` (motor layer's frame; open motor only),
    ``spin_accumulation()`` (the JSON shape of ``Solution.spin_accumulation``),
    ``torque()`` ({magnet: [x, y, z]}, N m), ``spin_current_into_magnets()`` (A).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import constants as _c

from .diffusion import _equilibrated_solve, even_odd
from .errors import StackError
from .geometry import check_geometry


def _layer_info(stack):
    out = []
    k = 0
    for i, lay in enumerate(stack.layers):
        if lay.area_profile is not None:
            raise StackError(f"{stack.source}: layer {lay.name!r}: the non-collinear closed "
                             "form takes constant sections only")
        su, sd = (1.0 / r for r in lay.band_resistivities)
        ferro = lay.material.ferromagnetic
        n = 3 if ferro else 7
        if stack.spin_axis is None:
            m = np.array(lay.direction, dtype=float) if ferro else np.array([0.0, 0.0, 1.0])
        else:
            m = np.array(stack.spin_axis, dtype=float)
        out.append({"i": i, "ferro": ferro, "col": k, "n": n, "t": lay.thickness,
                    "A": stack.area, "su": su, "sd": sd, "sigma": su + sd,
                    "p": su * sd / (su + sd), "lsf": lay.lsf, "m": m})
        k += n
    return out, k


class _Forms:
    """Linear forms (coefficient row, constant) of the quantities at a layer face."""

    def __init__(self, size, current):
        self.size = size
        self.I = current

    def _row(self):
        return np.zeros(self.size)

    def face(self, L, x):
        """Forms at local position x of layer L: a dict of (row, const) pairs."""
        C, S, Cp, Sp = (float(v) for v in even_odd(x, L["t"], L["lsf"]))
        col, A, I = L["col"], L["A"], self.I
        out = {}
        vc = self._row()
        vc[col] = 1.0
        out["Vc"] = (vc, -I * x / (A * L["sigma"]))
        if L["ferro"]:
            d = self._row()
            d[col + 1], d[col + 2] = C, S
            dp = self._row()
            dp[col + 1], dp[col + 2] = Cp, Sp
            out["Delta"] = (d, 0.0)
            out["J"] = (-A * L["p"] * dp, 0.0)
            out["V_up"] = (vc + L["sd"] / L["sigma"] * d, out["Vc"][1])
            out["V_dn"] = (vc - L["su"] / L["sigma"] * d, out["Vc"][1])
            out["I_up"] = (out["J"][0], L["su"] / L["sigma"] * I)
            out["I_dn"] = (-out["J"][0], L["sd"] / L["sigma"] * I)
        else:
            D, Is = [], []
            for k in range(3):
                d = self._row()
                d[col + 1 + 2 * k], d[col + 2 + 2 * k] = C, S
                dp = self._row()
                dp[col + 1 + 2 * k], dp[col + 2 + 2 * k] = Cp, Sp
                D.append(d)
                Is.append(-(A * L["sigma"] / 2.0) * dp)
            out["D"] = np.array(D)      # 3 x size
            out["Is"] = np.array(Is)    # 3 x size
        return out


def _assemble(stack, current):
    info, size = _layer_info(stack)
    size += 1                       # the source potential
    vs = size - 1
    f = _Forms(size, current)
    rows, rhs = [], []

    def eq(row, const=0.0, value=0.0):
        """row . z + const = value."""
        rows.append(np.asarray(row, dtype=float))
        rhs.append(value - const)

    first, last = info[0], info[-1]
    for L, x, terminal in ((first, 0.0, "source"), (last, last["t"], "ground")):
        q = f.face(L, x)
        if L["ferro"]:
            eq(q["Delta"][0])
        else:
            for k in range(3):
                eq(q["D"][k])
        row, const = q["Vc"]
        if terminal == "source":
            row = row.copy()
            row[vs] -= 1.0
        eq(row, const)
    for iface in stack.interfaces:
        La, Lb = info[iface.left], info[iface.left + 1]
        qa, qb = f.face(La, La["t"]), f.face(Lb, 0.0)
        merged = iface.merged
        A = stack.area
        if La["ferro"] and Lb["ferro"]:
            if merged:
                for key in ("V_up", "V_dn", "J"):
                    eq(qa[key][0] - qb[key][0], qa[key][1] - qb[key][1])
            else:
                r_up, r_dn = iface.band_resistances
                eq(qa["J"][0] - qb["J"][0])
                for key, r in (("up", r_up), ("dn", r_dn)):
                    g = A / r
                    i_row, i_c = qa[f"I_{key}"]
                    v_row = g * (qa[f"V_{key}"][0] - qb[f"V_{key}"][0])
                    v_c = g * (qa[f"V_{key}"][1] - qb[f"V_{key}"][1])
                    eq(i_row - v_row, i_c - v_c)
        elif not La["ferro"] and not Lb["ferro"]:
            if merged:
                eq(qa["Vc"][0] - qb["Vc"][0], qa["Vc"][1] - qb["Vc"][1])
                for k in range(3):
                    eq(qa["D"][k] - qb["D"][k])
                    eq(qa["Is"][k] - qb["Is"][k])
            else:
                g = A / iface.band_resistances[0]
                eq(qa["Vc"][0] - qb["Vc"][0], qa["Vc"][1] - qb["Vc"][1] - current / (2 * g))
                for k in range(3):
                    eq(qa["Is"][k] - qb["Is"][k])
                    eq(qa["Is"][k] - g * (qa["D"][k] - qb["D"][k]))
        else:
            if merged:
                raise StackError(f"{stack.source}: an F|N interface of a non-collinear "
                                 "stack needs ar > 0")
            fq, nq, f_left = (qa, qb, True) if La["ferro"] else (qb, qa, False)
            FL = La if La["ferro"] else Lb
            m = FL["m"]
            params = iface.params
            r_up, r_dn = iface.band_resistances
            mD = m @ nq["D"]                           # row: m . D
            if stack.spin_axis is None:
                t_rows = _transverse_rows(nq["D"], m, A * params.g_mix, A * params.g_mix_im)
            else:  # collinear: D is along m, no transverse part (g_mix not needed)
                t_rows = np.zeros_like(nq["D"])
            sign = 1.0 if f_left else -1.0             # band currents F -> N are +-I_s
            for key, r, pm in (("up", r_up, 1.0), ("dn", r_dn, -1.0)):
                g = A / r
                i_row, i_c = fq[f"I_{key}"]
                vf_row, vf_c = fq[f"V_{key}"]
                vn_row = nq["Vc"][0] + pm * mD / 2.0
                vn_c = nq["Vc"][1]
                # I_s (F -> N) = sign * I_s(+x) = g (V_s^F - V_s^N)
                eq(sign * i_row - g * (vf_row - vn_row), sign * i_c - g * (vf_c - vn_c))
            # spin current into N along +x at the face
            ls_row = fq["I_up"][0] - fq["I_dn"][0]
            ls_c = fq["I_up"][1] - fq["I_dn"][1]
            for k in range(3):
                # f_left: Is^N(+x) = (I_up - I_dn) m - T;  N left: Is^N(+x) = (...) m + T
                eq(nq["Is"][k] - m[k] * ls_row + sign * t_rows[k], -m[k] * ls_c)
    M, b = np.array(rows), np.array(rhs)
    if M.shape != (size, size):  # cannot happen for a valid stack: a guard
        raise StackError(f"{stack.source}: non-collinear closed form: {M.shape[0]} "
                         f"conditions for {size} unknowns")
    return info, M, b, f


def _transverse_rows(D, m, gA, gA_im):
    """Rows of T = gA (D - m (m.D)) + gA_im (D x m), D given as 3 rows."""
    mD = m @ D
    cross = np.array([D[1] * m[2] - D[2] * m[1], D[2] * m[0] - D[0] * m[2],
                      D[0] * m[1] - D[1] * m[0]])
    return gA * (D - np.outer(m, mD)) + gA_im * cross


def solve_noncollinear(stack, current: float) -> "VectorDiffusionSolution":
    """Solve the charge + spin-vector diffusion of a straight ``stack`` (collinear or
    not; constant sections; open motor) with ``current`` (A) entering its first layer."""
    check_geometry(stack, "solve_noncollinear")
    if getattr(stack, "interfaces", None) is None:
        raise StackError(f"{stack.source}: the non-collinear closed form takes a straight "
                         "stack ([[layers]])")
    names = [lay.name for lay in stack.layers]
    flipped = [f"{names[i.left]}|{names[i.left + 1]}" for i in stack.interfaces
               if i.params is not None and i.params.delta > 0.0]
    if flipped:
        raise StackError(f"{stack.source}: the non-collinear closed form has no interface "
                         f"spin flip (delta > 0 at {', '.join(flipped)}): use "
                         "solve_diffusion for a collinear stack")
    if stack.motor is not None and stack.motor.mode == "linear" and stack.motor.magnons:
        raise StackError(f"{stack.source}: the non-collinear closed form takes an open "
                         "motor (magnons = 0)")
    info, M, b, forms = _assemble(stack, float(current))
    z = _equilibrated_solve(M, b)
    return VectorDiffusionSolution(stack=stack, current=float(current), z=z, info=info,
                                   forms=forms)


@dataclass(frozen=True, eq=False)
class VectorDiffusionSolution:
    """The solved coefficients (see the module docstring)."""

    stack: object
    current: float
    z: np.ndarray
    info: list
    forms: _Forms

    def __repr__(self) -> str:
        lines = [f"VectorDiffusionSolution of {self.stack.title!r} at {self.current:.6g} A "
                 f"(closed form): voltage {self.voltage:.6g} V, resistance "
                 f"{self.resistance:.6g} ohm"]
        if self.V_UD is not None:
            lines.append(f"  V_UD {self.V_UD:.6g} V at {self.stack.motor.layer!r} "
                         "(its frame)")
        return "\n".join(lines)

    def _value(self, form):
        row, const = form
        return float(row @ self.z + const)

    def _vector(self, li: int, x: float) -> np.ndarray:
        """Lab-frame spin accumulation (V) at local x of layer li."""
        L = self.info[li]
        q = self.forms.face(L, x)
        if L["ferro"]:
            return L["m"] * self._value(q["Delta"])
        return q["D"] @ self.z

    @property
    def voltage(self) -> float:
        return float(self.z[-1])

    @property
    def resistance(self) -> float:
        return self.voltage / self.current if self.current else float("nan")

    @property
    def V_UD(self) -> float | None:
        """V_U - V_D (V) in the motor layer's own frame; None without a motor."""
        motor = self.stack.motor
        if motor is None:
            return None
        L = self.info[motor.index]
        q = self.forms.face(L, 0.0)
        s = -1.0 if self.stack.layers[motor.index].magnetization == "down" else 1.0
        return s * self._value(q["Delta"])

    def spin_accumulation(self) -> dict:
        """``{"LEFT|RIGHT": {"left": [x, y, z], "right": [x, y, z]}}`` (V, lab frame)."""
        layers = self.stack.layers
        out = {}
        for i in range(len(layers) - 1):
            out[f"{layers[i].name}|{layers[i + 1].name}"] = {
                "left": self._vector(i, self.info[i]["t"]).tolist(),
                "right": self._vector(i + 1, 0.0).tolist()}
        return out

    def spin_current_into_magnets(self) -> dict:
        """Transverse spin current (A) flowing into each magnet across its contacts."""
        layers = self.stack.layers
        out = {lay.name: np.zeros(3) for lay in layers if lay.material.ferromagnetic}
        if self.stack.spin_axis is not None:
            return out
        for iface in self.stack.interfaces:
            La, Lb = self.info[iface.left], self.info[iface.left + 1]
            if La["ferro"] == Lb["ferro"]:
                continue
            FL, NL, x = (La, Lb, 0.0) if La["ferro"] else (Lb, La, La["t"])
            D = self._vector(NL["i"], x)
            m = FL["m"]
            p = iface.params
            A = self.stack.area
            t = A * p.g_mix * (D - m * (m @ D)) + A * p.g_mix_im * np.cross(D, m)
            out[layers[FL["i"]].name] += t
        return out

    def torque(self) -> dict:
        """{magnet: [x, y, z]} in N m: (hbar / 2e) times its transverse spin current."""
        k = _c.hbar / (2.0 * _c.e)
        return {name: (k * t).tolist() for name, t in self.spin_current_into_magnets().items()}
