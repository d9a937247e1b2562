"""Fault injection: fake ngspice programs, signals to real runs, a Dask cluster losing
workers.  Every run ends in an answer or in one error line, within its deadline, and
leaves no process and no temporary folder behind.

- Fake ``ngspice`` programs, first on PATH in a temporary directory (the shared library
  disabled, so the ``ngspice -b`` path runs): hang, hang with a child, crash, exit 0 with
  no rawfile, flood the log, print garbage, and wrappers around the real ngspice that
  corrupt its rawfile (NaN, 10% off, a node missing).  The steady motor's ``.op`` too.
- Signals to real ``circuitspin`` processes: SIGTERM during ``ngspice -b`` (ngspice and
  its child killed), SIGINT and ``--timeout`` during a shared-library solve, SIGTERM and
  SIGINT to ``sweep --workers 2`` (the workers killed), SIGTERM during a large write (no
  temporary file left).
- A ``dask.distributed.LocalCluster`` on the loopback interface: a worker killed in the
  middle of a sweep (its nanny restarts it; the result equals the serial one), and every
  worker killed with no restart (the sweep ends with an error, not a wait forever).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import NETLISTS, need_ngspice, pillar_dict

PILLAR = NETLISTS / "berger_pillar.toml"
STEADY = NETLISTS / "berger_pillar_steady.toml"
REAL_NGSPICE = "/usr/bin/ngspice"


# --------------------------------------------------------------------------- helpers
def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_gone(pids, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def children(pid: int):
    """Direct children of ``pid``."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def wait_for(predicate, seconds, step=0.05):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def leftovers(tmp: Path):
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith("circuitspin-"))


def fake_env(tmp_path, script: str, *, python=False):
    """A fake ``ngspice`` first on PATH; the shared library disabled; TMPDIR private."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    fake = bindir / "ngspice"
    head = f"#!{sys.executable}\n" if python else "#!/bin/sh\n"
    fake.write_text(head + textwrap.dedent(script) + "\n")
    fake.chmod(0o755)
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    return dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", TMPDIR=str(tmp),
                NGSPICE_LIBRARY_PATH=str(tmp_path / "no-libngspice.so"))


def start(args, env=None, **kw):
    return subprocess.Popen([sys.executable, "-m", "circuitspin", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, **kw)


def finish(proc, seconds):
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"no exit within {seconds} s") from None
    return proc.returncode, out, err


# A wrapper around the real ngspice that rewrites its ASCII rawfile: EDIT turns the list
# ``pairs`` of (name, header line, value) of the one point into a new list.
CORRUPT = f"""
import re, subprocess, sys
rc = subprocess.call([{REAL_NGSPICE!r}] + sys.argv[1:])
head, _, body = open("out.raw").read().partition("Values:\\n")
pre, _, block = head.partition("Variables:\\n")
lines = [l for l in block.splitlines() if l.strip()]
tokens = body.split()
pairs = [(l.split()[1].lower(), l, v) for l, v in zip(lines, tokens[1:])]
pairs = EDIT
pre = re.sub(r"No\\. Variables:\\s*\\d+", "No. Variables: %d" % len(pairs), pre)
var = ["\\t%d\\t%s" % (k, " ".join(l.split()[1:])) for k, (n, l, v) in enumerate(pairs)]
open("out.raw", "w").write(pre + "Variables:\\n" + "\\n".join(var) + "\\nValues:\\n "
                           + tokens[0] + "\\t" + "\\n\\t".join(v for n, l, v in pairs) + "\\n")
