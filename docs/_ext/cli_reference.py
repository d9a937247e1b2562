"""The command line's argparse parser, for sphinx-argparse (``commands.md``).

The help strings are plain text (``3 pi/|kup - kdn|``); sphinx-argparse renders them as
reStructuredText, so ``|`` and ``*`` are escaped here.
"""
from __future__ import annotations

import argparse


def _escape(text):
    if not isinstance(text, str):
        return text
    return text.replace("\\", "\\\\").replace("|", r"\|").replace("*", r"\*")


def _walk(parser: argparse.ArgumentParser) -> None:
    parser.description = _escape(parser.description)
    for action in parser._actions:
        action.help = _escape(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = _escape(choice.help)
            for sub in action.choices.values():
                _walk(sub)


def parser() -> argparse.ArgumentParser:
    from circuitspin.cli import build_parser

    p = build_parser()
    _walk(p)
    return p
