"""`matching worker` (job workers without HTTP) and `matching migrate` (upgrade the service's database)."""

from __future__ import annotations

import argparse
import logging

__all__ = ["register", "run_worker", "run_migrate"]


def register(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser(
        "worker",
        help="run the service's background jobs (match, plan, re-plan) in this process, without HTTP",
        description=(
            "Run job workers against the service's database (MATCHING_DATABASE_URL or --database-url) until SIGTERM "
            "or Ctrl-C. Start several, on several machines: each job is claimed under a lease, runs once, and is "
            "taken over by another worker when its worker dies. Pair with `matching serve --no-jobs`. The database "
            "must already be migrated (`matching migrate`)."
        ),
    )
    worker.add_argument("--threads", type=int, default=None, metavar="N",
                        help="jobs run at once by this process (default MATCHING_JOB_WORKERS, 1)")
    worker.add_argument("--database-url", default=None, help="overrides MATCHING_DATABASE_URL")
    worker.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    worker.set_defaults(func=run_worker)

    migrate = sub.add_parser(
        "migrate",
        help="upgrade the service's database to this version's schema (before starting API processes and workers)",
        description=("Apply the service's pending database migrations (Alembic) to MATCHING_DATABASE_URL or "
                     "--database-url, and print the revision before and after. Safe to run again."),
    )
    migrate.add_argument("--database-url", default=None, help="overrides MATCHING_DATABASE_URL")
    migrate.set_defaults(func=run_migrate)


def run_worker(args: argparse.Namespace) -> int:
    from api.settings import Settings
    from api.worker import run_worker as run

    from ..errors import FieldError, InvalidInput

    overrides: dict[str, object] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.threads is not None:
        if args.threads < 1:
            raise InvalidInput([FieldError("--threads", args.threads, "expected at least 1")])
        overrides["job_workers"] = args.threads
    settings = Settings.from_env(**overrides)
    if settings.job_workers < 1:
        raise InvalidInput([FieldError("MATCHING_JOB_WORKERS", settings.job_workers, "a worker needs at least 1 thread")])
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))  # its set-up chatter
    return run(settings)


def run_migrate(args: argparse.Namespace) -> int:
    from api.db import make_engine, migrate
    from api.health import head_revision, schema_revision
    from api.settings import Settings

    settings = Settings.from_env(**({"database_url": args.database_url} if args.database_url else {}))
    engine = make_engine(settings.database_url)
    try:
        before = schema_revision(engine)
        migrate(engine)
        after = schema_revision(engine)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        print(f"database {where}: already at migration {after} (this version's {head_revision()})")
    else:
        print(f"database {where}: migrated from {before or 'nothing'} to {after}")
    return 0
