"""The organizer's batch path: an event's round → scores → verified, explained pairs.

:func:`match_round` scores the round's two sides with
:class:`matching.features.Scorer`, turns the round's rules into solver
arguments (capacities, minimums, must and never pairs, hard rules), solves
with the objective the round names (:data:`OBJECTIVES`), runs the
independent verifiers and refuses to return a result that fails them.
:func:`write_match` writes the pairs with their explanations (CSV, JSON), the
participants left without a partner and a summary.

Capacities: a participant's ``capacity_max`` overrides the round's default
``max`` for its side; its ``capacity_min`` overrides the default ``min``
when it is above 0.

Large rounds (``path="auto"`` from :data:`FACTOR_PATH_MIN_PAIRS` pairs, or
``path="factors"``) never build the score matrix: the maximum total score
is solved on the scorer's factors (:func:`matching.solvers.solve_factors`,
certified by pricing every allowed pair) and the checks, ranks and counts
are computed block by block or per pair (:mod:`matching._factor_round`).
The files written are the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from . import _factor_round as FR
from ._cluster import check_cluster
from ._factor_round import FACTOR_PATH_MIN_PAIRS
from ._memory import release_free_memory
from .errors import FieldError, Infeasible, InvalidInput, MatchingError
from .features import Scorer, explain, explain_pairs
from .io import write_csv_rows
from .io._json_list import JsonListWriter
from .model import Event, Participant, Round
from .solvers import (
    MatchResult,
    VerificationReport,
    greedy_matching,
    random_matching,
    solve_assignment,
    solve_bottleneck,
    solve_capacitated,
    stable_matching,
    verify_duals,
    verify_feasible,
    verify_objective,
    verify_stable,
)
from .solvers import DualCertificate

__all__ = [
    "FACTOR_PATH_MIN_PAIRS",
    "OBJECTIVES",
    "PATHS",
    "EXACT_OBJECTIVES",
    "RoundProblem",
    "RoundMatch",
    "VerificationFailed",
    "prepare_round",
    "match_round",
    "write_match",
]


class VerificationFailed(MatchingError, RuntimeError):
    """A solver's result failed an independent check; it is not published."""


#: How a round is solved: ``"dense"`` builds the score matrix, ``"factors"`` never does,
#: ``"auto"`` takes the factors from :data:`FACTOR_PATH_MIN_PAIRS` pairs on.
PATHS = ("auto", "dense", "factors")

#: ``progress(stage, done, total)``: stages ``"fit"``, ``"candidates"``, ``"pricing"``, ``"ranks"``, ``"writing"``.
Progress = Callable[[str, int, int], Any]


@dataclass(frozen=True)
class RoundProblem:
    """One round's matching problem, in solver terms, with the ids to map back."""

    event: Event
    round_index: int
    left: tuple[Participant, ...]
    right: tuple[Participant, ...]
    scorer: Scorer
    scores: np.ndarray | None  # None on the factor path
    forbidden: np.ndarray | None
    left_capacity: np.ndarray
    right_capacity: np.ndarray
    left_min: np.ndarray
    right_min: np.ndarray
    required: np.ndarray  # (k, 2) must pairs as indices
    path: str = "dense"  # "dense" or "factors"

    @property
    def round(self) -> Round:
        return self.event.programme.rounds[self.round_index]

    @property
    def one_to_one(self) -> bool:
        return bool(
            (self.left_capacity <= 1).all()
            and (self.right_capacity <= 1).all()
            and not self.left_min.any()
            and not self.right_min.any()
            and len(self.required) == 0
        )

    def bounds(self) -> dict[str, Any]:
        return {
            "left_capacity": self.left_capacity,
            "right_capacity": self.right_capacity,
            "left_min": self.left_min,
            "right_min": self.right_min,
        }


@dataclass(frozen=True)
class RoundMatch:
    """A verified result of one round, with the problem it solved."""

    problem: RoundProblem
    objective: str
    result: MatchResult
    checks: tuple[VerificationReport, ...]


def _capacities(side: Sequence[Participant], default_min: int, default_max: int) -> tuple[np.ndarray, np.ndarray]:
    cap = np.array([default_max if p.capacity_max is None else p.capacity_max for p in side], dtype=np.int64)
    low = np.array([p.capacity_min if p.capacity_min > 0 else default_min for p in side], dtype=np.int64)
    return cap, np.minimum(low, cap)


