"""Render circuitspin's plain-text docstring conventions as reStructuredText.

The docstrings are numpy style (napoleon) and read well as plain text in a terminal;
three of their habits mean something else in reStructuredText, so this hook
(``autodoc-process-docstring``) rewrites them before Sphinx parses a docstring:

- ``|x|`` is an absolute value, not a substitution: ``|`` is escaped;
- a lone ``*`` (``rho*``, ``AR*``, ``f(a, *, b)``, ``**options``) is a character, not the
  start of emphasis: it is escaped unless it opens a ``*word*`` emphasis;
- the first line of a property's docstring is prose, not ``type: description``;
- the entries of a module's ``Public API`` section are signatures such as
  ``solve(network, current, *, backend="nodal") -> Solution``, sometimes continued on
  a second line: each becomes one literal term of a definition list.

Inline literals (double backquotes), roles (:func:`...`) and literal blocks (after
``::``) are left as they are.
"""
from __future__ import annotations

import re

# inline literals and interpreted text (roles, `links`_) are kept verbatim
_PROTECTED = re.compile(r"(``.+?``|:[\w:.-]+:`[^`]*`|`[^`]*`_{0,2})")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*[A-Za-z][^*\n]*?[^\s*\\]\*(?![\w*])")
_LIST_SECTIONS = ("Public API",)
# a Public API entry: a name, then a signature, a list of names or an arrow (not prose)
_TERM = re.compile(r"[A-Za-z_][\w.]*(\(|\s*,|\s*->|\s*$)")


def _escape_plain(text: str) -> str:
    out = []
    for i, part in enumerate(_PROTECTED.split(text)):
        if i % 2:  # a protected span
            out.append(part)
            continue
        part = part.replace("|", r"\|")
        pieces = _EMPHASIS.split(part)
        spans = _EMPHASIS.findall(part)
        esc = [re.sub(r"(?<!\\)\*", r"\\*", p) for p in pieces]
        merged = esc[0]
        for span, rest in zip(spans, esc[1:]):
            merged += span + rest
        out.append(merged)
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _balance(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def rewrite(lines: list[str]) -> list[str]:
    """The docstring ``lines`` with the conventions above made explicit."""
    out: list[str] = []
    literal_indent = None  # inside a literal block: the indent of the paragraph before it
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if literal_indent is not None:
            if stripped and _indent(line) <= literal_indent:
                literal_indent = None
            else:
                out.append(line)
                i += 1
                continue
        # a section title: "Name" followed by a line of dashes
        if i + 1 < len(lines) and stripped and set(lines[i + 1].strip()) == {"-"}:
            section = stripped
            out += [line, lines[i + 1]]
            i += 2
            continue
        if section in _LIST_SECTIONS and _indent(line) == 0 and _TERM.match(stripped) \
                and "`" not in line and not stripped.endswith("::"):
            term = stripped
            while _balance(term) > 0 and i + 1 < len(lines):  # a wrapped signature
                i += 1
                term += " " + lines[i].strip()
            described = i + 1 < len(lines) and _indent(lines[i + 1]) > 0 \
                and lines[i + 1].strip()
            if not described:  # a term alone is a paragraph of its own
                out += ["", f"``{term}``", ""]
            else:
                out.append(f"``{term}``")
            i += 1
            continue
        out.append(_escape_plain(line))
        if stripped.endswith("::"):
            literal_indent = _indent(line)
        i += 1
    return out


def process(app, what, name, obj, options, lines):
    lines[:] = rewrite(lines)
    if what in ("attribute", "data", "property") and lines:
        # napoleon reads a first line "A: B" of these as "type: description"; a
        # property's docstring is prose ("1/R_M of the branch, S (0: open)"), so it
        # is preceded by an empty reST comment for napoleon to take instead
        lines[:0] = ["..", ""]


def skip_foreign(app, what, name, obj, skip, options):
    """Leave out a class member that another library defines (matplotlib gives every
    Figure subclass its own ``set``, with matplotlib's reST roles): documented there."""
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and callable(obj) and module and not module.startswith("circuitspin"):
        return True
    return None


def setup(app):
    # run before napoleon (priority 500) turns sections into reST
    app.connect("autodoc-process-docstring", process, priority=400)
    app.connect("autodoc-skip-member", skip_foreign)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
