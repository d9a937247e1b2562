"""What the command line loads: the constants circuitspin defines itself, and no heavy
library for a plain solve (the start-up is measured by benchmarks/bench_speed.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PILLAR = Path(__file__).resolve().parent.parent / "netlists" / "berger_pillar.toml"


def test_constants_are_scipys():
    """circuitspin.constants (the command line does not import scipy) equals
    scipy.constants: the same CODATA values, to the last bit."""
    import scipy.constants as sc

    from circuitspin import constants as c

    assert (c.e, c.h, c.hbar, c.k, c.m_e, c.mu_0) == (sc.e, sc.h, sc.hbar, sc.k, sc.m_e,
                                                      sc.mu_0)
    assert c.mu_B == sc.physical_constants["Bohr magneton"][0]


def test_solve_of_the_pillar_loads_no_heavy_library():
    """``circuitspin solve`` of the pillar (SI numbers, no plot) answers with numpy alone:
    no scipy, pint, matplotlib, xarray, networkx or dask is imported."""
    code = ("import sys, contextlib, io\n"
            "from circuitspin.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    status = main(['solve', {str(PILLAR)!r}, '--current', '1e-3'])\n"
            "heavy = {'scipy', 'pint', 'matplotlib', 'xarray', 'networkx', 'dask'}\n"
            "print(status, sorted({m.split('.')[0] for m in sys.modules} & heavy))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.split(None, 1) == ["0", "[]\n"], r.stdout + r.stderr
