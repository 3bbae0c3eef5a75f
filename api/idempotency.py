"""``Idempotency-Key`` for imports and job submissions.

The first request with a key stores its response (status, body, headers) in
the same transaction as what it created; a replay of the same request (same
organizer, key, method, path with query, and body) gets the stored response
and creates nothing; the same key with a different request is an
``idempotency-mismatch`` problem (422).  Only successful responses are
stored: a refused request may be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import IdempotencyRow, utcnow
from .problems import Problem

__all__ = ["MAX_KEY_LENGTH", "request_fingerprint", "run_idempotent"]

MAX_KEY_LENGTH = 200


def request_fingerprint(request: Request, body: bytes) -> tuple[str, str, str]:
    """(method, path with query, SHA-256 of content type and body)."""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    digest = hashlib.sha256(request.headers.get("content-type", "").encode() + b"\n" + body).hexdigest()
    return request.method, path, digest


def _stored(row: IdempotencyRow, method: str, path: str, digest: str, key: str) -> Response:
    if (row.method, row.path, row.body_hash) != (method, path, digest):
        raise Problem("idempotency-mismatch", code="idempotency_mismatch",
                      params={"key": key, "method": row.method, "path": row.path})
    headers = dict(row.headers)
    headers["Idempotent-Replayed"] = "true"
    return Response(row.response, status_code=row.status, media_type="application/json", headers=headers)


def run_idempotent(
    session: Session,
    request: Request,
    organizer_id: str,
    body: bytes,
    produce: Callable[[], tuple[int, Any, Mapping[str, str]]],
) -> Response:
    """Answer a request once per ``Idempotency-Key``.

    ``produce()`` does the work in ``session`` (without committing) and
    returns ``(status, JSON-able payload, headers)``; this function commits
    the work together with the stored response.  Without the header it
    simply runs ``produce`` and commits.
    """
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH):
        raise Problem("invalid-input", f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters",
                      errors=[{"field": "Idempotency-Key", "row": None, "participant": None,
                               "message": f"1 to {MAX_KEY_LENGTH} characters", "value": key[:50]}])
    method, path, digest = request_fingerprint(request, body)
    if key is not None:
        found = session.scalar(select(IdempotencyRow).where(IdempotencyRow.organizer_id == organizer_id, IdempotencyRow.key == key))
        if found is not None:
            return _stored(found, method, path, digest, key)
    status, payload, headers = produce()
    content = json.dumps(jsonable_encoder(payload), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key is not None:
        session.add(IdempotencyRow(organizer_id=organizer_id, key=key, method=method, path=path, body_hash=digest,
                                   status=status, response=content, headers=dict(headers), created_at=utcnow()))
    try:
        session.commit()
    except IntegrityError:
        # The same key arrived twice at once: the other request won; answer with its response.
        session.rollback()
        found = session.scalar(select(IdempotencyRow).where(IdempotencyRow.organizer_id == organizer_id, IdempotencyRow.key == key))
        if found is None:
            raise
        return _stored(found, method, path, digest, key)
    return Response(content, status_code=status, media_type="application/json", headers=dict(headers))
