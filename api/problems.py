"""RFC 9457 problem responses (``application/problem+json``) for every error.

Every library error, validation error, HTTP error and unexpected exception
is answered as a problem document::

    {"type": "https://sme-matching.dev/problems/<slug>", "title", "status",
     "detail", "instance", "errors": [{"field", "row", "participant", "message", "value"}]?,
     "limit": {"name", "value"}?}

A 500 never carries a traceback.

Problems are worded in English or Japanese (:func:`request_language`:
``?lang=``, the ``lang`` cookie of the pages, ``Accept-Language``;
English when none of them names a language), from the one message
catalogue :mod:`matching.messages`: the title of each type, the detail of
each error family, the messages of the field errors.  The field names,
ids, ``type`` and ``status`` are the same in both languages; the answer has
``Content-Language``.  A problem whose detail has a message id carries it
as ``message_id`` and ``message_params`` (and so does each field error that
has one), so that a client — or :func:`localize_problem`, for the problems
stored with failed jobs — can word it again.
"""


from __future__ import annotations

import logging
import math
from typing import Any, Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matching.errors import FieldError, ImportRejected, Infeasible, InvalidInput, MatchingError
from matching.messages import LANGUAGES, MESSAGES, pydantic_message_id, render

__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_TYPES",
    "Problem",
    "not_found",
    "limit_exceeded",
    "problem_from_exception",
    "problem_response",
    "install_problem_handlers",
    "field_errors_json",
    "request_language",
    "localize_problem",
]

log = logging.getLogger("api")

PROBLEM_BASE = "https://sme-matching.dev/problems/"

#: slug -> (title, default status).  Unknown slugs raise.
PROBLEM_TYPES: Mapping[str, tuple[str, int]] = {
    "not-found": ("Not found", 404),
    "unauthorized": ("Missing or invalid API token", 401),
    "forbidden": ("The token lacks the scope this needs", 403),
    "invalid-input": ("Invalid input", 422),
    "import-rejected": ("Import refused: nothing was imported", 422),
    "infeasible": ("The rules cannot all hold", 409),
    "conflict": ("Conflict with the current state", 409),
    "limit-exceeded": ("A limit of the service was exceeded", 422),
    "idempotency-mismatch": ("Idempotency-Key reused for a different request", 422),
    "too-many-failures": ("Too many failed authentication attempts from this address", 429),
    "method-not-allowed": ("Method not allowed", 405),
    "unsupported-media-type": ("Unsupported media type", 415),
    "bad-request": ("Bad request", 400),
    "job-interrupted": ("Job interrupted", 500),
    "verification-failed": ("A result failed its independent check and was not published", 500),
    "internal-error": ("Internal server error", 500),
}


def field_errors_json(errors: Iterable[FieldError], lang: str = "en") -> list[dict[str, Any]]:
    """Field errors as JSON, messages in ``lang``, with their message ids."""
    return [e.as_dict(lang, with_id=True) for e in errors]


def request_language(request: Request) -> str:
    """The language of a request's problems: ``?lang=``, the ``lang`` cookie, Accept-Language, else English."""
    from .web.i18n import negotiate

    return negotiate(request.query_params.get("lang"), request.cookies.get("lang"),
                     request.headers.get("accept-language"), default="en")


def _safe_render(code: str, lang: str, params: Mapping[str, Any] | None, fallback: str) -> str:
    if code not in MESSAGES:
        return fallback
    try:
        return render(code, lang, params)
    except (KeyError, IndexError, ValueError):
        return fallback


def _error_entry(error: FieldError | Mapping[str, Any], lang: str) -> dict[str, Any]:
    if isinstance(error, FieldError):
        return error.as_dict(lang, with_id=True)
    entry = dict(error)
    if lang != "en" and entry.get("message_id"):
        entry["message"] = _safe_render(entry["message_id"], lang, entry.get("message_params"), entry.get("message", ""))
    return entry


