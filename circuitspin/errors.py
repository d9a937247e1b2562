"""Exception hierarchy of circuitspin.

Every error raised for bad input derives from :class:`CircuitSpinError`; the command
line turns it into a one-line message and exit status 2.  This module imports nothing
from the package.

Public API
----------
CircuitSpinError, StackError, NetworkError, SolverError, BackendUnavailable,
NetlistError, FermiError; CircuitSpinWarning (an answer that may not be trustworthy);
Terminated (SIGTERM/SIGHUP as an exception, a KeyboardInterrupt)
"""


class CircuitSpinError(Exception):
    """Base class of every error circuitspin raises for bad input or a failed solve."""


class StackError(CircuitSpinError):
    """A stack file or a stack description is invalid (names file, table and key)."""


class NetworkError(CircuitSpinError):
    """A network cannot be built or is used wrongly (e.g. a builder passed to a solver)."""


class SolverError(CircuitSpinError):
    """A solve failed (singular matrix, no convergence, untrustworthy answer)."""


class BackendUnavailable(CircuitSpinError):
    """An optional backend (ngspice, PySpice, Dask) is not installed; says how to get it."""


class NetlistError(CircuitSpinError):
    """A SPICE deck cannot be read (names the line)."""


class FermiError(CircuitSpinError):
    """Invalid input to the Fermi-surface spin-current formulas."""


class CircuitSpinWarning(UserWarning):
    """A result was computed but cannot be trusted to the usual accuracy (e.g. the
    network matrix is nearly singular); the message names what is extreme.  The command
    line prints it as one line, ``circuitspin: warning: ...``."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: the command line's handler raises this so that every
    cleanup (temporary files, child processes, worker pools) runs as for Ctrl-C.
    ``signum`` is the signal's number (exit status 128 + signum)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
