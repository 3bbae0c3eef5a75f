"""Engine, sessions and schema migrations.

SQLite (the default, a file under ``./var``) runs in WAL mode with
``synchronous=FULL`` (an acknowledged commit survives a crash of the server
or the machine) and foreign keys on.  PostgreSQL is used through a
``postgresql+psycopg://`` URL.  The schema is created and upgraded by
Alembic (:func:`migrate`), never by ``create_all``.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pydantic_core
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

__all__ = ["make_engine", "make_sessionmaker", "migrate", "alembic_config", "session_scope", "json_loads"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def json_loads(text: str | bytes) -> Any:
    r"""What :func:`json.loads` makes of a JSON column's text, parsed about twice as fast.

    :func:`pydantic_core.from_json` (Rust) gives the same objects for
    every document the service writes -- floats to the last bit, big
    integers, non-ASCII text, the last of duplicate keys; the few documents
    it refuses and :func:`json.loads` takes (a lone UTF-16 surrogate escape,
    text in UTF-16) go to :func:`json.loads`.  Reading JSON columns was the
    largest single cost of the organizer's pairs page (50 rows of reasons
    in two languages: 1.4 ms of 8 ms of CPU; ``benchmarks/service_cpu.py``).

    Examples
    --------
    >>> json_loads('{"score": 0.1, "reasons": ["地域が同じ"], "n": 12345678901234567890}')
    {'score': 0.1, 'reasons': ['地域が同じ'], 'n': 12345678901234567890}
    >>> json_loads('"\\ud800"') == json.loads('"\\ud800"')
    True
    """
    try:
        return pydantic_core.from_json(text)
    except (ValueError, TypeError):  # TypeError: a str holding a lone surrogate, which has no UTF-8
        return json.loads(text)


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file.

    ``pool_size``: exactly that many pooled connections (no overflow); by
    default SQLAlchemy's 5 plus 10 overflow.  An in-memory SQLite database
    has one connection whatever it says.  JSON columns are read with
    :func:`json_loads`.
    """
    pool = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        memory = path in ("", ":memory:")
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_deserializer=json_loads,
            **({"poolclass": StaticPool} if memory else pool),
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_deserializer=json_loads, **pool)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine):  # noqa: ANN201 - alembic.config.Config
    """The Alembic configuration, built in code (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine | str, revision: str = "head") -> None:
    """Upgrade the database schema to ``revision`` (default: the newest)."""
    from alembic import command

    engine = make_engine(engine) if isinstance(engine, str) else engine
    command.upgrade(alembic_config(engine), revision)
