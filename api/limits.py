"""Request body size limit, enforced from ``Content-Length`` and while the body streams in."""

from __future__ import annotations

import json

from .problems import Problem, limit_exceeded, request_language

__all__ = ["BodySizeLimit", "BodyTooLarge"]


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware answering 413 ``limit-exceeded`` (``max_body_bytes``) for a body over the limit.

    A declared ``Content-Length`` over the limit is refused before reading;
    a chunked body is counted as it arrives and refused once it passes the
    limit (whatever the application had started to answer is replaced).
    """

    def __init__(self, app, max_body_bytes: int):  # noqa: ANN001 - an ASGI app
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _problem(self) -> Problem:
        return limit_exceeded("max_body_bytes", self.max_body_bytes,
                              f"the request body is larger than {self.max_body_bytes} bytes", status=413)

    async def _send_problem(self, scope, send) -> None:  # noqa: ANN001
        from starlette.requests import Request

        lang = request_language(Request(scope))
        body = json.dumps(self._problem().body(scope.get("path"), lang), separators=(",", ":"), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                                (b"content-language", lang.encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_body_bytes:
                    await self._send_problem(scope, send)
                    return
        seen = 0
        exceeded = False
        started = False

        async def limited_receive():  # noqa: ANN202
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message) -> None:  # noqa: ANN001
            nonlocal started
            if exceeded:
                return  # the 413 replaces whatever the application answers
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._send_problem(scope, send)
