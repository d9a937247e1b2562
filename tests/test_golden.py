"""Every example's SPICE deck and JSON results against the golden outputs.

The goldens (tests/golden/data, written by tests/golden/make_golden.py only on request)
pin the command line's outputs: a refactor must reproduce them.  Straight stacks of
constant section are compared text for text (decks) and bit for bit (every JSON number).
Two groups of numbers are allowed to move at the rounding floor instead:

* the closed-form reference (``diffusion_*``, ``rel_error_*``): one dense solve of the
  diffusion equations whose elimination order may change; its values agree to the
  conditioning of that solve, far below the 1e-15 relative agreement the tests of the
  closed form require of V_UD against the network (``rel_error_V_UD`` is compared
  absolutely: it is itself a rounding-level number for the exact discretisation);
* flaring and branched geometries, whose conductances may be computed through the
  frustum kernel or the constant-section kernel (equal in exact arithmetic, a few ulp
  apart) and whose nodal system may be factorised in another elimination order: every
  number is compared to 1e-9 relative, with an absolute floor of 1e-12 of the largest
  magnitude in the file (a potential or current near zero is a difference of numbers of
  that size); the KCL residuals (``kcl_*``, rounding-level by construction) to 1e-12 A.
A missing golden file fails.
"""
from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import make_golden  # noqa: E402

STRAIGHT = {"berger_pillar", "berger_pillar_ap", "berger_pillar_steady", "py_cu_py",
            "spin_valve_multilayer"}
_NUM = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_CASES = list(make_golden.cases())


@pytest.fixture(scope="module")
def fresh():
    return make_golden.outputs()


def test_every_example_has_goldens():
    names = {ex[:-5] for ex in make_golden.examples()}
    assert names >= STRAIGHT
    assert len(_CASES) >= 8 * len(names)


def _deck_parts(text):
    """(other lines, sorted [((kind, node a, node b), value)] of the two-node elements)."""
    other, elements = [], []
    for line in text.splitlines():
        tok = line.split()
        if len(tok) == 4 and line[:1] in "RI":
            kind = tok[0].rstrip("0123456789")
            elements.append(((kind, *sorted(tok[1:3])), float(tok[3])))
        else:
            other.append(line)
    return other, sorted(elements)


def _numbers(text):
    return [float(t) for t in _NUM.findall(text)]


def _close(a, b, rtol, atol):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= rtol * abs(b) + atol
    return a == b


def _compare_json(new, old, rtol, atol, loose_keys=(), path=""):
    assert type(new) is type(old) or {type(new), type(old)} <= {int, float}, path
    if isinstance(old, dict):
        assert list(new) == list(old), f"{path}: keys {list(new)} != {list(old)}"
        for k in old:
            loose = any(k.startswith(p) for p in loose_keys)
            if loose and k.startswith(("rel_error", "kcl_")):
                assert abs(new[k] - old[k]) <= 1e-12, f"{path}.{k}"
            elif loose:
                assert _close(float(new[k]), float(old[k]), 1e-12, 0.0), f"{path}.{k}"
            else:
                _compare_json(new[k], old[k], rtol, atol, loose_keys, f"{path}.{k}")
    elif isinstance(old, list):
        assert len(new) == len(old), path
        for i, (a, b) in enumerate(zip(new, old)):
            _compare_json(a, b, rtol, atol, loose_keys, f"{path}[{i}]")
    elif isinstance(old, float) or isinstance(new, float):
        assert _close(float(new), float(old), rtol, atol), f"{path}: {new!r} != {old!r}"
    else:
        assert new == old, f"{path}: {new!r} != {old!r}"


def _max_abs(obj):
    if isinstance(obj, dict):
        return max((_max_abs(v) for v in obj.values()), default=0.0)
    if isinstance(obj, list):
        return max((_max_abs(v) for v in obj), default=0.0)
    if isinstance(obj, (int, float)) and not isinstance(obj, bool) and math.isfinite(obj):
        return abs(float(obj))
    return 0.0


@pytest.mark.no_ulp_stress  # straight stacks are compared bit for bit
@pytest.mark.parametrize("name", [c[0] for c in _CASES])
def test_golden(name, fresh):
    path = make_golden.DATA / name
    assert path.exists(), f"missing golden {path}: run tests/golden/make_golden.py"
    old, new = path.read_text(), fresh[name]
    straight = name.split(".")[0] in STRAIGHT
    if name.endswith(".cir"):
        if straight:
            assert new == old
            return
        # flaring / branched: the same circuit.  The walk may number nodes and edges in
        # another order, so the elements are compared as a set (kind, node pair, value)
        # and the other lines as text, numbers to rounding.
        (hn, en), (ho, eo) = _deck_parts(new), _deck_parts(old)
        assert _NUM.sub("#", "\n".join(hn)) == _NUM.sub("#", "\n".join(ho))
        a, b = _numbers("\n".join(hn)), _numbers("\n".join(ho))
        floor = 1e-12 * max(map(abs, b), default=0.0)
        assert [k for k, _ in en] == [k for k, _ in eo]
        a += [v for _, v in en]
        b += [v for _, v in eo]
        bad = [(x, y) for x, y in zip(a, b) if not _close(x, y, 1e-9, floor)]
        assert not bad, bad[:5]
        return
    jn, jo = json.loads(new), json.loads(old)
    if straight:
        _compare_json(jn, jo, 0.0, 0.0, loose_keys=("diffusion_", "rel_error_"))
    else:
        _compare_json(jn, jo, 1e-9, 1e-12 * _max_abs(jo),
                      loose_keys=("rel_error_", "kcl_"))