sys.exit(rc)
"""
EDITS = {
    "nan potentials": ("[(n, l, 'nan' if n.startswith('v(') else v) for n, l, v in pairs]",
                       "non-finite"),
    "10% off": ("[(n, l, repr(float(v) * (1.1 if k % 2 else 1.0)))"
                " for k, (n, l, v) in enumerate(pairs)]", "does not solve the network"),
    "sign flipped": ("[(n, l, repr(-600 * float(v))) for n, l, v in pairs]",
                     "does not solve the network"),
    "garbage numbers": ("[(n, l, '1.0.0x') for n, l, v in pairs]", "no usable rawfile"),
    "a node missing": ("[p for p in pairs if p[0] != 'v(u)']", "did not report node(s) u"),
}

FAKES = {
    "hang": ("echo $$ > {pids}; exec sleep 1000", "timed out after 2"),
    "hang with a child": ("sleep 1000 & echo $! > {pids}; echo $$ >> {pids}; wait",
                         "timed out after 2"),
    "crash": ("kill -SEGV $$", "crashed (signal 11)"),
    "no rawfile": ("echo 'all went fine'", "no usable rawfile"),
    "flood": ("head -c 20000000 /dev/zero | tr '\\0' x; echo", "no usable rawfile"),
    "garbage rawfile": ("head -c 4096 /dev/urandom > out.raw", "no usable rawfile"),
    "error exit": ("echo 'Error: out of cheese' >&2; exit 3", "failed (return code 3)"),
    "orphan left running": ("sleep 1000 & echo $! > {pids}; head -c 0 /dev/null",
                            "no usable rawfile"),
}


# --------------------------------------------------------------------------- fake ngspice
@pytest.mark.parametrize("name", list(FAKES))
def test_fake_ngspice_programs(tmp_path, name):
    script, message = FAKES[name]
    pids = tmp_path / "pids"
    env = fake_env(tmp_path, script.format(pids=pids))
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve", PILLAR, "--current",
                        "1e-3", "--backend", "ngspice", "--timeout", "2"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.startswith("circuitspin: error: ") and r.stderr.count("\n") == 1
    assert message in r.stderr
    assert time.monotonic() - t0 < 60
    if pids.exists():               # ngspice and everything it started: killed
        assert wait_gone([int(p) for p in pids.read_text().split()]) == []
    assert leftovers(tmp_path / "tmp") == []


@pytest.mark.parametrize("name", list(EDITS))
def test_corrupted_answers_of_the_real_ngspice(tmp_path, name):
    """Before: NaN potentials printed with exit 0; a 10% wrong answer unchecked."""
    edit, message = EDITS[name]
    env = fake_env(tmp_path, CORRUPT.replace("EDIT", edit), python=True)
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve", PILLAR, "--current",
                        "1e-3", "--backend", "ngspice"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert leftovers(tmp_path / "tmp") == []


@pytest.mark.parametrize("edit, message", [
    ("[p for p in pairs if p[0] != 'v(u)']", "did not report node(s) u"),
    ("[(n, l, 'garbage') for n, l, v in pairs]", "no usable rawfile"),
    ("[(n, l, 'nan' if n == 'v(n)' else v) for n, l, v in pairs]", "non-finite"),
    ("[(n, l, repr(1.1 * float(v))) for n, l, v in pairs]", "does not solve the network"),
])
def test_steady_motor_with_a_corrupted_ngspice(tmp_path, edit, message):
    """Before: a missing node or garbage from ``ngspice -b`` in the steady motor ended in
    a traceback."""
    env = fake_env(tmp_path, CORRUPT.replace("EDIT", edit), python=True)
    r = subprocess.run([sys.executable, "-m", "circuitspin", "solve", STEADY, "--current",
                        "2e-3", "--backend", "ngspice"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert leftovers(tmp_path / "tmp") == []


# --------------------------------------------------------------------------- signals
def test_sigterm_while_the_child_starts_still_kills_it(tmp_path, monkeypatch):
    """Before: a SIGTERM that arrived inside ``Popen`` (the child forked, its pid not yet
    returned) raised there and left the child running (the load-dependent failure of the
    next test).  Here the signal is sent at exactly that moment, every time."""
    from circuitspin.errors import Terminated
    from circuitspin.processes import raising_signals, run_group

    started = []
    real_popen = subprocess.Popen

    def popen_then_sigterm(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc.pid)
        os.kill(os.getpid(), signal.SIGTERM)   # handled before this frame returns
        return proc

    monkeypatch.setattr(subprocess, "Popen", popen_then_sigterm)
    with pytest.raises(Terminated), raising_signals():
        run_group(["sleep", "1000"], cwd=tmp_path, log_path=tmp_path / "log")
    assert len(started) == 1 and wait_gone(started) == []


def test_sigterm_during_ngspice_batch_kills_it_and_its_child(tmp_path):
    pids = tmp_path / "pids"
    env = fake_env(tmp_path, f"sleep 1000 & echo $! > {pids}; echo $$ >> {pids}; wait")
    proc = start(["solve", PILLAR, "--current", "1e-3", "--backend", "ngspice"], env=env)
    assert wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, 60)
    proc.send_signal(signal.SIGTERM)
    rc, out, err = finish(proc, 30)
    assert rc == 128 + signal.SIGTERM and err == "circuitspin: terminated\n"
    assert wait_gone([int(p) for p in pids.read_text().split()]) == []
    assert leftovers(tmp_path / "tmp") == []


# A shared-library run that never ends, on any machine: the command line, started with
# ngspice's "run" replaced by the real "run" repeated for ever (the helper thread stays in
# ngspice's C code nearly all the time, as in a long solve).  MARK is written when the
# first run starts.  How fast one real solve is does not matter any more: a 5000-segment
# deck, once "well over 10 s", takes under a second with today's node order.
ENDLESS_RUN = """
import sys
from pathlib import Path
from PySpice.Spice.NgSpice.Shared import NgSpiceShared

