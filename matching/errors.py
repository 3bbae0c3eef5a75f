"""Typed exceptions of the engine.

Bad input (a wrong value, a malformed file) is a :class:`InvalidInput`, a
``ValueError``; a well-formed problem that has no solution is
:class:`Infeasible`, which is *not* a ``ValueError``: the input was fine, the
constraints cannot all hold, and the message says which ones to relax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "FieldError",
    "MatchingError",
    "InvalidInput",
    "ImportRejected",
    "Infeasible",
    "ClusterUnavailable",
]


@dataclass(frozen=True)
class FieldError:
    """One problem with one value: where it is, what came, what was expected.

    ``row`` is the line number in the source file (1-based, the header is
    line 1 of a CSV file) or the 1-based position in a JSON list; ``None``
    when the error is not tied to a row.
    """

    field: str
    value: Any
    message: str
    row: int | None = None
    participant: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.participant:
            where.append(f"participant {self.participant!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.field}: {self.message} (got {self.value!r})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "participant": self.participant,
            "field": self.field,
            "value": _jsonable(self.value),
            "message": self.message,
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


class MatchingError(Exception):
    """Base class of every error the engine raises on purpose."""


class InvalidInput(MatchingError, ValueError):
    """Input that breaks a validation rule; ``errors`` lists every problem."""

    def __init__(self, errors: Iterable[FieldError], summary: str | None = None):
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("InvalidInput needs at least one FieldError")
        head = summary or f"{len(self.errors)} invalid value(s)"
        lines = [head] + [f"  {e}" for e in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  … and {len(self.errors) - 50} more")
        super().__init__("\n".join(lines))


class ImportRejected(InvalidInput):
    """A whole file refused: nothing from it was imported.

    ``errors`` holds every bad row with its line number and reason;
    ``source`` names the file.
    """

    def __init__(self, source: str, errors: Iterable[FieldError], summary: str | None = None):
        self.source = source
        errors = tuple(errors)
        rows = {e.row for e in errors if e.row is not None}
        in_rows = f" in {len(rows)} row(s)" if rows else ""
        head = summary or f"{source}: import refused, nothing was imported: {len(errors)} error(s){in_rows}"
        super().__init__(errors, head)


class Infeasible(MatchingError, RuntimeError):
    """The constraints of a well-formed problem cannot all be satisfied.

    ``culprits`` names the participants or constraints in conflict, in words
    an organizer can act on.
    """

    def __init__(self, message: str, culprits: Iterable[str] = ()):
        self.culprits: tuple[str, ...] = tuple(culprits)
        super().__init__(message)


class ClusterUnavailable(MatchingError, ConnectionError):
    """The Dask cluster asked for cannot be used: unreachable, or Dask is not installed.

    ``address`` is the scheduler address (or ``"local"``) as given; raised
    before any work is sent.
    """

    def __init__(self, address: str, reason: str):
        self.address = address
        super().__init__(f"cannot use the Dask cluster at {address}: {reason}")
