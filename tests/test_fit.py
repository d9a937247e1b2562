"""Fitting (circuitspin.fit): recovery of known parameters, coverage of the standard
errors over many noise seeds, joint fits of several data sets, the profile interval, the
best-fit stack file, and every kind of bad input."""
from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import circuitspin as cs
from circuitspin.errors import SolverError, StackError
from circuitspin.fit import dumps_toml, read_series
from circuitspin.gmr import gmr_of_mapping
from circuitspin.sweep import set_param
from conftest import NETLISTS, pillar_dict, run_cli

PY = NETLISTS / "py_cu_py.toml"
TEMPLATE = tomllib.loads(PY.read_text())
LSF, BETA = "materials.Ni80Fe20.lsf", "materials.Ni80Fe20.beta"
TRUE = {LSF: cs.load_stack(PY).layers[0].material.lsf,
        BETA: cs.load_stack(PY).layers[0].material.beta}
THICK = np.array([1.0, 2.5, 5.0, 10.0, 30.0]) * 1e-9


def _adr(data, thicknesses, name="AdR", free=None):
    return np.array([getattr(gmr_of_mapping(set_param(data, "layers.F2.thickness", t), free),
                             name) for t in thicknesses])


ADR = _adr(TEMPLATE, THICK)


def test_noiseless_data_give_back_the_parameters():
    """Data made with lsf, beta = (5.5 nm, 0.73 or the built-in values); fit started 30 %
    away recovers them to the optimizer's tolerance (1e-6 of chi^2, ~1e-5 relative)."""
    starts = [f"{LSF}={TRUE[LSF] * 1.3}", f"{BETA}={TRUE[BETA] * 0.7}"]
    r = cs.fit(TEMPLATE, {"layers.F2.thickness": THICK, "AdR": ADR}, starts)
    assert_allclose([r.parameters[LSF]["value"], r.parameters[BETA]["value"]],
                    [TRUE[LSF], TRUE[BETA]], rtol=1e-4)
    assert r.chi2 < 1e-12 and r.dof == 3 and not r.absolute_sigma


def _coverage_fits(n_seeds, absolute):
    """z = (fitted - true) / stderr for both parameters over deterministic seeds."""
    z, chi2 = [], []
    for seed in range(n_seeds):
        rng = np.random.default_rng(1000 + seed)
        if absolute:   # 2 % errors, given per point
            sigma = 0.02 * ADR
            cols = {"AdR": ADR + sigma * rng.normal(size=THICK.size), "sigma_AdR": sigma}
        else:          # homoscedastic 0.03 fOhm m^2 noise, not given: the scatter sets it
            cols = {"AdR": ADR + 0.03e-15 * rng.normal(size=THICK.size)}
        r = cs.fit(TEMPLATE, {"layers.F2.thickness": THICK} | cols, [LSF, BETA])
        z.append([(r.parameters[p]["value"] - TRUE[p]) / r.parameters[p]["stderr"]
                  for p in (LSF, BETA)])
        chi2.append(r.chi2)
    return np.array(z), np.array(chi2)


def _band(p, n, k=3.0):
    """p +- k binomial standard deviations of a fraction over n seeds (the two
    parameters' z are strongly correlated, so n counts seeds, not seeds x 2)."""
    sd = math.sqrt(p * (1 - p) / n)
    return p - k * sd, p + k * sd


def test_standard_errors_cover_the_truth_at_the_gaussian_rates():
    """Absolute sigmas: |z| < 1 in 68.3 % and |z| < 2 in 95.4 % of the seeds (within 3
    binomial standard deviations for 120 seeds: [0.556, 0.810] and [0.897, 1]), and the
    mean chi^2 is the dof (3) within 3 standard deviations of a mean of 120 chi^2(3)."""
    n = 120
    z, chi2 = _coverage_fits(n, absolute=True)
    within1 = float(np.mean(np.abs(z) < 1))
    within2 = float(np.mean(np.abs(z) < 2))
    lo1, hi1 = _band(stats.chi2.cdf(1, 1), n)
    lo2, hi2 = _band(stats.chi2.cdf(4, 1), n)
    print(f"coverage (absolute sigmas, {n} seeds): 1 sigma {within1:.3f}, "
          f"2 sigma {within2:.3f}, mean chi2 {chi2.mean():.3f}")
    assert lo1 <= within1 <= hi1
    assert lo2 <= within2 <= hi2
    dof = THICK.size - 2
    assert abs(chi2.mean() - dof) <= 3 * math.sqrt(2 * dof / n)


