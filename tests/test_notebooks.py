"""Every ``notebooks/*.ipynb`` runs top to bottom in a fresh kernel, and is stored with
its outputs (so that it reads on a repository page) ending in a figure.

The kernel is this interpreter's own: a ``python3`` kernel spec pointing at
``sys.executable`` is written to a temporary ``JUPYTER_PATH`` (first in Jupyter's search
order), so a ``python3`` kernel installed elsewhere on the machine is never picked.

Re-execute notebooks and store their outputs (the same kernel set-up)::

    python tests/test_notebooks.py notebooks/01_berger_bridge.ipynb [...]
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 300  # s, per cell
KERNEL = "python3"
FIGURE_MIME = ("image/png", "image/svg+xml")


def write_kernelspec(root: Path) -> Path:
    """A ``python3`` kernel spec running ``sys.executable -m ipykernel_launcher``."""
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python",
        "metadata": {"debugger": False}}))
    return root


def execute(path: Path, jupyter_path: Path, ipython_dir: Path, probe: bool = True,
            cwd: Path | None = None):
    """Run the notebook at ``path`` in a fresh kernel (cwd = its folder, or ``cwd``);
    returns it with outputs.  Raises ``nbclient.exceptions.CellExecutionError`` on the first error.
    With ``probe`` a first cell (removed afterwards) reports the kernel's interpreter in
    ``nb.metadata["executed_by"]``."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell("import sys; print(sys.executable, end='')")
    if probe:
        nb.cells.insert(0, cell)
    env = {"JUPYTER_PATH": str(jupyter_path), "IPYTHONDIR": str(ipython_dir)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = nbclient.NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name=KERNEL, record_timing=False,
            resources={"metadata": {"path": str(cwd or path.parent)}})
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if probe:
        nb.cells.pop(0)
        nb.metadata["executed_by"] = "".join(o.get("text", "") for o in cell.outputs)
    return nb


@pytest.fixture(scope="session")
def jupyter_dirs(tmp_path_factory):
    pytest.importorskip("nbclient", reason="notebooks need the test extra: "
                                           "pip install -e '.[all,test]'")
    pytest.importorskip("ipykernel", reason="notebooks need ipykernel in this interpreter")
    root = tmp_path_factory.mktemp("jupyter")
    return write_kernelspec(root / "share"), root / "ipython"


def test_the_tour_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_berger_bridge.ipynb", "05_fermi_surface.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_without_error(path, jupyter_dirs):
    nb = execute(path, *jupyter_dirs)
    assert nb.metadata["executed_by"] == sys.executable  # this venv's kernel, no other
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    # no warning either: what a re-run stores must pass the stored-output test below
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            assert out.get("name") != "stderr" and "Warning" not in text, text[:300]
    # the figure at the end is displayed by the kernel itself (no %matplotlib magic)
    last = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()][-1]
    assert any(m in o.get("data", {}) for o in last.outputs for m in FIGURE_MIME)


def test_library_figures_display_without_magic(jupyter_dirs, tmp_path):
    """A plot function's Figure, the schematic's Figure and Drawing, shown by a fresh
    kernel with no ``%matplotlib`` line: each cell's result carries an image."""
    nbformat = pytest.importorskip("nbformat")
    stack = ROOT / "netlists" / "berger_pillar.toml"
    cells = [
        f"import circuitspin as cs\nfrom circuitspin import plot\n"
        f"st = cs.load_stack({str(stack)!r})\nsol = cs.solve(cs.build_network(st), 1e-3)",
        "plot.plot_profile(sol)",
        "plot.schematic_figure(plot.draw_schematic(st))",
        "plot.draw_schematic(st)",
        "from circuitspin.devices import sweep_currents\n"
        "plot.plot_motor_sweep(sweep_currents(st, [0, 1e-3]))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    path = tmp_path / "figures.ipynb"
    nbformat.write(nb, path)
    out = execute(path, *jupyter_dirs)
    for cell in out.cells[1:]:
        data = [o.get("data", {}) for o in cell.outputs if o.output_type == "execute_result"]
        assert data and any(m in d for d in data for m in FIGURE_MIME), cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_with_outputs_ending_in_a_figure(path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code, "a notebook without code"
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not not_run, f"code cells {not_run} stored without being executed"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        "execution counts out of order: re-run the notebook top to bottom"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, "stored with an error output"
    last = code[-1].outputs
    assert any(m in o.get("data", {}) for o in last for m in FIGURE_MIME), \
        "the last code cell should show a figure"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_the_public_api_finds_its_files_and_stores_no_warning(path):
    """No command-line internals, no path relative to the notebooks folder (a kernel
    started elsewhere, an editor's, would not find the stack files), no magic command
    for figures, and no stored warning or stderr output."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    source = "".join("".join(c["source"]) for c in code)
    assert "circuitspin.commands" not in source and "circuitspin.cli" not in source
    assert 'Path("..")' not in source and "../netlists" not in source
    assert "%matplotlib" not in source  # figures display without it
    for cell in code:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            assert out.get("name") != "stderr", f"stored stderr: {text[:200]}"
            assert "Warning" not in text, f"stored warning: {text[:200]}"


def test_a_notebook_runs_started_from_the_repository_root(jupyter_dirs):
    nb = execute(NOTEBOOK_DIR / "05_fermi_surface.ipynb", *jupyter_dirs, cwd=ROOT)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors


def main(argv) -> int:
    """Execute the given notebooks and store them with their outputs."""
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        dirs = write_kernelspec(Path(tmp) / "share"), Path(tmp) / "ipython"
        for name in argv:
            path = Path(name).resolve()
            nb = execute(path, *dirs, probe=False)
            nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3",
                                         "language": "python"}
            nbformat.write(nb, path)
            print(f"executed and stored {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
