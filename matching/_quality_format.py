"""A quality report (:class:`matching.metrics.QualityReport`) as terminal text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from ._quality_types import QualityReport
from .errors import FieldError, InvalidInput

__all__ = ["FORMATS", "format_report"]

#: Output formats of :func:`format_report`.
FORMATS: tuple[str, ...] = ("text", "md", "json")


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.1f}"
    return str(value)


def _lines(report: QualityReport) -> list[tuple[str, list[tuple[str, Any]]]]:
    d = report.to_dict()
    sections: list[tuple[str, list[tuple[str, Any]]]] = [
        ("Scores", [("pairs", d["pairs"]), ("total", d["total"]), ("mean", d["mean_score"]), ("minimum", d["min_score"]),
                    ("maximum", d["max_score"]), *[(k, v) for k, v in d["percentiles"].items()]]),
        ("Stability", [("blocking pairs", d["blocking_pairs"]), ("blocking share", d["blocking_share"]),
                       ("forbidden pairs matched", d["forbidden_pairs"])]),
    ]
    for side in ("left", "right"):
        s = d[side]
        rows = [("participants", s["participants"]), ("coverage", s["coverage"]), ("meets minimum", s["meets_minimum"]),
                ("over capacity", s["over_capacity"]), ("max partners", s["max_partners"]), ("Gini of partners", s["partners_gini"]),
                ("mean partner score: min", s["partner_score"]["min"]), ("mean partner score: median", s["partner_score"]["p50"]),
                ("partner rank: mean", s["rank"]["mean"]), ("first choice share", s["rank"]["top1_share"]),
                (f"top-{d['k']} share", s["rank"]["topk_share"]), ("envious share", s["envy"]["envious_share"])]
        rows += [(f"{attr} coverage ratio (min/max)", v["ratio"]) for attr, v in s["group_disparity"].items()]
        sections.append((f"{side.capitalize()} side", rows))
    if d["truth"] is not None:
        t = d["truth"]
        sections.append(("Against the planted ground truth", [
            ("good pairs", t["good_pairs"]), ("matched good pairs", t["matched_good"]), ("precision", t["precision"]),
            ("recall", t["recall"]), ("hit rate", t["hit_rate"]), ("mean compatibility", t["mean_compatibility"]),
            (f"precision@{t['k']}", t["precision_at_k"]), (f"recall@{t['k']}", t["recall_at_k"]), (f"NDCG@{t['k']}", t["ndcg_at_k"]),
            ("expected mutual-yes rate", t["expected_mutual_yes_rate"]), ("expected deal rate", t["expected_deal_rate"]),
            ("simulated mutual-yes rate", t["simulated_mutual_yes_rate"]), ("simulated deal rate", t["simulated_deal_rate"]),
        ]))
    return sections


def format_report(report: QualityReport, fmt: str = "text") -> str:
    """The report as ``text`` (terminal), ``md`` (Markdown) or ``json``.

    Raises
    ------
    InvalidInput
        An unknown format.
    """
    if fmt not in FORMATS:
        raise InvalidInput([FieldError("format", fmt, f"unknown format; expected one of {list(FORMATS)}")])
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    title = "Match quality" + (f" ({report.objective}, {report.solver})" if report.objective else "")
    title += f": {report.n_left} left × {report.n_right} right"
    out: list[str] = []
    if fmt == "md":
        out.append(f"# {title}\n")
        for name, rows in _lines(report):
            out += [f"## {name}\n", "| figure | value |", "|---|---|", *[f"| {label} | {_fmt(value)} |" for label, value in rows], ""]
    else:
        out.append(title)
        for name, rows in _lines(report):
            out.append(f"\n{name}")
            out += [f"  {label:<36} {_fmt(value)}" for label, value in rows]
    return "\n".join(out).rstrip() + "\n"
