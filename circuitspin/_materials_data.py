"""Built-in CPP-MR (Valet-Fert two-current) parameters of common metals and interfaces.

Data only; read by :mod:`circuitspin.materials`.

Units (SI)
----------
rho    measured resistivity at 4.2 K of sputtered films as used in CPP-MR work, ohm m.
       This is the *measured* rho, not rho*: rho* = rho / (1 - beta^2).
beta   bulk spin-scattering asymmetry, dimensionless, |beta| < 1 (0 for normal metals).
lsf    spin-diffusion length, m.
ar     enhanced interface specific resistance AR*, ohm m^2 (1 fOhm m^2 = 1e-15 ohm m^2).
       Papers often quote 2AR*; the value stored here is AR* (half of it).
gamma  interface spin-scattering asymmetry, dimensionless, |gamma| < 1.
delta  interface spin flip (Bass-Pratt), dimensionless, >= 0: an electron crossing the
       interface flips its spin with probability 1 - exp(-delta); absent = 0 (none).
kF     free-electron Fermi wavenumber, 1/m (normal metals only).

Sources
-------
Every ``source`` string says where each number comes from.  A number marked
"not confirmed" is a representative literature value that could not be checked
against the cited paper when this table was written; treat it as approximate and
override it in a stack file for quantitative work.  INTERFACES keys are
(ferromagnet, normal metal); lookup in either order is done by the caller.
"""

_AM = "Ashcroft & Mermin, Solid State Physics (1976), Table 2.1"

MATERIALS = {
    "Co": {
        "rho": 60e-9, "beta": 0.46, "lsf": 59e-9, "ferromagnetic": True,
        "source": (
            "rho, beta: Bass & Pratt, J. Magn. Magn. Mater. 200, 274 (1999), table of "
            "Co/Cu CPP parameters (4.2 K, sputtered) - fixed project values, not confirmed "
            "against the paper here; lsf = 59 nm: Piraux, Dubois, Fert & Belliard, Eur. "
            "Phys. J. B 4, 413 (1998) (electrodeposited nanowires, 77 K), as used in Bass & "
            "Pratt, J. Phys.: Condens. Matter 19, 183201 (2007) - not confirmed."),
    },
    "Cu": {
        "rho": 6e-9, "beta": 0.0, "lsf": 500e-9, "ferromagnetic": False, "kF": 1.36e10,
        "source": (
            "rho, lsf: representative values for sputtered Cu at 4.2 K in MSU CPP-MR work "
            "(Bass & Pratt, J. Phys.: Condens. Matter 19, 183201 (2007)) - fixed project "
            "values, not confirmed; kF = 1.36 A^-1: " + _AM + " (n = 8.47e28 m^-3)."),
    },
    "Ni80Fe20": {
        "rho": 123e-9, "beta": 0.73, "lsf": 5.5e-9, "ferromagnetic": True,
        "source": (
            "lsf = 5.5 +/- 1 nm (confirmed): Pratt et al., IEEE Trans. Magn. 33, 3505 (1997) "
            "and Steenwyk et al., J. Magn. Magn. Mater. 170, L1 (1997), Py-based "
            "exchange-biased spin valves, 4.2 K; beta = 0.73, rho = 123 nOhm m: "
            "representative values, not confirmed (recalled from Bass & Pratt, J. Phys.: "
            "Condens. Matter 19, 183201 (2007)). Confirmed alternative: beta = 0.65 +/- 0.1 "
            "(Cu/Py multilayers at 4.2 K with lsf = 5.5 nm assumed, Phys. Rev. B (1998), "
            "'Giant magnetoresistance of copper/permalloy multilayers')."),
    },
    "Ni": {
        "rho": 33e-9, "beta": 0.14, "lsf": 21e-9, "ferromagnetic": True,
        "source": (
            "lsf = 21 +/- 2 nm (confirmed): Moreau et al., Appl. Phys. Lett. "
            "90, 012101 (2007), sputtered Ni at 4.2 K; beta = 0.14, rho = 33 nOhm m: "
            "representative values, not confirmed (recalled from the same paper)."),
    },
    "Ag": {
        "rho": 10e-9, "beta": 0.0, "lsf": 150e-9, "ferromagnetic": False, "kF": 1.20e10,
        "source": (
            "rho, lsf: representative values for sputtered Ag at 4.2 K, not confirmed "
            "(for comparison, confirmed: lsf(Ag 3.6 at.% Sn) = 39 +/- 3 nm, Fowler et al., "
            "J. Magn. Magn. Mater., arXiv:0809.2250 (2008)); kF = 1.20 A^-1: " + _AM
            + " (n = 5.86e28 m^-3)."),
    },
    "Au": {
        "rho": 20e-9, "beta": 0.0, "lsf": 35e-9, "ferromagnetic": False, "kF": 1.21e10,
        "source": (
            "rho, lsf: representative values for sputtered Au at 4.2 K, not confirmed; "
            "kF = 1.21 A^-1: " + _AM + " (n = 5.90e28 m^-3; (3 pi^2 n)^(1/3) gives "
            "1.20e10 1/m)."),
    },
    "Pt": {
        "rho": 42e-9, "beta": 0.0, "lsf": 14e-9, "ferromagnetic": False,
        "source": (
            "rho = 42 nOhm m, lsf = 14 nm: Kurt et al., Appl. Phys. "
            "Lett. 81, 4787 (2002), sputtered Pt at 4.2 K - representative values, not confirmed. "
            "Confirmed: lsf(Pt) is roughly proportional to 1/rho(Pt) (Nguyen et al., "
            "arXiv:1310.4364, 'Spin-flipping in Pt and at Co/Pt interfaces'), so rescale "
            "lsf if your Pt has a different rho."),
    },
}
# Alias: "Py" is the same material as "Ni80Fe20".
MATERIALS["Py"] = MATERIALS["Ni80Fe20"]

