"""Fitting stack parameters to measured CPP-GMR data, with honest uncertainties.

A data set is a CSV file (or a mapping of columns) whose **first column** is named by a
stack path (the varied quantity, e.g. ``layers.F2.thickness``; the path grammar of
``sweep --param``), and whose other columns are

- observables: ``AdR``, ``AR_P``, ``AR_AP`` (ohm m^2), ``R_P``, ``R_AP`` (ohm), ``MR``
  (dR / R_P) of :func:`circuitspin.gmr`, and ``V_UD`` (V, the bridge output of the stack
  as written, at the row's ``current``);
- ``sigma_<observable>``: the standard deviation of each value of that column;
- ``current`` (A): the current of a ``V_UD`` row (or give ``current=`` for all rows);
- more stack paths: per-row settings (e.g. a second series at another spacer thickness).

A header may carry units in brackets (``layers.F2.thickness (nm)``, ``AdR
(fOhm*m^2)``); without them values are SI.  An empty cell is a value not measured; lines
starting with ``#`` are comments.  Several data sets fit together with shared parameters.

The fit is weighted least squares (:func:`scipy.optimize.least_squares`, trust-region
reflective) over any numeric stack paths, started from the template's values (or given
ones), inside the bounds of physical validity: lengths, areas, resistivities and AR* > 0,
|beta|, |gamma| < 1.  Each residual is (model - data) / sigma.

**Uncertainty convention.**  With ``sigma_`` columns (then every observable column needs
one) the sigmas are absolute: the covariance is (J^T J)^-1 at the optimum, and
chi^2 / dof tests them.  Without any, every observable column is weighted by the RMS of
its own values (so that ohms and fractions can be fitted together) and the covariance is
scaled by the reduced chi^2: the scatter of the data sets the errors (as
``scipy.optimize.curve_fit(absolute_sigma=False)``).  Standard errors are the square
roots of the covariance's diagonal; a parameter the data do not determine (singular
Jacobian) gets an infinite error and a warning.  ``interval=PATH`` adds the profile-
likelihood interval of that parameter: every other parameter refitted at each trial
value, the bounds where chi^2 rises by 1 (absolute sigmas) or by the reduced chi^2.

Public API
----------
fit(stack, data, free, *, free_layer=None, current=None, interval=None, segments=None,
    max_nfev=None, starts=None) -> FitResult
Series, read_series(path), series_from_columns(columns, name)
FitResult
OBSERVABLES
dumps_toml(mapping) -> str

A :class:`FitResult` holds ``parameters``, ``chi2``, ``dof``, ``reduced_chi2``,
``covariance``, ``correlation``, ``interval`` and ``data`` (the best-fit stack mapping),
with ``best_stack()``, ``to_dict()``, ``to_toml()`` and ``predict(series)``.
``OBSERVABLES`` are the observable column names.  ``dumps_toml`` needs tomli-w
(``pip install 'circuitspin[fit]'``).
"""
from __future__ import annotations

import csv
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from .errors import CircuitSpinWarning, SolverError, StackError
from .geometry import Geometry, Stack
from .gmr import gmr_of_mappings
from .reader import dumps_toml

#: observable -> its SI unit
OBSERVABLES = {"AdR": "ohm*m**2", "AR_P": "ohm*m**2", "AR_AP": "ohm*m**2", "R_P": "ohm",
               "R_AP": "ohm", "MR": "", "V_UD": "V"}
_GMR_OBSERVABLES = ("AdR", "AR_P", "AR_AP", "R_P", "R_AP", "MR")
#: the SI unit of a stack entry, by its key
KEY_UNITS = {"thickness": "m", "length": "m", "area": "m**2", "contact_area": "m**2",
             "rho": "ohm*m", "lsf": "m", "beta": "", "gamma": "", "delta": "",
             "ar": "ohm*m**2",
             "kF": "1/m", "kF_up": "1/m", "kF_dn": "1/m", "frequency": "Hz",
             "delta_alpha": "", "magnons": "", "alpha": "", "ms": "A/m", "g_factor": "",
             "temperature": "K", "g_mix": "S/m**2", "g_mix_im": "S/m**2"}
_POSITIVE = {"thickness", "length", "area", "contact_area", "rho", "lsf", "ar", "kF",
             "kF_up", "kF_dn", "frequency", "delta_alpha", "ms", "g_factor", "alpha",
             "magnons", "temperature", "delta", "g_mix"}
