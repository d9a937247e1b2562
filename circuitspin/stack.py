"""Stack files: the straight stack's names, where users and older code look for them.

The model lives in :mod:`circuitspin.geometry` (layers are wires of one chain), the
reading of ``[[layers]]`` and ``[[wires]]`` files in :mod:`circuitspin.reader`.

Public API
----------
load_stack(path), stack_from_dict(data, source) -> Stack or Geometry
read_stack_data(path) -> dict (the TOML mapping, not yet validated; MAX_STACK_BYTES)
Stack, Layer, Interface, Motor
"""
from __future__ import annotations

# The classes are re-exported, not listed in __all__: they are documented once, where
# they live (two API entries would make every reference to ``Stack`` ambiguous).
from .geometry import Interface as Interface, Layer as Layer, Motor as Motor
from .geometry import Stack as Stack
from .reader import MAX_STACK_BYTES as MAX_STACK_BYTES
from .reader import load_stack, read_motor_params, read_stack_data, stack_from_dict

__all__ = ["load_stack", "stack_from_dict", "read_motor_params", "read_stack_data"]
