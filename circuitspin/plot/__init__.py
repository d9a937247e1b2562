"""Plots and schematics: everything that draws, above the library (nothing else imports it).

matplotlib and schemdraw are imported inside the functions (optional extras).

Public API
----------
save_figure, publish, temporary_beside          (:mod:`.profile`: atomic file writes)
plot_profile, plot_convergence, convergence_errors, plot_network_graph   (:mod:`.profile`)
plot_motor_sweep, plot_param_sweep              (:mod:`.motor`)
draw_schematic, schematic_figure, schematic_report, save_schematic, eng   (:mod:`.schematic`)
plot_threshold_comparison, plot_wire_profiles   (:mod:`.devices`)
plot_fermi                                      (:mod:`.fermi`)
"""
from .devices import plot_threshold_comparison, plot_wire_profiles
from .fermi import plot_fermi
from .motor import plot_motor_sweep, plot_param_sweep
from .profile import (convergence_errors, plot_convergence, plot_network_graph, plot_profile,
                      publish, save_figure, temporary_beside)
from .schematic import (draw_schematic, eng, save_schematic, schematic_figure,
                        schematic_report)

__all__ = ["save_figure", "publish", "temporary_beside", "plot_profile", "plot_convergence",
           "convergence_errors", "plot_network_graph", "plot_motor_sweep",
           "plot_param_sweep", "draw_schematic", "schematic_figure", "schematic_report",
           "save_schematic", "eng", "plot_threshold_comparison", "plot_wire_profiles",
           "plot_fermi"]