_ASYMMETRY = {"beta", "gamma"}
#: least_squares tolerances (ftol, xtol, gtol): scipy's defaults
TOL = 1e-8
_HEADER = re.compile(r"^\s*(?P<name>[^()]*?)\s*(\((?P<unit>[^()]*)\))?\s*$")


def path_unit(path: str) -> str | None:
    """The SI unit of the stack entry at ``path`` (None: not a known numeric entry)."""
    return KEY_UNITS.get(path.split(".")[-1])


def path_bounds(path: str) -> tuple[float, float]:
    """Physical validity of the entry at ``path``: (lower, upper)."""
    key = path.split(".")[-1]
    if key in _ASYMMETRY:
        return -1.0, 1.0
    if key in _POSITIVE:
        return 0.0, math.inf
    return -math.inf, math.inf


# --------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Series:
    """One data set: ``x_path`` and ``x`` (SI), per-row ``settings`` (path -> array,
    ``x_path`` first), ``values`` and ``sigmas`` (observable -> array; NaN: not
    measured; no sigma column: absent from ``sigmas``) and ``current`` (A per row, or
    None)."""

    name: str
    x_path: str
    settings: dict
    values: dict
    sigmas: dict
    current: np.ndarray | None = None

    @property
    def x(self) -> np.ndarray:
        return self.settings[self.x_path]

    @property
    def n_points(self) -> int:
        return int(sum(np.count_nonzero(np.isfinite(v)) for v in self.values.values()))


def _column_scale(name: str, unit: str | None, si_unit: str, where: str) -> float:
    from .units import to_si

    if not unit:
        return 1.0
    try:
        return to_si(f"1 {unit}", si_unit)
    except ValueError as exc:
        raise StackError(f"{where}: column {name!r}: unit ({unit}): {exc}") from None


def series_from_columns(columns: Mapping, name: str = "<data>") -> Series:
    """A :class:`Series` from ``{header: values}`` in column order (first: the varied
    stack path); headers may carry ``(unit)``.  See the module docstring."""
    cols = list(columns.items())
    if len(cols) < 2:
        raise StackError(f"{name}: needs a first column named by a stack path and at "
                         "least one observable column ("
                         + ", ".join(OBSERVABLES) + ")")
    settings, values, sigmas, current = {}, {}, {}, None
    n_rows = None
    for i, (header, raw) in enumerate(cols):
        m = _HEADER.match(str(header))
        label, unit = m["name"], m["unit"]
        arr = np.asarray(raw, dtype=float).ravel()
        if n_rows is None:
            n_rows = arr.size
        elif arr.size != n_rows:
            raise StackError(f"{name}: column {label!r} has {arr.size} values, the first "
                             f"has {n_rows}")
        if label in OBSERVABLES:
            target, si = values, OBSERVABLES[label]
        elif label.startswith("sigma_") and label[6:] in OBSERVABLES:
            target, si = sigmas, OBSERVABLES[label[6:]]
            label = label[6:]
        elif label == "current":
            current = arr * _column_scale(label, unit, "A", name)
            continue
        elif "." in label or label in ("area", "temperature"):
            si = path_unit(label)
            if si is None:
                raise StackError(f"{name}: column {label!r}: not a numeric stack entry "
                                 f"(keys: {', '.join(sorted(KEY_UNITS))})")
            target = settings
        else:
            raise StackError(f"{name}: column {label!r}: not an observable ("
                             + ", ".join(OBSERVABLES) + "), a sigma_<observable>, "
                             "'current' or a stack path")
        if i == 0 and target is not settings:
            raise StackError(f"{name}: the first column must be named by a stack path "
                             f"(e.g. layers.F2.thickness), got {label!r}")
        if label in target:
            raise StackError(f"{name}: column {label!r} given twice")
        target[label] = arr * _column_scale(label, unit, si, name)
    x_path = next(iter(settings))
    if not np.all(np.isfinite(np.column_stack(list(settings.values())))):
        raise StackError(f"{name}: every row needs a value of {', '.join(settings)}")
    if not values:
        raise StackError(f"{name}: no observable column (" + ", ".join(OBSERVABLES) + ")")
    for label in sigmas:
        if label not in values:
            raise StackError(f"{name}: column sigma_{label}: no {label} column")
        given = np.isfinite(values[label])
        s = sigmas[label][given]
        if not np.all(np.isfinite(s) & (s > 0)):
            raise StackError(f"{name}: column sigma_{label}: every measured {label} needs "
                             "a sigma > 0")
    if not any(np.isfinite(v).any() for v in values.values()):
        raise StackError(f"{name}: no data values")
    return Series(name=name, x_path=x_path, settings=settings, values=values,
                  sigmas=sigmas, current=current)