def _round(event: Event, round_index: int) -> Round:
    rounds = event.programme.rounds
    if not 0 <= round_index < len(rounds):
        raise InvalidInput([FieldError("round", round_index, f"no such round; the programme has {len(rounds)} round(s)")])
    return rounds[round_index]


def _path(path: str, n_pairs: int) -> str:
    if path not in PATHS:
        raise InvalidInput([FieldError("path", path, f"unknown path; expected one of {list(PATHS)}")])
    if path == "auto":
        return "factors" if n_pairs >= FACTOR_PATH_MIN_PAIRS else "dense"
    return path


def prepare_round(event: Event, round_index: int = 0, *, weights: Mapping[str, float] | None = None,
                  path: str = "auto", progress: Progress | None = None) -> RoundProblem:
    """Score a round and translate its rules into solver arguments.

    ``path``: ``"dense"`` computes the score matrix and the impossibility
    mask; ``"factors"`` only fits the scorer (``scores`` and ``forbidden``
    are ``None``); ``"auto"`` picks the factors from
    :data:`FACTOR_PATH_MIN_PAIRS` pairs on.

    Raises
    ------
    InvalidInput
        The round index does not exist, a side of the round is empty, or
        ``path`` is unknown.
    Infeasible
        A must pair is impossible under the hard rules (a veto, a conflict,
        no common language); the message says why.
    """
    rnd = _round(event, round_index)
    left, right = event.sides(round_index)
    for side, members, roles in (("left", left, rnd.left_roles), ("right", right, rnd.right_roles)):
        if not members:
            raise InvalidInput([FieldError(f"rounds[{round_index}].{side}_roles", list(roles), f"no participant of the event has one of these roles, so the {side} side is empty")])
    chosen = _path(path, len(left) * len(right))
    params = {"weights": dict(weights)} if weights is not None else {}
    if progress is not None:
        progress("fit", 0, 1)
    scorer = Scorer.from_round(rnd, **params).fit(left, right)
    if progress is not None:
        progress("fit", 1, 1)
    scores = forbidden = None
    if chosen == "dense":
        scores = scorer.score_matrix()
        forbidden = scorer.impossible_mask()
    left_pos = {p.id: i for i, p in enumerate(left)}
    right_pos = {p.id: j for j, p in enumerate(right)}
    required = np.array([(left_pos[a], right_pos[b]) for a, b in rnd.must], dtype=np.int64).reshape(-1, 2)
    impossible = FR.impossible_pairs(scorer, required)
    for (i, j), bad in zip(required, impossible):
        if bad:
            reasons = {lang: "; ".join(explain(scorer, int(i), int(j), lang=lang).impossible_reasons) or default
                       for lang, default in (("en", "a hard rule"), ("ja", "ルール"))}
            raise Infeasible(
                f"must pair ({left[i].id}, {right[j].id}) is impossible: {reasons['en']}; drop the must pair or the rule",
                culprits=(left[i].id, right[j].id),
                code="infeasible.must_pair_impossible",
                params={"left": left[i].id, "right": right[j].id, "reasons": reasons},
            )
    left_cap, left_min = _capacities(left, rnd.left_capacity.min, rnd.left_capacity.max)
    right_cap, right_min = _capacities(right, rnd.right_capacity.min, rnd.right_capacity.max)
    return RoundProblem(
        event=event,
        round_index=round_index,
        left=tuple(left),
        right=tuple(right),
        scorer=scorer,
        scores=scores,
        forbidden=forbidden,
        left_capacity=left_cap,
        right_capacity=right_cap,
        left_min=left_min,
        right_min=right_min,
        required=required,
        path=chosen,
    )


def _max_total(problem: RoundProblem, seed: int) -> MatchResult:
    if problem.one_to_one:
        return solve_assignment(problem.scores, forbidden=problem.forbidden)
    return solve_capacitated(problem.scores, forbidden=problem.forbidden, required=problem.required, **problem.bounds())


def _fair(problem: RoundProblem, seed: int) -> MatchResult:
    return solve_bottleneck(problem.scores, forbidden=problem.forbidden, required=problem.required, **problem.bounds())


