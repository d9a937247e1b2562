"""``ax=``: every public plotting function draws on the caller's Axes, and the data drawn
there are the same as on the figure it makes itself."""
from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import circuitspin as cs
from circuitspin import plot
from circuitspin.devices import compare_thresholds, sweep_currents
from circuitspin.errors import CircuitSpinError
from conftest import NETLISTS

PILLAR = NETLISTS / "berger_pillar.toml"


def line_data(axes, label):
    """(x, y) of the first line labelled ``label`` on any of ``axes``."""
    for ax in np.ravel(axes):
        for line in ax.get_lines():
            if line.get_label() == label:
                return np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    raise AssertionError(f"no line {label!r}")


def drawn(ax) -> int:
    return len(ax.lines) + len(ax.collections) + len(ax.patches) + len(ax.images)


@pytest.fixture(scope="module")
def sol():
    return cs.solve(cs.build_network(cs.load_stack(PILLAR)), "1 mA")


def test_profile_on_given_axes_draws_the_same_data(sol):
    own = plot.plot_profile(sol)
    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot.plot_profile(sol, ax=axes) is fig
    for a, b in zip(line_data(own.axes, "circuit"), line_data(axes, "circuit")):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(line_data(axes, "circuit")[1], sol.profile()["Delta"])
    assert all(drawn(ax) for ax in axes)
    assert len(fig.axes) == 3                        # nothing added to the caller's figure
    one = Figure().subplots()
    plot.plot_profile(sol, ax=one)
    np.testing.assert_array_equal(line_data(one, "circuit")[1], sol.profile()["Delta"])
    np.testing.assert_array_equal(line_data(one, "U–D")[1], [sol.V_UD])


def test_single_panel_plots_draw_on_the_given_axes(sol):
    st = sol.network.stack
    cases = [
        lambda ax: plot.plot_convergence(st, 1e-3, [1, 2, 4], ax=ax),
        lambda ax: plot.plot_network_graph(sol.network, ax=ax),
        lambda ax: plot.plot_threshold_comparison(compare_thresholds([PILLAR]), ax=ax),
        lambda ax: plot.schematic_figure(plot.draw_schematic(st), ax=ax),
    ]
    for draw in cases:
        fig = Figure()
        ax = fig.subplots()
        assert draw(ax) is fig and drawn(ax) > 0 and fig.axes == [ax]
    fig = Figure()
    ax = fig.subplots()
    plot.plot_convergence(st, 1e-3, [1, 2, 4], ax=ax)
    errors = plot.convergence_errors(st, 1e-3, [1, 2, 4])
    np.testing.assert_array_equal(line_data(ax, "V_UD")[1], errors["V_UD"])


def test_multi_panel_plots_draw_on_the_given_axes(sol):
    st = cs.load_stack(PILLAR)
    result = sweep_currents(st, np.linspace(0, 1e-3, 5))
    fig = Figure()
    axes = fig.subplots(2, 3)
    assert plot.plot_motor_sweep(result, ax=axes) is fig
    np.testing.assert_array_equal(line_data(axes, "V_UD")[1], result["V_UD"])
    ds = cs.sweep(st, currents=[0, 1e-3], params={"layers.N.thickness": [5e-9, 1e-8, 2e-8]})
    for fn in (plot.plot_param_sweep,):
        fig = Figure()
        axes = fig.subplots(1, 2)
        assert fn(ds, ax=axes) is fig and all(drawn(ax) for ax in axes)
    gds = cs.sweep(cs.load_stack(NETLISTS / "py_cu_py.toml"), currents=[],
                   params={"layers.N.thickness": [5e-9, 1e-8]}, gmr=True)
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot.plot_gmr_sweep(gds, ax=axes) is fig
    np.testing.assert_array_equal(axes[0].get_lines()[0].get_ydata(), gds["AdR"].values * 1e15)
    geo = cs.load_stack(NETLISTS / "nonlocal_spin_valve.toml")
    wsol = cs.solve(cs.build_network(geo), 1e-3)
    fig = Figure()
    axes = fig.subplots(2, 1)
    assert plot.plot_wire_profiles(wsol, ax=axes) is fig
    assert plot.plot_profile(wsol, ax=Figure().subplots(2, 1)) is not fig  # wire by wire
    assert all(drawn(ax) for ax in axes)


def test_every_plot_function_takes_ax():
    import inspect

    names = [n for n in plot.__all__ if n.startswith("plot_")]
    assert len(names) >= 12
    for name in names:
        assert "ax" in inspect.signature(getattr(plot, name)).parameters, name


def test_angular_and_dynamics_plots_draw_on_the_given_axes():
    import xarray as xr

    from circuitspin.dynamics import simulate

    st = cs.load_stack(NETLISTS / "noncollinear" / "pillar_90deg.toml")
    ds = cs.sweep(st, currents=[1e-3], params={"layers.F2.magnetization.theta": [0, 90, 180]})
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot.plot_angular_sweep(ds, ax=axes) is fig
    np.testing.assert_array_equal(axes[0].get_lines()[0].get_ydata(), ds["resistance"].values)
    assert "I = 1.00 mA" in axes[1].get_lines()[0].get_label()
    traj = simulate(NETLISTS / "berger_pillar_dynamics.toml", 0.0, 1e-10, tilt=5.0)
    fig = Figure()
    axes = [fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2, projection="3d")]
    assert plot.plot_trajectory(traj, ax=axes) is fig and fig.axes == axes
    np.testing.assert_array_equal(axes[0].get_lines()[2].get_ydata(), np.asarray(traj.m)[:, 2])
    with pytest.raises(CircuitSpinError, match="3D"):
        plot.plot_trajectory(traj, ax=Figure().subplots(1, 2))
    grid = xr.Dataset({k: (("field", "current"), np.full((2, 2), v)) for k, v in
                       (("mx", 0.0), ("my", 0.0), ("mz", -1.0), ("frequency", 5e9))},
                      coords={"field": [0.0, 0.1], "current": [0.0, 1e-3]})
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot.plot_state_map(grid, ax=axes) is fig
    np.testing.assert_array_equal(axes[1].collections[0].get_array().ravel(), 5.0)


