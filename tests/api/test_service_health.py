"""``/healthz`` and ``/readyz``; processes that must not migrate refuse a database whose migrations are behind."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.db import alembic_config, make_engine, migrate
from api.health import SchemaNotCurrent, head_revision, probe_engine
from api.settings import Settings
from api.worker import run_worker


def _settings(url: str) -> Settings:
    return Settings(database_url=url, seed_demo=False, job_workers=0)


def test_readyz_follows_the_migrations_and_processes_refuse_a_database_behind(database_url, capsys):
    from alembic import command

    from matching.cli import main

    head = head_revision()
    with TestClient(create_app(_settings(database_url))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True and ready.json()["migration"] == head
        engine = make_engine(database_url)
        try:
            command.downgrade(alembic_config(engine), "0002")        # an older version's schema
            behind = client.get("/readyz")
            assert behind.status_code == 503, behind.text
            assert behind.json() | {"detail": ""} == {"ready": False, "database": "reachable", "migration": "0002",
                                                      "expected_migration": head, "detail": ""}
            with pytest.raises(SchemaNotCurrent, match=rf"is at migration '0002'; this version needs '{head}'\. "
                                                       r"Upgrade it first with `matching migrate --database-url URL`"):
                create_app(_settings(database_url), migrate_schema=False)
            with pytest.raises(SchemaNotCurrent, match="is at migration '0002'"):
                run_worker(_settings(database_url).model_copy(update={"job_workers": 1}), stop=threading.Event())
        finally:
            assert main(["migrate", "--database-url", database_url]) == 0
            engine.dispose()
        assert f"migrated from 0002 to {head}" in capsys.readouterr().out
        assert client.get("/readyz").status_code == 200
    create_app(_settings(database_url), migrate_schema=False).state.engine.dispose()   # at head: accepted


def test_a_process_that_must_not_migrate_refuses_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(SchemaNotCurrent, match=r"has no tables yet \(never migrated\).*`matching migrate"):
        create_app(_settings(url), migrate_schema=False)
    migrate(url)
    create_app(_settings(url), migrate_schema=False).state.engine.dispose()


class _Proxy:
    """A TCP relay 127.0.0.1:port → the database server that can be cut and restored (the database 'goes down')."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._open: list[socket.socket] = []
        self.start()

    def start(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen()
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accepting thread (close alone would not)
        except OSError:
            pass
        self.listener.close()
        for end in self._open:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()
        self._open.clear()


@pytest.mark.skipif(not os.environ.get("MATCHING_TEST_POSTGRES_URL"),
                    reason="needs PostgreSQL: set MATCHING_TEST_POSTGRES_URL (.ci/run does)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_readyz_is_false_while_the_database_is_down(database_url):
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    proxy = _Proxy((url.host, url.port))
    try:
        via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        with TestClient(create_app(_settings(via_proxy))) as client:
            assert client.get("/readyz").status_code == 200
            proxy.cut()
            down = client.get("/readyz")
            assert down.status_code == 503, down.text
            assert down.json()["ready"] is False and down.json()["database"] == "unreachable"
            assert client.get("/healthz").status_code == 200            # the process itself is fine
            proxy.start()                                                # the database is back
            assert client.get("/readyz").status_code == 200
    finally:
        proxy.cut()


def test_readyz_gives_up_on_a_database_that_hangs(tmp_path):
    """A server that takes the connection and never answers (frozen, or its network dropped): 503 within the timeout.

    Without a connect timeout psycopg would wait 130 s; the thread's join bound only keeps a regression from
    hanging the suite.
    """
    from sqlalchemy import create_engine

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)                       # the kernel completes the handshake; nobody ever answers
        port = silent.getsockname()[1]
        app = create_app(_settings(f"sqlite:///{tmp_path}/matching.db"))
        app.state.probe_engine = probe_engine(create_engine(f"postgresql+psycopg://matching:secret@127.0.0.1:{port}/matching"), 2)
        with TestClient(app) as client:
            answers = []
            probe = threading.Thread(target=lambda: answers.append(client.get("/readyz")), daemon=True)
            probe.start()
            probe.join(60)
            assert not probe.is_alive(), "/readyz was still waiting for the hanging database after 60 s"
            assert client.get("/healthz").status_code == 200
    down = answers[0]
    assert down.status_code == 503, down.text
    assert down.json()["database"] == "unreachable"
    assert down.json()["detail"] == "the database did not answer within 2 s (ConnectionTimeout)"


def test_the_readiness_probe_uses_a_sqlite_file_as_it_is_and_refuses_a_timeout_under_two_seconds(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/matching.db")
    assert probe_engine(engine, 2) is engine
    with pytest.raises(ValueError, match="timeout_seconds must be at least 2"):
        probe_engine(engine, 1)
    with pytest.raises(ValueError, match="readiness_timeout_seconds"):
        Settings(readiness_timeout_seconds=1)
