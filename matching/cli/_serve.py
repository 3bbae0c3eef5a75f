"""`matching serve` (the HTTP service) and `matching organizer create NAME` (an organizer and its API token)."""

from __future__ import annotations

import argparse

__all__ = ["register", "run", "run_organizer"]


def register(sub: argparse._SubParsersAction) -> None:
    from api.__main__ import add_process_arguments

    serve = sub.add_parser(
        "serve",
        help="run the HTTP matching service (FastAPI) with the embedded database",
        description=(
            "Apply the database migrations, seed a demo organizer and event (100 SMEs x 8 startups) when the "
            "database is empty, print the URL and the demo token, then serve the JSON API under /api/v1 (docs at "
            "/docs) and the pages. The database is MATCHING_DATABASE_URL (default sqlite:///./var/matching.db; "
            "PostgreSQL: postgresql+psycopg://user:password@host/db). Same as `python -m api`. With --workers N "
            "or --no-jobs (jobs then run in `matching worker` processes) the database is not upgraded but must "
            "already be migrated (`matching migrate`)."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--database-url", default=None, help="overrides MATCHING_DATABASE_URL")
    serve.add_argument("--no-demo", action="store_true", help="do not seed the demo event into an empty database")
    add_process_arguments(serve)
    serve.set_defaults(func=run)

    organizer = sub.add_parser(
        "organizer",
        help="manage organizers of the HTTP service (create one and print its API token)",
        description="Manage the organizers of the service's database (MATCHING_DATABASE_URL or --database-url).",
    )
    actions = organizer.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create an organizer and print its API token",
        description=("Create an organizer in the service's database (migrating it first) and print its new API "
                     "token (mt_...), shown only once; send it as 'Authorization: Bearer <token>'."),
    )
    create.add_argument("name", metavar="NAME", help="the organizer's name")
    create.add_argument("--scopes", default="read,write,run",
                        help="comma-separated scopes of the token: read, write, run, admin (default read,write,run)")
    create.add_argument("--database-url", default=None, help="overrides MATCHING_DATABASE_URL")
    create.set_defaults(func=run_organizer)


def run(args: argparse.Namespace) -> int:
    from api.__main__ import serve

    return serve(args)


def run_organizer(args: argparse.Namespace) -> int:
    from api import service
    from api.db import make_engine, make_sessionmaker, migrate
    from api.settings import Settings

    from ..errors import FieldError, InvalidInput

    settings = Settings.from_env(**({"database_url": args.database_url} if args.database_url else {}))
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    unknown = [s for s in scopes if s not in ("read", "write", "run", "admin")]
    if unknown or not scopes:
        raise InvalidInput([FieldError("--scopes", args.scopes, "expected a comma-separated list of read, write, run, admin")])
    engine = make_engine(settings.database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        organizer, token = service.create_organizer(session, args.name, scopes=scopes)
        session.commit()
    engine.dispose()
    print(f"organizer {organizer.id} ({organizer.name}), scopes {','.join(scopes)}")
    print(f"token: {token}")
    return 0
