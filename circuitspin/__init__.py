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
from .diffusion import solve_diffusion
from ._version import __version__
from .errors import CircuitSpinError
from .devices import Threshold, threshold
from .fit import fit
from .gmr import gmr
from .materials import Material
from .netlist import to_spice
from .network import Network, Node, build_network
from .solution import Solution
from .solvers import solve
from .geometry import Layer, Stack
from .reader import load_stack, stack_from_dict
# the function, not the module (``from circuitspin.sweep import run_sweep`` still works)
from .study import sweep

__all__ = ["load_stack", "stack_from_dict", "Stack", "Layer", "Material", "build_network",
           "Network", "Node", "solve", "Solution", "to_spice", "solve_diffusion",
           "threshold", "Threshold", "sweep", "gmr", "fit", "CircuitSpinError",
           "__version__"]
