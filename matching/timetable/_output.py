"""Agendas (CSV, JSON, iCalendar), the table x slot grid (HTML, PNG), unplaced meetings.

All writers are deterministic: the same timetable gives the same bytes
(the .ics ``DTSTAMP`` is the start of the first slot, not the clock).
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import FieldError, InvalidInput
from ..io import write_csv_rows
from ._problem import Timetable

__all__ = ["agenda_rows", "agenda_ics", "write_agendas", "grid_html", "write_grid", "write_unplaced", "write_plan", "AGENDA_COLUMNS"]

AGENDA_COLUMNS = ("participant_id", "side", "organization", "slot", "start", "end", "table",
                  "partner_id", "partner_organization", "score", "locked")
FORMATS = ("csv", "json", "ics")


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def agenda_rows(timetable: Timetable) -> list[dict[str, Any]]:
    """One row per participant and meeting, sorted by participant, then time.

    Columns: :data:`AGENDA_COLUMNS`.  ``start``/``end`` cover the whole
    meeting (all its slots); they are empty without slot times.
    """
    problem = timetable.problem
    length = problem.meeting_length
    rows = []
    for m in timetable.meetings:
        first, last = problem.slots[m.slot], problem.slots[m.slot + length - 1]
        for side, me, other, partner in (("left", m.left, "right", m.right), ("right", m.right, "left", m.left)):
            rows.append({
                "participant_id": problem.label(side, me),
                "side": side,
                "organization": problem.name(side, me),
                "slot": first.id,
                "start": _iso(first.start),
                "end": _iso(last.end),
                "table": m.table,
                "partner_id": problem.label(other, partner),
                "partner_organization": problem.name(other, partner),
                "score": round(m.score, 6),
                "locked": m.locked,
                "_order": (0 if side == "left" else 1, me, m.slot),
            })
    rows.sort(key=lambda r: r["_order"])
    for r in rows:
        del r["_order"]
    return rows


def _safe_name(participant_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", participant_id)


def _utc(value: datetime) -> datetime:
    """Aware times go to UTC (unambiguous in every calendar); naive ones stay floating."""
    return value if value.tzinfo is None else value.astimezone(timezone.utc)


def _uid(left: str, right: str) -> str:
    return f"{_safe_name(left)}--{_safe_name(right)}@sme-matching"


def agenda_ics(rows: Sequence[Mapping[str, Any]], calendar_name: str, *, first_start: datetime,
               prodid: str = "-//sme-matching//timetable//EN", uid: Callable[[str, str], str] = _uid) -> bytes:
    """One participant's meetings as an iCalendar file.

    Parameters
    ----------
    rows : sequence of mapping
        The participant's rows as :func:`agenda_rows` gives them (ISO
        ``start``/``end``); an ``interpreter`` value, when present, is noted
        in the description.
    calendar_name : str
    first_start : datetime
        The fair's first slot start: every event's DTSTAMP, so that the file
        is the same on every run.
    prodid : str
    uid : callable
        ``uid(left_id, right_id)`` → the meeting's UID.
    """
    from icalendar import Calendar, Event

    stamp = first_start.replace(tzinfo=timezone.utc) if first_start.tzinfo is None else first_start.astimezone(timezone.utc)
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    for r in rows:
        event = Event()
        me, partner = r["participant_id"], r["partner_id"]
        pair = (me, partner) if r["side"] == "left" else (partner, me)
        event.add("uid", uid(*pair))
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(datetime.fromisoformat(r["start"])))
        event.add("dtend", _utc(datetime.fromisoformat(r["end"])))
        event.add("summary", f"Meeting with {r['partner_organization']}")
        event.add("location", f"Table {r['table']}")
        extra = f" Interpreter: {r['interpreter']}." if r.get("interpreter") else ""
        event.add("description", f"{r['organization']} meets {r['partner_organization']} ({partner}) "
                                 f"at table {r['table']}, slot {r['slot']}.{extra}")
        cal.add_component(event)
    return cal.to_ical()


def write_agendas(timetable: Timetable, out_dir: str | Path, *, formats: Iterable[str] = FORMATS,
                  calendar_name: str = "Matching fair") -> dict[str, list[Path]]:
    """Write every participant's agenda.

    * ``csv``: ``agendas.csv``, every row of :func:`agenda_rows`;
    * ``json``: ``agendas.json``, ``{participant id: {side, organization, meetings: [...]}}``
      (participants without meetings too);
    * ``ics``: ``ics/<participant id>.ics``, one iCalendar file per
      participant with meetings (needs slot start and end times).

    Returns
    -------
    dict
        Format -> written paths.

    Raises
    ------
    InvalidInput
        For an unknown format, or ``ics`` without slot times.
    """
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in FORMATS:
            raise InvalidInput([FieldError("formats", fmt, f"unknown agenda format; expected one of {list(FORMATS)}")])
    problem = timetable.problem
    if "ics" in formats:
        missing = [s.id for s in problem.slots if s.start is None or s.end is None]
        if missing:
            raise InvalidInput([FieldError("slots", missing[:5], "iCalendar agendas need a start and end time for every slot")])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = agenda_rows(timetable)
    written: dict[str, list[Path]] = {}
    if "csv" in formats:
        path = out / "agendas.csv"
        write_csv_rows(path, AGENDA_COLUMNS, rows)
        written["csv"] = [path]
    by_participant: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_participant.setdefault(r["participant_id"], []).append(r)
    if "json" in formats:
        doc = {}
        for side, n in (("left", problem.n_left), ("right", problem.n_right)):
            for p in range(n):
                pid = problem.label(side, p)
                doc[pid] = {"side": side, "organization": problem.name(side, p),
                            "meetings": [{k: v for k, v in r.items() if k not in ("participant_id", "side", "organization")}
                                         for r in by_participant.get(pid, [])]}
        path = out / "agendas.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written["json"] = [path]
    if "ics" in formats:
        folder = out / "ics"
        folder.mkdir(exist_ok=True)
        paths = []
        for pid, mine in by_participant.items():
            path = folder / f"{_safe_name(pid)}.ics"
            path.write_bytes(agenda_ics(mine, calendar_name, first_start=timetable.problem.slots[0].start))
            paths.append(path)
        written["ics"] = paths
    return written


def _grid(timetable: Timetable) -> tuple[list[str], dict[tuple[str, int], Any]]:
    problem = timetable.problem
    cells = {}
    for m in timetable.meetings:
        for t in range(m.slot, m.slot + problem.meeting_length):
            cells[m.table, t] = m
    names = list(problem.table_names()) or sorted({m.table for m in timetable.meetings}, key=lambda n: (len(n), n))
    extra = sorted({m.table for m in timetable.meetings} - set(names), key=lambda n: (len(n), n))
    return names + extra, cells


def grid_html(timetable: Timetable, *, title: str = "Timetable") -> str:
    """The table x slot grid as a self-contained HTML page (every text escaped)."""
    problem = timetable.problem
    names, cells = _grid(timetable)
    esc = html.escape
    head = "".join(f"<th>{esc(s.id)}<br><small>{esc(s.start.strftime('%H:%M') if s.start else '')}</small></th>" for s in problem.slots)
    lines = [
        "<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">", f"<title>{esc(title)}</title>",
        "<style>table{border-collapse:collapse;font:12px sans-serif}td,th{border:1px solid #ccc;padding:2px 4px}"
        "td.m{background:#e3f0ff}td.l{background:#ffe9c6}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{timetable.n_meetings} meetings, total score {timetable.objective:.3f}, "
        f"gap to upper bound {100 * timetable.gap:.2f}% ({esc(timetable.solver)}, {esc(timetable.status.value)})</p>",
        f"<table><thead><tr><th>table</th>{head}</tr></thead><tbody>",
    ]
    for name in names:
        row = [f"<th>{esc(name)}</th>"]
        for t in range(problem.n_slots):
            m = cells.get((name, t))
            if m is None:
                row.append("<td></td>")
            else:
                klass = "l" if m.locked else "m"
                row.append(f"<td class=\"{klass}\">{esc(problem.name('left', m.left))} &harr; {esc(problem.name('right', m.right))}</td>")
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines.append("</tbody></table></body></html>")
    return "\n".join(lines) + "\n"


def write_grid(timetable: Timetable, out_dir: str | Path, *, formats: Iterable[str] = ("html", "png"),
               title: str = "Timetable") -> dict[str, Path]:
    """Write ``grid.html`` and/or ``grid.png`` (tables down, slots across, coloured by score)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    formats = tuple(formats)
    for fmt in formats:
        if fmt not in ("html", "png"):
            raise InvalidInput([FieldError("formats", fmt, "unknown grid format; expected 'html' or 'png'")])
    if "html" in formats:
        path = out / "grid.html"
        path.write_text(grid_html(timetable, title=title), encoding="utf-8")
        written["html"] = path
    if "png" in formats:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        problem = timetable.problem
        names, cells = _grid(timetable)
        image = np.full((max(len(names), 1), problem.n_slots), np.nan)
        row_of = {n: k for k, n in enumerate(names)}
        for (name, t), m in cells.items():
            image[row_of[name], t] = m.score
        height = min(40.0, 1.5 + 0.25 * len(names))
        fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * problem.n_slots + 2), height))
        shown = ax.imshow(image, aspect="auto", cmap="viridis", interpolation="nearest")
        ax.set_xticks(range(problem.n_slots), [s.id for s in problem.slots], rotation=90 if problem.n_slots > 16 else 0)
        if len(names) <= 60:
            ax.set_yticks(range(len(names)), names)
        ax.set_xlabel("slot")
        ax.set_ylabel("table")
        # DejaVu (matplotlib's only bundled font) has no CJK glyphs: keep the picture's text ASCII.
        plain = " ".join(title.encode("ascii", "ignore").decode().split()).strip(" /:-")[:60] or "Timetable"
        ax.set_title(f"{plain}: {timetable.n_meetings} meetings")
        fig.colorbar(shown, ax=ax, label="score")
        if len(names) <= 30 and problem.n_slots <= 16:
            for (name, t), m in cells.items():
                ax.text(t, row_of[name], f"{problem.label('left', m.left)}\n{problem.label('right', m.right)}",
                        ha="center", va="center", fontsize=6, color="white")
        fig.tight_layout()
        path = out / "grid.png"
        fig.savefig(path, dpi=100, metadata={"Software": None})
        plt.close(fig)
        written["png"] = path
    return written


