"""The repository is self-contained, and the numbers its documentation quotes hold.

- No tracked file points at notes outside the repository (everything a user needs is in
  ``docs/``).
- The conventions page (``docs/conventions.md``) compares circuitspin's quantities with
  the literature; the figures it quotes are recomputed here from the package: the spin
  splitting on the N side of N|F2 against V_UD (on F2's side), and the "paper" torque
  convention against the circuit-theory torque of a free-electron Sharvin contact.
"""
from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import constants, integrate

import circuitspin as cs
from circuitspin import fermi

ROOT = Path(__file__).resolve().parent.parent
# spelled in pieces so that this file does not match itself
FORBIDDEN = ("shared" + "/", ".." + "/shared", "physics" + ".md", "interface" + ".md")


def tracked_files() -> list[Path]:
    """Files under version control (every file but build outputs outside a git clone)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "build", ".pytest_cache", ".hypothesis", "__pycache__"}
        return [p for p in ROOT.rglob("*") if p.is_file()
                and not skip & set(p.relative_to(ROOT).parts)]


def test_no_tracked_file_points_outside_the_repository():
    hits = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary files (png) and files deleted in the work tree
        for needle in FORBIDDEN:
            if needle in text:
                hits.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not hits, "point at docs/ instead: " + "; ".join(hits)


def conventions_text() -> str:
    return (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")


def test_n_side_splitting_follows_the_interface_resistors_and_the_docs_figure():
    """On the N side of N|F2 the splitting differs from V_UD (F2's side) by the jump the
    two interface resistors make: Delta_F2 - Delta_N = R_dn I_dn - R_up I_up (band
    currents along +x through the interface)."""
    stack = cs.load_stack(ROOT / "netlists" / "berger_pillar.toml")
    sol = cs.solve(cs.build_network(stack), 1e-3)
    prof = sol.profile()
    names = [layer.name for layer in stack.layers]
    n_rows = prof[prof["layer"] == names.index("N")]
    f2_rows = prof[prof["layer"] == names.index("F2")]
    last_n, first_f2 = n_rows[np.argmax(n_rows["x"])], f2_rows[np.argmin(f2_rows["x"])]
    assert first_f2["Delta"] == pytest.approx(sol.V_UD, rel=1e-12)
    r_up, r_dn = stack.interfaces[names.index("N")].band_resistances
    jump = (r_dn * last_n["I_dn"] - r_up * last_n["I_up"]) / stack.area
    # the jump is a difference of band drops of order I r / A ~ 1e-4 V: rounding 1e-15 V
    assert first_f2["Delta"] - last_n["Delta"] == pytest.approx(jump, abs=1e-15)
    smaller = 1.0 - last_n["Delta"] / first_f2["Delta"]
    quoted = re.search(r"(\d+(?:\.\d+)?)\s*% smaller on the N side", conventions_text())
    assert quoted, "docs/conventions.md should quote the N-side figure"
    assert float(quoted.group(1)) == pytest.approx(100 * smaller, abs=0.5)


def sharvin_torque_per_splitting(kN, kup, kdn):
    """Circuit-theory torque per unit area, per sin(theta), per joule of full splitting:
    (hbar / 2e) Re(g_mix) / e with the free-electron mixing conductance per area
    Re g_mix = (e^2/h) int (1 - r_up r_dn) d^2k_par / (2 pi)^2, r_s the step reflection
    amplitudes (kxN - kx_s) / (kxN + kx_s).  Returns 1/m^2."""
    def integrand(a):
        kx = kN * math.cos(a)
        s2 = (kN * math.sin(a)) ** 2
        xu, xd = math.sqrt(kup**2 - s2), math.sqrt(kdn**2 - s2)
        ru, rd = (kx - xu) / (kx + xu), (kx - xd) / (kx + xd)
        return (1.0 - ru * rd) * math.sin(a) * math.cos(a)

    integral = integrate.quad(integrand, 0.0, math.pi / 2, epsabs=0, epsrel=1e-13)[0]
    g_mix = constants.e**2 / constants.h * kN**2 / (2 * math.pi) * integral
    return constants.hbar / (2 * constants.e) * g_mix / constants.e


def test_paper_torque_convention_is_twice_the_circuit_theory_torque():
    """Full transmission (kN = k_up = k_dn): the paper convention gives exactly twice
    (hbar/2e) x the transverse spin current of a Sharvin contact, kN^2 / (16 pi^2) per
    unit splitting, and the "splitting" convention gives it exactly."""
    k = 1.36e10
    dmu_eV = -1e-4
    standard = sharvin_torque_per_splitting(k, k, k) * abs(dmu_eV) * constants.e
    assert standard == pytest.approx(k**2 / (16 * math.pi**2) * abs(dmu_eV) * constants.e,
                                     rel=1e-12)
    paper = fermi.torque_from_bridge(dmu_eV, k, k, k, convention="paper")
    splitting = fermi.torque_from_bridge(dmu_eV, k, k, k, convention="splitting")
    # quadratures to 1e-13; the ratios are exact numbers
    assert paper / standard == pytest.approx(2.0, rel=1e-10)
    assert splitting / standard == pytest.approx(1.0, rel=1e-10)


def test_docs_quote_the_torque_ratio_for_the_illustrative_cobalt():
    kN, kup, kdn = 1.36e10, 1.5e10, 1.4e10
    ratio = -fermi.ratio_eq12(kN, kup, kdn) / sharvin_torque_per_splitting(kN, kup, kdn)
    quoted = re.search(r"paper convention is (\d\.\d+) times", conventions_text())
    assert quoted, "docs/conventions.md should quote the torque ratio"
    assert float(quoted.group(1)) == pytest.approx(ratio, abs=0.005)


def test_one_version_everywhere():
    """``circuitspin --version``, the package, pyproject.toml and CITATION.cff agree."""
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = project["project"]["version"]
    assert cs.__version__ == version
    out = subprocess.run([sys.executable, "-m", "circuitspin", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"circuitspin {version}"
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(version)}$", cff, re.M)
