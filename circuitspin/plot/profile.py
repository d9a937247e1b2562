"""Figures, one function per figure, each returning a ``matplotlib.figure.Figure``.

Each takes ``ax=`` to draw on the caller's Axes instead (:mod:`circuitspin.plot.axes`).

matplotlib (and networkx's drawing) is imported inside the functions, and no pyplot
figure is created: the figures work headless, in scripts and in notebooks.

Public API
----------
plot_profile(solution, diffusion=True, fig=None, zoom=True, ax=None) -> Figure
    Along x: Delta(x) = V_up - V_dn (V), both band potentials, both band currents;
    layers shaded and named (labels staggered when they would overlap); the circuit's
    node values as markers and, for a straight stack, the analytic diffusion solution
    as lines; the U-D point marked with delta_mu_bar.  With ``zoom`` a right-hand
    column repeats the panels on the thin layers (the N|F2 region of the pillar),
    which a linear x axis over the whole stack cannot show.
plot_convergence(stack, current, segment_counts, fig=None, ax=None) -> Figure
    Relative error of the ladder's V_UD and R against the diffusion solution versus
    the number of segments per layer, log-log, with a 1/N^2 guide; the exact-segment
    network's error is quoted.
convergence_errors(stack, current, segment_counts) -> dict
    The numbers behind ``plot_convergence``.
plot_network_graph(network, scale="layer", max_nodes=2000, fig=None, ax=None) -> Figure
    The network drawn with networkx: up band, electrodes, down band as rows, x by
    position, edges coloured by kind (motor included when its branch is closed).
save_figure(fig, path) -> Path
    Write a figure atomically (temporary file, then rename; through a symbolic link,
    streamed to a FIFO or device); an unknown format or an unwritable path is a
    one-line :class:`CircuitSpinError`.

Artists carry labels that tests read: in ``plot_profile`` the Delta panel's line
``"circuit"`` (y = Delta in V, one point per profile row) and the marker ``"U–D"``
(y = s V_UD, lab frame); in ``plot_convergence`` the lines ``"V_UD"`` and ``"R"`` (x = N, y = error);
in ``plot_network_graph`` one edge collection per kind (label = kind).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CircuitSpinError, NetworkError

_LAYER_COLOURS = {True: "#f3d9c6", False: "#dbe7f3"}  # ferromagnet, normal metal
_KIND_COLOURS = {"band": "#333333", "spin-flip": "#1b9e77", "interface": "#d95f02",
                 "diagonal": "#7570b3", "motor": "#e7298a"}
NM = 1e9  # m -> nm on the x axes


# ---------------------------------------------------------------- helpers
def _new_figure(fig, size):
    """A fresh Figure with no pyplot state (works headless and in notebooks)."""
    if fig is not None:
        return fig
    from .figure import Figure

    return Figure(figsize=size)


def _shade_layers(ax, stack, scale=NM):
    for layer in stack.layers:
        ax.axvspan(layer.x0 * scale, layer.x1 * scale, alpha=0.5, lw=0,
                   color=_LAYER_COLOURS[layer.material.ferromagnetic])


def _layer_text(layer) -> str:
    if not layer.material.ferromagnetic:
        return layer.name
    return layer.name + {"up": "↑", "down": "↓"}[layer.magnetization]


def _label_layers(ax, stack, lo=None, hi=None, scale=NM, min_gap=0.07, skip_thin=False):
    """Layer names above ``ax``; a label moves up a level when it would overlap the
    previous one on its level (centres closer than ``min_gap`` of the axis width).
    ``skip_thin``: leave out layers narrower than ``min_gap / 2`` of the axis (they are
    named in the zoomed column).  Returns the number of levels used."""
    lo = stack.layers[0].x0 * scale if lo is None else lo
    hi = stack.layers[-1].x1 * scale if hi is None else hi
    last = []  # axis-fraction centre of the last label on each level
    for layer in stack.layers:
        a, b = max(layer.x0 * scale, lo), min(layer.x1 * scale, hi)
        if b <= a or (skip_thin and (b - a) < 0.5 * min_gap * (hi - lo)):
            continue
        centre = ((a + b) / 2 - lo) / (hi - lo)
        level = next((i for i, c in enumerate(last) if centre - c >= min_gap), len(last))
        if level == len(last):
            last.append(centre)
        last[level] = centre
        ax.text(centre, 1.02 + 0.09 * level, _layer_text(layer), transform=ax.transAxes,
                ha="center", va="bottom", fontsize=8)
    return len(last)


def _zoom_window(stack, thin_fraction=0.05):
    """(lo, hi) in m around the thin layers and the motor's layer and its predecessor,
    or None when every layer is visible on the full axis."""
    total = stack.thickness
    picked = [i for i, lay in enumerate(stack.layers) if lay.thickness < thin_fraction * total]
    if stack.motor is not None:
        picked += [stack.motor.index - 1, stack.motor.index]
    if not picked:
        return None
    lo = min(stack.layers[i].x0 for i in picked)
    hi = max(stack.layers[i].x1 for i in picked)
    pad = max(0.25 * (hi - lo), 1e-9)
    return max(lo - pad, 0.0), min(hi + pad, total)


# ---------------------------------------------------------------- profile
def plot_profile(solution, diffusion: bool = True, fig=None, zoom: bool = True, ax=None):
    """Profiles along x of a solved straight stack; returns the Figure.

    Parameters
    ----------
    solution : Solution
        A solved network (any backend, any discretisation).
    diffusion : bool
        Overlay the closed-form Valet–Fert solution (lines) on the node values (markers).
    fig : Figure, optional
        Draw on this figure instead of a new one.
    zoom : bool
        Add a column zoomed on the thin layers (and the motor's N|F2 interface).
    ax : Axes or sequence of 3 Axes, optional
        Draw on these instead: one Axes gets the Delta panel only, three get the Delta,
        band potential and band current panels (no zoom column).

    Notes
    -----
    The Delta panel's first line is the circuit's node values (``Line2D`` label
    ``"circuit"``), y = Delta in volts, unscaled, one point per profile row in the
    order of ``solution.profile()``; the U–D marker (label ``"U–D"``) has y = Delta at U-D in
    the lab frame, s V_UD (s = -1 for a motor layer magnetised "down").
    A branched wire geometry has no common x axis: it is drawn wire by wire
    (:func:`circuitspin.plot.devices.plot_wire_profiles`).
    """
    net = solution.network
    stack = net.stack
    if net.terminals:
        from .devices import plot_wire_profiles

        return plot_wire_profiles(solution, fig=fig, ax=ax)
    own = ax is None
    window = _zoom_window(stack) if zoom and own else None
    if not own:
        from .axes import axes_for

        n = 1 if _is_axes(ax) else 3
        fig, given, _ = axes_for(ax, fig, (n,), None)
        columns = [[given] if n == 1 else list(given)]
    elif window:
        fig = _new_figure(fig, (11.0, 8.5))
        axes2d = fig.subplots(3, 2, gridspec_kw={"width_ratios": (3, 2)})
        columns = [axes2d[:, 0], axes2d[:, 1]]
        for ax in axes2d[:-1, 0]:
            ax.sharex(axes2d[-1, 0])
        for ax in axes2d[:-1, 1]:
            ax.sharex(axes2d[-1, 1])
    else:
        fig = _new_figure(fig, (7.5, 8.5))
        columns = [fig.subplots(3, 1, sharex=True)]
    prof = solution.profile()
    ref = None
    if diffusion:
        from ..diffusion import solve_diffusion

        ref = solve_diffusion(stack, solution.current).profile(200)
    levels = 1
    for col, axes in enumerate(columns):
        data = _profile_column(axes, solution, prof, ref)
        if col == 1:
            lo, hi = window[0] * NM, window[1] * NM
            for ax, xy in zip(axes, data):
                ax.set_xlim(lo, hi)
                _fit_y(ax, xy, lo, hi)
            levels = max(levels, _label_layers(axes[0], stack, lo, hi))
            axes[-1].set_xlabel("x (nm), zoomed on the thin layers")
        else:
            levels = max(levels, _label_layers(axes[0], stack, skip_thin=bool(window)))
    columns[0][0].legend(fontsize=7, loc="best")
    for a in columns[0][1:]:
        a.legend(fontsize=7, loc="best")
    title = (f"{stack.title}  (I = {solution.current:g} A, {net.method}, "
             f"{net.n_segments} segments)")
    if own:
        fig.suptitle(title, fontsize=9)
        fig.tight_layout(rect=(0, 0, 1, 0.985 - 0.025 * levels))
    return fig


def _is_axes(ax) -> bool:
    from matplotlib.axes import Axes

    return isinstance(ax, Axes)


def _profile_column(axes, solution, prof, ref):
    """Draw the three panels; returns, per panel, the (x, y) arrays plotted."""
    net, stack = solution.network, solution.network.stack
    x = prof["x"] * NM
    data = [[(x, prof["Delta"])],
            [(x, prof["V_up"] * 1e3), (x, prof["V_dn"] * 1e3)],
            [(x, prof["I_up"] * 1e3), (x, prof["I_dn"] * 1e3)]]
    if ref is not None:
        xr = ref["x"] * NM
        data[0].append((xr, ref["Delta"]))
        data[1] += [(xr, ref["V_up"] * 1e3), (xr, ref["V_dn"] * 1e3)]
        data[2] += [(xr, ref["I_up"] * 1e3), (xr, ref["I_dn"] * 1e3)]
    for ax in axes:
        _shade_layers(ax, stack)
    single = len(axes) == 1
    if single:  # the Delta panel alone: the other panels' calls go nowhere
        axes = [axes[0], _Null(), _Null()]
    kw = dict(ls="none", marker="o", ms=3.5)
    axes[0].plot(x, prof["Delta"], color="k", label="circuit", **kw)
    axes[1].plot(x, prof["V_up"] * 1e3, color="C3", label="V_up (circuit)", **kw)
    axes[1].plot(x, prof["V_dn"] * 1e3, color="C0", label="V_dn (circuit)", **kw)
    axes[2].plot(x, prof["I_up"] * 1e3, color="C3", label="I_up (circuit)", **kw)
    axes[2].plot(x, prof["I_dn"] * 1e3, color="C0", label="I_dn (circuit)", **kw)
    if ref is not None:
        xr = ref["x"] * NM
        for layer in range(len(stack.layers)):
            m = ref["layer"] == layer
            first = layer == 0
            axes[0].plot(xr[m], ref["Delta"][m], color="k", lw=1,
                         label="diffusion (Valet–Fert)" if first else None)
            axes[1].plot(xr[m], ref["V_up"][m] * 1e3, color="C3", lw=1)
            axes[1].plot(xr[m], ref["V_dn"][m] * 1e3, color="C0", lw=1)
            axes[2].plot(xr[m], ref["I_up"][m] * 1e3, color="C3", lw=1)
            axes[2].plot(xr[m], ref["I_dn"][m] * 1e3, color="C0", lw=1)
    if net.u is not None:
        xu = net.node_x[net.u] * NM
        axes[0].axvline(xu, color="C2", ls="--", lw=1)
        # the marker sits on the lab-frame curve: Delta = s V_UD (s = -1 for a "down" layer)
        y_ud = stack.motor_sign * solution.V_UD
        axes[0].plot([xu], [y_ud], ls="none", marker="D", ms=6, color="C2", label="U–D")
        axes[0].annotate(f"Δμ̄ = {solution.delta_mu_bar_eV:.3e} eV\n({stack.motor.layer} frame)",
                         (xu, y_ud),
                         xytext=(8, 8), textcoords="offset points", fontsize=8, color="C2")
    axes[0].axhline(0.0, color="0.6", lw=0.6)
    axes[0].set_ylabel("Δ = V_up − V_dn (lab frame)")
    from matplotlib.ticker import EngFormatter

    axes[0].yaxis.set_major_formatter(EngFormatter(unit="V"))
    axes[1].set_ylabel("band potential (mV)")
    axes[2].set_ylabel("band current (mA)")
    axes[2].set_xlabel("x (nm)")
    if single:
        axes[0].set_xlabel("x (nm)")
        return data[:1]
    return data


class _Null:
    """Takes any drawing call and draws nothing (the panels not asked for)."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: self


def _fit_y(ax, xy, lo, hi):
    """Fit the y range of ``ax`` to the (x, y) data inside lo <= x <= hi."""
    ys = np.concatenate([y[(x >= lo) & (x <= hi)] for x, y in xy])
    ys = ys[np.isfinite(ys)]
    if ys.size:
        a, b = ys.min(), ys.max()
        pad = 0.08 * (b - a) if b > a else max(abs(a) * 0.1, 1e-30)
        ax.set_ylim(a - pad, b + pad)


# ---------------------------------------------------------------- convergence
def convergence_errors(stack, current, segment_counts):
    """Relative errors of the ladder against the closed-form diffusion solution.

    Returns a dict of arrays: ``N`` (segments per layer), ``V_UD`` (|V_UD - ref| /
    |ref|, NaN without a motor), ``R`` (|R - ref| / ref); and floats ``exact_V_UD``,
    ``exact_R``: the same errors of the exact one-segment-per-layer network.
    """
    from ..diffusion import solve_diffusion
    from ..network import build_network
    from ..solvers import solve

    counts = np.asarray(sorted({int(n) for n in segment_counts}))
    if counts.size == 0 or counts.min() < 1:
        raise NetworkError(f"segment_counts must be whole numbers >= 1, got {segment_counts!r}")
    if not current:
        raise NetworkError("plot_convergence needs a non-zero current (A)")
    ref = solve_diffusion(stack, current)

    def errors(sol):
        e_v = (abs(sol.V_UD - ref.V_UD) / abs(ref.V_UD)
               if ref.V_UD is not None and ref.V_UD != 0 else float("nan"))
        return e_v, abs(sol.resistance - ref.resistance) / abs(ref.resistance)

    ev, er = np.array([errors(solve(build_network(stack, int(n), "ladder"), current))
                       for n in counts]).T
    exact_v, exact_r = errors(solve(build_network(stack), current))
    return {"N": counts, "V_UD": ev, "R": er, "exact_V_UD": exact_v, "exact_R": exact_r}


def plot_convergence(stack, current, segment_counts, fig=None, ax=None):
    """Bridge (ladder network) versus diffusion: relative error against segments per layer.

    Parameters
    ----------
    stack : Stack
    current : float
        Source current, A (the errors are independent of it: the network is linear).
    segment_counts : iterable of int
        Segments per layer N of the ladders to solve.

    Log-log lines ``"V_UD"`` and ``"R"`` (x = N, y = relative error) and a dotted
    1/N^2 guide through the first V_UD point (or R without a motor).
    """
    from .axes import axes_for

    data = convergence_errors(stack, current, segment_counts)
    fig, ax, own = axes_for(ax, fig, (), (6.0, 4.5))
    n = data["N"]
    have_v = np.isfinite(data["V_UD"]).all()
    if have_v:
        ax.loglog(n, data["V_UD"], "o-", color="C2", label="V_UD")
    ax.loglog(n, data["R"], "s-", color="C0", label="R")
    anchor = data["V_UD"][0] if have_v else data["R"][0]
    guide = anchor * (n[0] / n.astype(float)) ** 2
    ax.loglog(n, guide, ":", color="0.4", label="∝ 1/N² (guide)")
    ax.set_xlabel("segments per layer N (ladder)")
    ax.set_ylabel("relative error vs diffusion solution")
    exact = (f"exact segments (1 per layer): V_UD {data['exact_V_UD']:.1e}, "
             f"R {data['exact_R']:.1e}" if have_v else
             f"exact segments (1 per layer): R {data['exact_R']:.1e}")
    ax.set_title(f"{stack.title}\nladder converges as h²; {exact}", fontsize=8)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=8)
    if own:
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------- network graph
def _graph_positions(network, scale):
    """x (plot units) and y (0 up, 0.5 electrode, 1 down) of every node."""
    stack = network.stack
    x = network.node_x
    if scale == "linear":
        xs = x * NM
    elif scale == "layer":  # every layer one unit wide, linear in x inside a layer
        li = network.node_layer
        x0 = np.array([lay.x0 for lay in stack.layers])[li]
        t = np.array([lay.thickness for lay in stack.layers])[li]
        xs = li * 1.25 + (x - x0) / t
    else:
        raise NetworkError(f"scale must be 'layer' or 'linear', got {scale!r}")
    ys = np.array([0.0, 1.0, 0.5])[network.node_band]
    return xs, ys