def _stable(problem: RoundProblem, seed: int) -> MatchResult:
    return stable_matching(
        problem.scores,
        problem.scores.T,
        left_capacity=problem.left_capacity,
        right_capacity=problem.right_capacity,
        forbidden=problem.forbidden,
        scores=problem.scores,
    )


def _greedy(problem: RoundProblem, seed: int) -> MatchResult:
    return greedy_matching(problem.scores, forbidden=problem.forbidden, left_capacity=problem.left_capacity, right_capacity=problem.right_capacity)


def _random(problem: RoundProblem, seed: int) -> MatchResult:
    return random_matching(problem.scores, seed=seed, forbidden=problem.forbidden, left_capacity=problem.left_capacity, right_capacity=problem.right_capacity)


#: The objectives that keep must pairs (pins); the others are baselines or stability, which ignore them.
EXACT_OBJECTIVES = ("max-total", "fair")

#: Objective name (``Round.objective``) → how to solve it.  Unknown names raise.
OBJECTIVES: Mapping[str, Callable[[RoundProblem, int], MatchResult]] = MappingProxyType(
    {
        "max-total": _max_total,
        "fair": _fair,
        "stable": _stable,
        "greedy": _greedy,
        "random": _random,
    }
)


def _checks(problem: RoundProblem, objective: str, result: MatchResult) -> tuple[VerificationReport, ...]:
    # Minimums and must pairs bind only the exact objectives; baselines and
    # stable matchings respect capacities and hard rules.
    exact = objective in ("max-total", "fair")
    bounds = problem.bounds() if exact else {"left_capacity": problem.left_capacity, "right_capacity": problem.right_capacity}
    required = problem.required if exact else None
    reports = [
        verify_feasible(result, scores=problem.scores, forbidden=problem.forbidden, required=required, **bounds),
        verify_objective(result, problem.scores),
    ]
    if isinstance(result.certificate, DualCertificate) and objective == "max-total":
        reports.append(verify_duals(result, problem.scores, forbidden=problem.forbidden, required=required, **bounds))
    if objective == "stable":
        reports.append(
            verify_stable(
                result,
                problem.scores,
                problem.scores.T,
                forbidden=problem.forbidden,
                left_capacity=problem.left_capacity,
                right_capacity=problem.right_capacity,
            )
        )
    return tuple(reports)


def match_round(
    event: Event,
    round_index: int = 0,
    *,
    objective: str | None = None,
    weights: Mapping[str, float] | None = None,
    seed: int = 0,
    path: str = "auto",
    progress: Progress | None = None,
    cluster: Any = None,
) -> RoundMatch:
    """Score, solve and verify one round of an event.

    Parameters
    ----------
    event : Event
    round_index : int
    objective : str, optional
        One of :data:`OBJECTIVES`; default: the round's ``objective``.
    weights : mapping, optional
        Component weights overriding the round's.
    seed : int
        Seed of the ``random`` baseline.
    path : {"auto", "dense", "factors"}, default "auto"
        ``"factors"`` solves ``max-total`` on the scorer's factors without
        a score matrix (certified by pricing); ``"auto"`` does so from
        :data:`FACTOR_PATH_MIN_PAIRS` pairs on.
    progress : callable(stage, done, total), optional
    cluster : None, "local", str or distributed.Client
        On the factor path, run the solver's blockwise passes on this Dask
        cluster (see :func:`~matching.solvers.solve_factors`); the dense
        path does not use it.

    Raises
    ------
    InvalidInput
        Unknown objective (the message lists the known ones) or round, or
        must pairs with an objective that cannot keep them (stable, greedy,
        random: see :data:`EXACT_OBJECTIVES`).
    Infeasible
        The round's bounds or must pairs cannot all hold; the message names
        the participants (by id) in conflict.
    VerificationFailed
        The result failed an independent check (a bug: nothing is published).
    """
    name = objective if objective is not None else _round(event, round_index).objective
    if name not in OBJECTIVES:
        raise InvalidInput([FieldError("objective", name, f"unknown objective; expected one of {sorted(OBJECTIVES)}")])
    check_cluster(cluster)
    _round(event, round_index)
    n_pairs = _n_pairs(event, round_index)
    if name != "max-total" and _path(path, n_pairs) == "factors":
        raise InvalidInput([FieldError("objective", name, f"{n_pairs:,} pairs are solved on the factors, without a "
                                       "score matrix, where only max-total runs; choose max-total (or path 'dense' "
                                       "when the score matrix fits in memory)")])
    problem = prepare_round(event, round_index, weights=weights, path=path, progress=progress)
    if problem.path == "factors":
        release_free_memory()  # the fit's temporaries: holes in the heap, resident until trimmed, before the solve's
        result = FR.solve_round_factors(problem.scorer, problem.bounds(), problem.required, progress=progress,
                                        cluster=cluster)
        release_free_memory()  # the solve's candidates and blocks, before the ranks and the explanations
        checks = FR.factor_checks(problem.scorer, result, problem.bounds(), problem.required)
        _raise_failed(name, checks)
        return RoundMatch(problem=problem, objective=name, result=result, checks=checks)
    if len(problem.required) and name not in EXACT_OBJECTIVES:
        raise InvalidInput([FieldError("objective", name, f"the round has {len(problem.required)} must pair(s) (pins), which only "
                                       f"{' and '.join(EXACT_OBJECTIVES)} keep; choose one of those or remove the pins")])
    try:
        result = OBJECTIVES[name](problem, seed)
    except Infeasible as exc:
        raise _with_ids(exc, problem) from exc
    checks = _checks(problem, name, result)
    _raise_failed(name, checks)
    return RoundMatch(problem=problem, objective=name, result=result, checks=checks)


