"""`python -m benchmarks [--quick]`: every benchmark of the engine, in turn.

The list is explicit; each module has ``main(argv)`` and writes its figures
to ``out/bench/<name>.json``.  Pass ``--only NAME`` to run one of them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = ("solvers", "large", "scoring", "timetable", "quality")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only (minutes, not tens of minutes)")
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    args = parser.parse_args(argv)
    status = 0
    for name in args.only or BENCHMARKS:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        status |= int(module.main(["--quick"] if args.quick else []) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