_PY_CU = {
    "ar": 0.5e-15, "gamma": 0.7,
    "source": (
        "2AR* = 1.0 +/- 0.1 fOhm m^2 and gamma = 0.7 +/- 0.1 (confirmed), quoted as the "
        "standard Py/Cu values at 4.2 K in 'Interface specific-resistance and scattering "
        "asymmetry of permalloy/Al', J. Appl. Phys. 99, 08G502 (2006). The earlier Cu/Py "
        "multilayer analysis (Phys. Rev. B, 1998) gave gamma = 0.76 +/- 0.1. No interface "
        "spin flip delta: no confirmed Py/Cu value was found (give delta in a stack file "
        "to use one)."),
}

INTERFACES = {
    ("Co", "Cu"): {
        "ar": 0.51e-15, "gamma": 0.77,
        "source": (
            "Bass & Pratt, J. Magn. Magn. Mater. 200, 274 (1999), Co/Cu CPP parameters at "
            "4.2 K (sputtered) - fixed project values, not confirmed against the paper here. "
            "Interface spin flip delta = 0.33 (+0.03/-0.08) at 4.2 K (confirmed): 'A way to "
            "measure electron spin-flipping at F/N interfaces and application to Co/Cu' "
            "(Pratt and Bass's MSU group, arXiv, 2009; its journal version is not cited "
            "here because it was not confirmed), which also finds its data inconsistent "
            "with delta = 0 and consistent with the group's earlier delta(Co/Cu) = "
            "0.25 +/- 0.1 (the value in Bass & Pratt, J. Phys.: Condens. Matter 19, "
            "183201 (2007) - not confirmed here)."),
        "delta": 0.33,
    },
    ("Ni80Fe20", "Cu"): _PY_CU,
    ("Py", "Cu"): _PY_CU,
    ("Ni", "Cu"): {
        "ar": 0.18e-15, "gamma": 0.29,
        "source": (
            "Moreau et al., Appl. Phys. Lett. 90, 012101 (2007) report "
            "Ni/Cu interface parameters at 4.2 K (confirmed that they do); the numbers "
            "AR* = 0.18 fOhm m^2, gamma = 0.29 are representative values, not confirmed."),
    },
    ("Co", "Pt"): {
        "ar": 0.74e-15, "gamma": 0.58,
        "source": (
            "AR* = 0.74 +/- 0.15 fOhm m^2, gamma = 0.58 +/- 0.12 at 4.2 K (confirmed): "
            "Nguyen et al., arXiv:1310.4364 (2013), 'Spin-flipping in Pt and at Co/Pt "
            "interfaces', with the interface spin flip delta = 0.9 (+0.5/-0.2) at 4.2 K "
            "(confirmed, same paper; much larger than at interfaces with Co but not Pt)."),
        "delta": 0.9,
    },
}