def _n_pairs(event: Event, round_index: int) -> int:
    left, right = event.sides(round_index)
    return len(left) * len(right)


def _raise_failed(name: str, checks: Sequence[VerificationReport]) -> None:
    failed = [c for c in checks if not c.ok]
    if failed:
        raise VerificationFailed(f"{name} result failed verification, not published: " + "; ".join(p for c in failed for p in c.problems))


def _with_ids(exc: Infeasible, problem: RoundProblem) -> Infeasible:
    """Re-word a solver's Infeasible ("left participant 3") with participant ids."""
    sides = {"left": problem.left, "right": problem.right}

    def name(found: re.Match[str]) -> str:
        members, index = sides[found[1]], int(found[2])
        return f"{found[1]} participant {members[index].id}" if index < len(members) else found[0]

    message = re.sub(r"\b(left|right) participant (\d+)\b", name, str(exc))
    culprits = tuple(re.sub(r"\b(left|right) participant (\d+)\b", name, c) for c in exc.culprits)
    params = dict(exc.params)
    members = sides.get(params.get("side", ""))
    if members is not None:
        if isinstance(params.get("participant"), int) and params["participant"] < len(members):
            params["participant"] = members[params["participant"]].id
        if isinstance(params.get("participants"), (list, tuple)):
            params["participants"] = ", ".join(members[k].id if k < len(members) else str(k) for k in params["participants"])
    return Infeasible(message, culprits=culprits, code=exc.code, params=params)


