"""Fuzzed SPICE decks and hostile stack text: the reader never evaluates, the writer
never lets text from a stack file become a deck command.

1. The deck reader (:func:`circuitspin.netlist.from_spice`) gets decks that
   :func:`~circuitspin.netlist.to_spice` writes for the example stacks, mutated (lines
   dropped, duplicated, swapped, cut, tokens replaced by odd ones, hostile cards such as
   ``.include /etc/passwd`` and ``.control`` / ``shell`` inserted, random characters),
   and random decks.  Each must give a graph or a :class:`NetlistError` whose message
   names ``source:LINE``, never another exception; while it runs, opening a file or
   starting a process raises (so a reader that tried would fail the test), and the
   ``shell touch`` marker is never created.
2. ``circuitspin netlist`` writes stacks whose title and layer names hold newlines,
   ``.control`` / ``shell`` / ``.include`` lines, unicode line separators, control
   characters and very long text (and the same through ``--title``); the deck keeps its
   structure (every line a comment, an element written by circuitspin, ``.op`` or
   ``.end``), reads back with the names intact, and ``ngspice -b`` runs it without
   executing the ``shell`` line.  A naive deck with the same text does run it (the
   attack is real).

Counts: each test records a hypothesis ``event`` per example; run with
``--hypothesis-show-statistics`` to see them.  ``CIRCUITSPIN_FUZZ_SCALE=N`` multiplies
the number of examples.
"""
from __future__ import annotations

import builtins
import io
import json
import os
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from circuitspin import build_network, load_stack, stack_from_dict
from circuitspin.cli import main
from circuitspin.errors import NetlistError
from circuitspin.netlist import from_spice, read_deck, to_spice
from conftest import NETLISTS, need_ngspice, pillar_dict

I = 1e-3
MARKER = Path("/tmp/circuitspin-deck-fuzz-pwned")
HOSTILE_LINES = [
    ".include /etc/passwd", ".inc /etc/shadow", ".lib /etc/passwd tt", ".param r={1+1}",
    f".control\nshell touch {MARKER}\n.endc", f".control\nshell touch {MARKER}",
    f"shell touch {MARKER}", ".func f(x) {x*x}", "B1 a 0 V={exp(1000)}", "X1 a b sub",
    ".subckt sub a b\nR1 a b 1\n.ends", "E1 a 0 b 0 1", "R9 a b {r}", "R9 a b 'r*2'",
    "Rb7 a b r=1k", "R8 a a 1", "R7 a b 0", "R6 a b -5", "+ 1 2 3", ".end", ".endc",
    "V9 a 0 dc", "V9 a 0 sin(0 1 1k)", "I9 a 0 ac 1", "I9 a 0 pulse(0 1)", "* comment",
    ".op", ".tran 1n 1u", ".options numdgt=15", "R5 1 0 1e400", "R5 1 0 nan",
    "R5 \u00b2 0 1", "Rb1 f1_\u00b2_up f1_1_dn 5", "Rb1 f1_\u0661_up 0 5", "\x00",
    "* circuitspin netlist format 99", '* layer f1 = "unterminated', "* title: {",
    "Rm u u_emf 1", "Vm u_emf d", "Rm u u_emf 1\nVm u_emf d 1e-5",
]
TOKENS = ["{x}", "'1+2'", "1e400", "-1", "0", "nan", "inf", "1meg", "1m", "1mil", "r=5",
          "dc", "ac", "+", "gnd", "0", "\u00b2", "\u0661\u0662", "1e-300", "4.7kohm", "",
          "(", ")", ",", "$", ";", "//", "\u2028", "\x0b", "\x0c", "\r", "\x85",
          "f1_99_up", "u", "d", "u_emf", "1.5.5", "e5", "."]


def _seed_decks():
    out = []
    for name in ("berger_pillar", "berger_pillar_ap", "py_cu_py", "spin_valve_multilayer"):
        net = build_network(load_stack(NETLISTS / f"{name}.toml"))
        out.append(to_spice(net, I))
    pillar = stack_from_dict(pillar_dict(magnons=10.0), source="pillar")
    out.append(to_spice(build_network(pillar), I))
    out.append(to_spice(build_network(pillar, 3), I, dialect="xyce"))
    out.append("plain hand-written deck\nV1 in 0 dc 1\nR1 in mid 1k\nR2 mid 0 2.2k\n"
               "I2 0 mid 1m\n.op\n.end\n")
    return out


SEEDS = _seed_decks()


