"""``circuitspin schematic STACK -o fig3.svg|.png|.pdf [--segments N] [--rows N]``:
Berger's Fig. 3.

Draws the network of the stack (one exact segment per layer by default; ``--segments N``
builds the N-segment ladder, drawn segment by segment up to ``--max-segments`` per layer
and lumped to one exact segment per layer beyond, which the drawing says).  A long stack
is wrapped into rows (``--rows N`` sets how many at most).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CircuitSpinError

SUFFIXES = (".svg", ".png", ".pdf")


def register(subparsers) -> None:
    from .common import _current, _positive_int

    p = subparsers.add_parser("schematic", help="draw Berger's Fig. 3 from the stack's network")
    p.add_argument("stack", help="stack file (TOML)")
    p.add_argument("-o", "--output", required=True,
                   help="output file: .svg, .png or .pdf")
    p.add_argument("--segments", "-n", type=_positive_int, default=None,
                   help="cut every layer into N segments (default: one exact segment per "
                        "layer)")
    p.add_argument("--method", choices=("exact", "ladder"), default=None,
                   help="discretisation (default: exact without --segments, ladder with)")
    p.add_argument("--max-segments", type=_positive_int, default=4,
                   help="draw at most this many segments per layer; lump beyond (default 4)")
    p.add_argument("--rows", type=_positive_int, default=None,
                   help="wrap the layers into at most this many rows of the drawing "
                        "(default: one row for a short stack, else as few as keep it "
                        "at most 2.5 times as wide as high)")
    p.add_argument("--current", "-I", type=_current, default=None,
                   help="write this source current beside the current source (A)")
    p.set_defaults(func=cmd_schematic)


def cmd_schematic(args) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in SUFFIXES:
        raise CircuitSpinError(f"{out}: the output must end in {', '.join(SUFFIXES)}")
    from .common import stack_errors
    from ..network import build_network
    from ..plot.schematic import draw_schematic, schematic_report
    from ..reader import load_stack

    stack = load_stack(args.stack)
    with stack_errors(args.stack):
        network = build_network(stack, args.segments, args.method)
    drawing = draw_schematic(network, out, current=args.current,
                             max_segments=args.max_segments, rows=args.rows)
    rep = schematic_report(drawing)
    counts = ", ".join(f"{n} {k}" for k, n in rep["resistors"].items() if n)
    note = " (lumped: one exact segment per layer)" if rep["lumped"] else ""
    if drawing.circuitspin_rows > 1:
        note += f" in {drawing.circuitspin_rows} rows"
    print(f"schematic written to {out}{note}: {counts} resistors")
    return 0
