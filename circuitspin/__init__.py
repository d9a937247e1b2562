"""circuitspin: magnetic multilayers as L. Berger's two-band circuit, solved.

Public API
----------
load_stack, stack_from_dict, Stack, Layer, Material
build_network, Network, Node
solve, Solution, to_spice
solve_diffusion
CircuitSpinError
__version__
"""
from .diffusion import solve_diffusion
from ._version import __version__
from .errors import CircuitSpinError
from .materials import Material
from .netlist import to_spice
from .network import Network, Node, build_network
from .solution import Solution
from .solvers import solve
from .geometry import Layer, Stack
from .reader import load_stack, stack_from_dict

__all__ = ["load_stack", "stack_from_dict", "Stack", "Layer", "Material", "build_network",
           "Network", "Node", "solve", "Solution", "to_spice", "solve_diffusion",
           "CircuitSpinError",
           "__version__"]
