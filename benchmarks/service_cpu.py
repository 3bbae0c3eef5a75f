"""CPU milliseconds one API process spends per request, endpoint by endpoint, measured in-process.

``python -m benchmarks.service_cpu [--database-url URL] [--requests 300] [--rounds 3] [--profile NAME]``

The load test (:mod:`benchmarks.service`) says how the service answers
under load; this says where one process's CPU goes, without the load
generator, the other processes or the network in the way.  It seeds the
same database as the load test (:func:`benchmarks.service.seed`: the
organizer's matched and planned fair, the participants' links), builds the
app (:func:`api.app.create_app`, no job worker) and sends each request of
the load test's scenario (:mod:`benchmarks._service_users`) ``--requests``
times straight to the ASGI application (no server, no socket: the HTTP
parsing of uvicorn is left out, the middlewares, routing, dependencies,
queries and serialization are in).  Reported per endpoint: CPU ms per
request of this process (``time.process_time``, all its threads: the
database server's CPU is not in it) and wall ms, the least of ``--rounds``
rounds that go through the endpoints in turn (other work on the machine
only ever adds).  With ``--profile NAME`` (a prefix of an endpoint's name,
e.g. ``"read: organizer pairs"``) that endpoint is also run under a
profiler, CPU time (see :func:`_profile`).

The database: ``--database-url``, else ``MATCHING_BENCH_DATABASE_URL``, else
``MATCHING_TEST_POSTGRES_URL`` (a fresh schema, dropped at the end), else a
SQLite file in a temporary folder.  Seeding takes minutes: ``--keep FILE``
keeps the schema and writes what it holds to ``FILE``, which ``--seeded
FILE`` uses again (no seeding; the schema stays).  Figures go to
``out/bench/service_cpu.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["main", "scenario", "measure_endpoint"]

ROOT = Path(__file__).resolve().parents[1]


def scenario(config: dict[str, Any]) -> dict[str, Any]:
    """The load test's requests as ``name -> callable(rng) -> (method, path, query, headers, body)``."""
    auth = [(b"authorization", f"Bearer {config['token']}".encode())]
    pairs = config["pairs"]
    result, uploads = config["result_id"], config["upload_event_id"]
    body = Path(config["upload_csv"]).read_bytes()

    def link(rng: random.Random) -> str:
        return rng.choice(config["links"])

    return {
        "read: organizer pairs page": lambda rng: (
            "GET", f"/api/v1/results/{result}/pairs",
            f"limit=50&offset={rng.randrange(0, max(1, pairs - 50) + 1)}&lang={rng.choice(('ja', 'en'))}", auth, b""),
        "read: organizer result": lambda rng: ("GET", f"/api/v1/results/{result}", "", auth, b""),
        "read: organizer jobs": lambda rng: ("GET", f"/api/v1/events/{uploads}/jobs", "limit=20", auth, b""),
        "read: portal profile": lambda rng: ("GET", f"/api/v1/p/{link(rng)}", "", [], b""),
        "read: portal recommendations": lambda rng: ("GET", f"/api/v1/p/{link(rng)}/recommendations", "lang=ja", [], b""),
        "read: portal agenda": lambda rng: ("GET", f"/api/v1/p/{link(rng)}/agenda", "", [], b""),
        "read: portal agenda.ics": lambda rng: ("GET", f"/api/v1/p/{link(rng)}/agenda.ics", "", [], b""),
        "write: upload csv": lambda rng: ("POST", f"/api/v1/events/{uploads}/participants/import", "mode=replace",
                                          [*auth, (b"content-type", b"text/csv")], body),
    }


