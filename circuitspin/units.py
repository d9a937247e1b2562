"""Reading physical quantities: SI numbers or strings with units (pint).

Public API
----------
to_si(value, unit, where) -> float
    ``value`` is a plain number (taken as SI) or a string such as ``"6 nm"`` or
    ``"60 nOhm*m"``; ``unit`` is the SI unit it must convert to (``"m"``,
    ``"ohm*m"``, ``"ohm*m**2"``, ``"Hz"``, ``"K"``, ``"A"``, ``"m**2"``, ``""``).
    Raises ``ValueError`` with a short reason; callers add the file/table/key.
"""
from __future__ import annotations

import functools
import math

_UREG = None


def _ureg():
    global _UREG
    if _UREG is None:  # pint is slow to import: load it only when a string needs it
        import pint

        _UREG = pint.UnitRegistry()
    return _UREG


def to_si(value, unit: str) -> float:
    """Convert ``value`` (number in SI, or string with units) to a float in ``unit``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        out = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            out = float(text)  # "1e-9" as a string: plain SI number
        except ValueError:
            out = _parse_with_units(text, unit)
    else:
        raise ValueError(f"expected a number or a string with units, got {value!r}")
    if not math.isfinite(out):
        raise ValueError(f"must be finite, got {value!r}")
    return out


@functools.lru_cache(maxsize=4096)  # stack files repeat their strings (sweeps, fits)
def _parse_with_units(text: str, unit: str) -> float:
    import pint

    ureg = _ureg()
    # "Ohm" and "Ω" are how people write it; pint knows "ohm"
    normalised = text.replace("Ω", "ohm").replace("Ohm", "ohm").replace("OHM", "ohm")
    try:
        q = ureg.Quantity(normalised)
    except Exception as exc:  # pint raises many kinds (parser, tokenizer, undefined unit)
        raise ValueError(f"cannot read {text!r} as a quantity ({type(exc).__name__})") from None
    if not hasattr(q, "to"):
        return float(q)
    try:
        return float(q.to(unit or "dimensionless").magnitude)
    except pint.errors.DimensionalityError:
        raise ValueError(f"wrong units in {text!r}: expected {unit or 'a pure number'}") from None

