"""Plots and schematics: everything that draws, above the library (nothing else imports it).

matplotlib and schemdraw are imported inside the functions (optional extras).  Every
plotting function returns a Figure (shown inline by Jupyter) and takes ``ax=``: the
caller's Axes to draw on (one, or one per panel: :mod:`circuitspin.plot.axes`).

Public API
----------
save_figure                                     (:mod:`.profile`: safe file writes)
plot_profile, plot_convergence, convergence_errors, plot_network_graph   (:mod:`.profile`)
plot_motor_sweep, plot_param_sweep              (:mod:`.motor`)
draw_schematic, schematic_figure, schematic_report, save_schematic, eng   (:mod:`.schematic`)
plot_threshold_comparison, plot_wire_profiles   (:mod:`.devices`)
plot_fermi                                      (:mod:`.fermi`)
plot_gmr_sweep, plot_fit                        (:mod:`.gmr`: CPP-GMR sweeps and fits)
plot_angular_sweep                              (:mod:`.angular`: R(theta), tau(theta))
plot_trajectory, plot_state_map                 (:mod:`.dynamics`: macrospin runs)
"""
from .angular import plot_angular_sweep
from .devices import plot_threshold_comparison, plot_wire_profiles
from .dynamics import plot_state_map, plot_trajectory
from .fermi import plot_fermi
from .gmr import plot_fit, plot_gmr_sweep
from .motor import plot_motor_sweep, plot_param_sweep
from .profile import (convergence_errors, plot_convergence, plot_network_graph, plot_profile,
                      save_figure)
from .schematic import (draw_schematic, eng, save_schematic, schematic_figure,
                        schematic_report)

__all__ = ["save_figure", "plot_profile", "plot_convergence",
           "convergence_errors", "plot_network_graph", "plot_motor_sweep",
           "plot_param_sweep", "draw_schematic", "schematic_figure", "schematic_report",
           "save_schematic", "eng", "plot_threshold_comparison", "plot_wire_profiles",
           "plot_fermi", "plot_gmr_sweep", "plot_fit", "plot_angular_sweep",
           "plot_trajectory", "plot_state_map"]
