"""Requests in flight per process are held to what the database connection pool can serve.

The (sync) endpoints and dependencies run in the server's thread pool, and a
request keeps its database connection from its first query until it is
done, across several hops through that thread pool (authentication, the
endpoint, the response's validation, closing the session).  With more
requests in flight than connections, every pool thread could end up
waiting for a connection held by a request that itself waits for a thread:
the process stalls until the connection pool's timeout and answers 500s.
:class:`DatabaseGate` lets at most as many requests in as there are
connections for them (the rest wait their turn, in order), so a thread
never waits for a connection.  Found by ``benchmarks/service.py``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

import anyio

__all__ = ["DatabaseGate", "request_slots"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[..., Awaitable[Any]], Callable[..., Awaitable[Any]]], Awaitable[None]]


def request_slots(pool_size: int, job_workers: int) -> int:
    """Requests one process may serve at once: the pool's connections less the job threads' (two each) and the heartbeat's."""
    return max(1, pool_size - 2 * job_workers - 1)


class DatabaseGate:
    """ASGI middleware: at most ``limit`` HTTP requests inside the app at once; the others wait (never refused)."""

    def __init__(self, app: ASGIApp, limit: int):
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.app = app
        self.limit = limit
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive, send) -> None:  # noqa: ANN001 - ASGI callables
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # made in the event loop, on the first request
            self._slots = anyio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
