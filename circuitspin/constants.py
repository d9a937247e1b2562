"""The physical constants circuitspin uses (SI, CODATA 2022, as scipy.constants 1.15+).

Defined here rather than imported from :mod:`scipy.constants` so that the command line
does not load scipy to read a stack file: ``e``, ``h``, ``k`` are exact in the SI since
2019; ``hbar = h / (2 pi)``; ``m_e``, ``mu_0`` and the Bohr magneton are CODATA 2022
(tests/test_structure.py compares every one with scipy.constants).
"""
from __future__ import annotations

import math

#: elementary charge, C (exact)
e = 1.602176634e-19
#: Planck constant, J s (exact)
h = 6.62607015e-34
#: reduced Planck constant, J s
hbar = h / (2 * math.pi)
#: Boltzmann constant, J/K (exact)
k = 1.380649e-23
#: electron mass, kg (CODATA 2022)
m_e = 9.1093837139e-31
#: vacuum magnetic permeability, N/A^2 (CODATA 2022)
mu_0 = 1.25663706127e-06
#: Bohr magneton, J/T (CODATA 2022)
mu_B = 9.2740100657e-24