def localize_problem(body: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A stored problem document (English) worded in ``lang``: title, detail and field messages.

    Examples
    --------
    >>> doc = Problem("not-found", code="not_found", params={"kind": "event", "id": "ev_1"}).body()
    >>> localize_problem(doc, "ja")["detail"]
    'イベント「ev_1」が見つかりません'
    """
    out = dict(body)
    if lang not in LANGUAGES or lang == "en" or not isinstance(out.get("type"), str):
        return out
    slug = out["type"].removeprefix(PROBLEM_BASE)
    if f"title.{slug}" in MESSAGES:
        out["title"] = render(f"title.{slug}", lang)
    english = str(out.get("detail", ""))
    if out.get("message_id"):
        out["detail"] = _safe_render(out["message_id"], lang, out.get("message_params"), english)
    elif f"detail.{slug}" in MESSAGES:
        out["detail"] = render(f"detail.{slug}", lang, {"detail": english})
    if isinstance(out.get("errors"), list):
        out["errors"] = [_error_entry(e, lang) if isinstance(e, Mapping) else e for e in out["errors"]]
    return out


class Problem(Exception):
    """An error answered as a problem document.

    Parameters
    ----------
    slug : str
        A key of :data:`PROBLEM_TYPES`.
    detail : str, optional
        The English detail; by default the catalogue's English of ``code``.
    code : str, optional
        The message id of the detail in :mod:`matching.messages`; without
        one, other languages get the type's generic sentence with the
        English detail in brackets.
    params : mapping, optional
        The parameters of ``code``.
    status : int, optional
        Defaults to the slug's status.
    errors : list of FieldError or dict, optional
    limit : (name, value), optional
    headers : mapping, optional
    """

    def __init__(self, slug: str, detail: str | None = None, *, code: str | None = None, params: Mapping[str, Any] | None = None,
                 status: int | None = None, errors: list[FieldError | dict[str, Any]] | None = None,
                 limit: tuple[str, Any] | None = None, headers: Mapping[str, str] | None = None, **extra: Any):
        if slug not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {slug!r}; expected one of {sorted(PROBLEM_TYPES)}")
        if detail is None:
            if code is None:
                raise ValueError("a Problem needs a detail or a message id (code)")
            detail = render(code, "en", params)
        super().__init__(detail)
        self.slug = slug
        self.detail = detail
        self.code = code
        self.params = dict(params or {})
        self.status = status if status is not None else PROBLEM_TYPES[slug][1]
        self.errors = errors
        self.limit = limit
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self, instance: str | None = None, lang: str = "en") -> dict[str, Any]:
        """The problem document, worded in ``lang``."""
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": PROBLEM_TYPES[self.slug][0],
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            doc["instance"] = instance
        if self.code is not None:
            doc["message_id"] = self.code
            doc["message_params"] = _json_safe(self.params)
        if self.errors is not None:
            doc["errors"] = [_error_entry(e, "en") for e in self.errors]
        if self.limit is not None:
            doc["limit"] = {"name": self.limit[0], "value": self.limit[1]}
        doc.update(self.extra)
        return localize_problem(doc, lang)


def not_found(kind: str, ident: Any) -> Problem:
    """The one answer for a missing id *and* for someone else's id."""
    return Problem("not-found", code="not_found", params={"kind": kind, "id": str(ident)})


def limit_exceeded(name: str, value: Any, detail: str, *, status: int = 422) -> Problem:
    return Problem("limit-exceeded", detail, code="limit_exceeded", params={"name": name, "value": value, "detail": detail},
                   status=status, limit=(name, value))


def _json_safe(value: Any) -> Any:
    """Non-finite floats (``NaN`` sent in a body) become strings: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def problem_response(problem: Problem, instance: str | None = None, lang: str = "en") -> JSONResponse:
    """The problem as an ``application/problem+json`` response in ``lang`` (with ``Content-Language``)."""
    headers = dict(problem.headers)
    headers["Content-Language"] = lang
    return JSONResponse(_json_safe(problem.body(instance, lang)), status_code=problem.status, media_type="application/problem+json",
                        headers=headers)


def problem_from_exception(exc: BaseException) -> Problem:
    """Translate a library error into a :class:`Problem`."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, ImportRejected):
        return Problem("import-rejected", str(exc).splitlines()[0], code="import_refused",
                       params={"source": exc.source, "count": len(exc.errors)}, errors=list(exc.errors))
    if isinstance(exc, InvalidInput):
        return Problem("invalid-input", str(exc).splitlines()[0], code="invalid_values", params={"count": len(exc.errors)},
                       errors=list(exc.errors))
    if isinstance(exc, Infeasible):
        return Problem("infeasible", str(exc), code=exc.code, params=exc.params, culprits=list(exc.culprits))
    if type(exc).__name__ == "VerificationFailed":
        return Problem("verification-failed", str(exc))
    if isinstance(exc, MatchingError):
        return Problem("conflict", str(exc))
    return Problem("internal-error", "an unexpected error occurred; it was logged")


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            where, loc = loc[0], loc[1:]
        else:
            where = ""
        field = ".".join(loc) or where or "(request)"
        value = error.get("input")
        if not isinstance(value, (str, int, float, bool, type(None))):
            value = None
        entry = {"field": field, "row": None, "participant": None, "message": error.get("msg", "invalid"), "value": value}
        code = pydantic_message_id(error)
        if code is not None:
            entry["message_id"] = code
            entry["message_params"] = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
        out.append(entry)
    return out


_SLUG_BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
                   409: "conflict", 413: "limit-exceeded", 415: "unsupported-media-type", 422: "invalid-input"}


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path, request_language(request))

    @app.exception_handler(MatchingError)
    async def _matching(request: Request, exc: MatchingError) -> JSONResponse:
        return problem_response(problem_from_exception(exc), request.url.path, request_language(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid request"
        fields = {lang: "; ".join(f"{e['field']}: {_error_entry(e, lang)['message']}" for e in errors[:5]) or detail
                  for lang in LANGUAGES}
        problem = Problem("invalid-input", detail, code="request_invalid", params={"fields": fields}, errors=errors)
        return problem_response(problem, request.url.path, request_language(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = _SLUG_BY_STATUS.get(exc.status_code, "bad-request" if exc.status_code < 500 else "internal-error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code, params = None, None
        if exc.status_code == 404 and detail == "Not Found":
            code, params = "no_route", {"path": request.url.path}
            detail = None
        problem = Problem(slug, detail, code=code, params=params, status=exc.status_code, headers=getattr(exc, "headers", None))
        return problem_response(problem, request.url.path, request_language(request))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(problem_from_exception(exc), request.url.path, request_language(request))
