"""`matching validate`: check a participant file (and its rules) without importing it.

On a bad file every error is printed, one per line, sorted by line, then a
one-line total, and the exit status is 1.  On a good file a summary is
printed (participants by role, languages, regions and areas, how many give
availability, wishes, vetoes, conflicts) and the exit status is 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any, TextIO

from .. import vocabulary as vocab
from ..errors import FieldError, ImportRejected, InvalidInput
from ..model import Participant, Programme

__all__ = ["register", "run", "summarize"]

_EPILOG = """\
examples:
  matching validate exhibitors.csv
  matching validate buyers.xlsx --rules fair.toml
  matching validate list.txt --format csv --json

exit status: 0 when the file would be imported, 1 when it would be refused
(every problem is listed with its line, participant id, field, value, reason).
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="check a participant file (CSV, JSON, .xlsx) and list every problem",
        description=(
            "Check a participant file the way an import would, all or nothing: every row against "
            "the profile rules, then the rows against each other (unique ids; wishes, vetoes and "
            "conflicts naming participants of the file) and, with --rules, against the programme "
            "(availability slots, must/never pairs).  Nothing is stored."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="participant file: .csv, .json or .xlsx")
    parser.add_argument(
        "--rules",
        metavar="PROGRAMME",
        help="programme file (.toml or .json): also check availability slots and must/never pairs",
    )
    parser.add_argument(
        "--format", choices=("csv", "json", "xlsx"), help="file format (default: from the file extension)"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of text")
    parser.set_defaults(func=run)


def summarize(participants: Iterable[Participant], programme: Programme | None = None) -> dict[str, Any]:
    """Counts describing a valid participant list (for ``validate``'s summary)."""
    participants = list(participants)
    roles = Counter(p.role for p in participants)
    languages = Counter(lang for p in participants for lang in p.languages)
    regions = Counter(p.region for p in participants if p.region is not None)
    areas = Counter(vocab.REGIONS[p.region].area for p in participants if p.region is not None)
    countries = Counter(p.country for p in participants if p.country is not None)
    summary: dict[str, Any] = {
        "participants": len(participants),
        "roles": dict(roles.most_common()),
        "languages": dict(languages.most_common()),
        "regions": dict(regions.most_common()),
        "areas": dict(areas.most_common()),
        "countries": dict(countries.most_common()),
        "with_availability": sum(1 for p in participants if p.availability),
        "with_wishes": sum(1 for p in participants if p.wishes),
        "with_vetoes": sum(1 for p in participants if p.vetoes),
        "with_conflicts": sum(1 for p in participants if p.conflicts),
        "with_contacts": sum(1 for p in participants if p.contacts),
    }
    if programme is not None:
        summary["programme"] = {
            "id": programme.id,
            "name": programme.name,
            "rounds": len(programme.rounds),
            "slots": sum(len(r.slots) for r in programme.rounds),
        }
    return summary


def _counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counter.items()) or "-"


def _print_summary(source: str, summary: dict[str, Any], out: TextIO) -> None:
    print(f"{source}: OK, {summary['participants']} participant(s) would be imported", file=out)
    print(f"  roles:      {_counts(summary['roles'])}", file=out)
    print(f"  languages:  {_counts(summary['languages'])}", file=out)
    print(f"  regions:    {_counts(summary['regions'])}", file=out)
    print(f"  areas:      {_counts(summary['areas'])}", file=out)
    print(f"  countries:  {_counts(summary['countries'])}", file=out)
    print(
        "  with availability {with_availability}, wishes {with_wishes}, vetoes {with_vetoes}, "
        "conflicts {with_conflicts}, contacts {with_contacts}".format(**summary),
        file=out,
    )
    if "programme" in summary:
        prog = summary["programme"]
        print(
            f"  programme:  {prog['id']} ({prog['name']}), {prog['rounds']} round(s), {prog['slots']} slot(s): "
            "cross-references OK",
            file=out,
        )


#: What a row number counts in each format.
_ROW_WORD = {"csv": "line", "xlsx": "row", "json": "entry"}


def _describe(error: FieldError, row_word: str) -> str:
    where = []
    if error.row is not None:
        where.append(f"{row_word} {error.row}")
    if error.participant:
        where.append(f"participant {error.participant!r}")
    prefix = f"{', '.join(where)}: " if where else ""
    return f"{prefix}{error.field}: {error.message} (got {error.value!r})"


def _print_errors(source: str, errors: list[FieldError], out: TextIO, *, what: str, row_word: str) -> None:
    for error in errors:
        print(f"{source}: {_describe(error, row_word)}", file=out)
    rows = {e.row for e in errors if e.row is not None}
    in_rows = f" in {len(rows)} row(s)" if rows else ""
    print(f"{source}: {len(errors)} error(s){in_rows}; {what}", file=out)


def _report(source: str, exc: InvalidInput, *, as_json: bool, out: TextIO, row_word: str = "line") -> int:
    refused = isinstance(exc, ImportRejected)
    what = "the file would be refused, nothing imported" if refused else "fix these before importing"
    errors = sorted(exc.errors, key=lambda e: -1 if e.row is None else e.row)
    if as_json:
        payload = {
            "ok": False,
            "source": source,
            "error_count": len(errors),
            "errors": [e.as_dict() for e in errors],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=out)
    else:
        _print_errors(source, errors, out, what=what, row_word=row_word)
    return 1


def run(args: argparse.Namespace) -> int:
    from ..io import format_of, load_programme, read_participants

    out = sys.stdout
    programme = None
    if args.rules:
        try:
            programme = load_programme(args.rules)
        except InvalidInput as exc:
            return _report(args.rules, exc, as_json=args.json, out=out)
    try:
        fmt = format_of(args.file, args.format)
    except InvalidInput as exc:
        return _report(args.file, exc, as_json=args.json, out=out)
    try:
        participants = read_participants(args.file, format=fmt, programme=programme)
    except InvalidInput as exc:
        return _report(args.file, exc, as_json=args.json, out=out, row_word=_ROW_WORD[fmt])
    summary = summarize(participants, programme)
    if args.json:
        print(json.dumps({"ok": True, "source": args.file, **summary}, ensure_ascii=False, indent=2), file=out)
    else:
        _print_summary(args.file, summary, out)
    return 0
