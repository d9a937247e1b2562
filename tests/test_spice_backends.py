"""nodal vs ngspice (shared library, PySpice) vs ngspice -b (subprocess, rawfile).

Tests that need ngspice call ``need_ngspice`` (conftest): they skip with the reason
printed, and fail instead under CIRCUITSPIN_REQUIRE_NGSPICE=1 (CI).  The failure-path
tests at the end need no ngspice: they fake it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from circuitspin import build_network, load_stack, solve, stack_from_dict
from circuitspin.errors import BackendUnavailable, SolverError
from circuitspin.netlist import write_deck
from circuitspin.solvers import spice
from conftest import NETLISTS, need_ngspice, pillar_dict, run_cli
from test_netlist import random_stack

I = 1e-3
RTOL = 1e-9


@pytest.fixture(autouse=True)
def _temporary_files_here(tmp_path, monkeypatch):
    """Work directories and kept failure decks go under the test's tmp_path."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def rel(a, b):
    return abs(a - b) / abs(b)


CASES = {
    "pillar-P": lambda: build_network(load_stack(NETLISTS / "berger_pillar.toml")),
    "pillar-AP": lambda: build_network(load_stack(NETLISTS / "berger_pillar_ap.toml")),
    "ladder-50": lambda: build_network(load_stack(NETLISTS / "berger_pillar.toml"), 50),
    "motor-10-magnons": lambda: build_network(stack_from_dict(pillar_dict(magnons=10.0))),
    "py-cu-py": lambda: build_network(load_stack(NETLISTS / "py_cu_py.toml")),
    "multilayer-ladder": lambda: build_network(
        load_stack(NETLISTS / "spin_valve_multilayer.toml"), 20),
    **{f"random{s}": (lambda s=s: build_network(random_stack(s), segments=int(s % 3) + 1))
       for s in range(4)},
}


@pytest.mark.parametrize("case", list(CASES))
def test_nodal_shared_and_subprocess_agree(ngspice, case):
    net = CASES[case]()
    current = -2e-3 if case == "pillar-AP" else I
    ref = solve(net, current)
    shared = solve(net, current, backend="ngspice", mode="shared")
    batch = solve(net, current, backend="ngspice", mode="subprocess")
    assert shared.info["ngspice_mode"] == "shared" and batch.backend == "ngspice"
    assert batch.info["ngspice_mode"] == "subprocess"
    for sol in (shared, batch):
        assert rel(sol.resistance, ref.resistance) < RTOL
        assert rel(sol.V_UD, ref.V_UD) < RTOL
        assert sol.kcl_residual < 1e-12           # ngspice's answer solves the network
        # every node, not only U-D: potentials in the network's node order
        np.testing.assert_allclose(sol.potentials, ref.potentials, rtol=1e-8,
                                   atol=1e-9 * np.abs(ref.potentials).max())
        assert sol.magnons == ref.magnons
        if case == "motor-10-magnons":
            assert ref.motor_current > 0          # 1 mA drives V_UD above the EMF
        if net.motor_g > 0:
            assert rel(sol.motor_current, ref.motor_current) < 1e-8
            # ngspice's own branch current through Vm is the motor law I = (V_UD - E)/R_M
            assert rel(sol.info["ngspice_motor_current"], ref.motor_current) < 1e-8


def test_linear_motor_law_in_ngspice(ngspice):
    net = build_network(stack_from_dict(pillar_dict(magnons=10.0)))
    sol = solve(net, 5e-3, backend="ngspice")
    assert sol.magnons == 10.0
    assert rel(sol.motor_current, (sol.V_UD - net.motor_emf) * net.motor_g) < 1e-12
    assert rel(sol.info["ngspice_motor_current"], sol.motor_current) < 1e-8