def write_unplaced(timetable: Timetable, path: str | Path) -> Path:
    """``left_id, right_id, left_organization, right_organization, score, reason`` per unplaced requested meeting."""
    problem = timetable.problem
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv_rows(path, ["left_id", "right_id", "left_organization", "right_organization", "score", "reason"],
                   ([problem.label("left", u.left), problem.label("right", u.right),
                     problem.name("left", u.left), problem.name("right", u.right), round(u.score, 6), u.reason]
                    for u in sorted(timetable.unplaced, key=lambda u: (-u.score, u.left, u.right))))
    return path


def write_plan(timetable: Timetable, out_dir: str | Path, *, title: str = "Timetable",
               agenda_formats: Iterable[str] | None = None, grid_formats: Iterable[str] = ("html", "png")) -> dict[str, Any]:
    """Agendas, grid, ``unplaced.csv`` and ``summary.json`` in ``out_dir``; returns the summary.

    ``agenda_formats`` defaults to csv and json, plus ics when every slot has times.
    """
    problem = timetable.problem
    if agenda_formats is None:
        timed = all(s.start is not None and s.end is not None for s in problem.slots)
        agenda_formats = ("csv", "json", "ics") if timed else ("csv", "json")
    out = Path(out_dir)
    write_agendas(timetable, out, formats=agenda_formats, calendar_name=title)
    write_grid(timetable, out, formats=grid_formats, title=title)
    write_unplaced(timetable, out / "unplaced.csv")
    summary = timetable.summary()
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return summary