real = NgSpiceShared.exec_command

def exec_command(self, command, join_lines=True):
    if command != "run":
        return real(self, command, join_lines)
    Path(sys.argv[1]).write_text("running")
    while True:
        real(self, "run")
        real(self, "destroy all")

NgSpiceShared.exec_command = exec_command
from circuitspin.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def endless_shared_solve(tmp_path):
    """(start, mark): ``start(extra)`` runs ``solve --backend ngspice`` (shared library)
    with the endless run; ``mark`` exists once ngspice runs the deck."""
    need_ngspice("shared")
    mark = tmp_path / "running"
    args = ["solve", PILLAR, "--current", "1e-3", "--backend", "ngspice"]

    def run(extra=()):
        return subprocess.Popen([sys.executable, "-c", ENDLESS_RUN, str(mark),
                                 *map(str, [*args, *extra])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return run, mark


def test_timeout_stops_a_shared_library_solve(endless_shared_solve):
    """Before: ``--timeout 1`` was ignored in shared-library mode (ran over 120 s)."""
    run, mark = endless_shared_solve
    t0 = time.monotonic()
    proc = run(["--timeout", "1"])
    rc, out, err = finish(proc, 60)
    assert mark.exists(), err                  # ngspice was running when the time ran out
    assert rc == 2 and "timed out after 1" in err and err.count("\n") == 1, err
    assert time.monotonic() - t0 < 30


def test_sigint_stops_a_shared_library_solve(endless_shared_solve):
    """Before: Ctrl-C during a shared-library solve was ignored (exit 0 at the end)."""
    run, mark = endless_shared_solve
    proc = run()
    assert wait_for(mark.exists, 60), finish(proc, 5)   # ngspice is running the deck
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rc, out, err = finish(proc, 30)
    assert rc == 130 and err == "circuitspin: interrupted\n", err
    assert time.monotonic() - t0 < 10


def _slow_sweep(tmp_path):
    """A sweep of about 80 s of work here (8000 stacks of 3000 segments, 4 s per 400): the
    signal comes 1 s after the workers start, far inside it on any machine."""
    return ["sweep", PILLAR, "--current", "0:1e-3:3", "--segments", "3000", "--param",
            "layers.F2.thickness=1e-9:9e-9:8000", "--workers", "2", "-q", "-o",
            tmp_path / "out.csv"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_a_sweep_kills_its_workers(tmp_path, sig):
    """Before: SIGTERM to ``sweep --workers 2`` left both workers running."""
    proc = start(_slow_sweep(tmp_path))
    workers = wait_for(lambda: (lambda found: found if len(found) >= 2 else None)(
        children(proc.pid)), 60)
    assert len(workers) >= 2
    time.sleep(1.0)                       # work in progress in both
    proc.send_signal(sig)
    rc, out, err = finish(proc, 30)
    assert rc == 128 + sig and err.strip().endswith(("terminated", "interrupted")), err
    assert wait_gone(workers) == []
    assert not (tmp_path / "out.csv").exists()


WRITER = """
import sys, time
from circuitspin.processes import raising_signals
from circuitspin.safe_io import write_output

def produce(fh):
    fh.write(b"half of it")
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)

with raising_signals():
    try:
        write_output(sys.argv[1], produce)
    except KeyboardInterrupt as exc:
        sys.exit(128 + exc.signum)
"""


@pytest.mark.parametrize("existing", [False, True])
def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path, existing):
    """SIGTERM to a process half-way through a write (the command line's signal handling
    around the one output writer).  Before: the hidden temporary file stayed."""
    out = tmp_path / "out.csv"
    if existing:
        out.write_text("previous\n")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "writing\n"
    assert any(p.name.startswith(".out.csv.") for p in tmp_path.iterdir())
    proc.send_signal(signal.SIGTERM)
    rc, _, err = finish(proc, 30)
    assert rc == 128 + signal.SIGTERM, err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["out.csv"] if existing else [])
    if existing:
        assert out.read_text() == "previous\n"


# --------------------------------------------------------------------------- Dask
@pytest.fixture
def cluster():
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c, Client(c) as client:
        yield c, client


AXES_SPEC = ("layers.F2.thickness", np.linspace(1e-9, 9e-9, 24))


def _worker_pids(client):
    return client.run(os.getpid)       # {address: pid}


@pytest.mark.no_ulp_stress  # bit-for-bit identity with worker processes (no stress there)
def test_a_killed_dask_worker_changes_no_result(cluster):
    from circuitspin.sweep import ParamAxis, run_sweep

    c, client = cluster
    axes = [ParamAxis(*AXES_SPEC)]
    currents = np.linspace(0, 2e-3, 3)
    serial = run_sweep(pillar_dict(), axes, currents, segments=2000, workers=1,
                       progress=False)
    pids = _worker_pids(client)
    result = {}
    t = threading.Thread(target=lambda: result.update(ds=run_sweep(
        pillar_dict(), axes, currents, segments=2000, scheduler=client, progress=False)))
    t.start()
    assert wait_for(lambda: any(client.processing().values()), 60, step=0.01)
    victim = next(iter(pids.values()))
    os.kill(victim, signal.SIGKILL)      # the nanny starts a new worker
    t.join(180)
    assert not t.is_alive() and "ds" in result
    for name in serial.data_vars:
        np.testing.assert_array_equal(serial[name].values, result["ds"][name].values)
    assert wait_gone([victim]) == []


def test_a_sweep_whose_workers_all_die_ends_with_an_error(cluster, monkeypatch):
    """Before: it waited forever."""
    import importlib

    from circuitspin.errors import CircuitSpinError
    from circuitspin.sweep import ParamAxis, run_sweep

    sweep = importlib.import_module("circuitspin.sweep")  # circuitspin.sweep: the function

    c, client = cluster
    monkeypatch.setattr(sweep, "NO_WORKER_TIMEOUT", 2.0)
    for nanny in c.workers.values():     # no restarts: the cluster stays empty
        nanny.auto_restart = False
    pids = list(_worker_pids(client).values())
    errors = []

    def run():
        try:
            # about 20 s of work here (240 stacks of 20000 segments): the workers die
            # long before it could end, on any machine
            run_sweep(pillar_dict(), [ParamAxis(AXES_SPEC[0], np.linspace(1e-9, 9e-9, 240))],
                      [1e-3], segments=20000, scheduler=client, progress=False)
        except CircuitSpinError as exc:
            errors.append(str(exc))

    t = threading.Thread(target=run)
    t.start()
    assert wait_for(lambda: any(client.processing().values()), 60, step=0.01)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # the nannies may already be restarting their workers (auto_restart is read when
    # the worker dies): take them away too, so the cluster really has no worker left
    c.scale(0)
    t.join(120)
    assert not t.is_alive()
    assert len(errors) == 1 and ("no worker" in errors[0] or "lost" in errors[0]), errors
    assert wait_gone(pids) == []
