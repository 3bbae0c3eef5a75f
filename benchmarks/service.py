"""Load test of the service as deployed: N API processes + a job worker on PostgreSQL, driven by locust.

``.ci/run .venv/bin/python -m benchmarks.service [--processes 1 4] [--duration 30] [--users 60] [--warmup 5]``

(``.ci/run`` starts a throw-away PostgreSQL and sets
``MATCHING_TEST_POSTGRES_URL``; or pass ``--database-url``.)  Needs the
``bench`` extra (``pip install -e '.[bench]'``: locust).  Everything runs on
127.0.0.1 and each run is bounded by ``--duration``.

The data: one organizer's industry-fair event (``--left`` exhibitors ×
``--right`` buyers) matched and planned beforehand, personal links for 100
participants, and a small second event that uploads and jobs go to.  For each
count of API processes it starts ``matching serve --workers N --no-jobs``
and one ``matching worker``, waits for ``/readyz``, runs locust headless
(see :mod:`benchmarks._service_users` for the users and their mix) and
stops them.  The users arrive evenly over the first ``--warmup`` seconds
and the requests started then are not in the percentiles (they are
reported apart, under ``warmup``; their 5xx are counted with the others):
the figures are those of the service under a steady load for
``--duration`` seconds.  (With all users arriving at once on fresh
processes, as before, the first second's requests -- each process's first
database connections and lazy imports, 60 users queued on them -- were the
slowest 2-5 % of a 30 s run: its p99 measured the start, not the service.)

Reported per run: requests per second, p50 / p95 / p99 latency of all reads
together and of the writes, per request name, the count of 5xx answers and
of other errors (a ``429`` to a job submission is the per-organizer job
limit and is counted apart), CPU seconds of the API processes, and the load
average of the machine before and after (the figures mean little on a
loaded machine: read them with it).  The target: on 4 API processes, p99 of
reads under 50 ms and zero 5xx.  Figures go to ``out/bench/service.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["main", "seed", "summarize"]

ROOT = Path(__file__).resolve().parents[1]
READ_TARGET_P99_MS = 50.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loadavg() -> list[float]:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:  # pragma: no cover - not Linux
        return list(os.getloadavg())


def _schema_url(url: str) -> tuple[str, str | None]:
    """A fresh PostgreSQL schema for this run (dropped at the end), or the SQLite URL as it is."""
    if not url.startswith("postgresql"):
        return url, None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    return scoped, schema


def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def seed(database_url: str, folder: Path, *, n_left: int, n_right: int, n_links: int = 100) -> dict[str, Any]:
    """Migrate, then create the organizer, the matched and planned fair, the links and the upload event."""
    from api import service
    from api.db import make_engine, make_sessionmaker, migrate
    from api.jobs import submit_job
    from api.models import EventRow, JobRow
    from api.runner import JobRunner
    from api.settings import Settings
    from datasets.synthetic import generate
    from matching.io import participants_to_bytes
    from matching.io._rules import programme_to_mapping

    engine = make_engine(database_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=database_url, seed_demo=False, max_concurrent_jobs=10)
    fair = generate("industry-fair", seed=1, n_left=n_left, n_right=n_right)
    small = generate("reskilling", seed=2, n_left=60, n_right=8)
    upload_csv = folder / "upload.csv"
    upload_csv.write_bytes(participants_to_bytes(small.participants, format="csv"))
    with sessions() as session:
        organizer, token = service.create_organizer(session, "Load test organizer")
        event = service.create_event(session, organizer.id, "Fair",
                                     programme=programme_to_mapping(fair.programme, json_ready=True))
        service.import_participants(session, settings, event, participants_to_bytes(fair.participants, format="csv"),
                                    format="csv")
        uploads = service.create_event(session, organizer.id, "Uploads",
                                       programme=programme_to_mapping(small.programme, json_ready=True))
        service.import_participants(session, settings, uploads, upload_csv.read_bytes(), format="csv")
        session.commit()
        ids = {"organizer_id": organizer.id, "event_id": event.id, "upload_event_id": uploads.id}
    runner = JobRunner(sessions, settings)

    def run(spec: dict[str, Any]) -> str:
        with sessions() as session:
            job = submit_job(session, settings, ids["organizer_id"], session.get(EventRow, ids["event_id"]), spec)
            session.commit()
            job_id = job.id
        assert runner.run_once() == job_id
        with sessions() as session:
            row = session.get(JobRow, job_id)
            if row.state != "succeeded":
                raise RuntimeError(f"seeding: the {spec['kind']} job ended {row.state}: {row.message}")
            return row.result_id

    result_id = run({"kind": "match", "round": 0})
    plan_id = run({"kind": "plan", "round": 0, "result_id": result_id})
    with sessions() as session:
        from sqlalchemy import func, select

        from api.models import PairRow

        pairs = session.scalar(select(func.count()).select_from(PairRow).where(PairRow.result_id == result_id))
        matched: dict[str, None] = {}
        for left, right in session.execute(select(PairRow.left_id, PairRow.right_id)
                                           .where(PairRow.result_id == result_id).order_by(PairRow.position)).all():
            matched.update({left: None, right: None})
        event = session.get(EventRow, ids["event_id"])
        links = [service.issue_link(session, event, pid)["token"] for pid in list(matched)[:n_links]]
        session.commit()
    engine.dispose()
    return {**ids, "token": token, "result_id": result_id, "plan_result_id": plan_id, "pairs": int(pairs),
            "links": links, "upload_csv": str(upload_csv)}


def _start(args: list[str], env: dict[str, str], log: Path, *, nice: int = 0) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - the process keeps it
    prefix = ["nice", "-n", str(nice)] if nice else []
    return subprocess.Popen([*prefix, sys.executable, "-m", "matching", *args], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the service was not ready after {timeout} s: {log.read_text()[-3000:]}")
        time.sleep(0.2)


def _tree_cpu_seconds(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


def summarize(raw: Sequence[Sequence[Any]], duration: float, warmup: float = 0.0) -> dict[str, Any]:
    """Requests per second, latency percentiles (ms) and error counts from ``(name, ms, status, start)`` records.

    Requests started in the first ``warmup`` seconds (from the first
    request's start) are left out of the figures and summarized under
    ``warmup``; ``status_5xx`` counts them too.
    """
    def stats(rows: list[tuple[str, float, int]], seconds: float = duration) -> dict[str, Any]:
        times = np.array([r[1] for r in rows], dtype=float)
        if not len(times):
            return {"requests": 0}
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        return {"requests": len(rows), "rps": round(len(rows) / max(seconds, 1e-9), 1), "p50_ms": round(float(p50), 1),
                "p95_ms": round(float(p95), 1), "p99_ms": round(float(p99), 1), "max_ms": round(float(times.max()), 1)}

    first = min((float(r[3]) for r in raw), default=0.0)
    warming = [(str(r[0]), float(r[1]), int(r[2])) for r in raw if float(r[3]) < first + warmup]
    rows = [(str(r[0]), float(r[1]), int(r[2])) for r in raw if float(r[3]) >= first + warmup]
    names = sorted({r[0] for r in rows})
    limited = sum(1 for n, _, s in rows if s == 429 and n == "write: submit job")
    server_errors = sum(1 for _, _, s in rows + warming if s >= 500)
    other_errors = sum(1 for n, _, s in rows if (s < 200 or 300 <= s < 500) and not (s == 429 and n == "write: submit job"))
    return {
        "all": stats(rows),
        "reads": stats([r for r in rows if r[0].startswith("read:")]),
        "writes": stats([r for r in rows if r[0].startswith("write:")]),
        "by_name": {name: stats([r for r in rows if r[0] == name]) for name in names},
        "status_5xx": server_errors,
        "other_errors": other_errors,
        "job_submissions_limited_429": limited,
        "warmup": {"seconds": warmup, **stats(warming, warmup), "status_5xx": sum(1 for _, _, s in warming if s >= 500)},
    }


def run_once(database_url: str, config: dict[str, Any], folder: Path, *, processes: int, users: int,
             duration: int, warmup: int = 5, worker_nice: int = 0) -> dict[str, Any]:
    """Start N API processes and a worker, run locust for ``warmup + duration`` seconds, stop them; the figures."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHING_")}
    env.update({"MATCHING_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)})
    log = folder / f"service-{processes}.log"
    api = _start(["serve", "--workers", str(processes), "--no-jobs", "--no-demo", "--port", str(port),
                  "--log-level", "warning"], env, log)
    worker_env = env
    if worker_nice:
        # the job worker stands in for a separate job machine: lowest priority, one thread for BLAS and numba
        worker_env = {**env, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                      "NUMBA_NUM_THREADS": "1"}
    worker = _start(["worker", "--log-level", "warning"], worker_env, folder / f"worker-{processes}.log",
                    nice=worker_nice)
    try:
        _wait_ready(url, api, log)
        if processes > 1:
            time.sleep(2.0)  # every uvicorn process up, not only the first
        raw = folder / f"raw-{processes}.json"
        locust_env = {**env, "MATCHING_BENCH_CONFIG": json.dumps(config), "MATCHING_BENCH_RAW": str(raw)}
        cpu_before = _tree_cpu_seconds(api.pid)
        load_before = _loadavg()
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "_service_users.py"),
                        "--headless", "--users", str(users), "--spawn-rate", f"{users / max(warmup, 1):g}",
                        "--run-time", f"{warmup + duration}s",
                        "--host", url, "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
                       cwd=ROOT, env=locust_env, check=False, stdout=subprocess.DEVNULL,
                       stderr=open(folder / f"locust-{processes}.log", "wb"), timeout=warmup + duration + 120)  # noqa: SIM115
        elapsed = time.monotonic() - started
        cpu = _tree_cpu_seconds(api.pid) - cpu_before
        figures = summarize(json.loads(raw.read_text()), float(duration), float(warmup))
    finally:
        _stop(api)
        _stop(worker)
    return {"api_processes": processes, "users": users, "duration_s": duration, "warmup_s": warmup, "elapsed_s": round(elapsed, 1),
            "api_cpu_seconds": round(cpu, 1), "loadavg_before": load_before, "loadavg_after": _loadavg(), **figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL to use (default MATCHING_BENCH_DATABASE_URL, else MATCHING_TEST_POSTGRES_URL)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 4], help="API process counts to run (default 1 4)")
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per run (default 30)")
    parser.add_argument("--users", type=int, default=60, help="simulated users (default 60)")
    parser.add_argument("--warmup", type=int, default=5, metavar="SECONDS",
                        help="the users arrive over these first seconds, whose requests are reported apart, not in the "
                             "percentiles (default 5; 0: all users at once, every request counted)")
    parser.add_argument("--left", type=int, default=200, help="exhibitors of the fair (default 200)")
    parser.add_argument("--right", type=int, default=400, help="buyers of the fair (default 400)")
    parser.add_argument("--worker-nice", type=int, default=0, metavar="N",
                        help="run the job worker at nice N with one BLAS/numba thread, standing in for a separate "
                             "job machine when everything shares one small machine (default 0: as is; no effect when the benchmark "
                             "itself already runs under nice 19)")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench" / "service.json")
    args = parser.parse_args(argv)
    url = args.database_url or os.environ.get("MATCHING_BENCH_DATABASE_URL") or os.environ.get("MATCHING_TEST_POSTGRES_URL")
    if not url:
        print("error: no database: run `.ci/run .venv/bin/python -m benchmarks.service` (it starts a throw-away "
              "PostgreSQL) or pass --database-url postgresql+psycopg://...", file=sys.stderr)
        return 2
    try:
        import locust  # noqa: F401
    except ImportError:
        print("error: locust is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    scoped, schema = _schema_url(url)
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="matching-bench-service-") as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            config = seed(scoped, folder, n_left=args.left, n_right=args.right)
            print(f"seeded {args.left} x {args.right} fair ({config['pairs']} pairs, {len(config['links'])} links) "
                  f"in {time.perf_counter() - t0:.1f} s", flush=True)
            for processes in args.processes:
                figures = run_once(scoped, config, folder, processes=processes, users=args.users, duration=args.duration,
                                   warmup=args.warmup, worker_nice=args.worker_nice)
                runs.append(figures)
                reads, writes = figures["reads"], figures["writes"]
                warm = figures["warmup"]
                print(f"{processes} API process(es), {args.users} users, {args.duration} s after {args.warmup} s of warm-up: "
                      f"{figures['all']['rps']} req/s; "
                      f"reads p50/p95/p99 {reads['p50_ms']}/{reads['p95_ms']}/{reads['p99_ms']} ms; writes "
                      f"p50/p95/p99 {writes.get('p50_ms')}/{writes.get('p95_ms')}/{writes.get('p99_ms')} ms; "
                      f"5xx {figures['status_5xx']}, other errors {figures['other_errors']}, job 429s "
                      f"{figures['job_submissions_limited_429']}; warm-up {warm['requests']} requests, p99 {warm.get('p99_ms')} ms; API CPU (warm-up included) {figures['api_cpu_seconds']} s; load average "
                      f"{figures['loadavg_before']} -> {figures['loadavg_after']}", flush=True)
    finally:
        if schema is not None:
            _drop_schema(url, schema)
    from ._measure import machine_info

    report = {"benchmark": "service", "database": "postgresql" if url.startswith("postgresql") else "sqlite",
              "machine": machine_info(), "target": {"reads_p99_ms": READ_TARGET_P99_MS, "status_5xx": 0}, "runs": runs}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str))
    print(f"figures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
