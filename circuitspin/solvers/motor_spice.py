"""The steady spin-wave motor in SPICE: B-sources and a magnon node.

The motor's full rate law (:mod:`circuitspin.motor`) becomes two behavioural current
sources and one extra node ``n`` whose "voltage" is the magnon number::

    Bmotor u d I=G1*(v(n)*XV+BX)                   I_M, U -> D inside the motor (A)
    Bmagnon 0 n I=G1/e*(v(n)*XV+BX)-(v(n)-nT)*R0   Gamma - (n - n_T)/tau0 into node n
    Cmagnon n 0 1                                   C = 1: its current is dn/dt

with ``XV = (v(u)-v(d)-E)`` (volts above the counter-EMF E = hbar omega / e),
``G1 = 1/R_1``, ``R0 = 1/tau0 = 2 alpha omega`` and ``BX = B(x)/e`` written in a form
that cannot overflow: the identity ``B(x) = x/2 + (x/2) coth(x / 2kT)``, i.e.
``0.5*XV*(1+1/tanh(XV/(2 VT)))`` (tanh saturates at +-1 instead of exp overflowing; for
XV << -VT it gives 0 where the exact value is |XV| exp(-|XV|/VT), below 1e-16 |XV| once
tanh rounds to -1), guarded by a ternary near XV = 0 where it is 0/0 (there
``VT + XV/2``, exact to O(XV^2/VT)); at T = 0 it is ``(XV>0 ? XV : 0)``.  In ``.op`` the
capacitor is open, so node n carries exactly the magnon balance: the operating point is
the self-consistent steady state.  In ``.tran`` it integrates dn/dt (``.ic v(n)=n0``,
default the thermal number n_T), so n(t) can be watched relaxing to it.

Only numbers computed here enter the expressions (no text from a stack file); the rest of
the deck is :func:`circuitspin.netlist.to_spice` with its linear motor left out.

Public API
----------
motor_lines(network) -> list[str]
    The B-sources, the magnon capacitor and a ``.nodeset`` of n at n_T.
steady_deck(network, current) -> str
    A whole deck (``.op``) for ``ngspice -b``; precision options included.
transient_deck(network, current, tstop, tstep=None, n0=None) -> str
    The same with ``.tran`` and ``.ic v(n)=n0``.
run_deck(deck, timeout=None) -> dict of arrays
    Run a deck with ``ngspice -b`` (ASCII rawfile) and return every vector, lower-case
    names (``v(u)`` -> ``u``), all points.
solve_steady_ngspice(network, current, timeout=None) -> Solution
transient_magnons(network, current, tstop, tstep=None, n0=None) -> dict of arrays
    ``time`` (s), ``magnons``, ``V_UD`` (V), ``motor_current`` (A) of a ``.tran`` run.
"""
from __future__ import annotations

import numpy as np
from .. import constants as _c

from ..errors import SolverError
from ..motor import MotorLaw, motor_current
from ..network import Network
from .spice import run_ngspice_batch

MAGNON_NODE = "n"
# Newton tolerances for 1e-9-level answers: potentials here are ~1e-5 V and currents
# ~1e-9 A, far below ngspice's defaults (vntol 1e-6 V, abstol 1e-12 A)
PRECISION_OPTIONS = ".options reltol=1e-12 vntol=1e-18 abstol=1e-24 itl1=500 itl2=500"


def _num(x: float) -> str:
    x = float(x)
    if not np.isfinite(x):
        raise SolverError(f"motor deck: non-finite number {x!r}")
    return repr(x)


def _law(network: Network) -> MotorLaw:
    if not isinstance(network, Network):
        raise SolverError("needs a built Network (call build_network first), got "
                          f"{type(network).__name__}")
    if network.u is None:
        raise SolverError(f"{network.stack.source}: no [motor] table: nothing to write")
    law = MotorLaw.from_stack(network.stack)
    law.need_damping()
    return law


def bx_expression(law: MotorLaw, xv: str) -> str:
    """B(x)/e (V) as an overflow-free ngspice expression of the voltage expression ``xv``."""
    vt = law.vt
    if vt == 0.0:
        return f"({xv}>0 ? {xv} : 0)"
    return (f"(abs({xv})<{_num(1e-6 * vt)} ? {_num(vt)}+0.5*{xv} : "
            f"0.5*{xv}*(1+1/tanh({_num(0.5 / vt)}*{xv})))")


