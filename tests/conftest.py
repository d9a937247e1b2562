"""Shared fixtures: the example stacks and a command-line runner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed set of examples (reproducible pass/fail); locally
# each run explores new ones.  CIRCUITSPIN_FUZZ_SCALE scales the counts where used.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
NETLISTS = ROOT / "netlists"

# The example parameters of shared/physics.md section 2 (Co, Cu, Co/Cu, area 1e-14 m^2).
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
