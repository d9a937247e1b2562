"""Reading physical quantities: SI numbers or strings with units (pint).

A string is read as ONE number followed by ONE unit expression (``"6 nm"``,
``"60 nOhm*m"``, ``"0.51 fOhm*m^2"``, ``"1e10 1/m"``), never evaluated as arithmetic:
``"9**9**9 A"`` or ``"2*3 nm"`` is refused at once, and so is a unit without a number
(``"m**2"``).  Unit exponents are small whole numbers (``m**2``, ``m^-1``).

Public API
----------
to_si(value, unit) -> float
    ``value`` is a plain number (taken as SI) or a string as above; ``unit`` is the SI
    unit it must convert to (``"m"``, ``"ohm*m"``, ``"ohm*m**2"``, ``"Hz"``, ``"K"``,
    ``"A"``, ``"m**2"``, ``""``).  Raises ``ValueError`` with a short reason; callers add
    the file/table/key.
eng(value, unit="Ω", digits=3) -> str
    ``value`` in engineering notation with an SI prefix (``eng(6e-9, "m") == '6.00 nm'``).
eng_scale(values, unit) -> (factor, label)
    The SI prefix for a plot axis of ``values`` in ``unit``: ``values * factor`` read in
    ``label`` (``eng_scale([2e-9, 2e-8], "m") == (1e9, "nm")``); compound units other
    than ``m**2`` stay in SI (factor 1).
"""
from __future__ import annotations

import functools
import math
import re

_UREG = None

#: a decimal number (no arithmetic, no underscores): 1, -2.5, .5, 6e-9
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
#: a unit name (letters only, as pint spells them; Greek mu and Ohm sign too), or "%"
_NAME = r"(?:[A-Za-z\u00b5\u03bc\u03a9\u2126\u00b0]+|%)"
#: one unit factor with an optional small whole exponent: m, m**2, m^-1
_FACTOR = _NAME + r"(?:\s*(?:\*\*|\^)\s*[+-]?\d{1,2})?"
#: a unit expression: factors joined by *, / or a space; "1/m" and "/m" allowed
_UNIT = (r"(?:(?:1\s*)?/\s*)?" + _FACTOR + r"(?:(?:\s*[*/\u00b7]\s*|\s+)" + _FACTOR + ")*")
_QUANTITY = re.compile(rf"\s*({_NUMBER})\s*({_UNIT})?\s*")
#: a string longer than this is not a quantity anyone typed
MAX_LENGTH = 200


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
        try:
            out = float(value)
        except OverflowError:  # an integer beyond the double range
            raise ValueError(f"must be finite, got {_short(value)}") from None
    elif isinstance(value, str):
        out = _parse(value, unit)
    else:
        raise ValueError(f"expected a number or a string with units, got {_short(value)}")
    if not math.isfinite(out):
        raise ValueError(f"must be finite, got {_short(value)}")
    return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-12:]


@functools.lru_cache(maxsize=4096)  # stack files repeat their strings (sweeps, fits)
def _parse(text: str, unit: str) -> float:
    """``"<number> [<unit>]"`` -> float in ``unit`` (ValueError otherwise)."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"cannot read {_short(text)} as a number with a unit "
                         f"(longer than {MAX_LENGTH} characters)")
    m = _QUANTITY.fullmatch(text)
    if m is None:
        try:  # what float() reads ("inf", "nan", "1_000") is a plain number, as before
            return float(text)
        except ValueError:
            pass
        raise ValueError(f"cannot read {_short(text)} as a number with a unit (write "
                         "one number and a unit, e.g. '6 nm' or '0.51 fOhm*m^2')")
    magnitude = float(m.group(1))
    units = m.group(2)
    if not units:
        return magnitude
    import pint

    # "Ohm" and the Ohm sign are how people write it; pint knows "ohm"
    units = (units.replace("\u2126", "ohm").replace("\u03a9", "ohm")
             .replace("Ohm", "ohm").replace("OHM", "ohm").replace("^", "**")
             .replace("\u00b7", "*").replace("\u03bc", "u").replace("\u00b5", "u"))
    ureg = _ureg()
    try:
        q = ureg.Quantity(magnitude, ureg.parse_units(units.strip()))
    except Exception as exc:  # pint raises many kinds (undefined unit, parser errors)
        raise ValueError(f"cannot read {_short(text)}: unknown unit "
                         f"({type(exc).__name__})") from None
    try:
        return float(q.to(unit or "dimensionless").magnitude)
    except pint.errors.DimensionalityError:
        raise ValueError(f"wrong units in {_short(text)}: expected "
                         f"{unit or 'a pure number'}") from None
    except OverflowError:
        raise ValueError(f"must be finite, got {_short(text)}") from None


_PREFIXES = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"),
             (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]


def eng(value: float, unit: str = "Ω", digits: int = 3) -> str:
    """``value`` in engineering notation with an SI prefix: ``eng(0.0072) == '7.20 mΩ'``."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    mag = abs(value)
    rounding = 1 - 0.5 * 10.0 ** -digits  # values at or above round up to the next decade
    if mag < _PREFIXES[-1][0] * rounding or mag >= 1e3 * _PREFIXES[0][0] * rounding:
        return f"{value:.{digits - 1}e} {unit}"
    for scale, prefix in _PREFIXES:
        if mag >= scale * rounding:
            break
    x = float(f"{value / scale:.{digits}g}")  # rounded first: 999.96 -> 1000 -> "1000"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{decimals}f} {prefix}{unit}"


#: units an SI prefix goes in front of (the label's spelling), for plot axes
_PREFIXABLE = {"m": "m", "A": "A", "V": "V", "ohm": "Ω", "Ω": "Ω", "Hz": "Hz", "s": "s",
               "W": "W", "eV": "eV", "K": "K"}


def eng_scale(values, unit: str) -> tuple[float, str]:
    """(factor, label) for a plot axis: the prefix that puts the largest finite |value|
    in [1, 1000) (``m**2``: the largest of m², mm², µm², nm² giving at least 1); factor 1
    and the unit as given when it takes no prefix or there is no nonzero value."""
    mags = [abs(float(v)) for v in _flat(values)]
    mag = max((m for m in mags if math.isfinite(m) and m > 0), default=0.0)
    if mag == 0.0:
        return 1.0, _PREFIXABLE.get(unit, unit)
    if unit == "m**2":
        for scale, prefix in ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n")):
            if mag >= scale ** 2 * (1 - 5e-4):
                break
        return 10.0 ** (-2 * round(math.log10(scale))), f"{prefix}m²"
    if unit not in _PREFIXABLE:
        return 1.0, unit
    for scale, prefix in _PREFIXES:
        if mag >= scale * (1 - 5e-4):  # 999.96 m reads 1.00 k, as eng() rounds it
            break
    return 10.0 ** -round(math.log10(scale)), prefix + _PREFIXABLE[unit]


def _flat(values):
    if isinstance(values, (int, float)):
        return [values]
    try:
        import numpy as np

        return np.ravel(np.asarray(values, dtype=float)).tolist()
    except (TypeError, ValueError):
        return []
