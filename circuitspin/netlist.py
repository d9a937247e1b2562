"""SPICE decks: write a network as a plain deck, and read decks back into a graph.

Public API
----------
to_spice(network, current, *, dialect="ngspice", title=None, motor=True, extra_lines=(),
         analysis=".op") -> str
    The deck text: a title line, a comment header with the stack (layers, parameters,
    SI units), one line per element, ``.op``, ``.end``.  Runs as it is with
    ``ngspice -b DECK``.  Elements, one per network edge (``k`` is the edge index)::

        I1 0 f1_0_e 0.001          the current (A) into the source electrode
        Rb<k> f1_0_e f1_1_up R     band resistor (ohm) along x
        Rs<k> f1_1_up f1_1_dn R    spin-flip resistor between the bands
        Ri<k> f1_1_up n_0_up R     interface resistor, one per band
        Rx<k> f1_0_e f1_1_dn R     diagonal of an exact segment
        Rm u u_emf R_M             linear motor: R_M in series with ...
        Vm u_emf d EMF             ... the counter-EMF h f / e (V); i(vm) = I_M, U -> D

    Node names are ``<layer>_<position>_<band>`` (lower case, ``[a-z0-9_]``; band ``up``,
    ``dn`` or ``e`` for an electrode, where the bands are shorted); the motor nodes are
    exactly ``u`` and ``d``; ``0`` is the ground electrode (the last layer's outer face).
    Values are written in full precision (shortest repr that reads back to the same
    double), so a deck read back gives the same resistances bit for bit.
write_deck(network, current, path, **options) -> Path
    :func:`to_spice` written atomically (temporary file + rename).
from_spice(text, source="<deck>") -> networkx.MultiGraph
    Parse a deck.  A deck written by circuitspin comes back as the network's graph
    (``Node(layer, pos, band)`` keys, edges named ``band17``... with ``kind`` and
    ``conductance`` in S, the motor edge with ``emf``; a non-collinear deck's couplings
    through m, its G elements, in the graph attribute ``vccs``); a plain hand-written
    deck of R, V, I and G elements comes back with its node names as keys (``0``/``gnd``
    = ``"0"``).
    Nothing in a deck is executed or evaluated: ``.control`` blocks are skipped,
    expressions, ``.include``, ``.subckt`` and other element types are refused.  Errors
    raise :class:`~circuitspin.errors.NetlistError` naming ``source:line``.
read_deck(path) -> networkx.MultiGraph
    :func:`from_spice` of a file.
deck_names(network) -> list[str]
    The deck's name of every node, in the network's node order (``0``, ``u``, ``d``).
clean_text(text), layer_prefixes(names), parse_value(token)
    Title sanitising, node-name prefixes of the layers, SPICE numbers (``1m``, ``1meg``).

Text that comes from a stack file (title, layer and material names) never starts a deck
line: the title is reduced to printable ASCII on the first line, and every other string
appears JSON-quoted (control characters escaped) inside comment lines (``*`` and a space).
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np

from .errors import NetlistError
from .network import BANDS, EDGE_KINDS, Network, Node

FORMAT_VERSION = 1
DIALECTS = ("ngspice", "xyce")
# element-name letter after "R" for each edge kind, and back
KIND_LETTER = {"band": "b", "spin-flip": "s", "interface": "i", "diagonal": "x", "motor": "m"}
LETTER_KIND = {v: k for k, v in KIND_LETTER.items()}
KIND_DOC = {
    "band": "band resistors along x: rho_s h / A per band (ladder) or the exact-segment value",
    "spin-flip": "spin-flip resistors between the up and down node of a face",
    "interface": "interface resistors r_s / A, one per band",
    "diagonal": "diagonal resistors of exact segments (up_a-dn_b and dn_a-up_b)",
}
MOTOR_INTERNAL = "u_emf"
PREFIX_MAX = 24         # characters of a layer name kept in node names


# --------------------------------------------------------------------------- text safety
def clean_text(text, limit: int = 200) -> str:
    """Printable ASCII on one line: accents dropped, other characters -> ``?``, runs of
    whitespace and control characters -> one space, at most ``limit`` characters."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.encode("ascii", "replace").decode("ascii")
    s = "".join(ch if " " <= ch <= "~" else " " for ch in s)
    s = " ".join(s.split())
    return s[:limit]


