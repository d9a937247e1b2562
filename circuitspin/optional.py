"""Optional dependencies: import one, or say which extra installs it.

``require("xarray", "sweep", "a parameter sweep")`` returns the module, or raises
:class:`~circuitspin.errors.BackendUnavailable` with one line that names the package and
the extra (``pip install 'circuitspin[sweep]'``), which the command line prints with exit
status 2 instead of a traceback.
"""
from __future__ import annotations

import importlib

from .errors import BackendUnavailable

#: extra -> the packages it installs (pyproject.toml [project.optional-dependencies])
EXTRAS = {"spice": ("PySpice",), "schematic": ("schemdraw",),
          "sweep": ("tqdm", "dask", "xarray", "pandas"), "fit": ("tomli_w",)}


def require(module: str, extra: str, what: str):
    """Import ``module`` (dotted names allowed) for ``what``; BackendUnavailable naming
    the ``extra`` when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise BackendUnavailable(
            f"{what} needs the optional package {top} ({exc.__class__.__name__}: {exc}); "
            f"install it with: pip install 'circuitspin[{extra}]'") from None