def test_ngspice_b_prints_u_and_d_of_the_written_deck(tmp_path):
    """The issue's 'done when': `circuitspin netlist ... -o p.cir && ngspice -b p.cir`
    prints u and d whose difference is the V_UD that `circuitspin solve` prints."""
    need_ngspice("subprocess")
    deck = tmp_path / "p.cir"
    r = run_cli("netlist", NETLISTS / "berger_pillar.toml", "--current", "1e-3", "-o", deck)
    assert r.returncode == 0, r.stderr
    out = subprocess.run(["ngspice", "-b", str(deck)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    table = dict(re.findall(r"^\s+([a-z0-9_]+)\s+([-+0-9.e]+)\s*$", out.stdout, re.M))
    v_u, v_d = float(table["u"]), float(table["d"])
    r = run_cli("solve", NETLISTS / "berger_pillar.toml", "--current", "1e-3", "--json")
    v_ud = json.loads(r.stdout)["V_UD"]
    # the table prints 7 significant digits of each potential
    assert abs((v_u - v_d) - v_ud) <= 1e-6 * (abs(v_u) + abs(v_d))
    assert v_ud > 0


def test_solve_cli_with_ngspice_backend_is_quiet():
    need_ngspice("shared")
    r = run_cli("solve", NETLISTS / "berger_pillar.toml", "--current", "1e-3",
                "--backend", "ngspice", "--json")
    assert r.returncode == 0 and r.stderr == ""
    out = json.loads(r.stdout)                      # stdout is the JSON, nothing else
    ref = solve(build_network(load_stack(NETLISTS / "berger_pillar.toml")), 1e-3)
    assert out["backend"] == "ngspice" and rel(out["V_UD"], ref.V_UD) < RTOL


@pytest.mark.parametrize("mode", ["shared", "subprocess"])
def test_banner_and_notes_never_reach_the_terminal(mode, tmp_path):
    """A floating resistor makes ngspice print warnings and gmin-stepping notes; none of
    it, nor the banner nor PySpice's version warning, reaches stdout/stderr."""
    need_ngspice(mode)
    code = textwrap.dedent(f"""
        import circuitspin.netlist as nl
        from circuitspin import build_network, load_stack
        from circuitspin.solvers.spice import solve_ngspice
        net = build_network(load_stack({str(NETLISTS / 'berger_pillar.toml')!r}))
        sol = solve_ngspice(net, 1e-3, mode={mode!r})
        print("V_UD", sol.V_UD)
        good = nl.to_spice
        nl.to_spice = lambda *a, **k: good(*a, **k).replace(".op", "Rfloat zz1 zz2 1\\n.op")
        try:
            solve_ngspice(net, 1e-3, mode={mode!r})
        except Exception as exc:
            print(type(exc).__name__)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("V_UD 0.0001317") \
        and lines[1] == "SolverError"


def test_singular_matrix_is_an_error_not_a_gmin_answer(ngspice, monkeypatch, tmp_path):
    """ngspice 'solves' a floating node by gmin stepping; for a linear network that
    answer is wrong, so the backend raises (saying how to get the deck; no temporary
    folder is left behind)."""
    import circuitspin.netlist as nl

    good = nl.to_spice
    monkeypatch.setattr(nl, "to_spice", lambda *a, **k: good(*a, **k).replace(
        ".op", "Rfloat zz1 zz2 1\n.op"))
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    for mode in ("shared", "subprocess"):
        with pytest.raises(SolverError, match="singular matrix") as err:
            spice.solve_ngspice(net, I, mode=mode)
        assert "circuitspin netlist" in str(err.value)
        assert list(tmp_path.iterdir()) == []


def test_shared_mode_notes_are_log_and_real_errors_raise(ngspice):
    """PySpice alone raises on any stderr line; here 'Note:'/'Trying gmin' lines are kept
    as log (the run completes) while a real error still raises."""
    floating = "* notes\nI1 0 a 1e-3\nR1 a 0 1\nR2 b c 1\n.op\n.end\n"
    values, log = spice._run_shared(floating, None)
    assert "Note: Starting dynamic gmin stepping" in log and "Trying gmin" in log
    assert values["a"] == pytest.approx(1e-3, rel=1e-9)
    bad = "* bad value\nI1 0 a 1e-3\nR1 a 0 xyz\n.op\n.end\n"
    with pytest.raises(SolverError, match="shared library.*unknown parameter"):
        spice._run_shared(bad, None)
    loop = "* voltage loop\nV1 a 0 1\nV2 a 0 2\nR1 a 0 1\n.op\n.end\n"
    with pytest.raises(SolverError, match="shared library"):
        spice._run_shared(loop, None)
    # and the instance still works afterwards
    values, _ = spice._run_shared("* ok\nI1 0 a 2\nR1 a 0 3\n.op\n.end\n", None)
    assert values["a"] == 6.0


@pytest.mark.parametrize("line, benign", [
    ("Warning: singular matrix:  check node b", True),
    ("Note: Starting dynamic gmin stepping", True),
    ("Trying gmin =   1.0000E-03 Note: One successful gmin step", True),
    ("Supplies reduced to   0.1000% ", True), ("Trying source stepping", True),
    ("Error on line 3 or its substitute:", False), ("unknown parameter (xyz)", False),
    ("doAnalyses: OP:  Timestep too small; cause unrecorded.", False)])
def test_stderr_classification(line, benign):
    assert spice.is_benign(line) is benign


def test_stack_names_cannot_inject_commands_into_ngspice(tmp_path):
    """The attack works on a naive deck (a layer name on its own line runs `shell`), and
    does nothing through to_spice."""
    need_ngspice("subprocess")
    marker = tmp_path / "pwned"
    evil = f"F1\n.control\nshell touch {marker}\n.endc"
    naive = f"* naive\n* layer {evil}\nI1 0 a 1e-3\nR1 a 0 1\n.op\n.end\n"
    (tmp_path / "naive.cir").write_text(naive)
    subprocess.run(["ngspice", "-b", "naive.cir"], cwd=tmp_path, capture_output=True,
                   timeout=60)
    assert marker.exists()                          # the attack is real
    marker.unlink()
    d = pillar_dict()
    d["title"] = evil
    d["layers"][0]["name"] = evil
    net = build_network(stack_from_dict(d))
    write_deck(net, I, tmp_path / "safe.cir")
    r = subprocess.run(["ngspice", "-b", "safe.cir"], cwd=tmp_path, capture_output=True,
                       timeout=60)
    assert r.returncode == 0 and not marker.exists()
    sol = spice.solve_ngspice(net, I, mode="subprocess")
    assert not marker.exists() and rel(sol.V_UD, solve(net, I).V_UD) < RTOL


def test_hundred_thousand_segment_deck_solved_by_ngspice_b():
    """1e5 ladder segments (3e5 resistors): ngspice -b's answer passes Kirchhoff's law to
    rounding (backward error < 1e-12), and V_UD, R agree with the nodal solver to 1e-4:
    at h = lsf/5e5 the ladder's conditioning amplifies rounding (the nodal solver without
    its branch-current refinement is itself ~5e-6 off; docs/model.md, "The network")."""
    need_ngspice("subprocess")
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"), segments=25_000)
    assert net.n_segments == 100_000
    ref = solve(net, I)
    sol = spice.solve_ngspice(net, I, mode="subprocess", timeout=600)
    assert sol.kcl_residual < 1e-12
    assert rel(sol.V_UD, ref.V_UD) < 1e-4 and rel(sol.resistance, ref.resistance) < 1e-4


# --------------------------------------------------------------------------- faked failures
def test_missing_ngspice_raises_backend_unavailable(monkeypatch):
    def no_library():
        raise BackendUnavailable("libngspice cannot load (faked)")

    monkeypatch.setattr(spice, "_shared_instance", no_library)
    monkeypatch.setattr(spice.shutil, "which", lambda name: None)
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    for mode in ("auto", "subprocess"):
        with pytest.raises(BackendUnavailable) as err:
            spice.solve_ngspice(net, I, mode=mode)
        assert "apt-get install ngspice libngspice0-dev" in str(err.value)
        assert "\n" not in str(err.value)
    with pytest.raises(BackendUnavailable, match="faked"):
        spice.solve_ngspice(net, I, mode="shared")


def test_missing_ngspice_on_the_command_line_exits_2(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path), NGSPICE_LIBRARY_PATH=str(tmp_path / "no.so"))
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve",
                        str(NETLISTS / "berger_pillar.toml"), "--current", "1e-3",
                        "--backend", "ngspice"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("circuitspin: error: ngspice is not installed")
    assert "apt-get install ngspice libngspice0-dev" in r.stderr
    assert r.stderr.count("\n") == 1


@pytest.mark.parametrize("script, message", [
    ("sleep 30", "timed out after 0.5 s"),
    ("echo 'Error: something broke'; exit 1", "failed (return code 1)"),
    ("kill -SEGV $$", "crashed (signal 11)"),
    ("echo 'no rawfile written'", "no usable rawfile"),
])
def test_batch_failures_name_rc_and_log_and_leave_nothing(tmp_path, monkeypatch, script, message):
    fake = tmp_path / "ngspice"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(spice, "_executable", lambda: str(fake))
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    with pytest.raises(SolverError) as err:
        spice.solve_ngspice(net, I, mode="subprocess", timeout=0.5)
    text = str(err.value)
    assert message in text and "\n" not in text
    assert "circuitspin netlist" in text                    # how to get the deck
    assert not any(p.name.startswith("circuitspin-ngspice-") for p in tmp_path.iterdir())
    if "exit 1" in script:
        assert "log: Error: something broke" in text


def test_rawfile_parser():
    raw = ("Title: * t\nDate: x\nPlotname: Operating Point\nFlags: real\n"
           "No. Variables: 3\nNo. Points: 1\nVariables:\n\t0\tv(a)\tvoltage\n"
           "\t1\tu\tvoltage\n\t2\ti(vm)\tcurrent\nValues:\n0\t\t1.5e+00\n\t-2.5e-03\n"
           "\t3.0e-09\n")
    assert spice.parse_rawfile(raw) == {"a": 1.5, "u": -2.5e-3, "vm#branch": 3e-9}
    with pytest.raises(ValueError, match="no points"):
        spice.parse_rawfile(raw.replace("No. Points: 1", "No. Points: 0"))
    with pytest.raises(ValueError, match="not an ASCII rawfile"):
        spice.parse_rawfile("Binary:\x00\x01")


def test_bad_mode_and_input():
    net = build_network(load_stack(NETLISTS / "berger_pillar.toml"))
    with pytest.raises(SolverError, match="mode"):
        spice.solve_ngspice(net, I, mode="server")
    with pytest.raises(SolverError, match="finite"):
        spice.solve_ngspice(net, float("inf"))
    with pytest.raises(SolverError, match="built Network"):
        spice.solve_ngspice("deck.cir", I)


def test_need_ngspice_skips_or_fails_as_ci_requires(monkeypatch):
    monkeypatch.setattr(spice, "ngspice_available",
                        lambda: {"shared": False, "subprocess": True, "reason": "faked"})
    need_ngspice("subprocess")                      # available: no skip
    monkeypatch.delenv("CIRCUITSPIN_REQUIRE_NGSPICE", raising=False)
    with pytest.raises(pytest.skip.Exception, match="shared mode unavailable: faked"):
        need_ngspice("shared")
    monkeypatch.setenv("CIRCUITSPIN_REQUIRE_NGSPICE", "1")
    with pytest.raises(pytest.fail.Exception, match="CIRCUITSPIN_REQUIRE_NGSPICE=1"):
        need_ngspice("shared", "subprocess")
