"""``python -m api [--host 127.0.0.1] [--port 8000]``: migrate, seed the demo, print the URL and demo token, serve."""

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
    parser.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))
    return parser


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .settings import Settings

    overrides = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.no_demo:
        overrides["seed_demo"] = False
    settings = Settings.from_env(**overrides)
    app = create_app(settings)
    demo = app.state.demo
    url = f"http://{args.host}:{args.port}"
    print(f"SME matching service: {url}  (API docs {url}/docs, database {settings.database_url})", flush=True)
    if demo is not None and demo.token:
        what = "seeded the demo event" if demo.created else "demo event"
        print(f"{what}: {demo.event_id}", flush=True)
        print(f"demo token: {demo.token}   (also in {demo.token_file})", flush=True)
        print(f"try: curl -H 'Authorization: Bearer {demo.token}' {url}/api/v1/events", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return serve(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
