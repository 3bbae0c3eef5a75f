"""`matching demo`: the whole pipeline on synthetic programmes, with a report.

For each preset (``reskilling`` and ``design`` by default): generate the
programme with its planted ground truth, write it to disk, read it back
through the same all-or-nothing import a user's file goes through, score it,
show a few participants' top recommendations with reasons, match it with the
round's objective (verified), and compare the result with the ground truth.
Then plan the ``industry-fair`` timetable.  Everything lands under ``--out``
with a ``report.md`` that links it together.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["register", "run", "run_demo"]

DEFAULT_PRESETS = ("reskilling", "design")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="run the pipeline on synthetic programmes and write a report",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="output directory (default out/demo)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic programmes (default 1)")
    parser.add_argument("--presets", nargs="+", default=list(DEFAULT_PRESETS), help="presets to match (default: reskilling design)")
    parser.add_argument("--no-fair", action="store_true", help="skip the industry-fair timetable")
    parser.add_argument("--show", type=int, default=2, help="participants whose recommendations are printed per preset")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = run_demo(args.out, seed=args.seed, presets=args.presets, fair=not args.no_fair, show=args.show)
    print(f"\nreport: {report}")
    return 0


def _say(lines: list[str], text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def _recommendations(problem: Any, show: int, lines: list[str]) -> list[dict[str, Any]]:
    from ..features import explain

    shown = []
    scores = np.where(problem.forbidden, -np.inf, problem.scores)
    for i in range(min(show, len(problem.left))):
        me = problem.left[i]
        best = [int(j) for j in np.argsort(-scores[i], kind="stable")[:3] if np.isfinite(scores[i, j])]
        _say(lines, f"  {me.id} {me.organization} — top {len(best)}:")
        entry = {"id": me.id, "recommendations": []}
        for rank, j in enumerate(best, start=1):
            ja = explain(problem.scorer, i, j, lang="ja")
            en = explain(problem.scorer, i, j, lang="en")
            partner = problem.right[j]
            _say(lines, f"    {rank}. {partner.id} {partner.organization} (score {problem.scores[i, j]:.3f})")
            for reason in ja.reasons[:2]:
                _say(lines, f"       ・{reason}")
            for reason in en.reasons[:2]:
                _say(lines, f"       - {reason}")
            entry["recommendations"].append({"id": partner.id, "score": float(problem.scores[i, j]), "reasons_ja": list(ja.reasons), "reasons_en": list(en.reasons)})
        shown.append(entry)
    return shown


def _write_recommendations(problem: Any, path: Path, k: int = 3) -> int:
    """Every participant's top-``k`` partners (both sides) with reasons in Japanese and English."""
    from ..io import write_csv_rows

    from ..features import explain

    scores = np.where(problem.forbidden, -np.inf, problem.scores)
    rows = []
    for side, members, partners, matrix in (("left", problem.left, problem.right, scores), ("right", problem.right, problem.left, scores.T)):
        for a, me in enumerate(members):
            best = [int(b) for b in np.argsort(-matrix[a], kind="stable")[:k] if np.isfinite(matrix[a, b])]
            for rank, b in enumerate(best, start=1):
                pair = (a, b) if side == "left" else (b, a)
                ja, en = (explain(problem.scorer, *pair, lang=lang) for lang in ("ja", "en"))
                rows.append([side, me.id, me.organization, rank, partners[b].id, partners[b].organization, f"{matrix[a, b]:.4f}", " / ".join(ja.reasons), " / ".join(en.reasons)])
    write_csv_rows(path, ["side", "id", "organization", "rank", "partner_id", "partner_organization", "score", "reasons_ja", "reasons_en"], rows)
    return len(rows)