def test_scaled_errors_follow_student_t():
    """No sigmas: errors scaled by the reduced chi^2, so z follows Student's t with
    dof = 3: |t| < 1 in 60.9 %, |t| < 2 in 86.1 % of the seeds (3-sd bands, 60 seeds)."""
    n, dof = 60, THICK.size - 2
    z, chi2 = _coverage_fits(n, absolute=False)
    within1 = float(np.mean(np.abs(z) < 1))
    within2 = float(np.mean(np.abs(z) < 2))
    p1, p2 = 2 * stats.t.cdf(1, dof) - 1, 2 * stats.t.cdf(2, dof) - 1
    print(f"coverage (scaled errors, {n} seeds): 1 sigma {within1:.3f} (t: {p1:.3f}), "
          f"2 sigma {within2:.3f} (t: {p2:.3f})")
    lo1, hi1 = _band(p1, n)
    lo2, hi2 = _band(p2, n)
    assert lo1 <= within1 <= hi1 and lo2 <= within2 <= hi2
    # the reduced chi^2 estimates the noise: mean of chi2 / dof over the seeds is
    # sigma_true^2 / RMS(AdR)^2 (the weights are 1 / RMS)
    rms = np.sqrt(np.mean(ADR**2))
    expected = (0.03e-15 / rms) ** 2 * dof
    assert abs(chi2.mean() - expected) <= 3 * expected * math.sqrt(2 / dof / n)


def test_p_and_ap_series_fit_together(tmp_path):
    """AR_P and AR_AP in two files, sharing lsf and beta: the joint fit recovers them, and
    the correlation matrix is symmetric with a unit diagonal."""
    p_file, ap_file = tmp_path / "p.csv", tmp_path / "ap.csv"
    arp = _adr(TEMPLATE, THICK, "AR_P")
    arap = _adr(TEMPLATE, THICK[::2], "AR_AP")
    p_file.write_text("layers.F2.thickness (nm),AR_P (fOhm*m^2)\n"
                      + "".join(f"{float(t * 1e9)!r},{float(v * 1e15)!r}\n"
                                for t, v in zip(THICK, arp)))
    ap_file.write_text("# comment lines are skipped\nlayers.F2.thickness,AR_AP\n"
                       + "".join(f"{float(t)!r},{float(v)!r}\n"
                                 for t, v in zip(THICK[::2], arap)))
    r = cs.fit(PY, [p_file, ap_file], [f"{LSF}=4e-9", f"{BETA}=0.6"])
    assert r.n_points == THICK.size + THICK[::2].size
    assert_allclose([r.values[0], r.values[1]], [TRUE[LSF], TRUE[BETA]], rtol=1e-4)
    c = r.correlation
    assert_allclose(c, c.T) and np.all(np.diag(c) == 1.0)


def test_settings_columns_and_units(tmp_path):
    """A second stack-path column sets a per-row value (a symmetric F1 = F2 series);
    bracketed units are converted."""
    data = {"layers.F2.thickness (nm)": THICK * 1e9, "layers.F1.thickness (nm)": THICK * 1e9}
    sym = np.array([gmr_of_mapping(set_param(set_param(TEMPLATE, "layers.F2.thickness", t),
                                             "layers.F1.thickness", t)).MR for t in THICK])
    r = cs.fit(TEMPLATE, data | {"MR (%)": 100 * sym}, [f"{LSF}=4e-9", f"{BETA}=0.6"])
    assert_allclose(r.values, [TRUE[LSF], TRUE[BETA]], rtol=1e-4)