def plot_network_graph(network, scale: str = "layer", max_nodes: int = 2000, fig=None,
                       ax=None):
    """Draw ``network.graph`` with networkx: bands as rows, x by position.

    Parameters
    ----------
    network : Network
    scale : {"layer", "linear"}
        "layer": every layer gets the same width (x linear inside a layer, a small gap
        at each interface) so thin layers stay visible; "linear": x in nm.
    max_nodes : int
        Refuse larger networks (draw the lumped ``build_network(stack)`` instead).

    The up band is the row y = 0, the down band y = 1, electrodes y = 0.5.  Edges are
    drawn one collection per kind (label = kind, colour from ``_KIND_COLOURS``);
    diagonals and the motor are arcs so that parallel edges stay distinct.
    """
    import networkx as nx

    if network.n_nodes > max_nodes:
        raise NetworkError(f"network has {network.n_nodes} nodes (> max_nodes = "
                           f"{max_nodes}): draw build_network(stack) instead")
    g = network.graph
    xs, ys = _graph_positions(network, scale)
    pos = {key: (xs[data["index"]], ys[data["index"]]) for key, data in g.nodes(data=True)}
    from .axes import axes_for

    fig, ax, own = axes_for(ax, fig, (), (max(7.0, 1.6 * len(network.stack.layers) + 2), 4.0))
    band_colour = np.array(["C3", "C0", "k"])[network.node_band]
    nodes = list(g.nodes)
    drawn = nx.draw_networkx_nodes(g, pos, nodelist=nodes, ax=ax, node_size=40,
                                   node_color=[band_colour[g.nodes[k]["index"]]
                                               for k in nodes])
    drawn.set_label("nodes")
    by_kind = {}
    for a, b, data in g.edges(data=True):
        by_kind.setdefault(data["kind"], []).append((a, b))
    for kind, edges in by_kind.items():
        curved = kind in ("diagonal", "motor")
        drawn = nx.draw_networkx_edges(
            g, pos, edgelist=edges, ax=ax, edge_color=_KIND_COLOURS[kind],
            width=2.0 if kind == "motor" else 1.2, arrows=curved,
            arrowstyle="-" if curved else None,
            connectionstyle=f"arc3,rad={0.35 if kind == 'motor' else 0.12}" if curved
            else "arc3", node_size=40)
        for artist in drawn if isinstance(drawn, list) else [drawn]:
            artist.set_label(kind)  # a LineCollection, or one arc patch per edge
    for li, layer in enumerate(network.stack.layers):
        m = network.node_layer == li
        ax.text(xs[m].mean(), 1.18, _layer_text(layer), ha="center", fontsize=8)
    terminals = network.terminals or {"source": network.source, "ground": network.ground}
    for name, node in terminals.items():
        ax.annotate(name, (xs[node], 0.5), xytext=(0, -14), textcoords="offset points",
                    ha="center", fontsize=7, color="0.3")
    if network.u is not None:  # U: the motor layer's majority band (down row if "down")
        for name, node in (("U", network.u), ("D", network.d)):
            y = float(network.node_band[node])
            ax.annotate(name, (xs[node], y), xytext=(0, 8 if y else -14),
                        textcoords="offset points", ha="center", fontsize=8,
                        color=_KIND_COLOURS["motor"])
    ax.set_yticks([0.0, 0.5, 1.0], ["up band", "electrode", "down band"])
    ax.tick_params(left=False, labelleft=True, bottom=scale == "linear",
                   labelbottom=scale == "linear")
    ax.set_ylim(-0.25, 1.3)
    ax.set_xlabel("layers (equal widths; x linear inside each)" if scale == "layer"
                  else "x (nm)")
    for side in ("top", "right", "left") + (("bottom",) if scale == "layer" else ()):
        ax.spines[side].set_visible(False)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=_KIND_COLOURS[k], label=k) for k in by_kind]
    ax.legend(handles=handles, fontsize=7, loc="upper center", ncol=len(handles),
              bbox_to_anchor=(0.5, -0.08), frameon=False)
    ax.set_title(f"{network.stack.title}: {network.n_nodes} nodes, "
                 f"{g.number_of_edges()} edges ({network.method})", fontsize=9)
    if own:
        fig.tight_layout()
    return fig


# ---------------------------------------------------------------- output
def save_figure(fig, path) -> Path:
    """Save ``fig`` to ``path`` atomically (format from the suffix); returns the path.

    Written through :func:`circuitspin.safe_io.write_output`: a symbolic link is written
    through to its target, a FIFO or character device is streamed to."""
    from ..safe_io import write_output

    path = Path(path)
    fmt = path.suffix[1:].lower() or None

    def produce(fh):
        try:
            fig.savefig(fh, dpi=150, format=fmt)
        except ValueError as exc:  # unknown format: a user error, one line
            raise CircuitSpinError(f"{path}: cannot write this format: {exc}") from None

    return write_output(path, produce)
