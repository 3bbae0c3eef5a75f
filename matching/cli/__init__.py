"""The ``matching`` command line.

Each subcommand lives in its own private module exposing
``register(subparsers)``; :data:`COMMANDS` lists them explicitly, in the
order ``matching --help`` shows them.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from .. import __version__
from ..errors import MatchingError
from . import _demo, _factors, _generate, _match, _plan, _quality, _score, _serve, _validate, _worker

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = (_validate, _generate, _score, _match, _factors, _quality, _plan, _demo, _serve, _worker)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="matching",
        description="Matchmaking engine for SME-support programmes.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except MatchingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