def test_profile_interval_matches_the_standard_error_when_nearly_linear():
    """One parameter (beta) with small noise: chi^2 is quadratic near the optimum, so the
    profile interval is value -+ stderr to a few per cent of stderr."""
    rng = np.random.default_rng(7)
    sigma = 0.005 * ADR
    cols = {"layers.F2.thickness": THICK, "AdR": ADR + sigma * rng.normal(size=THICK.size),
            "sigma_AdR": sigma}
    r = cs.fit(TEMPLATE, cols, [BETA], interval=BETA)
    v, s = r.values[0], r.stderr[0]
    assert r.interval.delta_chi2 == 1.0
    assert_allclose([r.interval.lower, r.interval.upper], [v - s, v + s], atol=0.05 * s)


def test_best_fit_toml_round_trip_and_reproduces_the_fit(tmp_path):
    for path in sorted(NETLISTS.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        assert tomllib.loads(dumps_toml(data)) == data, path.name
    rng = np.random.default_rng(3)
    cols = {"layers.F2.thickness": THICK, "AdR": ADR * (1 + 0.01 * rng.normal(size=5))}
    r = cs.fit(PY, cols, [LSF, BETA])
    best = tmp_path / "best.toml"
    best.write_text(r.to_toml())
    loaded = cs.load_stack(best)
    assert loaded.layers[0].material.lsf == r.values[0]
    assert loaded.layers[0].material.beta == r.values[1]
    assert_allclose(_adr(tomllib.loads(best.read_text()), THICK), r.predict()["AdR"],
                    rtol=1e-12)


def test_v_ud_observable():
    """V_UD rows at their own currents: fitting F2's thickness to V_UD of a pillar."""
    data = pillar_dict()
    currents = np.array([1e-3, 2e-3, 1e-3])
    tn = np.array([4e-9, 6e-9, 10e-9])
    v = [cs.solve(cs.build_network(cs.stack_from_dict(set_param(data, "layers.N.thickness",
                                                                 t))), i).V_UD
         for t, i in zip(tn, currents)]
    r = cs.fit(data, {"layers.N.thickness": tn, "V_UD": v, "current": currents},
               ["layers.F2.thickness=4e-9"])
    assert_allclose(r.values, [3e-9], rtol=1e-5)
    with pytest.raises(StackError, match="V_UD needs a current"):
        cs.fit(data, {"layers.N.thickness": tn, "V_UD": v}, ["layers.F2.thickness"])


@pytest.mark.parametrize("free,match", [
    (["layers.F9.thickness"], "no layer named 'F9'"),
    (["materials.Ni80Fe20.foo"], "not a numeric"),
    (["layers.F2.magnetization"], "not a numeric"),
    (["layers.F2.segments"], "not a numeric"),
    (["bogus"], "unknown path"),
    ([f"{BETA}=1.5"], "outside its physical range"),
    ([LSF, LSF], "given twice"),
])
def test_bad_free_paths(free, match):
    with pytest.raises(StackError, match=match):
        cs.fit(TEMPLATE, {"layers.F2.thickness": THICK, "AdR": ADR}, free)


@pytest.mark.parametrize("cols,match", [
    ({"layers.F2.thickness": THICK, "RA": ADR}, "'RA': not an observable"),
    ({"AdR": ADR, "layers.F2.thickness": THICK}, "first column must be named by a stack"),
    ({"layers.F9.thickness": THICK, "AdR": ADR}, "no layer named 'F9'"),
    ({"layers.F2.thickness": THICK, "AdR": ADR, "sigma_AdR": 0 * ADR}, "sigma > 0"),
    ({"layers.F2.thickness": THICK[:2], "AdR": ADR[:2]}, "more points than parameters"),
    ({"layers.F2.thickness (ohm)": THICK, "AdR": ADR}, "unit"),
])
def test_bad_columns(cols, match):
    with pytest.raises(StackError, match=match):
        cs.fit(TEMPLATE, cols, [LSF, BETA])


def test_mixed_sigmas_are_refused(tmp_path):
    a = {"layers.F2.thickness": THICK, "AdR": ADR, "sigma_AdR": 0.02 * ADR}
    b = {"layers.F2.thickness": THICK, "MR": _adr(TEMPLATE, THICK, "MR")}
    with pytest.raises(StackError, match="sigma_ column for every observable"):
        cs.fit(TEMPLATE, [a, b], [LSF, BETA])


def test_non_convergence_is_an_error():
    with pytest.raises(SolverError, match="did not converge"):
        cs.fit(TEMPLATE, {"layers.F2.thickness": THICK, "AdR": ADR * 1.1},
               [f"{LSF}=2e-9", f"{BETA}=0.3"], max_nfev=2)


def test_undetermined_parameter_gets_infinite_error():
    """The thickness of the thick Cu lead does not change AdR (lsf of Cu >> the spacer
    and the lead's resistance is the same in P and AP): a singular direction."""
    rng = np.random.default_rng(1)
    cols = {"layers.F2.thickness": THICK, "AdR": ADR * (1 + 0.01 * rng.normal(size=5))}
    with pytest.warns(cs.errors.CircuitSpinWarning, match="do not determine"):
        r = cs.fit(TEMPLATE, cols, [BETA, "area"])
    # AdR does not depend on the area: R scales as 1/area
    assert math.isinf(r.parameters["area"]["stderr"])
    assert math.isfinite(r.parameters[BETA]["stderr"])


def test_read_series_errors(tmp_path):
    cases = {"a.csv": ("layers.F2.thickness,AdR\n1e-9,abc\n", "line 2: column 'AdR': not a "
                       "number"),
             "b.csv": ("layers.F2.thickness,AdR\n1e-9\n", "line 2: 1 fields"),
             "c.csv": ("", "empty"),
             "d.csv": ("layers.F2.thickness,AdR\n", "no data rows")}
    for name, (text, match) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(StackError, match=match):
            read_series(tmp_path / name)
    with pytest.raises(StackError, match="no such file"):
        read_series(tmp_path / "missing.csv")


@pytest.mark.no_ulp_stress  # bit-for-bit identity with a fit run in a subprocess (no stress there)
def test_cli_fit_json_plot_and_best_stack(tmp_path):
    csv = tmp_path / "d.csv"
    sigma = 0.02 * ADR
    y = ADR + sigma * np.random.default_rng(5).normal(size=5)
    csv.write_text("layers.F2.thickness,AdR,sigma_AdR\n"
                   + "".join(f"{float(t)!r},{float(v)!r},{float(s)!r}\n"
                             for t, v, s in zip(THICK, y, sigma)))
    res = run_cli("fit", PY, csv, "--free", LSF, "--free", BETA, "--json", "--plot",
                  tmp_path / "fit.png", "-o", tmp_path / "best.toml")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    direct = cs.fit(PY, csv, [LSF, BETA])
    assert set(out["parameters"]) == {LSF, BETA}
    for p in (LSF, BETA):
        assert out["parameters"][p] == direct.parameters[p]
    assert out["chi2"] == direct.chi2 and out["dof"] == 3
    assert np.array(out["correlation"]).shape == (2, 2)
    assert (tmp_path / "fit.png").stat().st_size > 0
    assert cs.load_stack(tmp_path / "best.toml").layers[0].material.lsf == \
        out["parameters"][LSF]["value"]
    text = run_cli("fit", PY, csv, "--free", BETA)
    assert text.returncode == 0 and "reduced chi2" in text.stdout
    for args, match in ((["--free", "layers.F9.thickness"], "no layer named 'F9'"),
                        (["--free", BETA, "--max-evaluations", "1"], "did not converge"),
                        (["--free", BETA, "--interval", LSF], "not one of the --free")):
        bad = run_cli("fit", PY, csv, *args)
        assert bad.returncode == 2, bad.stderr
        assert bad.stderr.startswith("circuitspin: error: ") and match in bad.stderr
        assert bad.stderr.count("\n") == 1
    bad_col = tmp_path / "bad.csv"
    bad_col.write_text("layers.F2.thickness,RA\n1e-9,1\n2e-9,2\n3e-9,3\n")
    bad = run_cli("fit", PY, bad_col, "--free", BETA)
    assert bad.returncode == 2 and "not an observable" in bad.stderr
