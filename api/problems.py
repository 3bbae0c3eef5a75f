"""RFC 9457 problem responses (``application/problem+json``) for every error.

Every library error, validation error, HTTP error and unexpected exception
is answered as a problem document::

    {"type": "https://sme-matching.dev/problems/<slug>", "title", "status",
     "detail", "instance", "errors": [{"field", "row", "participant", "message", "value"}]?,
     "limit": {"name", "value"}?}

A 500 never carries a traceback.
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


def field_errors_json(errors: Iterable[FieldError]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in errors]


class Problem(Exception):
    """An error answered as a problem document.

    Parameters
    ----------
    slug : str
        A key of :data:`PROBLEM_TYPES`.
    detail : str
    status : int, optional
        Defaults to the slug's status.
    errors : list of dict, optional
    limit : (name, value), optional
    headers : mapping, optional
    """

    def __init__(self, slug: str, detail: str, *, status: int | None = None, errors: list[dict[str, Any]] | None = None,
                 limit: tuple[str, Any] | None = None, headers: Mapping[str, str] | None = None, **extra: Any):
        if slug not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {slug!r}; expected one of {sorted(PROBLEM_TYPES)}")
        super().__init__(detail)
        self.slug = slug
        self.detail = detail
        self.status = status if status is not None else PROBLEM_TYPES[slug][1]
        self.errors = errors
        self.limit = limit
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": PROBLEM_TYPES[self.slug][0],
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            doc["instance"] = instance
        if self.errors is not None:
            doc["errors"] = self.errors
        if self.limit is not None:
            doc["limit"] = {"name": self.limit[0], "value": self.limit[1]}
        doc.update(self.extra)
        return doc


def not_found(kind: str, ident: Any) -> Problem:
    """The one answer for a missing id *and* for someone else's id."""
    return Problem("not-found", f"{kind} {str(ident)!r} not found")


def limit_exceeded(name: str, value: Any, detail: str, *, status: int = 422) -> Problem:
    return Problem("limit-exceeded", detail, status=status, limit=(name, value))


def _json_safe(value: Any) -> Any:
    """Non-finite floats (``NaN`` sent in a body) become strings: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(_json_safe(problem.body(instance)), status_code=problem.status, media_type="application/problem+json",
                        headers=problem.headers or None)


def problem_from_exception(exc: BaseException) -> Problem:
    """Translate a library error into a :class:`Problem`."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, ImportRejected):
        return Problem("import-rejected", str(exc).splitlines()[0], errors=field_errors_json(exc.errors))
    if isinstance(exc, InvalidInput):
        return Problem("invalid-input", str(exc).splitlines()[0], errors=field_errors_json(exc.errors))
    if isinstance(exc, Infeasible):
        return Problem("infeasible", str(exc), culprits=list(exc.culprits))
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
        out.append({"field": field, "row": None, "participant": None, "message": error.get("msg", "invalid"), "value": value})
    return out


_SLUG_BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
                   409: "conflict", 413: "limit-exceeded", 415: "unsupported-media-type", 422: "invalid-input"}


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(MatchingError)
    async def _matching(request: Request, exc: MatchingError) -> JSONResponse:
        return problem_response(problem_from_exception(exc), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]) or "invalid request"
        return problem_response(Problem("invalid-input", detail, errors=errors), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = _SLUG_BY_STATUS.get(exc.status_code, "bad-request" if exc.status_code < 500 else "internal-error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path!r}"
        problem = Problem(slug, detail, status=exc.status_code, headers=getattr(exc, "headers", None))
        return problem_response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(problem_from_exception(exc), request.url.path)
