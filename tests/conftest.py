"""Shared fixtures: the example stacks and a command-line runner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# CI runs the property tests on a fixed set of examples (reproducible pass/fail); locally
# each run explores new ones.  CIRCUITSPIN_FUZZ_SCALE scales the counts where used.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
NETLISTS = ROOT / "netlists"

# The example parameters of docs/model.md, "Materials" (Co, Cu, Co/Cu, area 1e-14 m^2).
CO = {"rho": 60e-9, "beta": 0.46, "lsf": 59e-9}
CU = {"rho": 6e-9, "beta": 0.0, "lsf": 500e-9}
CO_CU = {"ar": 0.51e-15, "gamma": 0.77}


def pillar_dict(f2_magnetization="up", magnons=0.0, **motor):
    """Berger's Fig. 1a pillar as a stack mapping (P, or AP with F2 reversed)."""
    return {
        "title": "pillar",
        "area": 1e-14,
        "materials": {"Co": dict(CO), "Cu": dict(CU)},
        "interfaces": {"Co/Cu": dict(CO_CU)},
        "layers": [
            {"name": "F1", "material": "Co", "thickness": 100e-9},
            {"name": "N", "material": "Cu", "thickness": 6e-9},
            {"name": "F2", "material": "Co", "thickness": 3e-9,
             "magnetization": f2_magnetization},
            {"name": "N2", "material": "Cu", "thickness": 500e-9},
        ],
        "motor": {"layer": "F2", "frequency": 10e9, "delta_alpha": 0.01,
                  "magnons": magnons, **motor},
    }


# ---- rounding floors: tolerances set by the magnitudes that cancel
EPS = float(np.finfo(float).eps)


def potential_floor(sol, factor: float = 16.0) -> float:
    """Rounding floor (V) of V_UD = V_U - V_D between two solves of a network.

    Each potential carries a few eps of itself after refinement, so a difference of
    potentials is known to ~eps (|V_U| + |V_D|), however small the difference is;
    ``factor`` (16) covers the few-ulp error of each of the two solves compared."""
    net, v = sol.network, sol.potentials
    return factor * EPS * (abs(float(v[net.u])) + abs(float(v[net.d])))


def kcl_floor(net, v, node: int, extra: float = 0.0, factor: float = 16.0) -> float:
    """Rounding floor (A) of a current found by Kirchhoff's law at ``node``: the sum of
    branch currents g (v_a - v_b) of every edge at the node, each with rounding of a few
    eps of g (|v_a| + |v_b|) (the potentials are known to a few eps of themselves), plus
    ``extra`` (A) for other terms of the sum."""
    at = (net.edge_a == node) | (net.edge_b == node)
    scale = float(np.sum(net.edge_g[at] * (np.abs(v[net.edge_a[at]])
                                           + np.abs(v[net.edge_b[at]]))))
    return factor * EPS * (scale + abs(extra))


@pytest.fixture
def pillar():
    from circuitspin import stack_from_dict

    return stack_from_dict(pillar_dict(), source="pillar")


def run_cli(*args, cwd=None):
    """Run ``python -m circuitspin ARGS``; returns the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "circuitspin", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


# ---- ngspice: skip with the reason printed, or fail where CI requires ngspice
def need_ngspice(*modes):
    """Skip the calling test unless ngspice runs here in every one of ``modes``
    ("shared": PySpice + libngspice, "subprocess": the ``ngspice`` executable; default
    both).  The reason is printed (``pytest -ra`` lists it); with the environment variable
    ``CIRCUITSPIN_REQUIRE_NGSPICE=1`` (set by CI) the test fails instead of skipping."""
    import os

    from circuitspin.solvers.spice import ngspice_available

    avail = ngspice_available()
    missing = [m for m in (modes or ("shared", "subprocess")) if not avail[m]]
    if not missing:
        return
    reason = f"ngspice {' and '.join(missing)} mode unavailable: {avail['reason']}"
    print(f"SKIP: {reason}", file=sys.stderr)
    if os.environ.get("CIRCUITSPIN_REQUIRE_NGSPICE") == "1":
        pytest.fail(f"{reason} (CIRCUITSPIN_REQUIRE_NGSPICE=1: ngspice tests must run)")
    pytest.skip(reason)


@pytest.fixture
def ngspice():
    """Both ngspice modes available, else skip (or fail under CIRCUITSPIN_REQUIRE_NGSPICE=1)."""
    need_ngspice("shared", "subprocess")


# ---- ulp stress: every computed answer moved by a few ulps, as another CPU or libm would
def _ulp_jitter(x, ulps: float = 2.0):
    """``x`` with each element moved by up to ``ulps`` units in the last place, pseudo-
    randomly but deterministically (a function of the value's bits, so equal inputs stay
    equal): what a different CPU, BLAS or libm may return for the same computation."""
    a = np.array(x, dtype=float, copy=True)
    bits = a.view(np.uint64).ravel()
    h = (bits * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
    u = h.astype(float) / float(1 << 53) * 2.0 - 1.0  # in [-1, 1)
    flat = a.ravel()
    # an exact zero stays zero: a relative perturbation of it would be a subnormal
    flat += ulps * u * np.where(flat != 0.0, np.spacing(np.abs(flat)), 0.0)
    return a


def _install_ulp_stress():
    """CIRCUITSPIN_ULP_STRESS=1: perturb the node potentials of every circuit solution,
    the coefficients of every closed-form solution and the conductances of every network
    by 2 ulps.  A test that fails under it has a tolerance below the rounding floor of
    what it compares (the check behind every rtol of 1e-8 and below in this suite)."""
    import circuitspin.diffusion as df
    import circuitspin.network as nw
    import circuitspin.solution as so

    def wrap(cls, field):
        init = cls.__init__

        def __init__(self, *args, **kwargs):
            init(self, *args, **kwargs)
            object.__setattr__(self, field, _ulp_jitter(getattr(self, field)))

        cls.__init__ = __init__

    wrap(so.Solution, "potentials")
    wrap(df.DiffusionSolution, "z")
    wrap(nw.Network, "edge_g")


ULP_STRESS = os.environ.get("CIRCUITSPIN_ULP_STRESS") == "1"
if ULP_STRESS:
    _install_ulp_stress()


def pytest_configure(config):
    config.addinivalue_line("markers", "no_ulp_stress: compares bit-for-bit identity (or "
                            "sits at the edge of singularity), which 2 ulps of stress breaks "
                            "by construction; skipped under CIRCUITSPIN_ULP_STRESS=1")


def pytest_collection_modifyitems(config, items):
    if not ULP_STRESS:
        return
    skip = pytest.mark.skip(reason="CIRCUITSPIN_ULP_STRESS=1: checks bit-for-bit identity")
    for item in items:
        if "no_ulp_stress" in item.keywords:
            item.add_marker(skip)