def read_series(path) -> Series:
    """Read a CSV data set (see the module docstring)."""
    name = str(path)
    p = Path(path)
    if not p.is_file():
        raise StackError(f"{name}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StackError(f"{name}: cannot read: {exc}") from None
    lines = [(k, line) for k, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise StackError(f"{name}: empty (expected a header and rows of numbers)")
    rows = list(csv.reader([line for _, line in lines]))
    header = [h.strip() for h in rows[0]]
    columns = {h: [] for h in header}
    if len(columns) != len(header):
        raise StackError(f"{name}: line {lines[0][0]}: a column name is given twice")
    for (lineno, _), row in zip(lines[1:], rows[1:]):
        if len(row) != len(header):
            raise StackError(f"{name}: line {lineno}: {len(row)} fields, the header has "
                             f"{len(header)}")
        for h, cell in zip(header, row):
            cell = cell.strip()
            try:
                columns[h].append(float(cell) if cell else math.nan)
            except ValueError:
                raise StackError(f"{name}: line {lineno}: column {h!r}: not a number: "
                                 f"{cell!r}") from None
    if len(rows) < 2:
        raise StackError(f"{name}: no data rows")
    return series_from_columns(columns, name)


def _as_series(data) -> list[Series]:
    if isinstance(data, Series):
        return [data]
    if isinstance(data, (str, Path)):
        return [read_series(data)]
    if isinstance(data, Mapping):
        return [series_from_columns(data)]
    if hasattr(data, "columns") and hasattr(data, "to_dict"):  # a pandas DataFrame
        return [series_from_columns({c: data[c].to_numpy() for c in data.columns})]
    if isinstance(data, Sequence):
        out = []
        for item in data:
            out += _as_series(item)
        return out
    raise StackError(f"data: expected a CSV path, a Series, a mapping of columns or a "
                     f"list of them, got {type(data).__name__}")


# --------------------------------------------------------------------------- the model
class Model:
    """The observables of every data row as functions of the free parameters."""

    def __init__(self, template: dict, source: str, series: list[Series], paths, *,
                 free_layer=None, current=None, segments=None):
        self.template, self.source, self.series = template, source, series
        self.paths = list(paths)
        self.free_layer, self.segments = free_layer, segments
        self.current = current
        #: the nodal solver's trust check (condition estimate, warnings): off while the
        #: optimizer probes, on for the evaluation at the optimum
        self.check = False

    def mapping(self, theta, settings: dict | None = None) -> dict:
        """The template with the parameters ``theta`` and the row ``settings`` set."""
        from .sweep import set_param

        data = self.template
        for path, value in zip(self.paths, theta):
            data = set_param(data, path, float(value))
        for path, value in (settings or {}).items():
            data = set_param(data, path, float(value))
        return data

    def row_values(self, theta, settings: dict, wanted, current) -> dict:
        """The observables ``wanted`` of one row (SI)."""
        from .gmr import gmr_of_mapping

        data = self.mapping(theta, settings)
        out = {}
        if any(name in _GMR_OBSERVABLES for name in wanted):
            g = gmr_of_mapping(data, self.free_layer, self.source, self.segments,
                               check=self.check)
            out.update({name: float(getattr(g, name)) for name in _GMR_OBSERVABLES})
        if "V_UD" in wanted:
            from .network import build_network
            from .solvers import solve
            from .stack import stack_from_dict

            stack = stack_from_dict(data, self.source)
            if stack.motor is None:
                raise StackError(f"{self.source}: V_UD data need a [motor] table (U and D "
                                 "are the motor layer's first nodes)")
            opts = {} if stack.motor.mode == "steady" else {"check": self.check}
            out["V_UD"] = float(solve(build_network(stack, self.segments), current,
                                      **opts).V_UD)
        return out

    def series_values(self, theta, s: Series, rows=None) -> dict:
        """observable -> model array over the rows of ``s`` (NaN where not measured); while
        probing, rows without V_UD are solved together (gmr.gmr_of_mappings) and the stack
        warnings hidden (the optimum's evaluation gives those that apply to the result)."""
        out = {name: np.full(s.x.size, np.nan) for name in s.values}
        todo = [(k, [n for n in s.values if np.isfinite(s.values[n][k])],
                 {p: v[k] for p, v in s.settings.items()})
                for k in (range(s.x.size) if rows is None else rows)]
        batch = [] if self.check else [r for r in todo if r[1] and "V_UD" not in r[1]]
        with warnings.catch_warnings():   # the caller's own filters at the optimum
            if not self.check:
                warnings.simplefilter("ignore", CircuitSpinWarning)
            done = {} if len(batch) < 2 else dict(zip([r[0] for r in batch], gmr_of_mappings(
                [self.mapping(theta, r[2]) for r in batch], self.free_layer, self.source,
                self.segments)))
            for k, wanted, st in todo:
                if not wanted:
                    continue
                vals = {n: float(getattr(done[k], n)) for n in wanted} if k in done else \
                    self.row_values(theta, st, wanted,
                                    self._current(s, k) if "V_UD" in wanted else None)
                for name in wanted:
                    out[name][k] = vals[name]
        return out

    def _current(self, s: Series, k: int) -> float:
        if s.current is not None and np.isfinite(s.current[k]):
            return float(s.current[k])
        if self.current is None:
            raise StackError(f"{s.name}: V_UD needs a current: add a 'current' column or "
                             "give --current")
        return float(self.current)

    def curve(self, theta, s: Series, x: np.ndarray, names) -> dict:
        """Model values of ``names`` along ``x`` of the series' x path, other settings
        at their first row's value (for plots)."""
        settings0 = {p: v[0] for p, v in s.settings.items()}
        out = {name: np.empty(x.size) for name in names}
        current = None
        if "V_UD" in names:
            current = self._current(s, 0)
        for k, xv in enumerate(x):
            vals = self.row_values(theta, settings0 | {s.x_path: xv}, names, current)
            for name in names:
                out[name][k] = vals[name]
        return out


@dataclass(frozen=True)
class Interval:
    """A profile-likelihood interval of one parameter: chi^2 rises by ``delta_chi2``."""

    path: str
    lower: float
    upper: float
    delta_chi2: float

    def to_dict(self) -> dict:
        return {"path": self.path, "lower": _finite(self.lower),
                "upper": _finite(self.upper), "delta_chi2": self.delta_chi2}


def _finite(v):
    v = float(v)
    return v if math.isfinite(v) else None


@dataclass(frozen=True, eq=False)
class FitResult:
    """The outcome of :func:`fit` (SI units); see the module docstring."""

    paths: tuple[str, ...]
    values: np.ndarray
    stderr: np.ndarray
    covariance: np.ndarray
    chi2: float
    dof: int
    absolute_sigma: bool
    n_points: int
    nfev: int  # model evaluations (every data row once), the Jacobians' included
    data: dict
    source: str
    series: tuple[Series, ...]
    model: Model = field(repr=False)
    interval: Interval | None = None

    @property
    def parameters(self) -> dict:
        """path -> {"value": v, "stderr": s}."""
        return {p: {"value": float(v), "stderr": float(s)}
                for p, v, s in zip(self.paths, self.values, self.stderr)}

    @property
    def reduced_chi2(self) -> float:
        return self.chi2 / self.dof

    @property
    def correlation(self) -> np.ndarray:
        d = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = self.covariance / np.outer(d, d)
        np.fill_diagonal(corr, 1.0)
        return corr

    def best_stack(self):
        """The best-fit stack, validated."""
        from .stack import stack_from_dict

        return stack_from_dict(self.data, source=self.source)

    def predict(self, series: Series | None = None) -> dict:
        """observable -> best-fit values at the rows of ``series`` (default: the first)."""
        return self.model.series_values(self.values, series or self.series[0])

    def to_dict(self) -> dict:
        """The JSON object: ``parameters``, ``chi2``, ``dof``, ``correlation`` and
        ``reduced_chi2``, ``points``, ``absolute_sigma``, ``evaluations``, ``interval``."""
        corr = [[_finite(c) for c in row] for row in self.correlation]
        out = {"parameters": {p: {"value": d["value"], "stderr": _finite(d["stderr"])}
                              for p, d in self.parameters.items()},
               "chi2": self.chi2, "dof": self.dof, "correlation": corr,
               "reduced_chi2": self.reduced_chi2, "points": self.n_points,
               "absolute_sigma": self.absolute_sigma, "evaluations": self.nfev,
               "template": self.source, "data": [s.name for s in self.series]}
        if self.interval is not None:
            out["interval"] = self.interval.to_dict()
        return out

    def to_toml(self) -> str:
        """The best-fit stack file: the template with the fitted entries replaced."""
        head = [f"# best fit of {self.source} to {', '.join(s.name for s in self.series)}",
                f"# chi2 = {self.chi2:.6g}, dof = {self.dof}, "
                + ("sigmas from the data files" if self.absolute_sigma else
                   "errors scaled by the reduced chi2")]
        head += [f"# {p} = {d['value']:.8g} +- {d['stderr']:.3g}"
                 for p, d in self.parameters.items()]
        return "\n".join(head) + "\n" + dumps_toml(self.data)


# --------------------------------------------------------------------------- fitting
def _start_value(template: dict, path: str, starts: dict) -> float:
    from .sweep import get_param
    from .units import to_si

    given = get_param(template, path)  # the path grammar's errors first
    unit = path_unit(path)
    if unit is None:
        raise StackError(f"--free {path}: not a numeric stack entry (keys: "
                         f"{', '.join(sorted(KEY_UNITS))})")
    raw = given if starts.get(path) is None else starts[path]
    if raw is None:
        raise StackError(f"--free {path}: the stack gives no value there: give a start, "
                         f"--free {path}=VALUE")
    try:
        value = to_si(raw, unit)
    except ValueError as exc:
        raise StackError(f"--free {path}: {exc}") from None
    lo, hi = path_bounds(path)
    if not lo < value < hi:
        where = "at the edge of" if value in (lo, hi) else "outside"
        raise StackError(f"--free {path}: start {value:g} is {where} its physical range "
                         f"({lo:g}, {hi:g}): give a start inside it, --free {path}=VALUE")
    return value


def _check_path(template: dict, source: str, path: str, value: float, what: str):
    from .stack import stack_from_dict
    from .sweep import set_param

    try:
        stack_from_dict(set_param(template, path, value), source=source)
    except StackError as exc:
        msg = str(exc).removeprefix(f"--param {path}: ").removeprefix(f"{source}: ")
        raise StackError(f"{source}: {what} {path}: {msg}") from None


def fit(stack: Stack | Geometry | Mapping | str | PathLike, data, free, *, free_layer=None,
        current=None, interval=None, segments=None, max_nfev=None, starts=None,
        bounds=None) -> FitResult:
    """Fit the stack entries ``free`` (paths) to ``data``; see the module docstring.

    Parameters
    ----------
    stack : template: stack file path, TOML mapping or a loaded Stack or Geometry
    data : CSV path, Series, mapping of columns, DataFrame, or a list of them (fitted
        together, sharing the parameters)
    free : path or list of paths; ``"PATH=START"`` sets the start value
    free_layer : the layer(s) reversed for AP (default as :func:`circuitspin.gmr`)
    current : A, for V_UD rows without a ``current`` column
    interval : a free path: add its profile-likelihood interval
    max_nfev : the most optimizer steps (evaluations of the model outside its
        finite-difference Jacobians) before the fit counts as not converged
    starts, bounds : {path: value}, {path: (lo, hi)} (within the physical range)
    """
    from scipy.optimize import least_squares

    from .gmr import stack_mapping
    from .stack import stack_from_dict
    from .units import to_si

    template, source = stack_mapping(stack)
    stack_from_dict(template, source)  # the template's own errors first
    series = _as_series(data)
    if isinstance(free, str):
        free = [free]
    starts = dict(starts or {})
    paths = []
    for item in free:
        path, _, start = str(item).partition("=")
        path = path.strip()
        if path in paths:
            raise StackError(f"--free {path}: given twice")
        if start.strip():
            starts[path] = start.strip()
        paths.append(path)
    if not paths:
        raise StackError("--free: name at least one stack path to fit")
    theta0 = np.array([_start_value(template, p, starts) for p in paths])
    for p, v in zip(paths, theta0):
        _check_path(template, source, p, v, "--free")
    for s in series:
        for p, v in s.settings.items():
            if p in paths:
                raise StackError(f"{s.name}: column {p!r} is also a --free parameter")
            _check_path(template, source, p, float(v[0]), f"{s.name}: column")

    have_sigma = {bool(s.sigmas.get(name) is not None) for s in series for name in s.values}
    if len(have_sigma) > 1:
        raise StackError(", ".join(s.name for s in series) + ": give a sigma_ column for "
                         "every observable column, or for none (then the scatter sets the "
                         "errors)")
    absolute = have_sigma == {True}
    weights = _weights(series, absolute)
    n_points = sum(s.n_points for s in series)
    dof = n_points - len(paths)
    if dof < 1:
        raise StackError(f"{n_points} data points for {len(paths)} parameters: the fit "
                         "needs more points than parameters")

    model = Model(template, source, series, paths, free_layer=free_layer,
                  current=None if current is None else to_si(current, "A"),
                  segments=segments)
    # each parameter in units of its start value (beta, gamma: of 1), bounded by physics
    scale = np.where(theta0 != 0.0, np.abs(theta0), 1.0)
    lo = np.array([path_bounds(p)[0] for p in paths])
    hi = np.array([path_bounds(p)[1] for p in paths])
    for j, p in enumerate(paths):
        if bounds and p in bounds:
            lo[j], hi[j] = max(lo[j], bounds[p][0]), min(hi[j], bounds[p][1])
            if not lo[j] < theta0[j] < hi[j]:
                raise StackError(f"--free {p}: start {theta0[j]:g} outside the bounds "
                                 f"({lo[j]:g}, {hi[j]:g})")
    fun = _residual_function(model, series, weights)
    try:
        res = least_squares(lambda u: fun(u * scale), theta0 / scale,
                            bounds=(lo / scale, hi / scale), method="trf", x_scale=1.0,
                            ftol=TOL, xtol=TOL, gtol=TOL,
                            max_nfev=max_nfev or 100 * (len(paths) + 1))
    except SolverError as exc:
        raise SolverError(f"fit: the model failed during the fit: {exc}") from None
    if res.status <= 0:
        raise SolverError(f"fit did not converge in {res.nfev} optimizer steps "
                          f"({res.message}); try other starts (--free PATH=START)")
    theta = res.x * scale
    model.check = True  # the optimum once more, with the solver's trust check
    fun(theta)
    model.check = False
    # the errors from the optimizer's last Jacobian, at the optimum, in the scaled
    # parameters u = theta / scale (comparable columns, so the SVD's cut-off means
    # something); then back: cov_theta = D cov_u D, D = diag(scale)
    jac_u = res.jac
    chi2 = float(res.fun @ res.fun)
    cov = _covariance(jac_u, paths) * np.outer(scale, scale)
    if not absolute:
        cov = cov * (chi2 / dof)
    stderr = np.sqrt(np.diag(cov))
    best = model.mapping(theta)
    result = FitResult(paths=tuple(paths), values=theta, stderr=stderr, covariance=cov,
                       chi2=chi2, dof=dof, absolute_sigma=absolute, n_points=n_points,
                       nfev=fun.calls, data=best, source=source,
                       series=tuple(series), model=model)
    if interval is not None:
        result = _with_interval(result, interval, fun, scale, lo, hi, max_nfev)
    return result


def _weights(series, absolute: bool) -> list[dict]:
    """Per series: observable -> 1/sigma array (absolute), or 1/RMS of that observable's
    values over all the data (relative, errors rescaled afterwards)."""
    if absolute:
        return [{name: 1.0 / s.sigmas[name] for name in s.values} for s in series]
    rms = {}
    for name in {n for s in series for n in s.values}:
        vals = np.concatenate([s.values[name][np.isfinite(s.values[name])]
                               for s in series if name in s.values])
        r = float(np.sqrt(np.mean(vals**2))) if vals.size else 0.0
        rms[name] = r if r > 0 else 1.0
    return [{name: np.full(s.x.size, 1.0 / rms[name]) for name in s.values} for s in series]


def _residual_function(model: Model, series, weights):
    masks = [{name: np.isfinite(v) for name, v in s.values.items()} for s in series]

    def fun(theta):
        fun.calls += 1
        parts = []
        for s, w, m in zip(series, weights, masks):
            pred = model.series_values(theta, s)
            for name in s.values:
                parts.append(((pred[name] - s.values[name]) * w[name])[m[name]])
        r = np.concatenate(parts)
        if not np.all(np.isfinite(r)):
            raise SolverError("the model gave a non-finite value at "
                              + ", ".join(f"{p} = {v:g}" for p, v in zip(model.paths, theta)))
        return r

    fun.calls = 0
    return fun


#: singular values of the Jacobian below this fraction of the largest are taken as zero:
#: least_squares' forward-difference Jacobian (step ~ sqrt(eps) relative) carries relative
#: noise ~ 1.5e-8 (times |residual| / |column|); smaller ones are that noise
SINGULAR = 1e-6


def _covariance(jac: np.ndarray, paths) -> np.ndarray:
    """(J^T J)^-1 by the SVD; directions the data do not fix get infinite variance."""
    _, s, vt = np.linalg.svd(jac, full_matrices=False)
    good = s > SINGULAR * (s[0] if s.size else 0.0)
    cov = (vt[good].T / s[good] ** 2) @ vt[good]
    if not np.all(good):
        bad = np.abs(vt[~good]).max(axis=0) > 1e-3  # the parameters in the null space
        for j in np.flatnonzero(bad):
            cov[j, :] = cov[:, j] = np.nan
            cov[j, j] = math.inf
        names = ", ".join(p for p, b in zip(paths, bad) if b)
        warnings.warn(f"fit: the data do not determine {names} (singular Jacobian): "
                      "infinite standard error", CircuitSpinWarning, stacklevel=3)
    return cov


def _with_interval(result: FitResult, path: str, fun, scale, lo, hi, max_nfev):
    """Profile likelihood of ``path``: the values where the minimum of chi^2 over the
    other parameters exceeds its optimum by 1 (absolute sigmas) or by chi2/dof."""
    from dataclasses import replace

    from scipy.optimize import brentq, least_squares

    if path not in result.paths:
        raise StackError(f"--interval {path}: not one of the --free parameters "
                         f"({', '.join(result.paths)})")
    j = result.paths.index(path)
    delta = 1.0 if result.absolute_sigma else result.chi2 / result.dof
    target = result.chi2 + delta
    others = [k for k in range(len(result.paths)) if k != j]
    u_best = result.values / scale
    state = {"u": u_best[others].copy()}

    def profile(v):
        u = u_best.copy()
        u[j] = v / scale[j]
        if others:
            def sub(w):
                u2 = u.copy()
                u2[others] = w
                return fun(u2 * scale)

            r = least_squares(sub, state["u"], bounds=(lo[others] / scale[others],
                                                       hi[others] / scale[others]),
                              method="trf", ftol=TOL, xtol=TOL, gtol=TOL,
                              max_nfev=max_nfev or 100 * len(others) + 100)
            state["u"] = r.x
            return float(r.fun @ r.fun)
        r = fun(u * scale)
        return float(r @ r)

    step = result.stderr[j] if np.isfinite(result.stderr[j]) and result.stderr[j] > 0 \
        else abs(result.values[j]) * 0.1 or 0.1
    ends = []
    for sign in (-1.0, 1.0):
        state["u"] = u_best[others].copy()
        inner, k, found = result.values[j], 1.0, None
        while k <= 64:  # step out from 1 standard error until chi^2 passes the target
            v = result.values[j] + sign * k * step
            if not (lo[j] < v < hi[j]):
                break
            if profile(v) > target:
                found = v
                break
            inner, k = v, 1.5 * k
        if found is None:  # no crossing before the physical bound: open on that side
            ends.append(-math.inf if sign < 0 else math.inf)
            continue
        a, b = sorted((inner, found))
        # sqrt(chi^2 - chi^2_min) is nearly linear in v: brentq converges in a few steps
        ends.append(brentq(lambda v: math.sqrt(max(profile(v) - result.chi2, 0.0))
                           - math.sqrt(delta), a, b, xtol=1e-2 * step))
    return replace(result, interval=Interval(path=path, lower=ends[0], upper=ends[1],
                                             delta_chi2=delta))
