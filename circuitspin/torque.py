"""The spin-transfer torque on F2 from a circuit solution (the paper's Eq. 12 x the bridge).

tau_x2 / sin(theta) = (Sigma P_bar_x2(0) / delta_mu_bar) * delta_mu_bar(U-D), with the Eq. 12
ratio from the Fermi wavenumbers of the spacer N (the layer before the motor layer, key
``kF``) and of F2 (the motor layer, keys ``kF_up``, ``kF_dn``).  The bridge output is taken
as the paper's delta_mu_bar (convention "paper" of :func:`circuitspin.fermi.torque_from_bridge`).

Public API
----------
torque_fields(solution) -> dict
    ``{}`` when the stack has no motor or lacks a wavenumber; otherwise
    ``torque_per_sin_theta`` (J/m^2, per unit area of F2) and
    ``torque_total_per_sin_theta`` (N m, times the area).
"""
from __future__ import annotations


def torque_fields(solution) -> dict:
    """Torque entries for ``solve --json`` (see the module docstring)."""
    stack = solution.network.stack
    motor = stack.motor
    layers = stack.layers
    if motor is None or solution.V_UD is None or not 0 < motor.index < len(layers):
        return {}
    spacer = layers[motor.index - 1].material
    f2 = layers[motor.index].material
    if None in (spacer.kF, f2.kF_up, f2.kF_dn):
        return {}
    from .fermi import torque_from_bridge

    tau = float(torque_from_bridge(solution.delta_mu_bar_eV, spacer.kF, f2.kF_up, f2.kF_dn))
    return {"torque_per_sin_theta": tau,
            "torque_total_per_sin_theta": tau * stack.area,
            "torque_convention": "paper"}
