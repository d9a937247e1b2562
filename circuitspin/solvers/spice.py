"""The ngspice backend: the network written as a deck, solved by ngspice, read back.

Public API
----------
solve_ngspice(network, current, mode="auto", timeout=None) -> Solution
    ``mode="shared"``: ngspice's shared library through PySpice (in process, full double
    precision); ``"subprocess"``: ``ngspice -b -r out.raw deck.cir`` in a temporary
    directory whose ``.spiceinit`` sets ``filetype=ascii`` (16 significant digits);
    ``"auto"``: shared, falling back to the subprocess when PySpice or libngspice cannot
    load.  Missing ngspice raises :class:`~circuitspin.errors.BackendUnavailable` with
    the install command; a failed, crashed or timed-out run raises
    :class:`~circuitspin.errors.SolverError` with the return code and the tail of
    ngspice's log (no temporary folder is left behind).  Every answer is checked on the
    network's own conductances (``check=True``): see ``solve_ngspice``.
ngspice_available() -> dict
    Which modes can run here: ``{"shared": bool, "subprocess": bool, "reason": str}``.
parse_rawfile(text) -> dict, parse_rawfile_points(text) -> dict
    Variables of an ASCII rawfile: ``{name: value}`` at its first point, or
    ``{name: array}`` over all points (a ``.tran`` run).
run_ngspice_batch(deck, timeout=None, keep=False) -> (variables, log, workdir)
    Run a deck with ``ngspice -b`` and return the rawfile variables.

ngspice's banner, notes and gmin/source-stepping chatter never reach the terminal: the
subprocess's output goes to a log file, and the shared library's output goes to a
callback that keeps it (``Note:``, ``Warning:``, ``Trying gmin``, ``Trying source``,
``Supplies reduced`` lines are log, not errors; any other stderr line is an error).
PySpice's "Unsupported Ngspice version" warning is silenced.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from ..errors import BackendUnavailable, SolverError
from ..network import Network
from ..solution import Solution

INSTALL_HINT = ("ngspice is not installed: install it with `apt-get install ngspice "
                "libngspice0-dev` (and `pip install PySpice` for the shared-library mode)")
BENIGN_STDERR = ("Warning:", "Note:", "Trying gmin", "Trying source", "Supplies reduced",
                 "warning,")
MODES = ("auto", "shared", "subprocess")
LOG_TAIL = 12
_log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_SHARED = None          # the one NgSpiceShared instance of this process (or an exception)


# --------------------------------------------------------------------------- shared library
def _shared_class():
    """NgSpiceShared with a quiet, deliberate stdout/stderr classification."""
    logging.getLogger("PySpice.Spice.NgSpice.Shared").setLevel(logging.ERROR)
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared, ffi, ffi_string_utf8

    class QuietNgSpiceShared(NgSpiceShared):
        """Keeps every line ngspice writes; only real errors set the error flags."""

        _instances: dict = {}

        @staticmethod
        def _send_char(message_c, ngspice_id, user_data):
            self = ffi.from_handle(user_data)
            message = ffi_string_utf8(message_c)
            prefix, _, content = message.partition(" ")
            if prefix == "stderr":
                self._stderr.append(content)
                if not is_benign(content):
                    self._error_in_stderr = True
            else:
                self._stdout.append(content)
                if _stdout_error(content):
                    self._error_in_stdout = True
            _log.debug("ngspice %s: %s", prefix, content)
            return 0

        def send_char(self, message, ngspice_id):  # never print
            return 0

    return QuietNgSpiceShared


def is_benign(line: str) -> bool:
    """True for an ngspice stderr line that is log (warnings, notes, stepping), not an
    error."""
    s = line.strip()
    return not s or s.startswith(BENIGN_STDERR)


def _stdout_error(line: str) -> bool:
    s = line.strip().lower()
    return not s.startswith("circuit:") and (s.startswith("error") or "error:" in s)


def _shared_instance():
    """The process's ngspice shared library (loaded once); BackendUnavailable if none."""
    global _SHARED
    if isinstance(_SHARED, BackendUnavailable):
        raise _SHARED
    if _SHARED is None:
        try:
            cls = _shared_class()
        except ImportError as exc:
            _SHARED = BackendUnavailable(f"PySpice is not installed ({exc}): install it "
                                         "with: pip install 'circuitspin[spice]' (for the "
                                         "shared-library mode)")
            raise _SHARED from None
        try:
            _SHARED = cls.new_instance()
        except (OSError, NameError, Exception) as exc:  # dlopen failure, init failure
            _SHARED = BackendUnavailable(f"libngspice cannot load ({exc}): "
                                         "`apt-get install libngspice0-dev`")
            raise _SHARED from None
    return _SHARED