@contextmanager
def no_files_no_processes():
    """Inside: opening any file or starting any process raises AssertionError."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"the deck reader tried to open a file or run a process: "
                             f"{args[:2]!r}")

    saved = [(builtins, "open"), (io, "open"), (os, "open"), (os, "system"),
             (os, "popen"), (os, "execv"), (os, "execve"), (os, "posix_spawn"),
             (os, "fork"), (subprocess, "Popen")]
    old = [(mod, name, getattr(mod, name)) for mod, name in saved if hasattr(mod, name)]
    try:
        for mod, name, _ in old:
            setattr(mod, name, refuse)
        yield
    finally:
        for mod, name, value in old:
            setattr(mod, name, value)


LOCATED = re.compile(r"^fuzz\.cir:(\d+): \S")


def check_reader(text: str) -> str:
    """from_spice(text): a graph, or a NetlistError naming fuzz.cir:LINE (LINE within the
    text).  Returns the event label."""
    n_lines = max(1, len(text.splitlines()))
    try:
        with no_files_no_processes():
            g = from_spice(text, source="fuzz.cir")
    except NetlistError as exc:
        msg = str(exc)
        m = LOCATED.match(msg)
        assert m, f"error without a line number: {msg!r}"
        assert 1 <= int(m.group(1)) <= n_lines, msg
        assert "\n" not in msg
        outcome = "NetlistError"
    else:
        assert isinstance(g, nx.MultiGraph)
        for _, _, data in g.edges(data=True):
            if "resistance" in data:
                assert data["resistance"] > 0 and data["conductance"] > 0
        outcome = "graph"
    assert not MARKER.exists(), "a shell command ran"
    return outcome


@st.composite
def mutated_decks(draw):
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    ops = []
    for _ in range(draw(st.integers(1, 5))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap", "token", "hostile", "chars",
                                   "cut", "case"]))
        ops.append(op)
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "token":
            tok = lines[i].split(" ")
            k = draw(st.integers(0, len(tok) - 1))
            tok[k] = draw(st.sampled_from(TOKENS))
            lines[i] = " ".join(tok)
        elif op == "hostile":
            lines.insert(i, draw(st.sampled_from(HOSTILE_LINES)))
        elif op == "chars":
            lines[i] += draw(st.text(max_size=10))
        elif op == "cut":
            lines = lines[:i]
        else:
            lines[i] = lines[i].upper()
    for op in sorted(set(ops)):
        event(f"mutation: {op}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


#: CIRCUITSPIN_FUZZ_SCALE=10 runs ten times the examples (a deeper run than CI's)
SCALE = max(1, int(os.environ.get("CIRCUITSPIN_FUZZ_SCALE", "1")))
FUZZ = settings(max_examples=1000 * SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@FUZZ
@given(mutated_decks())
def test_mutated_decks_give_a_graph_or_a_located_error(text):
    event(f"outcome: {check_reader(text)}")


deck_alphabet = st.sampled_from(list("RrVvIi0123456789 .-+e_{}'()=*$;/\n\tabcdfgkmnpu")
                                + ["\u00b2", "\u2028", "\x0b", "\r", "\x00", "\u00e9"])
deck_words = st.sampled_from(["R1", "Rb3", "V1", "I1", "Rm", "Vm", "0", "gnd", "a", "b",
                              "u", "d", "u_emf", "1k", "2.2meg", "1e-3", "dc", "ac", "+",
                              ".op", ".end", ".control", ".endc", "shell", ".include",
                              "/etc/passwd", "{1}", "'x'", "*", ";", "r=3"])


element_lines = st.tuples(
    st.sampled_from(["R", "r", "V", "I", "Rb", "Rs", "Ri", "Rx", "C", "L", "B"]),
    st.integers(0, 30), st.sampled_from(["0", "gnd", "a", "b", "u", "d", "f1_0_e",
                                         "f2_1_up", "n_0_dn", "x\u00e9"]),
    st.sampled_from(["0", "a", "b", "c", "u", "d", "n2_3_e"]),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
              st.sampled_from(["1k", "4.7meg", "1m", "dc 1", "dc", "ac 1", "r=2", "{1}",
                               "1 2", "-3", "0", "1e-3ohm"])),
).map(lambda t: f"{t[0]}{t[1]} {t[2]} {t[3]} {t[4]}")


plain_circuits = st.lists(st.tuples(
    st.sampled_from(["0", "gnd", "a", "b", "c", "u", "d", "f1_0_e", "n_2_dn"]),
    st.sampled_from(["0", "a", "b", "c", "d", "x1"]),
    st.one_of(st.floats(1e-30, 1e30).map(repr), st.sampled_from(["1k", "4.7meg", "2m", "3u"])),
), min_size=1, max_size=10).map(lambda rs: "plain\nI1 0 a 1m\n" + "".join(
    f"R{i} {a} {b} {v}\n" for i, (a, b, v) in enumerate(rs)) + ".op\n.end\n")


@FUZZ
@given(st.one_of(
    plain_circuits,
    st.lists(st.one_of(element_lines, element_lines, deck_words, st.sampled_from(
        HOSTILE_LINES)), max_size=12).map(lambda ls: "random deck\n" + "\n".join(ls)),
    st.text(deck_alphabet, max_size=300),
    st.lists(st.lists(deck_words, min_size=1, max_size=6).map(" ".join), max_size=15)
      .map(lambda ls: "title\n" + "\n".join(ls)),
    st.text(max_size=200)))
def test_random_decks_give_a_graph_or_a_located_error(text):
    event(f"outcome: {check_reader(text)}")


@pytest.mark.parametrize("text", [
    f"t\nR1 a 0 1\n.control\nshell touch {MARKER}\n.endc\n.op\n.end\n",
    "t\nR1 a 0 1\n.include /etc/passwd\n.end\n",
    "t\n.param r=1\nR1 a 0 {r}\n.end\n",
    "t\nR1 a 0 {1000*1000}\n.end\n",
    "t\nB1 a 0 V={exp(1)}\nR1 a 0 1\n.end\n",
    f"t\nR1 a 0 1\n.control\nshell touch {MARKER}\n",       # unterminated .control
    "", "\n\n", "* only a title\n", "t\n\x00\n", "t\n.end\nR1 a 0 1\n",
])
def test_hostile_and_degenerate_decks(text):
    check_reader(text)


def test_control_block_is_skipped_not_run():
    g = from_spice(f"t\nI1 0 a 1m\nR1 a 0 1k\n.control\nshell touch {MARKER}\n.endc\n"
                   ".op\n.end\n", source="fuzz.cir")
    assert sorted(g.nodes) == ["0", "a"] and not MARKER.exists()


@settings(max_examples=100 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_read_deck_of_random_bytes_names_the_file(tmp_path, data):
    path = tmp_path / "bytes.cir"
    path.write_bytes(data)
    try:
        read_deck(path)
        event("outcome: graph")
    except NetlistError as exc:
        assert str(exc).startswith(f"{path}:") and "\n" not in str(exc)
        event("outcome: NetlistError")


# --------------------------------------------------------------------------- writer side
PAYLOAD = ".control\nshell touch {marker}\n.endc"
SEPARATORS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x1c"]


@st.composite
def hostile_text(draw):
    """Text carrying a `shell touch MARKER` between line breaks of every kind."""
    sep = draw(st.sampled_from(SEPARATORS))
    before = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
    after = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
    filler = draw(st.sampled_from(["", "x" * 5000, "\u00e9\u4e2d\U0001f600" * 50]))
    extra = draw(st.sampled_from(["", ".include /etc/passwd", "$(touch /tmp/x)",
                                  "`touch /tmp/x`", "; rm -rf /", "{exp(1)}", "'q'"]))
    payload = PAYLOAD.replace("\n", sep)
    text = sep.join([before, payload, extra, after]) + filler
    event(f"separator {sep!r}")
    return text if text.strip() else "x" + text


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_stack(d: dict) -> str:
    """Enough TOML for a pillar mapping whose strings may hold anything."""
    out = [f"title = {_toml_string(d['title'])}", f"area = {d['area']!r}"]
    for name, mat in d["materials"].items():
        out.append(f"[materials.{name}]")
        out += [f"{k} = {v!r}" for k, v in mat.items()]
    for name, iface in d["interfaces"].items():
        out.append(f'[interfaces."{name}"]')
        out += [f"{k} = {v!r}" for k, v in iface.items()]
    for layer in d["layers"]:
        out.append("[[layers]]")
        out += [f"{k} = {_toml_string(v) if isinstance(v, str) else repr(v)}"
                for k, v in layer.items()]
    out.append("[motor]")
    out += [f"{k} = {_toml_string(v) if isinstance(v, str) else repr(v)}"
            for k, v in d["motor"].items()]
    return "\n".join(out) + "\n"


DECK_LINE = re.compile(r"^(\*( .*)?|I1 0 \S+ \S+|R[bsix]\d+ [a-z0-9_]+ [a-z0-9_]+ \S+|"
                       r"Rm u u_emf \S+|Vm u_emf d \S+|\.op|\.end)$")


def _assert_deck_structure(deck: str, names):
    lines = deck.split("\n")
    assert lines[-1] == "" and lines[-2] == ".end"
    assert all(" " <= ch <= "~" for ch in deck.replace("\n", "")), "non-ASCII in the deck"
    title, body = lines[0], lines[1:-1]
    assert not title.lstrip().startswith("."), title
    for line in body:
        assert DECK_LINE.match(line), f"unexpected deck line: {line[:120]!r}"
    # the names come back from the header, exactly
    g = from_spice(deck, source="written.cir")
    assert {key.layer for key in g.nodes if hasattr(key, "layer")} == set(names)


def _run_ngspice(deck_path: Path):
    return subprocess.run(["ngspice", "-b", deck_path.name], cwd=deck_path.parent,
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


def test_naive_deck_with_the_payload_runs_the_shell_command(tmp_path):
    """Positive control: the payload is a real attack on a deck that is not sanitised."""
    need_ngspice("subprocess")
    marker = tmp_path / "pwned"
    text = "F1\n" + PAYLOAD.format(marker=marker)     # a layer name, written naively
    (tmp_path / "naive.cir").write_text(f"* title\n* layer {text}\nI1 0 a 1e-3\nR1 a 0 1\n"
                                        ".op\n.end\n")
    _run_ngspice(tmp_path / "naive.cir")
    assert marker.exists()


@settings(max_examples=60 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(title=hostile_text(), layer=hostile_text(), cli_title=st.one_of(st.none(),
                                                                       hostile_text()))
def test_netlist_command_with_hostile_names_runs_no_shell(tmp_path_factory, title, layer,
                                                          cli_title):
    need_ngspice("subprocess")
    work = tmp_path_factory.mktemp("hostile")
    marker = work / "pwned"
    d = pillar_dict(magnons=3.0)
    d["title"] = title.replace("{marker}", str(marker))
    evil_layer = layer.replace("{marker}", str(marker))
    d["layers"][2]["name"] = evil_layer            # F2, the motor layer
    d["motor"]["layer"] = evil_layer
    stack_path = work / "hostile.toml"
    stack_path.write_text(_toml_stack(d), encoding="utf-8")
    deck_path = work / "out.cir"
    args = ["netlist", str(stack_path), "--current", "1e-3", "-o", str(deck_path)]
    if cli_title is not None:
        args += ["--title", cli_title.replace("{marker}", str(marker))]
    assert main(args) == 0
    deck = deck_path.read_text(encoding="ascii")
    _assert_deck_structure(deck, [lay["name"] for lay in d["layers"]])
    r = _run_ngspice(deck_path)
    assert r.returncode == 0, r.stdout[-500:]
    assert not marker.exists(), "a shell command from the stack file ran"
    event("ngspice ran the deck: no shell command")


def test_stack_file_name_with_newline_and_payload(tmp_path):
    """The stack's path goes into the deck header too (JSON-quoted)."""
    need_ngspice("subprocess")
    marker = tmp_path / "pwned"
    d = tmp_path / PAYLOAD.format(marker=marker).replace("/", "_")
    d.mkdir()
    stack_path = d / "s\n.control\nshell touch x\n.endc.toml"
    stack_path.write_text(_toml_stack(pillar_dict()), encoding="utf-8")
    deck_path = tmp_path / "out.cir"
    assert main(["netlist", str(stack_path), "--current", "1e-3", "-o", str(deck_path)]) == 0
    _assert_deck_structure(deck_path.read_text(), ["F1", "N", "F2", "N2"])
    assert _run_ngspice(deck_path).returncode == 0
    assert not marker.exists() and not (tmp_path / "x").exists()


