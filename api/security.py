"""Browser security headers on every response of the service.

* **Pages** (every ``text/html`` response but the API docs) get a strict
  Content-Security-Policy, :data:`PAGE_CSP`: scripts, styles, images and
  fetches from the service itself only, no inline script or style, no
  plugins, no framing (``frame-ancestors 'none'``), forms posting to the
  service only.  The pages' own ES modules under ``/static/js`` are the
  only code that runs; their strings come in ``<script type="application/json">``
  data blocks, which are never executed.
* **The API docs** (``/docs``, ``/redoc``: FastAPI's Swagger UI and ReDoc
  pages, which load their code from the jsDelivr CDN and start it with an
  inline script) get :data:`DOCS_CSP`, which allows exactly that and still
  forbids framing.
* **Everything else** (JSON, CSV, iCalendar, problems) gets
  ``default-src 'none'; frame-ancestors 'none'``: nothing in such a
  response may load or run anything if a browser renders it.
* Every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options:
  DENY`` (for browsers without CSP level 2), ``Referrer-Policy:
  no-referrer`` (a participant's link token in ``/p/<token>`` never leaves
  in a ``Referer`` header) and ``Cross-Origin-Opener-Policy: same-origin``.
* **API responses** under ``/api/`` get ``Cache-Control: no-store`` (they
  carry participants' profiles, contacts, agendas and tokens: no shared or
  browser cache may keep them) unless the route set its own.

A header a route set itself is left as it is.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

__all__ = ["PAGE_CSP", "DOCS_CSP", "DATA_CSP", "SecurityHeaders", "security_headers_for"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

#: The policy of the service's own pages.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: The policy of FastAPI's /docs and /redoc pages (CDN code started by an inline script).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
#: The policy of everything that is not a page (JSON, CSV, iCalendar, problems).
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"

_DOCS_PATHS = ("/docs", "/redoc")
_ALWAYS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
}


def security_headers_for(path: str, content_type: str) -> dict[str, str]:
    """The headers :class:`SecurityHeaders` adds to a response for ``path`` with ``content_type``.

    Examples
    --------
    >>> security_headers_for("/p/pt_x", "text/html; charset=utf-8")["Content-Security-Policy"] == PAGE_CSP
    True
    >>> security_headers_for("/api/v1/events", "application/json")["Cache-Control"]
    'no-store'
    """
    headers = {name.decode().title(): value.decode() for name, value in _ALWAYS.items()}
    if content_type.split(";")[0].strip().lower() == "text/html":
        docs = any(path == p or path.startswith(p + "/") for p in _DOCS_PATHS)
        headers["Content-Security-Policy"] = DOCS_CSP if docs else PAGE_CSP
    else:
        headers["Content-Security-Policy"] = DATA_CSP
    if path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """ASGI middleware adding :func:`security_headers_for` to every HTTP response (route headers win)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                content_type = next((value.decode("latin-1") for name, value in raw if name.lower() == b"content-type"), "")
                for name, value in security_headers_for(path, content_type).items():
                    key = name.lower().encode("latin-1")
                    if key not in present:
                        raw.append((key, value.encode("latin-1")))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