#: seconds between two looks at a running shared-library solve (Ctrl-C is seen then)
POLL = 0.01
#: set when a shared-library run could not be stopped (timeout, Ctrl-C, SIGTERM): the
#: library is busy in its own thread for the rest of the process
_ABANDONED = False


def abandoned_run() -> bool:
    """True when a shared-library run was abandoned still running (timeout, Ctrl-C): the
    process should end with ``os._exit`` rather than finalise Python under a running
    ngspice thread that calls back into it."""
    return _ABANDONED


def _in_helper_thread(work, timeout) -> None:
    """``work()`` (loading and running a deck in the shared library) in a helper thread,
    waited for in slices, so that a timeout, Ctrl-C or SIGTERM is acted on in this (the
    main) thread at once; ngspice's output callbacks run in the helper thread, where no
    signal handler can break into them.  A run that cannot be stopped is abandoned: the
    library is marked busy for the rest of the process."""
    global _SHARED, _ABANDONED
    import time

    outcome: list = []

    def target():
        try:
            work()
            outcome.append(None)
        except Exception as exc:  # NgSpiceCircuitError, ...: re-raised in the caller
            outcome.append(exc)

    worker = threading.Thread(target=target, name="circuitspin-ngspice", daemon=True)
    start = time.monotonic()
    worker.start()
    try:
        while worker.is_alive():
            if timeout is not None and time.monotonic() - start > timeout:
                raise TimeoutError
            worker.join(POLL)
    except BaseException:
        _ABANDONED = True
        _SHARED = BackendUnavailable("the ngspice shared library is still busy with an "
                                     "abandoned run")
        raise
    if outcome and outcome[0] is not None:
        raise outcome[0]


def _run_shared(deck: str, timeout) -> tuple[dict, str]:
    """Load and run ``deck`` in the shared library; returns ({name: value}, log).

    Loading and running happen in a helper thread: ``timeout`` (seconds) and Ctrl-C stop
    the wait (SolverError / KeyboardInterrupt; see :func:`_in_helper_thread`)."""
    from PySpice.Spice.NgSpice.Shared import ffi

    ng = _shared_instance()
    with _LOCK:
        ng.clear_output()
        log_lines: list[str] = []
        abandoned = False
        try:
            def work():
                ng.load_circuit(deck)
                if ng._error_in_stderr or ng._error_in_stdout:
                    raise RuntimeError("circuit not loaded")
                log_lines.extend(ng._stdout + ng._stderr)
                ng.exec_command("run")

            try:
                _in_helper_thread(work, timeout)
                log_lines += ng._stdout + ng._stderr
            except TimeoutError:
                abandoned = _ABANDONED
                raise _failure(f"ngspice (shared library) timed out after {timeout} s",
                               log_lines, None) from None
            except Exception as exc:  # NgSpiceCircuitError, NgSpiceCommandError, ...
                log_lines += ng._stdout + ng._stderr
                raise _failure(f"ngspice (shared library) failed: {exc}", log_lines,
                               None) from None
            except BaseException:
                abandoned = _ABANDONED
                raise
            plot = ng.last_plot
            if not plot.startswith("op"):
                raise _failure("ngspice (shared library) produced no operating point",
                               log_lines, None)
            lib = ng._ngspice_shared
            vecs = lib.ngSpice_AllVecs(plot.encode())
            values = {}
            i = 0
            while vecs[i] != ffi.NULL:
                name = ffi.string(vecs[i]).decode()
                info = lib.ngGet_Vec_Info(f"{plot}.{name}".encode())
                if info != ffi.NULL and info.v_length >= 1 and info.v_realdata != ffi.NULL:
                    key = name.lower()
                    if key.startswith("v(") and key.endswith(")"):  # "V(1f_0_e)": a node
                        key = key[2:-1]                              # starting with a digit
                    values[key] = float(info.v_realdata[0])
                i += 1
        finally:
            if not abandoned:  # a busy library accepts no command
                try:
                    ng.exec_command("remcirc")
                    ng.exec_command("destroy all")
                except Exception:  # nothing loaded: nothing to free
                    pass
                ng.clear_output()
    return values, "\n".join(log_lines)


# --------------------------------------------------------------------------- subprocess
def _executable() -> str:
    exe = shutil.which("ngspice")
    if exe is None:
        raise BackendUnavailable(INSTALL_HINT)
    return exe


