"""Sphinx directive ``materials-table``: the built-in materials and interfaces of
:mod:`circuitspin.materials`, every number with its source, read from the package at
build time (so the page never disagrees with ``circuitspin materials``)."""
from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

# column key -> header (unit); columns appear only when some entry has the key
MATERIAL_COLUMNS = {"rho": "rho (nOhm m)", "beta": "beta", "lsf": "lsf (nm)",
                    "kF": "kF (1/nm)", "kF_up": "kF_up (1/nm)", "kF_dn": "kF_dn (1/nm)"}
INTERFACE_COLUMNS = {"ar": "AR* (fOhm m^2)", "gamma": "gamma", "delta": "delta"}
SCALE = {"rho": 1e9, "lsf": 1e9, "kF": 1e-9, "kF_up": 1e-9, "kF_dn": 1e-9, "ar": 1e15}


def _text(value) -> str:
    return " ".join(str(value).split())


def _row(cells, header=False) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph(text=text)
        row += entry
    return row


def _table(title: str, columns: dict, rows: list[tuple[str, dict]]) -> nodes.table:
    keys = [k for k in columns if any(k in entry for _, entry in rows)]
    header = ["name"] + [columns[k] for k in keys] + ["source"]
    table = nodes.table(classes=["materials-table"])
    table += nodes.title(text=title)
    group = nodes.tgroup(cols=len(header))
    table += group
    for i in range(len(header)):
        group += nodes.colspec(colwidth=40 if i == len(header) - 1 else 6)
    head = nodes.thead()
    head += _row(header)
    group += head
    body = nodes.tbody()
    for name, entry in rows:
        cells = [name]
        for k in keys:
            v = entry.get(k)
            cells.append("" if v is None else f"{v * SCALE.get(k, 1.0):.4g}")
        cells.append(_text(entry.get("source", "")))
        body += _row(cells)
    group += body
    return table


class MaterialsTable(SphinxDirective):
    has_content = False

    def run(self):
        from circuitspin.materials import BUILTIN_INTERFACES, BUILTIN_MATERIALS

        return [_table("Built-in materials", MATERIAL_COLUMNS,
                       list(BUILTIN_MATERIALS.items())),
                _table("Built-in interfaces (either order)", INTERFACE_COLUMNS,
                       [("/".join(k), v) for k, v in BUILTIN_INTERFACES.items()])]


def setup(app):
    app.add_directive("materials-table", MaterialsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
