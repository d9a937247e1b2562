"""circuitspin: magnetic multilayers as L. Berger's two-band circuit, solved.

Public API
----------
load_stack, stack_from_dict, Stack, Layer, Material
build_network, Network, Node
solve, Solution, to_spice
solve_diffusion
threshold, Threshold   (the motor's threshold current, V_th, bridge gain)
sweep              (a grid of stack parameters and currents: an xarray.Dataset)
gmr, fit           (CPP-GMR: R_P, R_AP, A dR, MR; fitting stack parameters to data)
CircuitSpinError
__version__
"""
from ._version import __version__
from .errors import CircuitSpinError
# the functions fit and gmr share their modules' names: bound now, so that importing
# the modules (which sets the package attribute) cannot shadow them
from .fit import fit
from .gmr import gmr
# the function, not the module (``from circuitspin.sweep import run_sweep`` still works)
from .study import sweep

#: public name -> the module that defines it; imported on first use (PEP 562), so that
#: ``import circuitspin`` (and the command line) loads only what it needs
_LAZY = {
    "solve_diffusion": "diffusion", "Material": "materials",
    "to_spice": "netlist", "Network": "network", "Node": "network",
    "build_network": "network", "Solution": "solution", "solve": "solvers",
    "Layer": "geometry", "Stack": "geometry", "load_stack": "reader",
    "stack_from_dict": "reader", "Threshold": "devices", "threshold": "devices",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'circuitspin' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["load_stack", "stack_from_dict", "Stack", "Layer", "Material", "build_network",
           "Network", "Node", "solve", "Solution", "to_spice", "solve_diffusion",
           "threshold", "Threshold", "sweep", "gmr", "fit", "CircuitSpinError",
           "__version__"]