def parse_rawfile_points(text: str) -> dict:
    """``{name: array over points}`` of an ASCII rawfile (names lower case, ``v(x)`` ->
    ``x``, ``i(vm)`` -> ``vm#branch`` as in the shared library); ValueError if it is
    not one, or holds no point."""
    if "\nValues:" not in text or "\nVariables:" not in text:
        raise ValueError("not an ASCII rawfile (no Variables/Values sections)")
    head, _, values = text.partition("\nValues:")
    m = re.search(r"^No\. Variables:\s*(\d+)", head, re.MULTILINE)
    p = re.search(r"^No\. Points:\s*(\d+)", head, re.MULTILINE)
    if m is None or p is None:
        raise ValueError("rawfile header without variable or point counts")
    n, points = int(m.group(1)), int(p.group(1))
    if points < 1:
        raise ValueError("rawfile holds no points (the analysis failed)")
    var_lines = head.partition("\nVariables:")[2].strip().splitlines()
    if len(var_lines) < n:
        raise ValueError(f"rawfile lists {len(var_lines)} of {n} variables")
    names = []
    for line in var_lines[:n]:
        parts = line.split()
        name = parts[1].lower()
        if name.startswith("v(") and name.endswith(")"):
            name = name[2:-1]
        elif name.startswith("i(") and name.endswith(")"):
            name = name[2:-1] + "#branch"
        names.append(name)
    tokens = values.split()
    # each point: its index, then n values
    if len(tokens) < points * (n + 1):
        raise ValueError(f"rawfile holds {len(tokens)} of {points * (n + 1)} numbers")
    data = np.array(tokens[:points * (n + 1)], dtype=float).reshape(points, n + 1)[:, 1:]
    return {name: data[:, i] for i, name in enumerate(names)}


def parse_rawfile(text: str) -> dict:
    """``{name: value}`` of the first point of an ASCII rawfile (see
    :func:`parse_rawfile_points`)."""
    return {name: float(v[0]) for name, v in parse_rawfile_points(text).items()}


