"""Child processes and signals: nothing started here outlives what started it.

Public API
----------
run_group(cmd, *, cwd, log_path, timeout=None) -> int
    Run ``cmd`` in its own session (a new process group) with stdin closed and stdout
    and stderr to ``log_path``; return its exit status.  On a timeout
    (``subprocess.TimeoutExpired``), Ctrl-C or SIGTERM the whole group is killed before
    the exception goes on, and after a normal exit any process the command left behind
    in its group is killed too.
raising_signals()
    Context manager of the command line: SIGTERM and SIGHUP raise
    :class:`~circuitspin.errors.Terminated` (a KeyboardInterrupt) in the main thread,
    so that temporary files are removed and children killed as for Ctrl-C.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from .errors import Terminated


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # the group is empty already
        pass


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl-C, SIGTERM and SIGHUP while a child starts; deliver the first on exit.

    A signal that arrived inside ``Popen`` (after the fork, before ``proc`` is known)
    would otherwise raise there and leave the child's group running: held, it is
    delivered once the caller can kill that group.  Main thread only (signal handlers
    can be set nowhere else); elsewhere it does nothing.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got = []
    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            old[sig] = signal.signal(sig, lambda signum, frame: got.append(signum))
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if got:
            signal.raise_signal(got[0])


def run_group(cmd, *, cwd, log_path, timeout=None) -> int:
    """See the module docstring."""
    proc = None
    try:
        with _signals_held(), open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        proc.wait(timeout=timeout)
    except BaseException:      # timeout, KeyboardInterrupt, Terminated: leave nothing
        if proc is not None:
            _kill_group(proc.pid)
            proc.wait()
        raise
    _kill_group(proc.pid)      # what the command started and left running
    return proc.returncode


def _raise_terminated(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def raising_signals():
    """See the module docstring (main thread only; elsewhere it does nothing)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            old[sig] = signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
