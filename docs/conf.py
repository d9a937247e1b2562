"""Sphinx configuration of the circuitspin documentation (``make docs``).

The notebooks in ``notebooks/`` are rendered as tutorials from their stored outputs
(myst-nb, nothing is executed): every ``notebooks/*.ipynb`` is linked into
``docs/tutorials/`` (not tracked) when the build starts, so a new notebook needs no
change here.  The API reference is generated from the docstrings by autosummary over
the whole package (``api.md``).
"""
from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import types  # noqa: E402

import circuitspin  # noqa: E402

# autosummary imports every submodule of the package to list it; importing
# circuitspin.__main__ would run the command line on sphinx-build's own arguments
sys.modules.setdefault("circuitspin.__main__", types.ModuleType("circuitspin.__main__"))

project = "circuitspin"
author = "the circuitspin developers"
copyright = "the circuitspin developers"
release = version = circuitspin.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "sphinxarg.ext",
    "materials_table",
    "plain_docstrings",
]

# plain quotes and "--option" as typed (no typographic dashes in the CLI reference)
smartquotes = False
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_templates", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# --- notebooks: stored outputs only
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence"]
myst_heading_anchors = 3


def _link_notebooks() -> None:
    tutorials = DOCS / "tutorials"
    tutorials.mkdir(exist_ok=True)
    wanted = {p.name: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    for old in tutorials.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for name, src in wanted.items():
        link = tutorials / name
        if not link.is_symlink():
            link.unlink(missing_ok=True)
            link.symlink_to(Path("..", "..", "notebooks", name))


_link_notebooks()

# --- API reference
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True,
                           "member-order": "bysource"}
autodoc_typehints = "description"
# numpy-style docstrings; the module docstrings' "Public API" lists are plain sections
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_ivar = True
napoleon_custom_sections = ["Public API", "Sources", "Units (SI)", "Conventions"]
# optional extras the API pages import lazily anyway
autodoc_mock_imports: list[str] = []
# type hints name classes of numpy, networkx, matplotlib...: not cross-referenced
nitpicky = False

# --- HTML
html_theme = "furo"
html_title = f"circuitspin {release}"
html_static_path: list[str] = []