def _ranks(scores: np.ndarray, forbidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = best, ties by index) of every right partner in each left list, and vice versa."""
    masked = np.where(forbidden, -np.inf, scores)
    left_rank = np.argsort(np.argsort(-masked, axis=1, kind="stable"), axis=1, kind="stable") + 1
    right_rank = np.argsort(np.argsort(-masked, axis=0, kind="stable"), axis=0, kind="stable") + 1
    return left_rank, right_rank


def match_rows(match: RoundMatch, *, progress: Progress | None = None) -> list[dict[str, Any]]:
    """One dict per matched pair: ids, organisations, score, ranks, reasons in ja and en."""
    return [row for chunk in _row_chunks(match, progress=progress) for row in chunk]


#: Matched pairs explained (and written) at once by :func:`write_match`.
_ROWS_STEP = 1000


def _row_chunks(match: RoundMatch, *, progress: Progress | None = None) -> Iterator[list[dict[str, Any]]]:
    """:func:`match_rows` a chunk of :data:`_ROWS_STEP` pairs at a time (never every row at once)."""
    problem, result = match.problem, match.result
    pairs = result.pairs
    if problem.scores is None:
        rank_for_left, rank_for_right = FR.partner_ranks(problem.scorer, pairs, progress=progress)
        pair_scores = problem.scorer.score_pairs(pairs[:, 0], pairs[:, 1]) if len(pairs) else np.zeros(0)
    else:
        left_rank, right_rank = _ranks(problem.scores, problem.forbidden)
        rank_for_left, rank_for_right = left_rank[pairs[:, 0], pairs[:, 1]], right_rank[pairs[:, 0], pairs[:, 1]]
        pair_scores = problem.scores[pairs[:, 0], pairs[:, 1]]
        del left_rank, right_rank
    required = {(int(i), int(j)) for i, j in problem.required}
    if progress is not None and not len(pairs):
        progress("writing", 0, 0)
    for start in range(0, len(pairs), _ROWS_STEP):
        chunk = pairs[start:start + _ROWS_STEP]
        explained = explain_pairs(problem.scorer, chunk[:, 0], chunk[:, 1], langs=("ja", "en"))
        yield [_pair_row(problem, i, j, pair_scores[p], rank_for_left[p], rank_for_right[p], (i, j) in required, ja, en)
               for p, (i, j), ja, en in zip(range(start, start + len(chunk)), chunk.tolist(), explained["ja"],
                                            explained["en"])]
        if progress is not None:
            progress("writing", start + len(chunk), len(pairs))


def _pair_row(problem: RoundProblem, i: int, j: int, score: float, rank_for_left: int, rank_for_right: int,
              required: bool, ja: Any, en: Any) -> dict[str, Any]:
    return {
        "left_id": problem.left[i].id,
        "left_organization": problem.left[i].organization,
        "right_id": problem.right[j].id,
        "right_organization": problem.right[j].organization,
        "score": round(float(score), 6),
        "rank_for_left": int(rank_for_left),
        "rank_for_right": int(rank_for_right),
        "required": required,
        "reasons_ja": list(ja.reasons),
        "reasons_en": list(en.reasons),
        "contributions": [c.as_dict() for c in en.contributions],
    }


def summary(match: RoundMatch) -> dict[str, Any]:
    """Figures of a result an organizer reads first."""
    problem, result = match.problem, match.result
    n, m = result.shape
    left_deg = np.bincount(result.pairs[:, 0], minlength=n) if n else np.zeros(0, int)
    right_deg = np.bincount(result.pairs[:, 1], minlength=m) if m else np.zeros(0, int)
    if not len(result.pairs):
        pair_scores = np.zeros(0)
    elif problem.scores is None:
        pair_scores = problem.scorer.score_pairs(result.pairs[:, 0], result.pairs[:, 1])
    else:
        pair_scores = problem.scores[result.pairs[:, 0], result.pairs[:, 1]]
    certificate: dict[str, Any] = {}
    cert = result.certificate
    if isinstance(cert, DualCertificate):
        certificate = {"kind": "dual potentials", "max_violation": cert.max_violation, "pairs_checked": cert.pairs_checked, "pricing_rounds": cert.pricing_rounds}
    elif cert is not None and hasattr(cert, "blocking_pairs"):
        certificate = {"kind": "blocking pairs", "blocking_pairs": int(len(cert.blocking_pairs))}
    elif cert is not None:
        certificate = {"kind": "gap", "upper_bound": getattr(cert, "upper_bound", None), "gap": getattr(cert, "gap", None)}
    return {
        "programme": problem.event.programme.id,
        "round": problem.round.name,
        "objective": match.objective,
        "solver": result.solver,
        "status": result.status.value,
        "wall_time_s": round(result.wall_time, 4),
        "left": {"participants": n, "matched": int((left_deg > 0).sum()), "max_partners": int(left_deg.max()) if n else 0},
        "right": {"participants": m, "matched": int((right_deg > 0).sum()), "max_partners": int(right_deg.max()) if m else 0},
        "pairs": int(len(result.pairs)),
        "total_score": round(float(result.objective), 6),
        "mean_score": round(float(pair_scores.mean()), 6) if len(pair_scores) else None,
        "min_score": round(float(pair_scores.min()), 6) if len(pair_scores) else None,
        "path": problem.path,
        "impossible_pairs": int(problem.forbidden.sum()) if problem.forbidden is not None
        else int(n * m - FR.allowed_partners(problem.scorer)[0].sum()),
        "certificate": certificate,
        "checks": [{"name": c.check, "ok": c.ok} for c in match.checks],
    }


def unmatched_rows(match: RoundMatch) -> list[dict[str, Any]]:
    """Participants left without a partner, with the reason in words."""
    problem, result = match.problem, match.result
    rows = []
    if problem.forbidden is None:
        allowed_by_side = FR.allowed_partners(problem.scorer)
    else:
        allowed_by_side = ((~problem.forbidden).sum(axis=1), (~problem.forbidden).sum(axis=0))
    for side, members, axis in (("left", problem.left, 0), ("right", problem.right, 1)):
        matched = set(result.pairs[:, axis].tolist())
        allowed = allowed_by_side[axis]
        for index, p in enumerate(members):
            if index in matched:
                continue
            if allowed[index] == 0:
                reason = "no allowed partner (every pair is vetoed, in conflict or without a common language)"
            else:
                reason = "every allowed partner was matched to someone who scored higher in the chosen objective"
            rows.append({"side": side, "id": p.id, "organization": p.organization, "allowed_partners": int(allowed[index]), "reason": reason})
    return rows


def certificate_dict(match: RoundMatch) -> dict[str, Any] | None:
    """The dual potentials of a result with a :class:`DualCertificate`, by participant id (None otherwise)."""
    cert, problem = match.result.certificate, match.problem
    if not isinstance(cert, DualCertificate):
        return None
    return {
        "kind": "dual potentials",
        "objective": match.objective,
        "maximize": bool(match.result.maximize),
        "status": match.result.status.value,
        "max_violation": float(cert.max_violation),
        "pairs_checked": int(cert.pairs_checked),
        "pricing_rounds": int(cert.pricing_rounds),
        "statement": "every allowed pair (i, j) has score(i, j) <= left_potential[i] + right_potential[j] up to "
                     "max_violation, checked over pairs_checked pairs; with complementary slackness on the matched "
                     "pairs and the capacities, LP duality proves that no feasible matching scores more",
        "left_potential": {p.id: float(v) for p, v in zip(problem.left, np.asarray(cert.left_potential))},
        "right_potential": {p.id: float(v) for p, v in zip(problem.right, np.asarray(cert.right_potential))},
    }


def write_match(match: RoundMatch, out_dir: str | Path, *, progress: Progress | None = None) -> dict[str, Path]:
    """Write pairs.csv, pairs.json, unmatched.csv and summary.json under ``out_dir``, and
    certificate.json when the result carries dual potentials (max-total).

    The pairs are explained and written :data:`_ROWS_STEP` at a time into
    both pairs files (what :func:`match_rows` dumped at once would hold, which
    is never held; pairs.json by pydantic-core's compiled JSON encoder), under
    ``.partial`` names until both are complete.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("pairs.csv", "pairs.json", "unmatched.csv", "summary.json")}
    fields = ["left_id", "left_organization", "right_id", "right_organization", "score", "rank_for_left", "rank_for_right", "required", "reasons_ja", "reasons_en"]
    # One chunk of rows at a time into both files: the rows of every pair, and the JSON text of them all, are never
    # held.  They are written under a temporary name and renamed at the end: a failure half-way leaves neither file.
    partial = {name: out / f"{name}.partial" for name in ("pairs.csv", "pairs.json")}
    try:
        with partial["pairs.json"].open("w", encoding="utf-8") as pairs_json:
            json_rows = JsonListWriter(pairs_json)

            def csv_rows() -> Iterator[dict[str, Any]]:
                for chunk in _row_chunks(match, progress=progress):
                    json_rows.extend(chunk)
                    for row in chunk:
                        yield {**row, "reasons_ja": " / ".join(row["reasons_ja"]), "reasons_en": " / ".join(row["reasons_en"])}

            write_csv_rows(partial["pairs.csv"], fields, csv_rows())
            json_rows.close()
    except BaseException:
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    for name, path in partial.items():
        path.replace(paths[name])
    write_csv_rows(paths["unmatched.csv"], ["side", "id", "organization", "allowed_partners", "reason"], unmatched_rows(match))
    paths["summary.json"].write_text(json.dumps(summary(match), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    certificate = certificate_dict(match)
    if certificate is not None:
        paths["certificate.json"] = out / "certificate.json"
        paths["certificate.json"].write_text(json.dumps(certificate, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths
