"""Subcommands beyond the core ones, one module each.

Each module here defines ``register(subparsers)``, which adds its subparser(s) with
``set_defaults(func=...)``; ``func(args)`` returns the exit status.  The command line
registers them from its explicit list ``circuitspin.cli.COMMANDS``; the options and
helpers they share are in :mod:`circuitspin.commands.common` (never the command line).
"""
