"""What the commands share: option types, the network options, the error context.

The command line (:mod:`circuitspin.cli`) and every command module import these; nothing
here imports the command line.
"""
from __future__ import annotations

import argparse
import contextlib
import math

from ..errors import NetworkError, SolverError


def _current(text: str) -> float:
    from ..units import to_si

    try:
        value = to_si(text, "A")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--current: {exc}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"--current: must be finite, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    import re

    text = text.strip()
    if re.fullmatch(r"[+-]?[0-9]{1,18}", text) is None:  # int() of 1e5 digits is slow
        raise argparse.ArgumentTypeError(f"expected a whole number below 1e18, got "
                                         f"{text[:40]!r}")
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


#: seconds before ``solve --backend ngspice`` gives up on an ``ngspice -b`` run
NGSPICE_TIMEOUT = 900.0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def add_network_options(p):
    """The options every command that builds a network takes: STACK, --current,
    --segments, --method."""
    p.add_argument("stack", help="stack file (TOML)")
    p.add_argument("--current", "-I", type=_current, required=True,
                   help="current into the first layer, A (or with units: '1 mA')")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N ladder segments (default: one exact "
                        "segment per layer)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None,
                   help="discretisation (default: exact without --segments, ladder with)")
    add_segment_limit(p)


def add_segment_limit(p):
    """``--segment-limit``: raise (or lower) the network size limit."""
    from ..network import MAX_SEGMENTS

    p.add_argument("--segment-limit", type=_positive_int, default=None, metavar="N",
                   help="refuse networks of more than N segments in all (default "
                        f"{MAX_SEGMENTS:,}, about 650 bytes each)")


def printable(text) -> str:
    """``text`` with control characters (terminal escape sequences, bells, C1 codes)
    shown as ``\\x1b``-style escapes, so a stack's title or name cannot drive the
    terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else
                   ch.encode("unicode_escape").decode("ascii") for ch in str(text))


@contextlib.contextmanager
def stack_errors(path):
    """Re-raise a NetworkError or SolverError with the stack file's name in front (unless
    the message already starts with it), so that every error line names the file."""
    try:
        yield
    except (NetworkError, SolverError) as exc:
        msg = str(exc)
        if msg.startswith(f"{path}:") or msg.startswith(f"{path} "):
            raise
        raise type(exc)(f"{path}: {msg}") from None


def solve_from_args(args):
    """Load the stack, build the network and solve it as the options say."""
    from ..network import build_network
    from ..reader import load_stack
    from ..solvers import solve

    stack = load_stack(args.stack)
    with stack_errors(args.stack):
        network = build_network(stack, args.segments, args.method)
        options = {}
        if getattr(args, "backend", "nodal") == "ngspice":
            options["timeout"] = getattr(args, "timeout", None)
        return solve(network, args.current, backend=getattr(args, "backend", "nodal"),
                     **options)
