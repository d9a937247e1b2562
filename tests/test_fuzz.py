"""Fuzzed stack files: whatever the bytes, one error line and exit 2, or a correct answer.

Mutations of a valid stack file (lines dropped, duplicated or swapped, numbers replaced by
odd tokens, random bytes inserted, the file cut short) and random TOML documents are fed
to the command line in-process.  Each run must either fail with one line
``circuitspin: error: FILE: ...`` and exit status 2, or succeed with a bridge output that
equals the closed-form diffusion solution of what it read: never a traceback, never a
silently wrong number.
"""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from circuitspin import load_stack, solve_diffusion
from circuitspin.cli import main
from conftest import NETLISTS

SEED_FILES = [NETLISTS / "berger_pillar.toml", NETLISTS / "py_cu_py.toml"]
TOKENS = ["-1", "0", "nan", "inf", "-inf", "1e400", '"6 nm"', '"6 kg"', '"abc"', "true",
          "[1, 2]", "{a = 1}", '"1e-9"', "1e-300", "0.999999", "1.0", '""', '"up"',
          '"down"', '"F9"', "2024-01-01", "'''x'''", '"\\u0000"', "1_000"]


def _run(path, capsys):
    capsys.readouterr()
    try:
        rc = main(["solve", str(path), "--current", "1e-3", "--json"])
    except SystemExit as exc:  # argparse
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def _check(path, capsys):
    rc, out, err = _run(path, capsys)
    if rc == 2:
        assert out == ""
        line = err.strip()
        assert "\n" not in line and line.startswith("circuitspin: error: "), err
        assert str(path) in line, line
        return "error"
    assert rc == 0, (rc, err)
    fields = json.loads(out)
    stack = load_stack(path)
    ref = solve_diffusion(stack, 1e-3)
    assert math.isclose(fields["resistance"], ref.resistance, rel_tol=1e-9)
    if ref.V_UD is not None:
        assert abs(fields["V_UD"] - ref.V_UD) <= 1e-9 * abs(ref.V_UD) + 1e-14 * abs(
            fields["voltage"])
    return "ok"


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SEED_FILES)).read_text()
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "swap", "value", "bytes", "cut", "key"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(TOKENS))}"
        elif op == "bytes":
            lines[i] = lines[i] + draw(st.text(max_size=8))
        elif op == "cut":
            lines = lines[:i]
        elif op == "key" and "=" in lines[i]:
            lines[i] = draw(st.sampled_from(["x", "rho", "name", "ar", "layer"])) + " =" + \
                lines[i].split("=", 1)[1]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(mutated())
def test_mutated_stack_files(tmp_path, capsys, text):
    p = tmp_path / "fuzz.toml"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    event(_check(p, capsys))


toml_scalars = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                         st.text(max_size=12), st.booleans())
toml_values = st.recursive(toml_scalars, lambda c: st.lists(c, max_size=3) |
                           st.dictionaries(st.sampled_from(["rho", "beta", "lsf", "name",
                                                            "material", "thickness", "ar"]),
                                           c, max_size=3), max_leaves=8)


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["title", "area", "temperature", "materials",
                                        "interfaces", "layers", "motor", "junk"]),
                       toml_values, max_size=6))
def test_random_toml_documents(tmp_path, capsys, doc):
    p = tmp_path / "random.toml"
    p.write_text("\n".join(f"{k} = {_toml_value(v)}" for k, v in doc.items()) + "\n")
    event(_check(p, capsys))


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02", b"\xef\xbb\xbf[[layers]]\n",
                                  b"area = 1e-14\n[[layers]]\n" * 3, b"[" * 10000])
def test_degenerate_files(tmp_path, capsys, data):
    p = tmp_path / "degenerate.toml"
    p.write_bytes(data)
    assert _check(p, capsys) == "error"