def motor_lines(network: Network, *, nodeset: bool = True) -> list[str]:
    """Deck lines of the steady motor: ``Bmotor``, ``Bmagnon``, ``Cmagnon`` (see above)."""
    law = _law(network)
    n = MAGNON_NODE
    xv = f"(v(u)-v(d)-{_num(law.emf)})"
    bx = bx_expression(law, xv)
    # the stimulated term uses max(n, 0): identical for n >= 0, and it removes the
    # unphysical second root (n < 0, V_UD above V_th) that Newton could otherwise reach
    rate = f"((v({n})>0 ? v({n}) : 0)*{xv}+{bx})"
    lines = [
        f"* steady spin-wave motor: E = {law.emf:.6g} V, R_1 = {law.r1:.6g} ohm, "
        f"kT/e = {law.vt:.6g} V, n_T = {law.n_thermal:.6g}, 1/tau0 = {law.inv_tau0:.6g} 1/s",
        "* I_M = G1*(n*XV + B(XV)), XV = v(u)-v(d)-E, B(x) = x/2 + (x/2) coth(x/2kT)",
        f"Bmotor u d I={_num(law.g1)}*{rate}",
        f"* magnon node {n}: v({n}) = magnon number; current into it = "
        "Gamma - (n - n_T)/tau0 = dn/dt",
        f"Bmagnon 0 {n} I={_num(law.g1 / _c.e)}*{rate}-(v({n})-{_num(law.n_thermal)})*"
        f"{_num(law.inv_tau0)}",
        f"Cmagnon {n} 0 1",
    ]
    if nodeset:
        lines.append(f".nodeset v({n})={_num(law.n_thermal)}")
    return lines


def _deck(network: Network, current: float, extra: list[str], analysis: str) -> str:
    from ..netlist import to_spice

    return to_spice(network, current, motor=False,
                    extra_lines=[PRECISION_OPTIONS] + extra, analysis=analysis)


def steady_deck(network: Network, current: float) -> str:
    """A ``.op`` deck of ``network`` at ``current`` (A) with the steady motor."""
    return _deck(network, current, motor_lines(network), ".op")


def _tau0(law: MotorLaw) -> float:
    return 1.0 / law.inv_tau0


def transient_deck(network: Network, current: float, tstop: float | None = None,
                   tstep: float | None = None, n0: float | None = None) -> str:
    """A ``.tran`` deck: the current switched on at t = 0 with ``n0`` magnons (default
    n_T); ``tstop`` (s, default 50 tau0), ``tstep`` (s, default tstop / 1000)."""
    law = _law(network)
    tstop = 50.0 * _tau0(law) if tstop is None else float(tstop)
    tstep = tstop / 1000.0 if tstep is None else float(tstep)
    if not (tstop > 0 and 0 < tstep <= tstop):
        raise SolverError(f"transient: need 0 < tstep <= tstop, got {tstep:g}, {tstop:g} s")
    n0 = law.n_thermal if n0 is None else float(n0)
    extra = motor_lines(network, nodeset=False) + [
        f".ic v({MAGNON_NODE})={_num(n0)}",
        f"* run as it is, ngspice -b prints n(t) = v({MAGNON_NODE}) and V_UD(t) = v(u,d)",
        f".print tran v({MAGNON_NODE}) v(u,d)"]
    return _deck(network, current, extra, f".tran {_num(tstep)} {_num(tstop)}")


# --------------------------------------------------------------------------- running
def run_deck(deck: str, timeout: float | None = 120.0) -> dict:
    """Every vector of ``deck`` at all its points, through the one ``ngspice -b`` runner
    (:func:`circuitspin.solvers.spice.run_ngspice_batch`)."""
    return run_ngspice_batch(deck, timeout=timeout, points=True)[0]


def solve_steady_ngspice(network: Network, current: float, timeout: float | None = 120.0):
    """The steady motor and network at ``current`` (A) through ngspice ``.op``."""
    from ..netlist import deck_names
    from ..solution import Solution
    from .motor_newton import _solution_info

    law = _law(network)
    values = run_deck(steady_deck(network, current), timeout=timeout)
    names = deck_names(network)
    missing = [name for name in names + [MAGNON_NODE] if name != "0" and name not in values]
    if missing:
        raise SolverError(f"ngspice -b did not report node(s) {', '.join(missing[:5])}")
    v = np.array([0.0 if name == "0" else float(values[name][0]) for name in names])
    n = float(values[MAGNON_NODE][0])
    if not (np.all(np.isfinite(v)) and np.isfinite(n)):
        raise SolverError("ngspice -b returned non-finite potentials or magnon number: "
                          "its answer is not a solution of the network")
    V = float(v[network.u] - v[network.d])
    i_m = float(motor_current(law, V, n))
    info = _solution_info(law, network, V, n, i_m, 0, "ngspice")
    del info["newton_iterations"]
    sol = Solution(network=network, potentials=v, current=float(current),
                   backend="ngspice", motor_current=i_m, magnons=n, info=info)
    from .general import factor_for
    from .nodal import check_answer

    check_answer(sol, "ngspice -b (steady motor)", factor=factor_for(network))
    return sol


def transient_magnons(network: Network, current: float, tstop: float | None = None,
                      tstep: float | None = None, n0: float | None = None,
                      timeout: float | None = 300.0) -> dict:
    """n(t), V_UD(t) and I_M(t) after the current is switched on (ngspice ``.tran``)."""
    law = _law(network)
    values = run_deck(transient_deck(network, current, tstop, tstep, n0), timeout=timeout)
    n = values[MAGNON_NODE]
    V = values["u"] - values["d"]
    return {"time": values["time"], "magnons": n, "V_UD": V,
            "motor_current": motor_current(law, V, n)}
