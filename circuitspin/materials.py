"""Materials and interfaces in the Valet–Fert form, with a built-in library.

Public API
----------
Material
    Frozen dataclass of one metal: measured resistivity ``rho`` (ohm m), bulk spin
    asymmetry ``beta``, spin-diffusion length ``lsf`` (m) and derived band quantities.
InterfaceParams
    Frozen dataclass of one interface: ``ar`` = AR* (ohm m^2), ``gamma`` and the
    Bass-Pratt interface spin flip ``delta`` (0: none).
builtin_material(name), builtin_interface(a, b), BUILTIN_MATERIALS, BUILTIN_INTERFACES

Conventions (docs/model.md, "Materials")::

    rho* = rho / (1 - beta^2);  rho_up = 2 rho* (1 - beta);  rho_dn = 2 rho* (1 + beta)
    r_up = 2 AR* (1 - gamma);   r_dn = 2 AR* (1 + gamma)
    delta: the interface as a thin layer with rho* t = AR*, asymmetry gamma, t/lsf = delta
           (spin-flip probability 1 - exp(-delta); docs/model.md, "Interface spin flip")
    g_sf = 1 / (4 rho* lsf^2)   (S/m^3, spin-flip conductance per unit volume)
"""
from __future__ import annotations

from dataclasses import dataclass

from . import _materials_data


@dataclass(frozen=True)
class Material:
    """One metal, SI units.

    Attributes
    ----------
    name : str
        The material's name.
    rho : float
        Measured resistivity, ohm m.
    beta : float
        Bulk spin asymmetry, |beta| < 1.
    lsf : float
        Spin-diffusion length, m.
    ferromagnetic : bool
        Whether it is a ferromagnet.
    kF : float or None
        Free-electron Fermi wavenumber of a normal metal, 1/m.
    kF_up : float or None
        Majority-band Fermi wavenumber of a ferromagnet, 1/m.
    kF_dn : float or None
        Minority-band Fermi wavenumber of a ferromagnet, 1/m.
    source : str
        Where the numbers come from.
    """

    name: str
    rho: float
    beta: float
    lsf: float
    ferromagnetic: bool = False
    kF: float | None = None
    kF_up: float | None = None
    kF_dn: float | None = None
    source: str = ""

    @property
    def rho_star(self) -> float:
        """rho* = rho / (1 - beta^2), ohm m."""
        return self.rho / (1.0 - self.beta**2)

    def __repr__(self) -> str:
        kind = "ferromagnet" if self.ferromagnetic else "normal metal"
        return (f"Material({self.name!r}: {kind}, rho {self.rho:.4g} ohm m, beta "
                f"{self.beta:g}, lsf {self.lsf:.4g} m)")

    def band_resistivities(self, beta: float | None = None) -> tuple[float, float]:
        """(rho_up, rho_dn) in ohm m for the given signed asymmetry (default: own beta)."""
        b = self.beta if beta is None else beta
        rs = self.rho / (1.0 - b**2)
        return 2.0 * rs * (1.0 - b), 2.0 * rs * (1.0 + b)

    @property
    def g_sf(self) -> float:
        """Spin-flip conductance per unit volume, 1/(4 rho* lsf^2), S/m^3."""
        return 1.0 / (4.0 * self.rho_star * self.lsf**2)


@dataclass(frozen=True)
class InterfaceParams:
    """One interface: AR* (ohm m^2), spin asymmetry gamma (|gamma| < 1) and the
    Bass-Pratt spin-flip parameter delta (>= 0; 0: no spin flip at the interface)."""

    ar: float
    gamma: float
    source: str = ""
    #: real and imaginary parts of the spin-mixing conductance per area, S/m^2, in the
    #: per-spin normalisation of 1/r_up, 1/r_dn (None: not available)
    g_mix: float | None = None
    g_mix_im: float = 0.0
    delta: float = 0.0

    def band_resistances(self, gamma: float | None = None) -> tuple[float, float]:
        """(r_up, r_dn) in ohm m^2 for the given signed asymmetry (default: own gamma)."""
        g = self.gamma if gamma is None else gamma
        return 2.0 * self.ar * (1.0 - g), 2.0 * self.ar * (1.0 + g)


def _material_from_entry(name: str, entry: dict) -> Material:
    return Material(
        name=name,
        rho=entry["rho"],
        beta=entry["beta"],
        lsf=entry["lsf"],
        ferromagnetic=entry.get("ferromagnetic", entry["beta"] != 0.0),
        kF=entry.get("kF"),
        kF_up=entry.get("kF_up"),
        kF_dn=entry.get("kF_dn"),
        source=entry.get("source", ""),
    )


BUILTIN_MATERIALS: dict[str, dict] = dict(_materials_data.MATERIALS)
BUILTIN_INTERFACES: dict[tuple[str, str], dict] = dict(_materials_data.INTERFACES)


def builtin_material(name: str) -> Material | None:
    """The built-in material ``name``, or None."""
    entry = BUILTIN_MATERIALS.get(name)
    return None if entry is None else _material_from_entry(name, entry)


def builtin_interface(a: str, b: str) -> InterfaceParams | None:
    """The built-in interface between materials ``a`` and ``b`` (either order), or None."""
    entry = BUILTIN_INTERFACES.get((a, b)) or BUILTIN_INTERFACES.get((b, a))
    if entry is None:
        return None
    return InterfaceParams(ar=entry["ar"], gamma=entry["gamma"], source=entry.get("source", ""),
                           delta=entry.get("delta", 0.0))