async def _call(app: Any, method: str, path: str, query: str, headers: list[tuple[bytes, bytes]],
                body: bytes) -> tuple[int, bytes]:
    """One request straight to the ASGI app; its status and body."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), *headers, (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def measure_endpoint(app: Any, make: Any, n: int, *, seed: int = 0) -> dict[str, float]:
    """CPU and wall ms per request of ``n`` requests made by ``make(rng)`` (after 5 unmeasured ones)."""
    rng = random.Random(seed)
    requests = [make(rng) for _ in range(n + 5)]

    async def run() -> tuple[float, float]:
        for request in requests[:5]:
            status, body = await _call(app, *request)
            if status >= 300:
                raise RuntimeError(f"{request[0]} {request[1]} answered {status}: {body[:500]!r}")
        cpu, wall = time.process_time(), time.perf_counter()
        for request in requests[5:]:
            await _call(app, *request)
        return time.process_time() - cpu, time.perf_counter() - wall

    cpu, wall = asyncio.run(run())
    return {"requests": n, "cpu_ms": round(1000 * cpu / n, 3), "wall_ms": round(1000 * wall / n, 3)}


def _profile(app: Any, make: Any, n: int) -> str:
    """Where ``n`` requests spend their time, each run in this thread (a profiler sees only the thread it runs in).

    With ``pyinstrument`` installed (the ``bench`` extra), its call tree of
    samples; else :mod:`cProfile`'s 45 costliest functions (which inflates
    pure-Python code with many small calls -- routing, SQLAlchemy -- well
    beyond its share).  The thread pool's hops are not in either.
    """
    import anyio.to_thread

    async def inline(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    threaded = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline
    try:
        try:
            from pyinstrument import Profiler
        except ImportError:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            measure_endpoint(app, make, n, seed=1)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            return out.getvalue()
        from pyinstrument.stack_sampler import get_stack_sampler

        stacks = get_stack_sampler()
        stacks.timer_func = time.process_time  # CPU time: waiting for the database is not in it
        sampler = Profiler(interval=0.0002, async_mode="disabled")
        try:
            sampler.start()
            measure_endpoint(app, make, n, seed=1)
            sampler.stop()
        finally:
            stacks.timer_func = None
        return sampler.output_text(unicode=False, color=False, show_all=os.environ.get("PROFILE_ALL") == "1")
    finally:
        anyio.to_thread.run_sync = threaded


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint and round (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds through the endpoints; the least is reported (default 3)")
    parser.add_argument("--left", type=int, default=200, help="exhibitors of the fair (default 200, as the load test)")
    parser.add_argument("--right", type=int, default=400, help="buyers of the fair (default 400, as the load test)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME", help="endpoints to measure (name prefixes)")
    parser.add_argument("--profile", default=None, metavar="NAME", help="also profile this endpoint (a name prefix)")
    parser.add_argument("--keep", type=Path, default=None, metavar="FILE", help="keep the seeded schema, described in FILE")
    parser.add_argument("--seeded", type=Path, default=None, metavar="FILE", help="use the schema a --keep run described")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "service_cpu.json")
    args = parser.parse_args(argv)

    from api.app import create_app
    from api.settings import Settings

    from .service import _drop_schema, _schema_url, seed

    url = args.database_url or os.environ.get("MATCHING_BENCH_DATABASE_URL") or os.environ.get("MATCHING_TEST_POSTGRES_URL")
    schema = None
    with tempfile.TemporaryDirectory(prefix="matching-bench-service-cpu-") as tmp:
        folder = Path(tmp)
        try:
            if args.seeded is not None:
                config = json.loads(args.seeded.read_text())
                url = config["database_url"]
            else:
                if args.keep is not None:
                    folder = args.keep.resolve().parent / (args.keep.stem + "-files")
                    folder.mkdir(parents=True, exist_ok=True)
                url = url or f"sqlite:///{folder / 'service.db'}"
                scoped, schema = _schema_url(url)
                config = {**seed(scoped, folder, n_left=args.left, n_right=args.right), "database_url": scoped}
                if args.keep is not None:
                    args.keep.write_text(json.dumps(config))
                    schema = None
            app = create_app(Settings(database_url=config["database_url"], seed_demo=False, job_workers=0),
                             migrate_schema=False)
            endpoints = {name: make for name, make in scenario(config).items()
                         if args.only is None or any(name.startswith(p) for p in args.only)}
            rounds: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
            for index in range(args.rounds):
                for name, make in endpoints.items():
                    rounds[name].append(measure_endpoint(app, make, args.requests, seed=index))
            figures = {}
            for name, measured in rounds.items():
                figures[name] = {"requests": args.requests, "rounds": args.rounds,
                                 "cpu_ms": min(m["cpu_ms"] for m in measured), "wall_ms": min(m["wall_ms"] for m in measured),
                                 "cpu_ms_rounds": [m["cpu_ms"] for m in measured]}
                print(f"{name:32s} {figures[name]['cpu_ms']:8.2f} CPU ms {figures[name]['wall_ms']:8.2f} wall ms  "
                      f"(rounds: {', '.join(f'{m:.2f}' for m in figures[name]['cpu_ms_rounds'])})", flush=True)
            if args.profile:
                for name, make in endpoints.items():
                    if name.startswith(args.profile):
                        print(f"\n=== {name} ===\n{_profile(app, make, args.requests)}")
            app.state.engine.dispose()
        finally:
            if schema is not None:
                _drop_schema(url, schema)
    report = {"benchmark": "service_cpu", "database": "postgresql" if url.startswith("postgresql") else "sqlite",
              "loadavg": Path("/proc/loadavg").read_text().split()[:3], "endpoints": figures}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