def _quote(text, limit: int | None = None) -> str:
    """A JSON string literal, pure ASCII, no control characters (safe in a comment)."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    return json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")


def node_prefix(name: str) -> str:
    """A layer name reduced to ``[a-z0-9_]`` (may be empty)."""
    s = clean_text(name, limit=10_000).lower()
    return re.sub(r"[^a-z0-9_]+", "_", s).strip("_")[:PREFIX_MAX].strip("_")


def layer_prefixes(layer_names) -> list[str]:
    """Unique node-name prefixes for the layers: the sanitised names, or ``l<i>_<name>``
    for every layer when two sanitised names clash or one is empty."""
    pre = [node_prefix(n) for n in layer_names]
    if len(set(pre)) != len(pre) or not all(pre):
        pre = [f"l{i}_{p}".rstrip("_") for i, p in enumerate(pre)]
    return pre


def node_names(network: Network) -> list[str]:
    """SPICE node names of every node, in index order (ground ``0``, motor ``u``/``d``)."""
    prefixes = layer_prefixes(lay.name for lay in network.stack.layers)
    pre = [prefixes[i] for i in network.node_layer.tolist()]
    names = [f"{p}_{q}_{BANDS[b]}" for p, q, b in
             zip(pre, network.node_pos.tolist(), network.node_band.tolist())]
    return names


def deck_names(network: Network) -> list[str]:
    """Node names as they appear in the deck: :func:`node_names` with the ground
    electrode renamed ``0`` and the motor nodes ``u`` and ``d``."""
    names = node_names(network)
    names[network.ground] = "0"
    if network.u is not None:
        names[network.u] = "u"
        names[network.d] = "d"
    return names


# --------------------------------------------------------------------------- writer
def _values(x: np.ndarray) -> list[str]:
    """Shortest round-trip repr of every value, formatting each distinct value once
    (a ladder has a handful of distinct resistances)."""
    uniq, inv = np.unique(x, return_inverse=True)
    reprs = [repr(v) for v in uniq.tolist()]
    return [reprs[i] for i in inv.ravel().tolist()]


def _header(network: Network, current: float, names: list[str], dialect: str,
            title: str, motor: bool) -> list[str]:
    from ._version import __version__

    st = network.stack
    layers = tuple(getattr(st, "layers", ()))
    raw = node_names(network)
    prefixes = layer_prefixes(lay.name for lay in layers)
    counts = np.bincount(network.rows_layer, minlength=len(layers)) - 1
    with_motor = motor and _has_motor(network)
    n_elem = network.n_edges + 1 + (2 if with_motor else 0)
    h = [
        f"* {title}",
        f"* circuitspin netlist format {FORMAT_VERSION} (circuitspin {__version__}, "
        f"dialect {dialect})",
        "* L. Berger's two-band circuit of a magnetic multilayer (current perpendicular "
        "to the layers).",
        "* Units: SI (ohm, V, A, m, ohm m, ohm m^2, Hz, K). Strings below are JSON-quoted.",
        f"* stack: {_quote(getattr(st, 'source', ''), 1000)}",
        f"* title: {_quote(getattr(st, 'title', ''), 1000)}",
        (f"* area: {_num(st.area)} m^2" if st.area is not None else "* area: per wire")
        + f"; temperature: {_num(st.temperature)} K",
        f"* network: method {network.method}, {network.n_segments} segments, "
        f"{network.n_nodes} nodes, {network.n_edges} resistors (+ source"
        f"{' + motor' if with_motor else ''}), {n_elem} elements",
        "*",
        "* layers (thickness m, rho = measured resistivity ohm m, beta signed by the "
        "magnetization, lsf m):",
    ]
    for i, lay in enumerate(layers):
        rho_up, rho_dn = lay.band_resistivities
        flare = getattr(lay, "area_profile", None)
        h.append(f"* layer {prefixes[i]} = {_quote(lay.name)}: material "
                 f"{_quote(lay.material.name)}, thickness {_num(lay.thickness)}, "
                 f"magnetization {lay.magnetization}, rho {_num(lay.material.rho)}, "
                 f"beta {_num(lay.beta)}, lsf {_num(lay.lsf)}, rho_up {_num(rho_up)}, "
                 f"rho_dn {_num(rho_dn)}, segments {int(counts[i])}"
                 + ("" if getattr(lay, "area", None) is None else f", area {_num(lay.area)}")
                 + ("" if flare is None else f", area profile {_quote(flare, 200)}")
                 + ("" if network.coupling is None or not lay.material.ferromagnetic
                    else ", m [" + ", ".join(_num(c) for c in lay.direction)
                    + "] (its bands are along m)"))
    for iface in getattr(st, "interfaces", ()):
        a, b = prefixes[iface.left], prefixes[iface.left + 1]
        if iface.merged:
            h.append(f"* interface {a}|{b}: no resistance (boundary nodes shared)")
        else:
            r_up, r_dn = iface.band_resistances
            h.append(f"* interface {a}|{b}: AR* {_num(iface.params.ar)} ohm m^2, gamma "
                     f"{_num(iface.gamma)} (signed), r_up {_num(r_up)}, r_dn {_num(r_dn)} "
                     "ohm m^2" + _flip_note(iface.params.delta)
                     + ("" if network.coupling is None or iface.params.g_mix is None else
                        f", g_mix {_num(iface.params.g_mix)}, g_mix_im "
                        f"{_num(iface.params.g_mix_im)} S/m^2"))
    m = getattr(st, "motor", None)
    if m is not None and network.u is not None:
        h.append(f"* motor nodes: u = {raw[network.u]}, d = {raw[network.d]}")
        if with_motor:
            branch = (f"R_M {_num(1.0 / network.motor_g)} ohm in series with EMF "
                      f"{_num(network.motor_emf)} V (Rm, Vm)")
        elif _has_motor(network) or m.mode != "linear":
            branch = "branch not written by to_spice (supplied below, if at all)"
        else:
            branch = "open branch (magnons = 0): not in the deck"
        h.append(f"* motor: layer {_quote(m.layer)}, frequency {_num(m.frequency)} Hz, "
                 f"EMF h f/e {_num(m.emf)} V, delta_alpha {_num(m.delta_alpha)}, magnons "
                 f"{_num(m.magnons)}, mode {_quote(m.mode)}; {branch}")
    h += [
        f"* ground: 0 = {raw[network.ground]}",
        f"* source: I1 drives {_num(current)} A into {names[network.source]} (the first "
        "layer's outer face)",
        "* nodes: <layer>_<position>_<band>, band up | dn | e (electrode: bands shorted)",
    ]
    if network.u is not None:
        h.append("* bridge output: V_UD = V(u) - V(d); delta_mu_bar = mu_up - mu_dn = "
                 "-e V_UD")
    h.append("*")
    return h


def _flip_note(delta: float) -> str:
    """The header's words for an interface's spin flip (nothing without it)."""
    if delta == 0.0:
        return ""
    return (f", spin flip delta {_num(delta)} (exact element: Ri band, Rs vertical at "
            "each side, Rx diagonal resistors)")


def _num(x) -> str:
    """Short form of a header number when it reads back exactly, else the full repr."""
    x = float(x)
    short = f"{x:g}"
    return short if float(short) == x else repr(x)


def _has_motor(network: Network) -> bool:
    return network.u is not None and network.motor_g > 0


def to_spice(network: Network, current: float | str, *, dialect: str = "ngspice",
             title: str | None = None, motor: bool = True, extra_lines=(),
             analysis: str = ".op") -> str:
    """The SPICE deck of ``network`` driven by ``current`` (A); see the module docstring.

    Parameters
    ----------
    network : Network
    current : float or str
        Current (A, or a string with units: ``"1 mA"``) into the source electrode; it
        leaves through ground ``0``.
    dialect : {"ngspice", "xyce"}
        ``"xyce"`` adds a ``.print dc`` line (Xyce prints nothing for a bare ``.op``).
    title : str, optional
        Title line (default: the stack's title); reduced to printable ASCII.
    motor : bool
        Write the linear motor branch (``Rm``, ``Vm``) when the network has one.  With
        ``False`` the branch is left out, and a motor of another mode is accepted: the
        caller supplies it in ``extra_lines`` (e.g. B-sources).
    extra_lines : sequence of str
        Lines (built by code, not taken from a file) written before the analysis line;
        each must be one printable-ASCII line.
    analysis : str
        The analysis card (default ``.op``).

    Returns
    -------
    str
        The deck, ``\\n``-separated, ending with ``.end`` and a newline.
    """
    if not isinstance(network, Network):
        raise NetlistError("to_spice needs a built Network (call build_network first), got "
                           f"{type(network).__name__}")
    if dialect not in DIALECTS:
        raise NetlistError(f"dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    from .units import to_si

    try:  # amperes, or a string with units; finite
        current = to_si(current if isinstance(current, str) else float(current), "A")
    except (TypeError, ValueError) as exc:
        raise NetlistError(f"current: {exc}") from None
    st_motor = getattr(network.stack, "motor", None)
    if motor and st_motor is not None and st_motor.mode != "linear":
        raise NetlistError(f"motor mode {st_motor.mode!r} is not written by to_spice; only "
                           "the linear motor (fixed magnons) is (pass motor=False and the "
                           "motor's own elements in extra_lines)")
    extra = [str(x) for x in extra_lines] + [str(analysis)]
    for line in extra:
        if not line.strip() or not all(" " <= ch <= "~" for ch in line):
            raise NetlistError(f"extra deck line {line[:40]!r} is not one printable line")
    g = network.edge_g
    bad = ~(np.isfinite(g) & (g > 0) & np.isfinite(1.0 / np.where(g > 0, g, 1.0)))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise NetlistError(f"edge {network.edge_names()[k]} has conductance {g[k]!r} S: "
                           "a deck needs a finite positive resistance")
    title = clean_text(title if title is not None else network.stack.title) or "circuitspin"
    names = deck_names(network)
    lines = _header(network, current, names, dialect, title, motor)
    lines.append(f"I1 0 {names[network.source]} {current!r}")
    r_all = _values(1.0 / g)
    kinds = network.edge_kind
    idx = np.arange(network.n_edges)
    for code, kind in enumerate(EDGE_KINDS):
        sel = np.flatnonzero(kinds == code)
        if sel.size == 0:
            continue
        letter = KIND_LETTER[kind]
        lines.append(f"* {KIND_DOC.get(kind, kind)}")
        a = [names[i] for i in network.edge_a[sel].tolist()]
        b = [names[i] for i in network.edge_b[sel].tolist()]
        r = [r_all[i] for i in sel.tolist()]
        lines.extend(map(f"R{letter}%d %s %s %s".__mod__, zip(idx[sel].tolist(), a, b, r)))
    if network.coupling is not None:
        lines += _coupling_lines(network, names)
    with_motor = motor and _has_motor(network)
    if with_motor:
        lines += ["* linear motor: R_M in series with the counter-EMF, current i(vm) = I_M "
                  "from U to D",
                  f"Rm u {MOTOR_INTERNAL} {1.0 / network.motor_g!r}",
                  f"Vm {MOTOR_INTERNAL} d {network.motor_emf!r}"]
    lines += extra
    if dialect == "xyce":
        probes = [f"v({names[network.source]})"]
        if network.u is not None:
            probes += ["v(u)", "v(d)"]
        if with_motor:
            probes.append("i(vm)")
        lines.append(".print dc format=noindex precision=16 " + " ".join(probes))
    lines.append(".end")
    return "\n".join(lines) + "\n"


def _coupling_lines(network: Network, names: list[str]) -> list[str]:
    """G elements (VCCS) of a non-collinear network's coupling entries.

    Each matrix entry C_ij (S) of :attr:`Network.coupling` (duplicates summed) is one
    line ``Gc<k> <i> 0 <j> 0 C_ij``: a current C_ij V(j) leaving node i to the ground,
    what the entry adds to the nodal equation of node i (a diagonal entry is a
    conductance to the ground: the shunt of a spin node, whose ground is D = 0)."""
    import scipy.sparse as sp

    rows, cols, vals = network.coupling
    n = network.n_nodes
    c = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    c.sum_duplicates()
    c = c.tocoo()
    keep = c.data != 0.0
    i, j, v = c.row[keep], c.col[keep], c.data[keep]
    bad = ~np.isfinite(v)
    if bad.any():
        raise NetlistError("a coupling entry is not finite: no deck")
    out = ["* non-collinear magnets: couplings through m (F|N band conductances along m, "
           "spin-mixing conductance) and the x, y spin nodes (<layer>_<pos>_sx, _sy: "
           "potential D_x, D_y), as voltage-controlled current sources: Gc<k> i 0 j 0 C_ij "
           "draws C_ij V(j) out of node i"]
    out += [f"Gc{k} {names[a]} 0 {names[b]} 0 {val!r}"
            for k, (a, b, val) in enumerate(zip(i.tolist(), j.tolist(), v.tolist()))]
    return out


def write_text_atomic(text: str, path) -> Path:
    """Write ``text`` (ASCII) to ``path`` atomically, an OS error a one-line
    :class:`NetlistError` (the module :mod:`circuitspin.safe_io` says how)."""
    from .safe_io import write_text

    return write_text(text, path, encoding="ascii", error=NetlistError)


def write_deck(network: Network, current: float, path, **options) -> Path:
    """Write :func:`to_spice` of ``network`` to ``path`` atomically; returns the path."""
    return write_text_atomic(to_spice(network, current, **options), path)


# --------------------------------------------------------------------------- reader
#: the largest deck file read_deck reads (a 1e6-segment deck is about 200 MB)
MAX_DECK_BYTES = 1 << 30
_SCALE = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "mil": 25.4e-6, "m": 1e-3,
          "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15, "a": 1e-18}
# unambiguous (one way to match any token): linear time even on 20,000-digit tokens
_NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(meg|mil|[tgkmunpfa])?([a-z]*)",
                     re.IGNORECASE)
_ELEMENT = re.compile(r"r([bsixm])(\d+)")
_JSON_STR = r'"(?:[^"\\]|\\.)*"'
_META = {
    "format": re.compile(r"\* circuitspin netlist format (\d+)"),
    "layer": re.compile(r"\* layer ([a-z0-9_]+) = (" + _JSON_STR + ")"),
    "title": re.compile(r"\* title: (" + _JSON_STR + ")"),
    "stack": re.compile(r"\* stack: (" + _JSON_STR + ")"),
    "method": re.compile(r"\* network: method (\w+)"),
    "ground": re.compile(r"\* ground: 0 = ([a-z0-9_]+)"),
    "motor": re.compile(r"\* motor nodes: u = ([a-z0-9_]+), d = ([a-z0-9_]+)"),
}
_SKIPPED_CARDS = {".op", ".dc", ".tran", ".ac", ".print", ".probe", ".save", ".options",
                  ".option", ".opt", ".temp", ".width", ".plot", ".ic", ".nodeset", ".tf",
                  ".noise", ".sens", ".title", ".global", ".measure", ".meas", ".four"}


def parse_value(token: str) -> float:
    """A SPICE number: ``1e-3``, ``1m`` (milli), ``1meg``, ``4.7k``, ``10ohm`` (unit
    letters after the scale are ignored, as SPICE does).  Raises ValueError."""
    m = _NUMBER.fullmatch(token)
    if m is None:
        raise ValueError(token)
    value = float(m.group(1))
    if m.group(2):
        value *= _SCALE[m.group(2).lower()]
    if not np.isfinite(value):
        raise ValueError(token)
    return value


def _logical_lines(text: str, fail):
    """Yield (line number, text) of the logical lines after the title: comments and
    blank lines dropped, ``+`` continuations joined, inline ``;`` / `` $ `` comments cut,
    ``.control`` blocks skipped, stop at ``.end``."""
    current = None
    in_control = False
    for no, raw in enumerate(text.splitlines()[1:], start=2):
        line = raw.strip()
        if not line or line.startswith("*"):
            continue
        line = re.split(r";|\s\$\s|\s\$$|//", line, maxsplit=1)[0].strip()
        if not line:
            continue
        low = line.lower()
        if in_control:
            if low.startswith(".endc"):
                in_control = False
            continue
        if low.startswith(".control"):
            in_control = no
            continue
        if line.startswith("+"):
            if current is None:
                fail(no, "continuation line '+' with nothing to continue")
            current[1].append(line[1:].strip())  # joined once: linear in the line count
            continue
        if current is not None:
            yield current[0], " ".join(current[1])
        if low.split()[0] == ".end":
            return
        current = (no, [line])
    if in_control:
        fail(in_control, ".control block without .endc")
    if current is not None:
        yield current[0], " ".join(current[1])


def from_spice(text: str, source: str = "<deck>"):
    """Parse a SPICE deck into a ``networkx.MultiGraph`` (see the module docstring).

    Graph attributes: ``title``, ``format`` (circuitspin format number or None),
    ``sources`` (list of dicts ``name``, ``kind`` "I"/"V", ``plus``, ``minus``,
    ``value``), ``vccs`` (list of dicts ``name``, ``plus``, ``minus``, ``ctrl_plus``,
    ``ctrl_minus``, ``transconductance`` in S: a current ``transconductance *
    (V(ctrl_plus) - V(ctrl_minus))`` out of ``plus`` into ``minus`` through the
    source), ``cards`` (the dot cards seen), and for circuitspin decks ``current``
    (A), ``source``, ``ground`` (node keys), ``method``, ``stack``.  Edges carry
    ``name``, ``kind``, ``element``, ``plus``/``minus`` (node keys), ``resistance`` (ohm)
    and ``conductance`` (S) for resistors, ``voltage`` (V) for V sources.
    """
    import networkx as nx

    def fail(no, msg):
        raise NetlistError(f"{source}:{no}: {msg}")

    if not isinstance(text, str):
        raise NetlistError(f"{source}: a deck must be text, got {type(text).__name__}")
    lines = text.splitlines()
    if "\x00" in text:
        no = next(i for i, s in enumerate(lines, start=1) if "\x00" in s)
        raise NetlistError(f"{source}:{no}: not a text file (NUL byte)")
    if not lines or not any(s.strip() for s in lines):
        raise NetlistError(f"{source}:1: empty deck")
    meta = _read_meta(lines, source)
    g = nx.MultiGraph(title=lines[0].lstrip("*").strip(), format=meta.get("format"),
                      sources=[], vccs=[], cards=[])
    names: dict[str, str] = {}          # element name -> line number of its definition
    resistors = []                      # (no, name, a, b, R)
    vsources = []
    for no, line in _logical_lines(text, fail):
        if "{" in line or "'" in line:
            fail(no, "expressions ({...} or '...') are not evaluated by the reader")
        tok = line.replace(",", " ").replace("(", " ").replace(")", " ").split()
        if not tok:
            fail(no, f"{line!r} is not an element or a card")
        head = tok[0].lower()
        if head.startswith("."):
            if head in _SKIPPED_CARDS:
                g.graph["cards"].append(head)
                continue
            fail(no, f"'{tok[0]}' is not read (the reader takes one self-contained deck "
                     "of R, V, I and G elements)")
        kind = head[0]
        if kind not in "rvig":
            fail(no, f"element {tok[0]!r}: type {kind.upper()!r} is not read (R, V, I and "
                     "G elements only)")
        if head in names:
            fail(no, f"element {tok[0]!r} is already defined on line {names[head]}")
        names[head] = no
        if kind == "g":
            if len(tok) != 6 or "=" in line:
                fail(no, f"element {tok[0]!r}: expected '{tok[0]} NODE+ NODE- CTRL+ CTRL- "
                         "TRANSCONDUCTANCE' (a linear VCCS)")
            value = _value(tok[5], tok[0], "transconductance", no, fail)
            if not np.isfinite(value):
                fail(no, f"element {tok[0]!r}: transconductance must be finite, got "
                         f"{tok[5]!r}")
            g.graph["vccs"].append({"name": head, "plus": _node(tok[1]),
                                    "minus": _node(tok[2]), "ctrl_plus": _node(tok[3]),
                                    "ctrl_minus": _node(tok[4]), "transconductance": value,
                                    "line": no})
            continue
        if len(tok) < 4 and not (kind in "vi" and len(tok) == 3):
            fail(no, f"element {tok[0]!r}: expected '{tok[0]} NODE+ NODE- VALUE'")
        a, b = _node(tok[1]), _node(tok[2])
        rest = tok[3:]
        if kind == "r":
            if rest and "=" in rest[0]:
                key, _, val = rest[0].partition("=")
                if key.lower() not in ("r", "resistance"):
                    fail(no, f"element {tok[0]!r}: unexpected {rest[0]!r}")
                rest = [val] + rest[1:]
            if len(rest) != 1:
                fail(no, f"element {tok[0]!r}: unexpected {' '.join(rest[1:])!r} after the "
                         "value (instance parameters are not read)")
            value = _value(rest[0], tok[0], "resistance", no, fail)
            if not value > 0:
                fail(no, f"element {tok[0]!r}: resistance must be > 0 ohm, got {rest[0]!r}")
            if a == b:
                fail(no, f"element {tok[0]!r}: both ends on node {tok[1]!r}")
            resistors.append((no, head, a, b, value))
            continue
        value = 0.0
        if rest and rest[0].lower() == "dc":
            rest = rest[1:]
            if not rest:
                fail(no, f"element {tok[0]!r}: 'dc' without a value")
        dc_only = f"is not read (dc sources only: {tok[0]} N+ N- [DC] VALUE)"
        if rest and rest[0].lower() != "ac":
            try:
                value = parse_value(rest[0])
            except ValueError:
                fail(no, f"element {tok[0]!r}: {rest[0]!r} {dc_only}")
            rest = rest[1:]
        if rest and rest[0].lower() != "ac":
            fail(no, f"element {tok[0]!r}: {rest[0]!r} {dc_only}")
        entry = {"name": head, "kind": kind.upper(), "plus": a, "minus": b, "value": value,
                 "line": no}
        g.graph["sources"].append(entry)
        if kind == "v":
            vsources.append(entry)
    if not resistors and not g.graph["sources"] and not g.graph["vccs"]:
        raise NetlistError(f"{source}:{len(lines)}: no elements (R, V, I, G) found before "
                           "the end of the deck")
    if meta.get("format") is not None:
        _circuitspin_graph(g, meta, resistors, vsources, source)
    else:
        _plain_graph(g, resistors, vsources)
    return g


def _node(token: str) -> str:
    t = token.lower()
    return "0" if t in ("0", "gnd") else t


def _value(token, element, what, no, fail) -> float:
    try:
        return parse_value(token)
    except ValueError:
        fail(no, f"element {element!r}: {what} {token!r} is not a number")


def _read_meta(lines, source) -> dict:
    meta: dict = {"layers": {}}
    for no, line in enumerate(lines[:10_000], start=1):
        if not line.startswith("* "):
            if line.strip() and not line.startswith("*") and no > 1:
                break       # the header ends at the first element or card
            continue
        for key, rx in _META.items():
            m = rx.match(line)
            if not m:
                continue
            try:
                if key == "format":
                    meta["format"] = int(m.group(1))
                    meta["format_line"] = no
                elif key == "layer":
                    meta["layers"][m.group(1)] = json.loads(m.group(2))
                elif key in ("title", "stack"):
                    meta[key] = json.loads(m.group(1))
                elif key == "motor":
                    meta["u"], meta["d"] = m.group(1), m.group(2)
                else:
                    meta[key] = m.group(1)
            except ValueError:
                raise NetlistError(f"{source}:{no}: malformed circuitspin header line") from None
    if meta.get("format") not in (None, FORMAT_VERSION):
        raise NetlistError(f"{source}:{meta['format_line']}: circuitspin netlist format "
                           f"{meta['format']} is not "
                           f"read by this version (format {FORMAT_VERSION})")
    return meta


def _plain_graph(g, resistors, vsources):
    for no, name, a, b, r in resistors:
        g.add_edge(a, b, key=name, name=name, kind="resistor", element=name, plus=a,
                   minus=b, resistance=r, conductance=1.0 / r)
    for s in vsources:
        g.add_edge(s["plus"], s["minus"], key=s["name"], name=s["name"], kind="vsource",
                   element=s["name"], plus=s["plus"], minus=s["minus"], voltage=s["value"])
    for s in g.graph["sources"]:
        g.add_node(s["plus"])
        g.add_node(s["minus"])
    _add_vccs_nodes(g)


def _add_vccs_nodes(g):
    for s in g.graph["vccs"]:
        g.add_nodes_from((s["plus"], s["minus"], s["ctrl_plus"], s["ctrl_minus"]))


def _circuitspin_graph(g, meta, resistors, vsources, source):
    """Rebuild the network's graph: Node keys, edge names and kinds, the motor edge."""
    layers = meta["layers"]
    raw_name = {"0": meta.get("ground", "0")}
    if "u" in meta:
        raw_name["u"], raw_name["d"] = meta["u"], meta["d"]

    def key(name):
        name = raw_name.get(name, name)
        parts = name.rsplit("_", 2)
        if len(parts) == 3 and parts[0] in layers and parts[1].isascii() \
                and parts[1].isdigit() and parts[2] in BANDS:
            return Node(layers[parts[0]], int(parts[1]), parts[2])
        return name

    g.graph.update(title=meta.get("title", g.graph["title"]), method=meta.get("method"),
                   stack=meta.get("stack"))
    for s in g.graph["sources"]:
        s["plus"], s["minus"] = key(s["plus"]), key(s["minus"])
    for s in g.graph["vccs"]:
        for end in ("plus", "minus", "ctrl_plus", "ctrl_minus"):
            s[end] = key(s[end])
    isrc = [s for s in g.graph["sources"] if s["kind"] == "I"]
    if len(isrc) == 1:
        s = isrc[0]
        g.graph.update(current=s["value"], source=s["minus"], ground=s["plus"])
    motor_r = None
    for no, name, a, b, r in resistors:
        ka, kb = key(a), key(b)
        m = _ELEMENT.fullmatch(name)
        if name == "rm" and MOTOR_INTERNAL in (a, b):
            motor_r = (no, r)
            continue
        if m and m.group(1) != "m":
            kind = LETTER_KIND[m.group(1)]
            ename = f"{kind}{m.group(2)}"
        else:
            kind, ename = "resistor", name
        g.add_edge(ka, kb, key=ename, name=ename, kind=kind, element=name, plus=ka,
                   minus=kb, resistance=r, conductance=1.0 / r)
    vm = [s for s in vsources if s["name"] == "vm"]
    if motor_r is not None:
        if not vm or "u" not in meta:
            raise NetlistError(f"{source}:{motor_r[0]}: motor resistor Rm without its "
                               "source Vm or the motor-nodes header line")
        r = motor_r[1]
        ku, kd = key("u"), key("d")
        g.add_edge(ku, kd, key="motor", name="motor", kind="motor", element="rm+vm",
                   plus=ku, minus=kd, resistance=r, conductance=1.0 / r,
                   emf=vm[0]["value"])
    for s in vsources:
        if s["name"] != "vm" or motor_r is None:
            g.add_edge(s["plus"], s["minus"], key=s["name"], name=s["name"],
                       kind="vsource", element=s["name"], plus=s["plus"],
                       minus=s["minus"], voltage=s["value"])
    for s in isrc:
        g.add_node(s["plus"])
        g.add_node(s["minus"])
    _add_vccs_nodes(g)
    if motor_r is not None and g.has_node(MOTOR_INTERNAL) and g.degree(MOTOR_INTERNAL) == 0:
        g.remove_node(MOTOR_INTERNAL)
    for n, data in g.nodes(data=True):
        if n == g.graph.get("source"):
            data["electrode"] = "source"
        elif n == g.graph.get("ground"):
            data["electrode"] = "ground"


def read_deck(path):
    """:func:`from_spice` of the file at ``path`` (errors name the file and line)."""
    from .safe_io import read_input

    data = read_input(path, limit=MAX_DECK_BYTES, what="a SPICE deck", error=NetlistError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NetlistError(f"{path}: not a text file (expected a SPICE deck)") from None
    return from_spice(text, source=str(path))
