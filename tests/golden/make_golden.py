"""Golden outputs of every example: SPICE decks and JSON results, for the refactor check.

    python tests/golden/make_golden.py            # (re)write tests/golden/data/
    python tests/golden/make_golden.py --check    # compare instead (what the test does)

Run it only when an output is meant to change, and commit the new files with the change
that explains them: tests/test_golden.py fails on any difference and on a missing file.
The outputs come from the command line, in-process (``circuitspin.cli.main``), with the
working directory at the repository root so that the file names in them are relative.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
CURRENT = "1e-3"
# discretisations: (tag, extra arguments)
DISCRETISATIONS = [("exact", []), ("ladder7", ["--segments", "7"]),
                   ("exact5", ["--method", "exact", "--segments", "5"]),
                   ("ladder40", ["--segments", "40"])]


def examples() -> list[str]:
    return sorted(p.name for p in (ROOT / "netlists").glob("*.toml"))


def _run(argv: list[str]) -> tuple[int, str]:
    from circuitspin.cli import main

    out = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code
    text = out.getvalue()
    if status:
        text += f"\n# exit {status}: {err.getvalue()}"
    return status, text


def cases():
    """(file name, argv) of every golden output."""
    for ex in examples():
        stem = ex[:-5]
        path = f"netlists/{ex}"
        for tag, extra in DISCRETISATIONS:
            yield (f"{stem}.{tag}.cir",
                   ["netlist", path, "--current", CURRENT, *extra, "-o", "-"])
            yield (f"{stem}.{tag}.solve.json",
                   ["solve", path, "--current", CURRENT, *extra, "--json", "--compare"])
        text = (ROOT / path).read_text()
        if "[motor]" in text:
            for tag, extra in DISCRETISATIONS[:2]:
                yield (f"{stem}.{tag}.threshold.json",
                       ["threshold", path, *extra, "--json"])
            yield (f"{stem}.sweep.json", ["sweep", path, "--current", "0:3e-3:7", "--json"])


def outputs():
    """{file name: text} of every case, computed now."""
    os.chdir(ROOT)
    out = {}
    for name, argv in cases():
        out[name] = _run(argv)[1]
    return out


def main(argv=None) -> int:
    check = "--check" in (argv or sys.argv[1:])
    new = outputs()
    if check:
        bad = [n for n, t in new.items()
               if not (DATA / n).exists() or (DATA / n).read_text() != t]
        print("\n".join(bad) or "all golden outputs identical")
        return 1 if bad else 0
    DATA.mkdir(exist_ok=True)
    for old in DATA.iterdir():
        old.unlink()
    for name, text in new.items():
        (DATA / name).write_text(text)
    print(f"{len(new)} golden outputs written to {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