def _against_truth(match: Any, synthetic: Any) -> dict[str, float]:
    """How the matched pairs compare with the planted ground truth."""
    from sklearn.metrics import roc_auc_score

    truth = synthetic.truth
    problem = match.problem
    li = truth.left_index([p.id for p in problem.left])
    rj = truth.right_index([p.id for p in problem.right])
    good = truth.compatibility(li, rj) >= truth.threshold
    allowed = ~problem.forbidden
    pairs = match.result.pairs
    figures = {
        "good_pair_share_all": float(good[allowed].mean()) if allowed.any() else 0.0,
        "good_pair_share_matched": float(good[pairs[:, 0], pairs[:, 1]].mean()) if len(pairs) else 0.0,
    }
    if good[allowed].any() and not good[allowed].all():
        figures["roc_auc_default_weights"] = float(roc_auc_score(good[allowed], problem.scores[allowed]))
    return figures


def run_demo(out: Path, *, seed: int = 1, presets: tuple[str, ...] | list[str] = DEFAULT_PRESETS, fair: bool = True, show: int = 2) -> Path:
    """Run the demo and return the path of its report."""
    from datasets.synthetic import generate, write_programme

    from ..io import load_event
    from ..pipeline import match_round, summary, write_match

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = ["# Demo report", ""]
    results: dict[str, Any] = {"seed": seed, "presets": {}}
    for preset in presets:
        started = time.perf_counter()
        synthetic = generate(preset, seed=seed)
        data_dir = out / preset / "data"
        write_programme(synthetic, data_dir)
        event = load_event(data_dir / "participants.csv", data_dir / "programme.toml")
        rnd = event.programme.rounds[0]
        left, right = event.sides(0)
        _say(lines, f"## {preset}: {event.programme.name}")
        _say(lines, "")
        _say(lines, f"{len(left)} {'/'.join(rnd.left_roles)} × {len(right)} {'/'.join(rnd.right_roles)}; objective {rnd.objective}; data in {data_dir}")
        match = match_round(event, 0)
        _say(lines, "")
        _say(lines, "Top recommendations (with reasons):")
        shown = _recommendations(match.problem, show, lines)
        paths = write_match(match, out / preset / "match")
        recommendations = out / preset / "recommendations.csv"
        n_rows = _write_recommendations(match.problem, recommendations)
        _say(lines, f"Every participant's top 3 partners with reasons: {recommendations} ({n_rows} rows)")
        figures = summary(match)
        truth = _against_truth(match, synthetic)
        _say(lines, "")
        _say(
            lines,
            f"Matching: {figures['pairs']} pairs, total score {figures['total_score']:.3f}, "
            f"{figures['status']} by {figures['solver']} in {figures['wall_time_s']:.3f} s; "
            f"left matched {figures['left']['matched']}/{figures['left']['participants']}, "
            f"right matched {figures['right']['matched']}/{figures['right']['participants']}.",
        )
        _say(lines, "Checks: " + ", ".join(f"{c['name']} {'ok' if c['ok'] else 'FAILED'}" for c in figures["checks"]))
        _say(
            lines,
            f"Ground truth: {truth['good_pair_share_matched']:.0%} of matched pairs are truly good "
            f"(vs {truth['good_pair_share_all']:.0%} of all allowed pairs)"
            + (f"; ROC-AUC of the default scores {truth['roc_auc_default_weights']:.3f}" if "roc_auc_default_weights" in truth else "")
            + ".",
        )
        _say(lines, "Files: " + ", ".join(str(p) for p in paths.values()))
        _say(lines, f"({time.perf_counter() - started:.1f} s)")
        _say(lines, "")
        results["presets"][preset] = {"summary": figures, "ground_truth": truth, "recommendations": shown}
    if fair:
        results["industry-fair"] = _fair(out, seed, lines)
    (out / "demo.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _fair(out: Path, seed: int, lines: list[str]) -> dict[str, Any]:
    """Plan the industry-fair preset's timetable (the timetable issue)."""
    from ..timetable import plan_event_demo

    return plan_event_demo(out / "industry-fair", seed=seed, say=lambda text="": _say(lines, text))
