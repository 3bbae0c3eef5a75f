"""Typed exceptions of the engine.

Bad input (a wrong value, a malformed file) is a :class:`InvalidInput`, a
``ValueError``; a well-formed problem that has no solution is
:class:`Infeasible`, which is *not* a ``ValueError``: the input was fine, the
constraints cannot all hold, and the message says which ones to relax.

Every error's ``str()`` is English.  An error built with a message id
(``code``) and its parameters (``params``) from :mod:`matching.messages`
can also be worded in Japanese: :meth:`FieldError.message_in`,
:meth:`InvalidInput.summary_in`, :meth:`Infeasible.message_in`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

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
    when the error is not tied to a row.  ``message`` is English;
    ``code`` and ``params`` (optional) name the message in
    :mod:`matching.messages`, so that :meth:`message_in` can word it in
    another language.
    """

    field: str
    value: Any
    message: str
    row: int | None = None
    participant: str | None = None
    code: str | None = field(default=None, compare=False)
    params: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @classmethod
    def coded(cls, field: str, value: Any, code: str, params: Mapping[str, Any] | None = None, *,
              row: int | None = None, participant: str | None = None) -> "FieldError":
        """A field error whose English message comes from the catalogue entry ``code``."""
        from .messages import render

        return cls(field, value, render(code, "en", params), row=row, participant=participant, code=code, params=dict(params or {}))

    def message_in(self, lang: str) -> str:
        """The message in ``lang`` (the English one when the error has no message id or for ``en``)."""
        return _localized(self.message, self.code, self.params, lang)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.participant:
            where.append(f"participant {self.participant!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.field}: {self.message} (got {self.value!r})"

    def as_dict(self, lang: str = "en", *, with_id: bool = False) -> dict[str, Any]:
        """The error as JSON, its message in ``lang``; ``with_id`` adds a coded error's ``message_id`` and ``message_params``."""
        out = {
            "row": self.row,
            "participant": self.participant,
            "field": self.field,
            "value": _jsonable(self.value),
            "message": self.message_in(lang),
        }
        if with_id and self.code is not None:
            out["message_id"] = self.code
            out["message_params"] = {k: _jsonable(v) for k, v in (self.params or {}).items()}
        return out


def _localized(english: str, code: str | None, params: Mapping[str, Any] | None, lang: str) -> str:
    if code is None or lang == "en":
        return english
    from .messages import MESSAGES, render

    if code not in MESSAGES:
        return english
    try:
        return render(code, lang, params)
    except (KeyError, IndexError, ValueError):
        return english


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
        self.summary = summary
        head = summary or f"{len(self.errors)} invalid value(s)"
        lines = [head] + [f"  {e}" for e in self.errors[:50]]
        if len(self.errors) > 50:
            lines.append(f"  … and {len(self.errors) - 50} more")
        super().__init__("\n".join(lines))

    def summary_in(self, lang: str) -> str:
        """The first line of the message in ``lang`` (the errors themselves: :meth:`FieldError.message_in`)."""
        if lang == "en":
            return str(self).splitlines()[0]
        from .messages import render

        return render("invalid_values", lang, {"count": len(self.errors)})


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

    def summary_in(self, lang: str) -> str:
        if lang == "en":
            return str(self).splitlines()[0]
        from .messages import render

        return render("import_refused", lang, {"source": self.source, "count": len(self.errors)})


class Infeasible(MatchingError, RuntimeError):
    """The constraints of a well-formed problem cannot all be satisfied.

    ``culprits`` names the participants or constraints in conflict, in words
    an organizer can act on.
    """

    def __init__(self, message: str, culprits: Iterable[str] = (), *, code: str | None = None,
                 params: Mapping[str, Any] | None = None):
        self.culprits: tuple[str, ...] = tuple(culprits)
        self.code = code
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(message)

    def message_in(self, lang: str) -> str:
        """The reason in ``lang``: the catalogue's wording of ``code``, else the English message.

        In a language other than English, a reason without a message id is
        the catalogue's generic "cannot all hold" sentence with the English
        reason in brackets.
        """
        english = str(self)
        if lang == "en":
            return english
        from .messages import render

        if self.code is not None:
            return _localized(english, self.code, self.params, lang)
        return render("detail.infeasible", lang, {"detail": english})

class ClusterUnavailable(MatchingError, ConnectionError):
    """The Dask cluster asked for cannot be used: unreachable, or Dask is not installed.

    ``address`` is the scheduler address (or ``"local"``) as given; raised
    before any work is sent.
    """

    def __init__(self, address: str, reason: str):
        self.address = address
        super().__init__(f"cannot use the Dask cluster at {address}: {reason}")
