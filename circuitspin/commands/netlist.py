"""``circuitspin netlist``: write the stack's network as a SPICE deck.

    circuitspin netlist STACK --current I [--segments N] [--method exact|ladder]
                        [--dialect ngspice|xyce] [--title TEXT] [--tran] -o OUT.cir

The deck runs as it is with ``ngspice -b OUT.cir`` (see :mod:`circuitspin.netlist`);
``-o -`` prints it instead.  The file is written atomically.  A stack whose motor has
``mode = "steady"`` gets the motor as B-sources with its magnon node ``n``
(:func:`circuitspin.solvers.motor_spice.steady_deck`, ``.op``), or with ``--tran`` a transient
deck in which n(t) relaxes to the steady state (:func:`~circuitspin.solvers.motor_spice.transient_deck`).
"""
from __future__ import annotations

import sys


def register(sub) -> None:
    from .common import add_network_options

    p = sub.add_parser("netlist", help="write the network as a SPICE deck (ngspice, Xyce)")
    add_network_options(p)
    p.add_argument("--dialect", choices=("ngspice", "xyce"), default="ngspice",
                   help="target simulator (default ngspice)")
    p.add_argument("--title", default=None, help="title line (default: the stack's title)")
    p.add_argument("--tran", action="store_true",
                   help="steady motor: a .tran deck where n(t) relaxes (ngspice only)")
    p.add_argument("-o", "--output", required=True, help="output deck (.cir), or - for stdout")
    p.set_defaults(func=cmd_netlist)


def cmd_netlist(args) -> int:
    from .common import stack_errors
    from ..errors import NetlistError
    from ..netlist import to_spice, write_text_atomic
    from ..network import build_network
    from ..reader import load_stack

    stack = load_stack(args.stack)
    steady = stack.motor is not None and stack.motor.mode == "steady"
    if (args.tran or steady) and args.dialect != "ngspice":
        raise NetlistError("the steady motor's B-source deck is written for ngspice only")
    if args.tran and not steady:
        raise NetlistError(f"{args.stack}: --tran needs a [motor] with mode = \"steady\"")
    with stack_errors(args.stack):
        network = build_network(stack, args.segments, args.method)
        if steady:
            from ..solvers.motor_spice import steady_deck, transient_deck

            make = transient_deck if args.tran else steady_deck
            deck = make(network, args.current)
        else:
            deck = to_spice(network, args.current, dialect=args.dialect, title=args.title)
    if args.output == "-":
        sys.stdout.write(deck)
        return 0
    path = write_text_atomic(deck, args.output)
    motor = " (+ motor)" if network.u is not None and network.motor_g > 0 else ""
    if steady:
        motor = " (+ steady motor as B-sources, magnon node n" + \
            (", .tran)" if args.tran else ")")
    run = f"ngspice -b {path}" if args.dialect == "ngspice" else f"Xyce {path}"
    print(f"deck written to {path}: {network.n_nodes} nodes, {network.n_edges} resistors"
          f"{motor} ({args.dialect}); run it with `{run}`")
    return 0
