"""`matching generate`: write a synthetic programme with a planted ground truth."""

from __future__ import annotations

import argparse
import time

__all__ = ["register", "run"]


def _presets_help() -> str:
    from datasets.synthetic import PRESETS

    lines = [f"  {name:<16} {spec.n_left:>5} × {spec.n_right:<5} {spec.summary}" for name, spec in PRESETS.items()]
    return "presets (default left × right sizes):\n" + "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "generate",
        help="write a synthetic programme (participants, rules, planted ground truth)",
        description=(
            "Generate a realistic synthetic programme of one of the presets, with bilingual profiles and a "
            "planted ground truth (latent compatibility of every pair, simulated meeting outcomes). Writes "
            "participants.csv, participants.json, programme.toml, ground_truth.npz, good_pairs.csv (when "
            "left × right <= 10^7), meta.json and README.md to --out. The same seed gives byte-identical files."
        ),
        epilog=_presets_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("preset", metavar="PRESET", help="programme preset (see the list below)")
    parser.add_argument("--seed", type=int, required=True, help="random seed (a non-negative integer)")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (created if needed)")
    parser.add_argument("--left", type=int, default=None, metavar="N", help="left-side size (default: the preset's)")
    parser.add_argument("--right", type=int, default=None, metavar="N", help="right-side size (default: the preset's)")
    parser.add_argument("--noise", type=float, default=None, metavar="X",
                        help="share of the compatibility variance no profile reflects, in [0, 1) (default 0.25)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from datasets.synthetic import generate, write_programme

    started = time.perf_counter()
    data = generate(args.preset, seed=args.seed, n_left=args.left, n_right=args.right, noise=args.noise)
    written = write_programme(data, args.out)
    elapsed = time.perf_counter() - started
    rnd = data.programme.rounds[0]
    truth = data.truth
    with_wishes = sum(1 for p in data.participants if p.wishes)
    with_conflicts = sum(1 for p in data.participants if p.conflicts)
    good = "" if "good_pairs.csv" not in written else " good_pairs.csv lists every truly good pair."
    slots = f", {len(rnd.slots)} slots at {rnd.tables} tables" if rnd.slots else ""
    print(
        f"Generated the '{data.preset}' programme (seed {data.seed}) in {elapsed:.1f} s: "
        f"{data.n_left} {'/'.join(rnd.left_roles)} × {data.n_right} {'/'.join(rnd.right_roles)}{slots}; "
        f"{with_wishes} participants with wishes, {with_conflicts} with conflicts. "
        f"Ground truth: noise {data.noise:g}, a pair is truly good when its latent compatibility is at least "
        f"{truth.threshold:.3f} (about {truth.params['good_fraction']:.0%} of pairs).{good} "
        f"Wrote {len(written)} files to {args.out}: {', '.join(sorted(written))}."
    )
    return 0
