"""Stack files: the straight stack's names, where users and older code look for them.

The model lives in :mod:`circuitspin.geometry` (layers are wires of one chain), the
reading of ``[[layers]]`` and ``[[wires]]`` files in :mod:`circuitspin.reader`.

Public API
----------
load_stack(path), stack_from_dict(data, source) -> Stack or Geometry
Stack, Layer, Interface, Motor
"""
from __future__ import annotations

from .geometry import Interface, Layer, Motor, Stack
from .reader import load_stack, read_motor_params, stack_from_dict

__all__ = ["load_stack", "stack_from_dict", "Stack", "Layer", "Interface", "Motor",
           "read_motor_params"]
