"""circuitspin: magnetic multilayers as L. Berger's two-band circuit, solved.

Public API
----------
load_stack, stack_from_dict, Stack, Layer, Material
build_network, Network, Node
solve, Solution, to_spice
solve_diffusion
gmr, fit           (CPP-GMR: R_P, R_AP, A dR, MR; fitting stack parameters to data)
CircuitSpinError
__version__
"""
from .diffusion import solve_diffusion
from ._version import __version__
from .errors import CircuitSpinError
from .fit import fit
from .gmr import gmr
from .materials import Material
from .netlist import to_spice
from .network import Network, Node, build_network
from .solution import Solution
from .solvers import solve
from .geometry import Layer, Stack
from .reader import load_stack, stack_from_dict

__all__ = ["load_stack", "stack_from_dict", "Stack", "Layer", "Material", "build_network",
           "Network", "Node", "solve", "Solution", "to_spice", "solve_diffusion",
           "gmr", "fit", "CircuitSpinError",
           "__version__"]
