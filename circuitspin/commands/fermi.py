"""``circuitspin fermi``: the Fermi-surface spin-current ratios of the paper (Eqs. 8, 12)."""
from __future__ import annotations

import argparse
import json


def _wavenumber(text: str) -> float:
    from ..units import to_si

    try:
        return to_si(text, "1/m")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _length(text: str) -> float:
    from ..units import to_si

    try:
        return to_si(text, "m")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub) -> None:
    p = sub.add_parser("fermi", help="spin current per spin imbalance (paper Eqs. 8 and 12)")
    p.add_argument("--kN", type=_wavenumber, required=True,
                   help="Fermi wavenumber of the spacer N, 1/m (or '1.36 1/angstrom')")
    p.add_argument("--kup", type=_wavenumber, required=True, help="F2 majority wavenumber")
    p.add_argument("--kdn", type=_wavenumber, required=True, help="F2 minority wavenumber")
    p.add_argument("--x", type=_length, default=None,
                   help="depth into F2 for the decay ratios, m (default 3 pi/|kup - kdn|)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", metavar="FILE", help="save Sigma P(x) and the integrands")
    p.set_defaults(func=cmd_fermi)


def cmd_fermi(args) -> int:
    from ..fermi import fermi_summary

    out = fermi_summary(args.kN, args.kup, args.kdn, x=args.x)
    if args.plot:
        from ..plot.fermi import plot_fermi
        from ..plot import save_figure

        out["plot"] = str(save_figure(plot_fermi(args.kN, args.kup, args.kdn), args.plot))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"kN, kup, kdn        {out['kN']:.4g}, {out['kup']:.4g}, {out['kdn']:.4g} 1/m")
    print(f"Eq. 8  (translation) Sigma P / Delta mu      = {out['eq8_per_sin_theta']:.4e} "
          "sin(theta) 1/m^2")
    print(f"Eq. 12 (expansion)   Sigma P_bar / dmu_bar   = {out['eq12_per_sin_theta']:.4e} "
          "sin(theta) 1/m^2")
    print(f"ratio Eq.12 / Eq.8  {out['ratio_12_8']:.4f}")
    print(f"T_av, T'_av         {out['T_av']:.4f}, {out['T_prime_av']:.4f}")
    if out["x"] is None:
        print("decay              none: k_up == k_dn (give --x for the values at a depth)")
    else:
        print(f"decay at x = {out['x']:.3e} m: expansion {out['decay_expansion']:.4f}, "
              f"translation {out['decay_translation']:.4f}")
    if "plot" in out:
        print(f"plot               {out['plot']}")
    return 0