@settings(max_examples=15 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(layer=hostile_text())
def test_steady_motor_deck_b_sources_hold_numbers_only(tmp_path_factory, layer):
    """The steady motor's B-source expressions: numbers, v(u), v(d), v(n), operators,
    tanh and abs only, whatever the stack's names; ngspice runs the deck and no shell."""
    need_ngspice("subprocess")
    from circuitspin.solvers.motor_spice import motor_lines, steady_deck

    work = tmp_path_factory.mktemp("steady")
    marker = work / "pwned"
    d = pillar_dict(mode="steady", alpha=0.005)
    evil = layer.replace("{marker}", str(marker))
    d["title"] = evil
    d["layers"][2]["name"] = evil
    d["motor"]["layer"] = evil
    net = build_network(stack_from_dict(d, source="steady"))
    for line in motor_lines(net):
        if line.startswith("B"):
            expr = line.split("I=", 1)[1]
            idents = set(re.findall(r"[a-z_]+", re.sub(r"\d[\d.]*e[+-]?\d+", "0", expr)))
            assert idents <= {"v", "u", "d", "n", "tanh", "abs", "exp"}, (idents, expr)
            assert re.fullmatch(r"[0-9a-z_.+\-*/()<>=?: ]+", expr), expr
    deck = steady_deck(net, I)
    (work / "steady.cir").write_text(deck)
    r = _run_ngspice(work / "steady.cir")
    assert r.returncode == 0 and not marker.exists()
    event("steady deck ran: no shell command")
