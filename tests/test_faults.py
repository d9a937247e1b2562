"""Hostile input and faults, one test per defect of the adversarial trial (each failed
before its fix): the factor cache's memory, ngspice answers checked on the network's own
conductances, outputs through symbolic links / FIFOs / character devices, input that would
hang or fill memory, aliased sweep axes, and the smaller ones.  Units wherever numbers are
accepted (sweep currents and parameter values), with a strict number + unit reader.

The process-level faults (fake ngspice programs, signals to real subprocesses, a Dask
cluster losing workers) are in tests/test_fault_injection.py.
"""
from __future__ import annotations

import gc
import os
import socket
import stat
import subprocess
import sys
import threading
import warnings
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuitspin import build_network, load_stack, solve
from circuitspin.cli import main
from circuitspin.errors import CircuitSpinWarning, NetworkError, SolverError
from circuitspin.units import to_si
from conftest import NETLISTS, pillar_dict

PILLAR = NETLISTS / "berger_pillar.toml"
I = 1e-3


def cli(*args, timeout=120, env=None, cwd=None):
    """``python -m circuitspin ARGS`` in a fresh process, with a deadline: an input that
    used to hang (or fill memory) must end well inside it."""
    return subprocess.run([sys.executable, "-m", "circuitspin", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


class Run:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run(capsys):
    """``main(ARGS)`` in this process (for inputs that cannot hang): a CompletedProcess-
    like result."""
    def call(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as exc:  # argparse
            status = exc.code
        out = capsys.readouterr()
        return Run(status, out.out, out.err)

    return call


def one_error_line(r, *words):
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith("circuitspin: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def write_stack(tmp_path, name="s.toml", **changes):
    """The pillar's TOML with top-level keys / layer / motor entries replaced (as text)."""
    text = PILLAR.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ====================================================================== 1. memory
def test_solved_networks_are_released_with_the_factor_cache():
    """The cached factor must not keep its network (the cache's key) alive: before, every
    solved network stayed in memory for the life of the process."""
    from circuitspin.solvers import nodal
    from circuitspin.solvers.motor_newton import bridge_thevenin

    stack = load_stack(PILLAR)
    refs = []
    for _ in range(5):
        net = build_network(stack, 200)
        sol = solve(net, I)
        bridge_thevenin(net)                       # the second cached factor
        refs.append(weakref.ref(net))
        del net, sol
    gc.collect()
    assert [r() for r in refs] == [None] * 5
    assert len(nodal._FACTORS) == 0


def test_a_sweep_leaves_no_network_behind():
    from circuitspin.solvers import nodal
    from circuitspin.sweep import ParamAxis, run_sweep

    axes = [ParamAxis("layers.F2.thickness", np.linspace(2e-9, 6e-9, 6))]
    run_sweep(pillar_dict(), axes, [0.0, I], segments=100, workers=1, progress=False)
    gc.collect()
    assert len(nodal._FACTORS) == 0


def test_a_cached_factor_still_solves_while_its_network_lives():
    from circuitspin.solvers.nodal import factor_for

    net = build_network(load_stack(PILLAR))
    f = factor_for(net)
    assert f.network is net and factor_for(net) is f


# ====================================================================== 2. ngspice answers
def _patched_ngspice(monkeypatch, transform):
    """solve_ngspice with its shared-library run replaced: the true answer (the nodal
    solver's potentials, named as ngspice names them) passed through ``transform``."""
    from circuitspin.netlist import deck_names
    from circuitspin.solvers import spice

    state = {}

    def run_shared(deck, timeout):
        net = state["net"]
        v = transform(solve(net, I).potentials.copy())
        return {n: float(x) for n, x in zip(deck_names(net), v) if n != "0"}, ""

    monkeypatch.setattr(spice, "_run_shared", run_shared)
    return state


def test_check_answer_estimates_the_true_error_of_a_perturbed_answer(monkeypatch):
    """One refinement step on a linear network is exact: the estimated error of an answer
    off by a known perturbation is that perturbation, up to the rounding of the step
    itself: the residual carries ~eps of the potentials, amplified by the condition
    number (the floor below, 8 kappa eps relative to the largest potential)."""
    from circuitspin.solvers.spice import solve_ngspice

    rng = np.random.default_rng(1)
    net = build_network(load_stack(PILLAR))
    exact = solve(net, I).potentials
    vmax = np.abs(exact).max()
    for size in (1e-11, 1e-7, 1e-5):
        delta = size * exact * rng.uniform(-1, 1, exact.size)   # relative, node by node
        state = _patched_ngspice(monkeypatch, lambda v, d=delta: v + d)
        state["net"] = net
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            sol = solve_ngspice(net, I, mode="shared")
        scale = max(np.abs(sol.potentials).max(), vmax)     # as check_answer scales it
        true = np.abs(sol.potentials - exact).max() / scale
        floor = 8 * sol.info["condition_estimate"] * np.finfo(float).eps
        assert abs(sol.info["error_estimate"] - true) <= 1e-6 * true + floor
        warned = any(issubclass(x.category, CircuitSpinWarning) for x in w)
        # warned as the nodal solver warns: a Kirchhoff backward error (~size here) above
        # 1e-10, or V_UD (~0.13 of the largest potential) uncertain beyond 1e-6
        assert warned == (size >= 1e-7)


@pytest.mark.parametrize("transform, message", [
    (lambda v: v * np.where(np.arange(v.size) % 2, 1.1, 1.0), "does not solve the network"),
    (lambda v: -600 * v, "does not solve the network"),
    (lambda v: np.full_like(v, np.nan), "non-finite"),
    (lambda v: np.where(np.arange(v.size) == 1, np.inf, v), "non-finite"),
])
def test_a_wrong_ngspice_answer_is_refused(monkeypatch, transform, message):
    """Before: a 10% error, a wrong sign x600 or NaN potentials came back with no word."""
    from circuitspin.solvers.spice import solve_ngspice

    net = build_network(load_stack(PILLAR))
    _patched_ngspice(monkeypatch, transform)["net"] = net
    with pytest.raises(SolverError, match=message):
        solve_ngspice(net, I, mode="shared")


def test_real_ngspice_answers_pass_the_check_and_report_it(ngspice):
    from circuitspin.solvers.spice import solve_ngspice

    for segments in (None, 50):
        net = build_network(load_stack(PILLAR), segments)
        exact = solve(net, I).potentials
        for mode in ("shared", "subprocess"):
            with warnings.catch_warnings():
                warnings.simplefilter("error", CircuitSpinWarning)
                sol = solve_ngspice(net, I, mode=mode)
            true = np.abs(sol.potentials - exact).max() / np.abs(exact).max()
            # the estimate is the distance to the exact solution, up to the nodal
            # solution's own rounding (a few eps times the condition estimate)
            floor = 10 * sol.info["condition_estimate"] * np.finfo(float).eps
            assert abs(sol.info["error_estimate"] - true) <= floor
            assert sol.info["kcl_residual"] < 1e-10


# ====================================================================== 4. outputs
def _char_device(tmp_path, suffix):
    """A private /dev/null (major 1, minor 3) in tmp_path; without the right to make
    device nodes, a symbolic link to /dev/null (through which nothing may replace it)."""
    node = tmp_path / f"null{suffix}"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return node, node
    except (PermissionError, OSError):
        link = tmp_path / f"null-link{suffix}"
        link.symlink_to("/dev/null")
        return link, Path("/dev/null")


COMMANDS = {
    "netlist": ["netlist", PILLAR, "--current", I],
    "sweep-csv": ["sweep", PILLAR, "--current", "0:1e-3:3"],
    "sweep-netcdf": ["sweep", PILLAR, "--current", "0:1e-3:3", "--param", "area=1e-14,2e-14",
                     "--workers", "1", "-q", "--netcdf"],
    "plot": ["plot", PILLAR, "--current", I],
    "schematic": ["schematic", PILLAR, "--current", I],
}


def _run_to(command, out, capsys):
    args = [str(a) for a in COMMANDS[command]]
    args += [str(out)] if command == "sweep-netcdf" else ["-o", str(out)]
    status = main(args)
    return status, capsys.readouterr()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path, capsys,
                                                                          command):
    suffix = {"netlist": ".cir", "sweep-csv": ".csv", "sweep-netcdf": ".nc",
              "plot": ".png", "schematic": ".svg"}[command]
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / f"out{suffix}"
    target.write_text("old")
    link = tmp_path / f"link{suffix}"
    link.symlink_to(target)
    status, out = _run_to(command, link, capsys)
    assert status == 0, out.err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.stat().st_size > 100 and target.read_bytes() != b"old"
    assert [p.name for p in (tmp_path / "real").iterdir()] == [target.name]  # no temp file


@pytest.mark.parametrize("command", ["netlist", "sweep-csv", "plot"])
def test_output_to_a_fifo_streams_into_it(tmp_path, capsys, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    status, out = _run_to(command, fifo, capsys)
    reader.join(60)
    assert status == 0, out.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)          # still a FIFO
    assert len(got) == 1 and len(got[0]) > 100
    if command == "netlist":
        from circuitspin.netlist import to_spice

        net = build_network(load_stack(PILLAR))
        assert got[0].decode() == to_spice(net, I)


@pytest.mark.parametrize("command", ["netlist", "sweep-csv", "plot", "schematic"])
def test_output_to_a_character_device_is_never_replaced(tmp_path, capsys, command):
    path, device = _char_device(tmp_path, ".svg" if command == "schematic" else "")
    before = os.stat(device)
    status, out = _run_to(command, path, capsys)
    assert status == 0, out.err
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino                   # the same node, not a new file


@pytest.mark.no_ulp_stress  # bit-for-bit identity of a deck written in a subprocess (no stress there)
def test_output_to_dev_stdout_goes_down_the_pipe():
    """``-o /dev/stdout`` with stdout a pipe: the deck arrives there, and /dev/stdout is
    still the system's link (before, as root, it was replaced by a regular file)."""
    from circuitspin.netlist import to_spice

    before = os.readlink("/dev/stdout")
    r = cli("netlist", PILLAR, "--current", I, "-o", "/dev/stdout")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(to_spice(build_network(load_stack(PILLAR)), I))
    assert os.path.islink("/dev/stdout") and os.readlink("/dev/stdout") == before


def test_output_to_a_socket_or_directory_is_refused(tmp_path, capsys):
    sock_path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    try:
        status, out = _run_to("netlist", sock_path, capsys)
        assert status == 2 and "not a regular file" in out.err and out.err.count("\n") == 1
        assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)
    finally:
        s.close()
    status, out = _run_to("netlist", tmp_path, capsys)
    assert status == 2 and "is a directory" in out.err


# ====================================================================== 5. hostile input
@pytest.mark.parametrize("text", ["9**9**9 A", "10**400 A", "2*3 mA", "1e-3*1000 A", "A",
                                  "mA", "(1) A", "1 A + 1 A", "exp(1) A", "1 mA mA**99999",
                                  "1" * 300 + " A", "1 nonsense_unit", "1e400 A", "nan A",
                                  "inf", "0x10 A", "1_000 A", "--1 A"])
def test_unit_strings_are_a_number_and_a_unit_never_arithmetic(text):
    with pytest.raises(ValueError):
        to_si(text, "A")


@pytest.mark.parametrize("text, unit, value", [
    ("6 nm", "m", 6e-9), ("60 nOhm*m", "ohm*m", 60e-9), ("0.51 fOhm*m^2", "ohm*m**2", 0.51e-15),
    ("0.51 fOhm m**2", "ohm*m**2", 0.51e-15), ("10 GHz", "Hz", 1e10), ("1e10 1/m", "1/m", 1e10),
    ("1.36 1/angstrom", "1/m", 1.36e10), ("2 m^-1", "1/m", 2.0), ("-2.5e-3 A", "A", -2.5e-3),
    (".5 mA", "A", 5e-4), ("1 \u00b5m", "m", 1e-6), ("60 n\u03a9*m", "ohm*m", 60e-9),
    ("4.2", "K", 4.2), ("1e-14 m**2", "m**2", 1e-14), ("100 um^2", "m**2", 1e-10)])
def test_unit_strings_that_are_read(text, unit, value):
    assert to_si(text, unit) == pytest.approx(value, rel=1e-15)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.eE+-*/^() mAnOhmkgGHzu\u00b5\u03a9_x", max_size=200))
def test_any_short_string_is_read_or_refused_at_once(text):
    """Strings built from the characters of numbers, units and arithmetic: a float or a
    ValueError, never another exception (the reader never evaluates: no hang)."""
    try:
        v = to_si(text, "A")
    except ValueError:
        return
    assert np.isfinite(v)


@pytest.mark.parametrize("entry", ['area = "9**9**9 m**2"', 'area = "10**400 m**2"',
                                   'area = "m**2"', 'area = "1e-14 m**2 * 9**9**9"'])
def test_unit_arithmetic_in_a_stack_file_is_refused_quickly(tmp_path, entry):
    path = write_stack(tmp_path, **{"area = 1e-14": entry})
    r = cli("solve", path, "--current", I, timeout=60)
    one_error_line(r, "area")


def test_current_arithmetic_is_refused_quickly():
    r = cli("solve", PILLAR, "--current", "9**9**9 A", timeout=60)
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_deeply_nested_toml_is_a_clear_error(tmp_path, run):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 600 + "]" * 600 + "\n")
    one_error_line(run("solve", path, "--current", I), "nested too deeply")
    path.write_text("".join(f"[{'t.' * 2000}x]\n"))
    r = run("solve", path, "--current", I)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_fifo_and_devices_are_not_read_as_stack_files(tmp_path):
    fifo = tmp_path / "stack.toml"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", "/dev/urandom"):
        one_error_line(cli("solve", path, "--current", I, timeout=60), "not a regular file")
    one_error_line(cli("solve", tmp_path, "--current", I), "is a directory")


def test_a_huge_stack_file_is_refused_before_it_is_read(tmp_path, run):
    from circuitspin.stack import MAX_STACK_BYTES

    big = tmp_path / "big.toml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_STACK_BYTES + 1)               # sparse: no disk used
    one_error_line(run("solve", big, "--current", I), "bytes")


def test_read_deck_refuses_devices_and_fifos(tmp_path):
    from circuitspin.errors import NetlistError
    from circuitspin.netlist import read_deck

    fifo = tmp_path / "deck.cir"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(NetlistError, match="not a regular file"):
            read_deck(path)


@pytest.mark.parametrize("args, words", [
    (["--segments", "100000000"], ["4e+08 segments", "limit", "--segment-limit"]),
    (["--segments", "99999999999999999999999"], ["--segments", "whole number"]),
    (["--segments", "9223372036854775807"], ["--segments"]),
    (["--segments", "3", "--segment-limit", "11"], ["12 segments", "limit 11"]),
])
def test_network_size_is_estimated_and_refused_before_allocating(args, words):
    one_error_line(cli("solve", PILLAR, "--current", I, *args, timeout=60), *words)


def test_the_size_limit_can_be_raised(run):
    r = run("solve", PILLAR, "--current", I, "--segments", "3", "--segment-limit", "12")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("segments", ["100000000", "9223372036854775807"])
def test_a_layers_own_segment_count_is_limited_too(tmp_path, segments):
    path = write_stack(tmp_path, **{'name = "N"\n': f'name = "N"\nsegments = {segments}\n'})
    one_error_line(cli("solve", path, "--current", I, timeout=60), "segments", "limit")
    with pytest.raises(NetworkError, match="limit"):
        build_network(load_stack(path))


def test_a_huge_sweep_grid_is_refused_with_its_size():
    one_error_line(cli("sweep", PILLAR, "--current", "0:1e-3:100000", "--param",
                       "area=1e-14:2e-14:100000", "--param", "temperature=1:2:1000000",
                       timeout=60), "1e+16 points", "limit", "--max-points")
    r = cli("sweep", PILLAR, "--current", "0:1e-3:3", "--param", "area=1e-14,2e-14",
            "--max-points", "5", "--workers", "1")
    one_error_line(r, "6 points", "limit 5")


def test_underflowing_motor_damping_is_solved_not_a_traceback(tmp_path, run):
    """delta_alpha = 1e-320 with magnons: the motor branch's conductance is ~1e-323 S, so
    the bridge is the open-motor bridge (V_UD equal to magnons = 0 to rounding)."""
    path = write_stack(tmp_path, **{"delta_alpha = 0.01": "delta_alpha = 1e-320",
                                    "magnons = 0": "magnons = 5"})
    r = run("solve", path, "--current", I, "--json")
    assert r.returncode == 0, r.stderr
    import json

    got = json.loads(r.stdout)
    ref = solve(build_network(load_stack(PILLAR)), I)
    # the ~1e-323 S branch adds nothing to any sum; 1e-12 is the rounding floor of V_UD,
    # a difference of potentials ~10x larger, with a condition number ~1e3
    assert got["V_UD"] == pytest.approx(ref.V_UD, rel=1e-12)


def test_the_same_param_twice_and_aliased_interfaces_are_refused(run):
    one_error_line(run("sweep", PILLAR, "--current", I, "--param", "area=1e-14",
                       "--param", "area=2e-14"), "twice")
    # 6. the two spellings of one interface: before, exit 0 with the rows mislabelled
    one_error_line(run("sweep", PILLAR, "--current", I, "--param",
                       "interfaces.Co/Cu.ar=1e-15,2e-15", "--param",
                       "interfaces.Cu/Co.ar=3e-15,4e-15"), "interfaces.Co/Cu.ar")


def test_a_non_latin1_layer_name_in_a_netcdf_sweep(tmp_path, run):
    import xarray as xr

    path = write_stack(tmp_path, **{'"F2"': '"F\u00e9\u2603"'})
    out = tmp_path / "o.nc"
    r = run("sweep", path, "--current", "0:1e-3:2", "--param",
            "layers.F\u00e9\u2603.thickness=2e-9,4e-9", "--netcdf", out, "--workers", "1", "-q")
    assert r.returncode == 0, r.stderr
    ds = xr.open_dataset(out, engine="scipy")
    (dim,) = [d for d in ds.dims if d != "current"]
    assert ds[dim].attrs["path"] == "layers.F\\xe9\\u2603.thickness"
    np.testing.assert_array_equal(ds[dim].values, [2e-9, 4e-9])
    ds.close()


def test_fermi_at_an_absurd_depth_is_a_clear_error(run):
    one_error_line(run("fermi", "--kN", "0.5e10", "--kup", "1.1e10", "--kdn", "0.9e10",
                       "--x", "1e300"), "too deep")


@pytest.mark.parametrize("address", ["foo", "http://127.0.0.1:8786", "", "tcp://:1",
                                     "tcp://127.0.0.1"])
def test_bad_scheduler_addresses_are_one_line(address, run):
    one_error_line(run("sweep", PILLAR, "--current", I, "--param", "area=1e-14",
                       "--scheduler", address), "--scheduler")


def test_a_deck_number_of_50000_digits_is_read_in_linear_time():
    """The old number pattern backtracked quadratically (31 s at 20,000 digits); a child
    process with a deadline ~100x what linear time needs proves it ends."""
    code = ("from circuitspin.netlist import parse_value, from_spice\n"
            "for tok in ['1' * 50000 + 'x!', '1' * 50000 + 'e', '1.' + '1' * 50000 + 'meg']:\n"
            "    try:\n        parse_value(tok)\n    except ValueError:\n        pass\n"
            "deck = 't\\nR1 a 0 1\\n' + '+ $\\n' * 100000 + '.end\\n'\n"
            "from_spice('t\\nR1 a 0\\n' + '+ \\n' * 100000 + '+ 1\\n.end\\n')\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_continuation_lines_are_joined_in_order():
    from circuitspin.netlist import from_spice

    g = from_spice("t\nR1 a\n+ b\n+\n+ 1k\n.end\n")
    (_, _, data), = g.edges(data=True)
    assert data["resistance"] == 1e3


# ====================================================================== 7. smaller
def test_a_subnormal_area_is_refused_not_inf_and_nan(tmp_path, run):
    path = write_stack(tmp_path, **{"area = 1e-14": "area = 5e-324"})
    r = run("solve", path, "--current", I)
    # the stack reader's own "implausible area" warning may come first; then one error
    *warned, error = r.stderr.splitlines()
    assert r.returncode == 2 and r.stdout == ""
    assert all(w.startswith("circuitspin: warning: ") for w in warned)
    assert error.startswith("circuitspin: error: ") and "underflow" in error
    assert "area" in error


def test_a_current_that_overflows_says_so(run):
    """1.75e308 A through the pillar's 1.04 ohm: the stack voltage is beyond the largest
    double (1.8e308 V).  (1e308 A is solved: 1.04e308 V.)"""
    one_error_line(run("solve", PILLAR, "--current", "1.75e308"), "current", "too large")


def test_an_absurd_magnon_number_names_the_motor(tmp_path, run):
    path = write_stack(tmp_path, **{"magnons = 0": "magnons = 1e300"})
    one_error_line(run("solve", path, "--current", I), "motor", "magnons")


def test_a_title_cannot_drive_the_terminal(tmp_path, run):
    path = write_stack(tmp_path, **{'title = "Co/Cu/Co/Cu pillar, Berger Fig. 1a"':
                                    'title = "\\u001b]0;owned\\u0007\\u001b[31mRED\\u009b"'})
    for command in (["solve", path, "--current", I], ["threshold", path]):
        r = run(*command)
        assert r.returncode == 0, r.stderr
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
        assert "\\x1b[31mRED" in r.stdout


def test_layer_names_starting_with_a_digit_in_both_ngspice_modes(tmp_path, ngspice):
    from circuitspin.solvers.spice import solve_ngspice

    path = write_stack(tmp_path, **{'"F1"': '"1F"'})
    text = path.read_text().replace('"F2"', '"2F"')
    path.write_text(text)
    net = build_network(load_stack(path))
    ref = solve(net, I)
    for mode in ("shared", "subprocess"):
        sol = solve_ngspice(net, I, mode=mode)
        assert sol.V_UD == pytest.approx(ref.V_UD, rel=1e-9)  # as tests/test_spice_backends


# ====================================================================== issue 13: units
def test_sweep_currents_take_units_and_single_values(capsys):
    from circuitspin.commands.sweep import parse_current_range

    np.testing.assert_allclose(parse_current_range("1 mA"), [1e-3], rtol=1e-15)
    np.testing.assert_allclose(parse_current_range("1e-3"), [1e-3], rtol=0)
    np.testing.assert_allclose(parse_current_range("0:2 mA:5"), np.linspace(0, 2e-3, 5),
                               rtol=1e-15)
    np.testing.assert_allclose(parse_current_range("1 mA,2 mA"), [1e-3, 2e-3], rtol=1e-15)
    np.testing.assert_allclose(parse_current_range("log:1 uA:1 mA:4"),
                               [1e-6, 1e-5, 1e-4, 1e-3], rtol=1e-12)
    assert main(["sweep", str(PILLAR), "--current", "1 mA"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and float(rows[1].split(",")[0]) == pytest.approx(1e-3, rel=1e-15)


@pytest.mark.parametrize("spec, values", [
    ("5 nm,10 nm", [5e-9, 10e-9]),
    ("1 nm:50 nm:50", np.linspace(1e-9, 50e-9, 50)),
    ("log:1 nm:1 um:20", np.logspace(-9, -6, 20)),
    ("3e-9", [3e-9]),
])
def test_param_values_take_units(spec, values):
    from circuitspin.sweep import parse_param

    axis = parse_param(f"layers.F2.thickness={spec}")
    np.testing.assert_allclose(axis.values, values, rtol=1e-12)


@pytest.mark.parametrize("path, spec, value", [
    ("layers.N.thickness", "6 nm", 6e-9), ("area", "1e-14 m^2", 1e-14),
    ("materials.Co.rho", "60 nOhm*m", 60e-9), ("interfaces.Co/Cu.ar", "0.51 fOhm*m^2", 0.51e-15),
    ("motor.frequency", "10 GHz", 1e10), ("temperature", "4.2 K", 4.2),
])
def test_a_sweep_with_units_equals_the_si_sweep(path, spec, value):
    from circuitspin.sweep import parse_param, run_sweep

    a = run_sweep(pillar_dict(), [parse_param(f"{path}={spec}")], [I], workers=1,
                  progress=False)
    b = run_sweep(pillar_dict(), [parse_param(f"{path}={value!r}")], [I], workers=1,
                  progress=False)
    # pint's "6 nm" is 6.000000000000001e-09: the inputs may differ by an ulp, which the
    # network's condition (~1e3) and V_UD's cancellation (~10x) make ~2e-12 at most
    np.testing.assert_allclose(a["V_UD"].values, b["V_UD"].values, rtol=1e-11)


@pytest.mark.parametrize("spec", ["5 A,10 nm", "5 nm*2", "nm:50 nm:3", "1 nm:50 nm:2.5",
                                  "1 nm:50 nm:99999999999"])
def test_param_values_with_wrong_units_or_arithmetic_are_refused(spec, run):
    one_error_line(run("sweep", PILLAR, "--current", I, "--param",
                       f"layers.F2.thickness={spec}"), "layers.F2.thickness")