def run_ngspice_batch(deck: str, timeout=None, keep: bool = False, points: bool = False):
    """Run ``deck`` with ``ngspice -b`` in a fresh temporary directory.

    Returns ``(variables, log, workdir)``; ``workdir`` (holding ``deck.cir``,
    ``ngspice.log``, ``out.raw``) is removed unless ``keep``.  A failed, crashed or
    timed-out run removes it too (nothing is left in the temporary directory) and raises
    SolverError with the return code and the log's tail.  ngspice runs in its own process
    group: a timeout, Ctrl-C or SIGTERM kills it and anything it started.  ``points``:
    every point of every vector (:func:`parse_rawfile_points`, a ``.tran`` run) instead of
    the operating point.
    """
    from ..processes import run_group

    exe = _executable()
    work = Path(tempfile.mkdtemp(prefix="circuitspin-ngspice-"))
    try:
        deck_path = work / "deck.cir"
        deck_path.write_text(deck, encoding="ascii")
        (work / ".spiceinit").write_text("set filetype=ascii\n", encoding="ascii")
        log_path = work / "ngspice.log"
        try:
            rc = run_group([exe, "-b", "-r", "out.raw", "deck.cir"], cwd=work,
                           log_path=log_path, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise _batch_failure(work, f"ngspice -b timed out after {timeout} s",
                                 None) from None
        except OSError as exc:
            raise BackendUnavailable(f"cannot run {exe}: {exc.strerror}; "
                                     f"{INSTALL_HINT}") from None
        log_text = log_path.read_text(errors="replace")
        if rc != 0:
            what = (f"ngspice -b crashed (signal {-rc})" if rc < 0 else "ngspice -b failed")
            raise _batch_failure(work, what, rc)
        raw = work / "out.raw"
        try:
            parse = parse_rawfile_points if points else parse_rawfile
            variables = parse(raw.read_text(errors="replace"))
        except (OSError, ValueError) as exc:
            raise _batch_failure(work, f"ngspice -b gave no usable rawfile ({exc})",
                                 rc) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return variables, log_text, work


def _tail(log: str) -> str:
    lines = [s.strip() for s in log.splitlines() if s.strip()]
    lines = [s for s in lines if not s.startswith(("Trying gmin", "Supplies reduced"))]
    return " | ".join(lines[-LOG_TAIL:])


#: how a user gets the deck that failed (the failed run's folder is not kept)
DECK_HINT = "the same deck: `circuitspin netlist STACK --current I -o deck.cir`"


def _batch_failure(work: Path, what: str, rc) -> SolverError:
    log_path = work / "ngspice.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    return _failure(what, log.splitlines(), rc)


def _failure(what: str, log_lines, rc) -> SolverError:
    rc_text = "" if rc is None else f" (return code {rc})"
    return SolverError(f"{what}{rc_text}; log: {_tail(chr(10).join(log_lines)) or '(empty)'}"
                       f"; {DECK_HINT}")


# --------------------------------------------------------------------------- availability
def ngspice_available() -> dict:
    """Which ngspice modes can run here, and why not."""
    out = {"shared": False, "subprocess": shutil.which("ngspice") is not None, "reason": ""}
    try:
        _shared_instance()
        out["shared"] = True
    except BackendUnavailable as exc:
        out["reason"] = str(exc)
    if not out["subprocess"]:
        out["reason"] = (out["reason"] + "; " if out["reason"] else "") + \
            "no `ngspice` executable on PATH"
    return out


# --------------------------------------------------------------------------- the backend
def solve_ngspice(network: Network, current: float, mode: str = "auto", timeout=None,
                  check: bool = True) -> Solution:
    """Solve ``network`` with ``current`` (A) entering its source electrode, in ngspice.

    Parameters
    ----------
    network : Network
    current : float
        Source current, A.
    mode : {"auto", "shared", "subprocess"}
        See the module docstring.  ``Solution.info["ngspice_mode"]`` says which ran.
    timeout : float, optional
        Seconds before the run is stopped (SolverError): an ``ngspice -b`` process group
        is killed, a shared-library run is halted.
    check : bool
        Check the answer on the network's own conductances
        (:func:`circuitspin.solvers.nodal.check_answer`): non-finite potentials or an
        answer that does not solve the network are a SolverError, an inaccurate one a
        :class:`~circuitspin.errors.CircuitSpinWarning`; ``info`` gets
        ``error_estimate``, ``condition_estimate`` and ``kcl_residual``.

    Returns
    -------
    Solution
        ``backend="ngspice"``, node potentials (V) in the network's node order, the
        motor current and magnons as the nodal solver sets them.
    """
    from ..netlist import deck_names, to_spice

    if not isinstance(network, Network):
        raise SolverError("solve_ngspice needs a built Network (call build_network first), "
                          f"got {type(network).__name__}")
    if mode not in MODES:
        raise SolverError(f"ngspice mode must be one of {', '.join(MODES)}, got {mode!r}")
    current = float(current)
    if not np.isfinite(current):
        raise SolverError(f"current must be finite, got {current}")
    deck = to_spice(network, current)
    used = mode
    if mode == "shared":
        values, log = _run_shared(deck, timeout)
    elif mode == "subprocess":
        values, log, _ = run_ngspice_batch(deck, timeout)
    else:
        try:
            values, log = _run_shared(deck, timeout)
            used = "shared"
        except BackendUnavailable as exc:
            if shutil.which("ngspice") is None:
                raise BackendUnavailable(INSTALL_HINT) from None
            _log.debug("ngspice shared library unavailable (%s); using ngspice -b", exc)
            values, log, _ = run_ngspice_batch(deck, timeout)
            used = "subprocess"
    if "singular matrix" in log:
        raise _failure(f"ngspice ({used}) met a singular matrix: its answer would not "
                       "solve the network", log.splitlines(), None)
    names = deck_names(network)
    v = np.zeros(network.n_nodes)
    missing = []
    for i, name in enumerate(names):
        if name == "0":
            continue
        val = values.get(name)
        if val is None:
            missing.append(name)
        else:
            v[i] = val
    if missing:
        raise _failure(f"ngspice ({used}) did not report node(s) "
                       f"{', '.join(missing[:5])}", log.splitlines(), None)
    i_m = magnons = 0.0
    if network.u is not None and network.motor_g > 0:
        i_m = network.motor_g * (v[network.u] - v[network.d] - network.motor_emf)
        magnons = network.stack.motor.magnons
    info = {"ngspice_mode": used}
    if "vm#branch" in values:
        info["ngspice_motor_current"] = values["vm#branch"]
    sol = Solution(network=network, potentials=v, current=current, backend="ngspice",
                   motor_current=float(i_m), magnons=float(magnons), info=info)
    if check:
        from .general import factor_for
        from .nodal import check_answer

        check_answer(sol, f"ngspice ({used})", factor=factor_for(network))
    return sol
