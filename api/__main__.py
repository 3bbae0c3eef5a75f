"""``python -m api [--host 127.0.0.1] [--port 8000] [--workers N] [--no-jobs]``: migrate, seed the demo, print the URL and demo token, serve.

One process with job workers inside (the default, ``make run``) upgrades the
database itself.  Several API processes (``--workers N``) or an API without
job workers (``--no-jobs``, jobs run by ``matching worker``) are a
deployment: they refuse a database whose migrations are behind and name the
command that upgrades it (``matching migrate``), so that migrations run once,
on purpose, and never race.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

__all__ = ["main", "build_parser"]


def build_parser(prog: str = "python -m api") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=("Run the matching service: apply database migrations, seed a demo organizer and event when the "
                     "database is empty, print the URL and the demo token, then serve HTTP. The database comes from "
                     "MATCHING_DATABASE_URL (default sqlite:///./var/matching.db)."),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--database-url", default=None, help="overrides MATCHING_DATABASE_URL")
    parser.add_argument("--no-demo", action="store_true", help="do not seed the demo event into an empty database")
    add_process_arguments(parser)
    return parser


def add_process_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--no-jobs`` and ``--log-level`` (shared with ``matching serve``)."""
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help=("API processes (uvicorn workers) sharing the port (default 1). With more than one, the "
                              "database must already be migrated (`matching migrate`)"))
    parser.add_argument("--no-jobs", action="store_true",
                        help=("run no job workers in the API processes; jobs are run by `matching worker` processes "
                              "(the database must already be migrated)"))
    parser.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))


def serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from .settings import Settings

    if args.workers < 1:
        print(f"error: --workers must be at least 1, got {args.workers}", file=sys.stderr)
        return 2
    overrides: dict[str, object] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.no_demo:
        overrides["seed_demo"] = False
    if args.no_jobs:
        overrides["job_workers"] = 0
    settings = Settings.from_env(**overrides)
    all_in_one = args.workers == 1 and not args.no_jobs
    url = f"http://{args.host}:{args.port}"
    if args.workers == 1:
        from .app import create_app

        app = create_app(settings, migrate_schema=all_in_one, warm_up=True)
        _announce(url, settings, app.state.demo, args)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
        return 0
    from .db import make_engine, make_sessionmaker
    from .demo import ensure_demo
    from .health import require_current_schema

    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        demo = ensure_demo(make_sessionmaker(engine), settings) if settings.seed_demo else None
    finally:
        engine.dispose()
    _announce(url, settings, demo, args)
    # The processes build their app from the environment (api.deploy); the demo is seeded once, above.
    os.environ.update({"MATCHING_DATABASE_URL": settings.database_url, "MATCHING_SEED_DEMO": "false",
                       "MATCHING_JOB_WORKERS": str(settings.job_workers)})
    uvicorn.run("api.deploy:app_from_env", factory=True, workers=args.workers, host=args.host, port=args.port,
                log_level=args.log_level)
    return 0


def _announce(url: str, settings, demo, args: argparse.Namespace) -> None:  # noqa: ANN001 - Settings, DemoInfo | None
    jobs = "no job workers (run `matching worker`)" if settings.job_workers == 0 else f"{settings.job_workers} job worker(s) each"
    print(f"SME matching service: {url}  (API docs {url}/docs, database {settings.database_url})", flush=True)
    if args.workers > 1 or args.no_jobs:
        print(f"{args.workers} API process(es), {jobs}", flush=True)
    if demo is not None and demo.token:
        what = "seeded the demo event" if demo.created else "demo event"
        print(f"{what}: {demo.event_id}", flush=True)
        print(f"demo token: {demo.token}   (also in {demo.token_file})", flush=True)
        print(f"try: curl -H 'Authorization: Bearer {demo.token}' {url}/api/v1/events", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    from matching.errors import MatchingError

    try:
        return serve(build_parser().parse_args(argv))
    except MatchingError as exc:  # e.g. api.health.SchemaNotCurrent
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
