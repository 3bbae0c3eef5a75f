"""Scale-out on Dask: solve_factors and Scorer.top_k with ``cluster=`` give the single-process result, exactly.

One LocalCluster (2 single-threaded worker processes, loopback, no dashboard)
serves the whole module.  Small ``max_block_bytes`` / ``max_block_cells``
make many blocks, so every pass runs as several tasks.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys

import distributed  # the [dask] extra, which `make test` installs
import numpy as np
import pytest

from matching import _cluster
from matching.cli import main
from matching.errors import ClusterUnavailable, InvalidInput
from matching.features import Scorer
from matching.io import dump_programme, write_participants
from matching.model import Participant, Programme, Round
from matching.solvers import solve_factors

#: every test of this module on one pytest-xdist worker (`make test` runs --dist loadgroup): one cluster start
pytestmark = pytest.mark.xdist_group("dask-cluster")

BLOCK = 24_000  # bytes: 10 to 30 rows per block at these sizes


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


def instance(kind: str, n: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(0, 1, size=(n, 6)), rng.uniform(0, 1, size=(m, 6))
    if kind == "low-rank":
        return rng.normal(size=(n, 2)), rng.normal(size=(m, 2))
    if kind == "rank-one":  # the top-k candidates miss the optimum: many pricing rounds
        return np.linspace(1, 2, n)[:, None], np.linspace(1, 2, m)[:, None]
    # ties: 0/1 vectors, few distinct scores
    return rng.integers(0, 2, size=(n, 3)).astype(float), rng.integers(0, 2, size=(m, 3)).astype(float)


def assert_identical(local, remote):
    np.testing.assert_array_equal(remote.pairs, local.pairs)
    assert remote.objective == local.objective
    assert remote.status == local.status and remote.solver == local.solver
    a, b = local.certificate, remote.certificate
    assert (b.pairs_checked, b.max_violation, b.pricing_rounds) == (a.pairs_checked, a.max_violation, a.pricing_rounds)
    np.testing.assert_array_equal(b.left_potential, a.left_potential)
    np.testing.assert_array_equal(b.right_potential, a.right_potential)
    assert remote.info["candidates"] == local.info["candidates"]


@pytest.mark.parametrize("kind", ["uniform", "low-rank", "rank-one", "ties"])
@pytest.mark.parametrize("capacitated", [False, True], ids=["one-to-one", "capacitated"])
def test_solve_factors_on_a_cluster_is_the_single_process_result(client, kind, capacitated):
    x, y = instance(kind, 160, 130, seed=len(kind))
    options = dict(k=3, max_block_bytes=BLOCK, forbidden=[(0, 0), (5, 7), (100, 3)])
    if capacitated:
        options.update(left_capacity=2, right_capacity=np.arange(130) % 3 + 1)
    local = solve_factors(x, y, **options)
    remote = solve_factors(x, y, cluster=client, **options)
    assert_identical(local, remote)
    assert remote.certificate.pairs_checked == 160 * 130 - 3
    assert remote.info["cluster"]["tasks"] > 2 and remote.info["cluster"]["workers"] == 2
    assert "cluster" not in local.info


def test_sparse_terms_and_forbidden_classes_on_a_cluster(client):
    import scipy.sparse as sp

    x, y = instance("uniform", 150, 120, seed=11)
    rng = np.random.default_rng(11)
    sparse = (sp.random(150, 40, density=0.1, random_state=1, format="csr"),
              sp.random(120, 40, density=0.1, random_state=2, format="csr"))
    classes = (rng.integers(0, 3, 150), rng.integers(0, 2, 120), np.array([[False, True], [False, False], [True, False]]))
    for options in (dict(k=3), dict(k=3, left_capacity=2, right_capacity=2)):
        options.update(max_block_bytes=BLOCK, sparse_vectors=sparse, forbidden_classes=classes)
        local = solve_factors(x, y, **options)
        remote = solve_factors(x, y, cluster=client, **options)
        assert_identical(local, remote)
        assert remote.info["cluster"]["tasks"] > 2


def _resident_copies() -> int:
    from matching.solvers import _factors_dask

    return len(_factors_dask._RESIDENT)


def _set_resident_bytes(value: int) -> None:
    from matching.solvers import _factors_dask

    _factors_dask.RESIDENT_BYTES = value


def test_workers_read_their_own_copies_of_the_factors_and_get_the_same_result(client):
    x, y = instance("ties", 150, 140, seed=4)
    options = dict(k=3, max_block_bytes=BLOCK, forbidden=[(1, 2), (40, 9)])
    local = solve_factors(x, y, **options)
    seen = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "pricing" and not seen:  # mid-run: the copies live as long as the factors on the workers
            seen.append(sum(client.run(_resident_copies).values()))

    client.run(_set_resident_bytes, 0)  # every array a task receives is copied, however small
    try:
        remote = solve_factors(x, y, cluster=client, progress=progress, **options)
    finally:
        client.run(_set_resident_bytes, 4 << 20)
    assert_identical(local, remote)
    assert seen and seen[0] > 0


def test_a_resident_copy_is_made_once_per_array_and_dropped_with_it(monkeypatch):
    import gc

    from matching.solvers import _factors_dask as D

    monkeypatch.setattr(D, "RESIDENT_BYTES", 64)
    buffer = bytearray(np.arange(100, dtype=np.float64).tobytes())  # as a transfer leaves it: a view of a buffer
    view = np.frombuffer(buffer, dtype=np.float64).reshape(20, 5)
    copy = D._resident(view)
    assert copy is not view and copy.flags.owndata
    np.testing.assert_array_equal(copy, view)
    assert D._resident(view) is copy  # once per array
    owned, small = np.ones((20, 5)), np.frombuffer(bytearray(16), dtype=np.float64)
    assert D._resident(owned) is owned and D._resident(small) is small
    assert id(view) in D._RESIDENT
    key = id(view)
    del view
    gc.collect()
    assert key not in D._RESIDENT


def test_float64_search_and_minimizing_on_a_cluster(client):
    x, y = instance("uniform", 90, 140, seed=3)  # more right than left: solved transposed
    options = dict(k=2, max_block_bytes=BLOCK, dtype=np.float64, maximize=False, require_complete=True)
    assert_identical(solve_factors(x, y, **options), solve_factors(x, y, cluster=client, **options))


def test_progress_counts_the_finished_rows_of_every_pass(client):
    x, y = instance("rank-one", 120, 120, seed=0)
    calls = []
    solve_factors(x, y, k=2, max_block_bytes=BLOCK, cluster=client, progress=lambda *a: calls.append(a))
    candidates = [done for stage, done, total in calls if stage == "candidates"]
    assert candidates == sorted(candidates) and candidates[-1] == 120 and len(candidates) > 1
    assert {stage for stage, _, _ in calls} >= {"candidates", "pricing"}
    assert all(0 < done <= total for _, done, total in calls)


def test_a_problem_that_fits_one_block_is_solved_on_the_client(client):
    x, y = instance("uniform", 20, 20, seed=1)
    res = solve_factors(x, y, cluster=client)
    assert res.info["cluster"]["tasks"] == 0
    assert_identical(solve_factors(x, y), res)


def test_a_worker_killed_mid_pass_does_not_change_the_result(client):
    x, y = instance("low-rank", 300, 240, seed=7)
    options = dict(k=3, max_block_bytes=BLOCK)
    local = solve_factors(x, y, **options)
    pids = client.run(os.getpid)
    killed = []

    def kill_after_first_block(stage, done, total):
        if not killed and stage == "candidates":
            pid = pids[sorted(pids)[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    remote = solve_factors(x, y, cluster=client, progress=kill_after_first_block, **options)
    assert killed
    assert_identical(local, remote)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker for the tests after this one
    assert killed[0] not in client.run(os.getpid).values()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_fast_naming_the_address(monkeypatch):
    monkeypatch.setattr(_cluster, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    calls = []
    x, y = instance("uniform", 200, 200, seed=0)
    with pytest.raises(ClusterUnavailable, match=f"cannot use the Dask cluster at {address}: no scheduler answered") as info:
        solve_factors(x, y, max_block_bytes=BLOCK, cluster=address, progress=lambda *a: calls.append(a))
    assert info.value.address == address and isinstance(info.value, ConnectionError)
    assert calls == []  # before any work
    with pytest.raises(ClusterUnavailable, match="127.0.0.1"):
        Scorer().fit(_people(3, "s", "sme"), _people(3, "d", "designer")).top_k(2, cluster=address)


@pytest.mark.parametrize("bad, message", [(3, "expected None, 'local', a scheduler address"),
                                          ("not an address!", "expected 'local' or a Dask scheduler address")])
def test_a_cluster_argument_that_is_no_cluster_is_refused(bad, message):
    with pytest.raises(InvalidInput, match=f"cluster: {message}"):
        solve_factors(np.ones((2, 2)), np.ones((2, 2)), cluster=bad)


def test_without_dask_installed_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(ClusterUnavailable, match=r"pip install 'sme-matching\[dask\]'"):
        solve_factors(np.ones((2, 2)), np.ones((2, 2)), max_block_bytes=8, cluster="local")


def test_the_core_path_imports_nothing_from_dask():
    code = ("import sys, numpy as np; import matching.solvers, matching.features, matching.cli; "
            "from matching.solvers import solve_factors; solve_factors(np.eye(3), np.eye(3), max_block_bytes=16); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ the scorer

TAGS = ["product-design", "package-design", "branding", "web-design", "metal-processing"]


def _people(n: int, prefix: str, role: str, seed: int = 0) -> list[Participant]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append(Participant(
            id=f"{prefix}{i}", role=role, organization=f"{prefix} {i}",
            offers=tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False)),
            seeks=tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False)),
            languages=[("ja",), ("en",), ("ja", "en")][int(rng.integers(0, 3))],
            vetoes=(f"d{int(rng.integers(0, min(n, 10)))}",) if role == "sme" and rng.random() < 0.2 else (),
        ))
    return out


@pytest.mark.parametrize("direction", ["both", "left", "right"])
def test_scorer_top_k_on_a_cluster_is_the_single_process_result(client, direction):
    left, right = _people(70, "s", "sme", seed=1), _people(55, "d", "designer", seed=2)  # few tag sets: many ties
    scorer = Scorer(max_block_cells=200).fit(left, right)
    local = scorer.top_k(4, direction=direction)
    done = []
    remote = scorer.top_k(4, direction=direction, cluster=client, progress=lambda d, t: done.append((d, t)))
    assert (remote != local).nnz == 0
    np.testing.assert_array_equal(remote.indices, local.indices)
    np.testing.assert_array_equal(remote.indptr, local.indptr)
    assert remote.dtype == local.dtype
    assert len(done) > 1 and done[-1] == (70 * 55, 70 * 55)


def test_cli_score_and_match_factors_with_cluster_write_the_same_files(client, tmp_path, capsys):
    people, rules = tmp_path / "people.csv", tmp_path / "programme.toml"
    write_participants(_people(40, "s", "sme", seed=3) + _people(30, "d", "designer", seed=4), people)
    dump_programme(Programme(id="p", name="P", rounds=(Round(name="r", left_roles=("sme",), right_roles=("designer",)),)), rules)
    address = client.scheduler.address
    base = ["score", str(people), "--rules", str(rules), "--k", "3", "--no-progress"]
    assert main([*base, "--out", str(tmp_path / "one.csv")]) == 0
    assert main([*base, "--out", str(tmp_path / "many.csv"), "--cluster", address]) == 0
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "many.csv").read_text()
    assert main(["score", str(people), "--rules", str(rules), "--id", "s1", "--cluster", address]) == 1
    assert "--cluster: only with --out" in capsys.readouterr().err

    x, y = instance("uniform", 600, 600, seed=5)  # 600² float32 scores > 1 MB: more than one block
    np.save(tmp_path / "l.npy", x)
    np.save(tmp_path / "r.npy", y)
    common = ["match-factors", str(tmp_path / "l.npy"), str(tmp_path / "r.npy"), "--memory-mb", "1", "--k", "2", "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "a")]) == 0
    assert main([*common, "--out", str(tmp_path / "b"), "--cluster", address]) == 0
    with open(tmp_path / "a" / "pairs.csv") as fa, open(tmp_path / "b" / "pairs.csv") as fb:
        assert list(csv.reader(fa)) == list(csv.reader(fb))
    cert = json.loads((tmp_path / "b" / "certificate.json").read_text())
    assert cert["info"]["cluster"]["tasks"] > 0 and cert["pairs_checked"] == 600 * 600


# ------------------------------------------------------------------ the batch path and the service


@pytest.fixture(scope="module")
def large_round_event(tmp_path_factory):
    from datasets.synthetic import generate, write_programme
    from matching.io import load_event

    out = tmp_path_factory.mktemp("reskilling")
    write_programme(generate("reskilling", seed=3, n_left=60, n_right=8), out)
    return load_event(out / "participants.csv", out / "programme.toml")


def test_match_round_and_the_match_job_use_the_cluster_on_the_factor_path(client, large_round_event, monkeypatch):
    from api import compute
    from matching import pipeline

    local = pipeline.match_round(large_round_event, path="factors")
    remote = pipeline.match_round(large_round_event, path="factors", cluster=client)
    np.testing.assert_array_equal(remote.result.pairs, local.result.pairs)
    assert remote.result.objective == local.result.objective and "cluster" in remote.result.info
    monkeypatch.setattr(pipeline, "FACTOR_PATH_MIN_PAIRS", 1)  # the job's round takes the factor path
    messages = []
    job = compute.run_match(large_round_event, {"learn_from_feedback": False}, lambda f, m: messages.append((f, m)),
                            cluster=client)
    assert job["summary"]["total_score"] == round(local.result.objective, 6) and job["summary"]["path"] == "factors"
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and any(m.startswith("pricing: ") for _, m in messages)


def test_a_match_job_with_an_unreachable_cluster_fails_naming_it(large_round_event, monkeypatch):
    from api import compute
    from api.problems import problem_from_exception
    from matching import pipeline

    monkeypatch.setattr(_cluster, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(pipeline, "FACTOR_PATH_MIN_PAIRS", 1)
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ClusterUnavailable, match=address) as info:
        compute.run_match(large_round_event, {"learn_from_feedback": False}, lambda f, m: None, cluster=address)
    assert address in problem_from_exception(info.value).detail


def test_the_service_reads_its_dask_scheduler_from_the_environment():
    from pydantic import ValidationError

    from api.settings import Settings

    assert Settings.from_env({"MATCHING_DASK_SCHEDULER": "tcp://10.0.0.5:8786"}).dask_scheduler == "tcp://10.0.0.5:8786"
    assert Settings.from_env({}).dask_scheduler is None
    with pytest.raises(ValidationError, match="dask_scheduler"):
        Settings.from_env({"MATCHING_DASK_SCHEDULER": "no such address!"})


def test_the_local_cluster_runs_without_replica_reduction(client):
    """``--cluster local`` starts its scheduler without the active memory manager, whose replica
    reduction dropped a worker's copy of the factors between passes (fetched again the next pass);
    a default cluster (the module's) runs it."""
    assert client.amm.running() is True
    with _cluster.local_cluster(1, 1) as cluster, distributed.Client(cluster, set_as_default=False) as c:
        assert c.amm.running() is False
        assert sum(c.nthreads().values()) == 1