def test_plot_fit_on_given_axes():
    data = NETLISTS / "py_cu_py_AdR_SYNTHETIC.csv"
    result = cs.fit(NETLISTS / "py_cu_py.toml", data, ["materials.Ni80Fe20.lsf"])
    fig = Figure()
    axes = fig.subplots(2, 1)
    assert plot.plot_fit(result, ax=axes) is fig
    assert all(drawn(ax) for ax in axes)


def test_wrong_axes_are_one_line_errors(sol):
    for bad, why in ((Figure().subplots(1, 2), "draws on 3 matplotlib Axes, got 2 Axes"),
                     ("axes", "got a str"), ([1, 2, 3], "got 3 of int")):
        with pytest.raises(CircuitSpinError, match=why):
            plot.plot_profile(sol, ax=bad)
    with pytest.raises(CircuitSpinError, match="one matplotlib Axes"):
        plot.plot_convergence(sol.network.stack, 1e-3, [1], ax=Figure().subplots(1, 2))
    fig = Figure()
    with pytest.raises(CircuitSpinError, match="fig or ax"):
        plot.plot_convergence(sol.network.stack, 1e-3, [1], fig=fig, ax=fig.subplots())


def test_one_parameter_sweep_in_engineering_units():
    """V_UD in µV, thickness in nm, threshold in µA, currents as 1.00 mA: the plotted
    numbers are the Dataset's times the power of ten the label names."""
    st = cs.load_stack(PILLAR)
    ds = cs.sweep(st, currents=[0, 1e-3, 2e-3], params={"layers.N.thickness": "2 nm:20 nm:4"})
    fig = plot.plot_param_sweep(ds)
    v_ud, th = fig.axes[0], fig.axes[1]
    assert (v_ud.get_xlabel(), v_ud.get_ylabel()) == ("layers.N.thickness (nm)", "V_UD (µV)")
    assert th.get_ylabel() == "threshold current (µA)"
    assert fig.axes[2].get_ylabel() == "resistance (Ω)"
    line = v_ud.get_lines()[-1]
    np.testing.assert_array_equal(line.get_xdata(), ds["layers.N.thickness"].values * 1e9)
    np.testing.assert_array_equal(line.get_ydata(), ds["V_UD"].values[:, -1] * 1e6)
    np.testing.assert_array_equal(th.get_lines()[0].get_ydata(),
                                  ds["threshold_current"].values * 1e6)
    assert [t.get_text() for t in v_ud.get_legend().get_texts()] == [
        "I = 0 A", "I = 1.00 mA", "I = 2.00 mA"]


@pytest.mark.parametrize("values, unit, factor, label", [
    ([2e-9, 2e-8], "m", 1e9, "nm"), ([0.0, 1e-3], "A", 1e3, "mA"), ([1.04], "ohm", 1.0, "Ω"),
    ([1e-16, 1e-12], "m**2", 1e12, "µm²"), ([1e-14], "m**2", 1e18, "nm²"),
    ([999.96], "m", 1e-3, "km"), ([1e10], "1/m", 1.0, "1/m"), ([np.nan, 0.0], "V", 1.0, "V")])
def test_eng_scale(values, unit, factor, label):
    from circuitspin.units import eng_scale

    assert eng_scale(values, unit) == (factor, label)


def test_threshold_map_spanning_decades_has_a_log_colour_scale():
    """The threshold current scales with the area: over 1e-16..1e-12 m^2 it spans four
    decades, which a linear colour scale shows as one flat colour; the map's colour
    scale is logarithmic there, its values those of the Dataset, its axes with units."""
    from matplotlib.colors import LogNorm

    st = cs.load_stack(PILLAR)
    ds = cs.sweep(st, currents=[0, 1e-3],
                  params={"area": np.geomspace(1e-16, 1e-12, 5),
                          "layers.N.thickness": [5e-9, 1e-8, 2e-8]})
    fig = plot.plot_param_sweep(ds)
    v_ud, th = fig.axes[0], fig.axes[1]
    mesh = th.collections[0]
    assert isinstance(mesh.norm, LogNorm)
    drawn_values = np.asarray(mesh.get_array()).ravel()
    expected = ds["threshold_current"].transpose("area", "layers.N.thickness").values
    assert expected.max() > 1e-3 > expected.min() > 1e-6  # read in mA: up to 1e3 mA
    assert th.get_title() == "threshold current (mA)"
    np.testing.assert_array_equal(np.sort(drawn_values), np.sort(expected.ravel() * 1e3))
    # engineering units on the swept axes: area up to 1e-12 m^2 = 1 um^2, thickness in nm
    assert th.get_ylabel() == "area (µm²)"
    assert th.get_xlabel() == "layers.N.thickness (nm)"
    # V_UD at one current goes as 1/area: four decades too
    assert isinstance(v_ud.collections[0].norm, LogNorm)
    assert v_ud.get_title().endswith("at I = 1.00 mA")
    narrow = cs.sweep(st, currents=[0, 1e-3], params={"area": [1e-14, 2e-14],
                                                      "layers.N.thickness": [5e-9, 1e-8]})
    fig = plot.plot_param_sweep(narrow)       # a factor of 2: a linear colour scale
    assert not any(isinstance(a.collections[0].norm, LogNorm) for a in fig.axes[:2])
