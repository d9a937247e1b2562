"""Subcommands beyond the core ones, one module each.

Each module here defines ``register(subparsers)``, which adds its subparser(s) with
``set_defaults(func=...)``; ``func(args)`` returns the exit status.  The command line
finds the modules with :func:`pkgutil.iter_modules`, so a feature adds its command by
adding its module, without editing ``cli.py``.
"""
