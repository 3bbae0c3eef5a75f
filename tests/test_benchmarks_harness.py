"""The solver benchmark harness: workers, peer environments, comparison, CLI.

Only the mechanics are tested, on tiny instances with scipy (which the main
virtualenv carries); no peer virtualenv is built and no timing is asserted.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import _measure, _peer_worker, _peers, solvers


def _save(tmp_path: Path, case: solvers.Case) -> Path:
    path = tmp_path / f"{case.family}.npz"
    np.savez(path, **solvers.make_instance(case))
    return path


def _brute_force_assignment(scores: np.ndarray) -> float:
    n = scores.shape[0]
    return max(scores[np.arange(n), list(perm)].sum() for perm in itertools.permutations(range(n)))


# --------------------------------------------------------------------- _measure


def test_measure_reports_the_peak_of_the_call_alone():
    def allocate() -> int:
        block = np.ones(8_000_000)  # 61 MiB, touched
        return int(block[::4096].sum())

    measurement = _measure.measure(allocate)
    assert measurement.value == len(range(0, 8_000_000, 4096))
    assert measurement.seconds >= 0
    assert measurement.total_peak_bytes >= measurement.baseline_bytes
    if not measurement.peak_reset:
        pytest.skip("this kernel cannot reset the peak RSS")
    assert 50 * 2**20 <= measurement.peak_bytes < 200 * 2**20


def test_median_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="expected at least one value"):
        _measure.median([])
    assert _measure.median([3.0, 1.0, 2.0, 10.0]) == 2.5


def test_machine_info_names_cpus_and_python():
    info = _measure.machine_info()
    assert info["cpu_count"] >= 1
    assert info["python"] == ".".join(map(str, sys.version_info[:3]))


# --------------------------------------------------------------------- worker checks


def test_blocking_pairs_agree_with_a_direct_count():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_left, n_right = rng.integers(2, 6), rng.integers(1, 4)
        capacity = rng.integers(1, 3, size=n_right)
        instance = {
            "kind": "stable",
            "left_scores": rng.random((n_left, n_right)),
            "right_scores": rng.random((n_right, n_left)),
            "right_capacity": capacity,
        }
        # a random feasible many-to-one matching
        pairs, load = [], np.zeros(n_right, dtype=int)
        for i in range(n_left):
            j = int(rng.integers(-1, n_right))
            if j >= 0 and load[j] < capacity[j]:
                pairs.append((i, j))
                load[j] += 1
        pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        partner = {i: j for i, j in pairs}
        expected = 0
        for i in range(n_left):
            for j in range(n_right):
                if partner.get(i) == j:
                    continue
                left_wants = i not in partner or instance["left_scores"][i, j] > instance["left_scores"][i, partner[i]]
                holders = [k for k, h in partner.items() if h == j]
                right_wants = len(holders) < capacity[j] or any(
                    instance["right_scores"][j, i] > instance["right_scores"][j, k] for k in holders
                )
                expected += left_wants and right_wants
        assert _peer_worker._count_blocking_pairs(instance, pairs) == expected


@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        ([[0, 0], [0, 0]], "duplicate pairs"),
        ([[0, 0], [1, 0]], "matched twice"),
        ([[0, 0]], "expected 2 pairs, got 1"),
        ([[0, 5]], "index out of range"),
    ],
)
def test_check_solution_flags_infeasible_assignments(pairs, problem):
    instance = {"kind": "assignment", "scores": np.ones((2, 3))}
    checked = _peer_worker.check_solution(instance, np.array(pairs))
    assert not checked["valid"]
    assert any(problem in text for text in checked["problems"])


def test_check_solution_flags_pairs_outside_the_sparse_input_and_capacity_excess():
    sparse = {"kind": "sparse_assignment", "data": np.array([0.5, 0.7]), "indices": np.array([1, 0]),
              "indptr": np.array([0, 1, 2]), "shape": np.array([2, 2])}
    checked = _peer_worker.check_solution(sparse, np.array([[0, 0], [1, 1]]))
    assert "2 pairs not in the sparse input" in checked["problems"]
    good = _peer_worker.check_solution(sparse, np.array([[0, 1], [1, 0]]))
    assert good["valid"] and good["objective"] == pytest.approx(1.2)
    capacitated = {"kind": "capacitated", "scores": np.ones((3, 2)), "left_capacity": np.array([1, 1, 1]),
                   "right_capacity": np.array([1, 2])}
    checked = _peer_worker.check_solution(capacitated, np.array([[0, 0], [1, 0]]))
    assert checked["problems"] == ["right capacity exceeded"]


# --------------------------------------------------------------------- scipy peer in process


def test_scipy_assignment_matches_brute_force(tmp_path):
    for shape in [(6, 6), (5, 5)]:
        case = solvers.Case("dense_cosine", shape, seed=sum(shape), params={"rank": 3})
        report = _peers.run_in_process("scipy", "linear_sum_assignment", _save(tmp_path, case))
        scores = solvers.make_instance(case)["scores"]
        assert report["status"] == "ok" and report["valid"]
        assert report["objective"] == pytest.approx(_brute_force_assignment(scores), rel=1e-12)


def test_scipy_sparse_matching_matches_brute_force(tmp_path):
    case = solvers.Case("sparse_topk", (7, 7), seed=11, params={"k": 3})
    instance = solvers.make_instance(case)
    dense = np.full((7, 7), -np.inf)
    rows = np.repeat(np.arange(7), np.diff(instance["indptr"]))
    dense[rows, instance["indices"]] = instance["data"]
    report = _peers.run_in_process("scipy", "min_weight_full_bipartite_matching", _save(tmp_path, case))
    assert report["status"] == "ok" and report["valid"]
    assert report["objective"] == pytest.approx(_brute_force_assignment(dense), rel=1e-12)


def test_scipy_expanded_capacitated_matches_brute_force(tmp_path):
    case = solvers.Case("capacitated", (5, 2), seed=5, params={"left_capacity": 1, "right_capacity": 2, "rank": 2})
    instance = solvers.make_instance(case)
    best = 0.0
    for choice in itertools.product([-1, 0, 1], repeat=5):  # -1: unmatched
        load = np.bincount([c for c in choice if c >= 0], minlength=2)
        if (load <= 2).all():
            best = max(best, sum(instance["scores"][i, c] for i, c in enumerate(choice) if c >= 0))
    report = _peers.run_in_process("scipy", "linear_sum_assignment_expanded", _save(tmp_path, case))
    assert report["status"] == "ok" and report["valid"]
    assert report["objective"] == pytest.approx(best, rel=1e-12)


def test_worker_reports_unknown_unavailable_and_not_applicable(tmp_path, monkeypatch):
    instance = _peer_worker.load_instance(str(_save(tmp_path, solvers.Case("dense_uniform", (3, 3), seed=1))))
    unknown = _peer_worker.run("scipy", "no_such_method", instance)
    assert unknown["status"] == "error" and "unknown method scipy.no_such_method" in unknown["message"]
    wrong_kind = _peer_worker.run("scipy", "min_weight_full_bipartite_matching", instance)
    assert wrong_kind["status"] == "not_applicable"
    assert "handles sparse_assignment instances, not assignment" in wrong_kind["message"]

    def needs_missing_library(_instance):
        _peer_worker._import("no_such_module_for_the_benchmark")

    monkeypatch.setitem(_peer_worker.METHODS, ("scipy", "missing"), needs_missing_library)
    missing = _peer_worker.run("scipy", "missing", instance)
    assert missing["status"] == "unavailable"
    assert "cannot import no_such_module_for_the_benchmark" in missing["message"]

    def crashes(_instance):
        def solve():
            raise RecursionError("too deep")
        return solve, lambda value: value, {}

    monkeypatch.setitem(_peer_worker.METHODS, ("scipy", "crashes"), crashes)
    crashed = _peer_worker.run("scipy", "crashes", instance)
    assert crashed["status"] == "error" and crashed["error"] == "RecursionError"


@pytest.mark.parametrize(
    ("family", "shape", "params", "method"),
    [
        ("dense_uniform", (9, 9), {}, "linear_sum_assignment"),
        ("rectangular", (9, 30), {}, "linear_sum_assignment"),
        ("sparse_topk", (9, 9), {"k": 3}, "min_weight_full_bipartite_matching"),
        ("capacitated", (9, 3), {"left_capacity": 1, "right_capacity": 3, "rank": 4}, "linear_sum_assignment_expanded"),
    ],
)
def test_warmup_instance_is_a_small_solvable_instance_of_the_same_kind(family, shape, params, method):
    instance = solvers.make_instance(solvers.Case(family, shape, seed=4, params=params))
    instance["kind"] = str(instance["kind"])
    tiny = _peer_worker.warmup_instance(instance)
    assert tiny["kind"] == instance["kind"]
    solve, decode, _ = _peer_worker.METHODS[("scipy", method)](tiny)
    checked = _peer_worker.check_solution(tiny, decode(solve()))
    assert checked["valid"] and checked["n_pairs"] > 0
    if family == "rectangular":
        rows, cols = tiny["scores"].shape
        assert rows < cols and rows <= 5


def test_worker_main_needs_four_arguments(capsys):
    assert _peer_worker.main(["scipy"]) == 2
    assert "usage" in capsys.readouterr().err


# --------------------------------------------------------------------- subprocess runs


def test_subprocess_worker_matches_in_process_and_times_out(tmp_path):
    path = _save(tmp_path, solvers.Case("dense_uniform", (8, 8), seed=2))
    worker = _peers.stage_worker(tmp_path / "stage")
    assert sorted(p.name for p in worker.parent.iterdir()) == ["_measure.py", "_peer_worker.py"]
    isolated = _peers.run_worker(sys.executable, "scipy", "linear_sum_assignment", path, worker=worker, timeout=120)
    local = _peers.run_in_process("scipy", "linear_sum_assignment", path)
    assert isolated["status"] == "ok"
    assert isolated["objective"] == local["objective"]
    assert isolated["versions"]["scipy"]
    assert {"time_s", "peak_mb", "total_peak_mb"} <= set(isolated)
    late = _peers.run_worker(sys.executable, "scipy", "linear_sum_assignment", path, worker=worker, timeout=0.001)
    assert late["status"] == "timeout"
    crashed = _peers.run_worker(sys.executable, "scipy", "linear_sum_assignment", tmp_path / "missing.npz",
                                worker=worker, timeout=120)
    assert crashed["status"] == "error" and crashed["error"] == "FileNotFoundError"


# --------------------------------------------------------------------- environments


def test_venv_is_reused_only_while_its_stamp_matches(tmp_path):
    venv = tmp_path / "lap"
    requirements = ("numpy", "lap==0.5.13")
    assert not _peers.venv_is_current(venv, requirements)
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / _peers.STAMP_NAME).write_text(json.dumps({**_peers.stamp_for(requirements), "versions": {}}))
    assert _peers.venv_is_current(venv, requirements)
    assert _peers.venv_is_current(venv, tuple(reversed(requirements)))
    assert not _peers.venv_is_current(venv, ("numpy", "lap==0.5.12"))
    (venv / _peers.STAMP_NAME).write_text("{not json")
    assert not _peers.venv_is_current(venv, requirements)


def test_main_interpreter_peers_need_no_virtualenv(tmp_path):
    environment = _peers.ensure_environment("scipy", tmp_path)
    assert environment.python == sys.executable and environment.available
    assert not any(tmp_path.iterdir())
    with pytest.raises(KeyError, match="unknown peer 'scipyy'"):
        _peers.ensure_environment("scipyy", tmp_path)
    # lap and lapx share the import name `lap`; the PyPI matching clashes with ours
    assert _peers.PEERS["lap"].own_venv and _peers.PEERS["lapx"].own_venv and _peers.PEERS["matching"].own_venv


# --------------------------------------------------------------------- cases and comparison


def test_build_cases_sizes_and_scaling():
    cases = solvers.build_cases(["dense_uniform", "sparse_topk", "stable"], [1000, 500], fixed_scale=0.001)
    assert [c.shape for c in cases] == [(500, 500), (1000, 1000), (20, 20), (2, 2)]
    assert cases[2].params["k"] == 20 and cases[3].params["right_capacity"] == 10
    quick = solvers.build_cases(["rectangular"], fixed_scale=solvers.QUICK_FIXED_SCALE)
    assert quick[0].shape == (500, 5000)
    with pytest.raises(KeyError, match="unknown case 'dense'"):
        solvers.build_cases(["dense"])
    with pytest.raises(ValueError, match="sizes must be positive"):
        solvers.build_cases(["dense_uniform"], [0])
    with pytest.raises(ValueError, match="fixed_scale must be positive"):
        solvers.build_cases(["stable"], fixed_scale=0)


def test_instances_are_seeded():
    case = solvers.Case("stable", (6, 3), seed=9, params={"right_capacity": 2})
    first, second = solvers.make_instance(case), solvers.make_instance(case)
    assert all(np.array_equal(first[key], second[key]) for key in first)
    other = solvers.make_instance(solvers.Case("stable", (6, 3), seed=10, params={"right_capacity": 2}))
    assert not np.array_equal(first["left_scores"], other["left_scores"])


def _record(peer, method, objective, time_s=1.0, n_pairs=1000):
    return {"peer": peer, "method": method, "solver": f"{peer}.{method}", "status": "ok", "time_s": time_s,
            "objective": objective, "reported_objective": None, "n_pairs": n_pairs, "valid": True}


def test_compare_flags_objective_mismatches_with_integer_tolerance():
    records = [
        _record("ours", "solve_assignment", 500.0, time_s=2.0),
        _record("scipy", "linear_sum_assignment", 500.0 + 1e-3, time_s=1.0),
        _record("lap", "lapjv", 500.0 + 1e-7, time_s=4.0),
        _record("ortools", "linear_sum_assignment", 500.0 - 9e-4),  # within 1000 pairs / 1e6
    ]
    solvers._compare(records, solvers.FAMILIES["dense_uniform"])
    assert [r["objective_match"] for r in records] == [True, False, True, True]
    assert [r["ratio_to_ours"] for r in records] == [1.0, 0.5, 2.0, 0.5]
    assert {r["reference"] for r in records} == {"ours.solve_assignment"}


def test_compare_falls_back_to_the_first_exact_peer_without_ours():
    records = [
        {"peer": "ours", "method": "solve_assignment", "solver": "ours.solve_assignment", "status": "unavailable"},
        _record("ortools", "linear_sum_assignment", 10.0),
        _record("scipy", "linear_sum_assignment", 10.5),
    ]
    solvers._compare(records, solvers.FAMILIES["dense_uniform"])
    assert records[1]["reference"] == "scipy.linear_sum_assignment"
    assert records[1]["objective_match"] is False and "ratio_to_ours" not in records[1]


def test_timeout_skips_the_larger_sizes_of_the_same_case(tmp_path):
    cases = solvers.build_cases(["dense_uniform"], [4, 5])
    report = solvers.run_benchmark(cases, ["scipy"], repeat=1, timeout=0.001, venv_root=tmp_path)
    scipy_runs = [r for r in report["results"] if r["peer"] == "scipy"]
    assert [r["status"] for r in scipy_runs] == ["timeout", "skipped"]
    assert scipy_runs[1]["message"] == "timeout at 4×4"


def test_in_process_run_reports_venv_peers_unavailable(tmp_path):
    cases = solvers.build_cases(["dense_uniform"], [5])
    report = solvers.run_benchmark(cases, ["scipy", "lap"], repeat=2, in_process=True, venv_root=tmp_path,
                                   include_ours=False)
    by_solver = {r["solver"]: r for r in report["results"]}
    assert by_solver["scipy.linear_sum_assignment"]["status"] == "ok"
    assert by_solver["scipy.linear_sum_assignment"]["repeats"] == 2
    assert by_solver["lap.lapjv"]["status"] == "unavailable"
    assert report["peers"]["lap"]["status"].startswith("unavailable")
    assert not any(tmp_path.iterdir())


def test_main_writes_json_and_plot(tmp_path, capsys):
    out = tmp_path / "bench"
    code = solvers.main(["--sizes", "6", "--cases", "capacitated", "--fixed-scale", "0.004",
                         "--peers", "scipy", "--without-ours", "--repeat", "1", "--out", str(out)])
    assert code == 0
    report = json.loads((out / "solvers.json").read_text())
    assert report["complete"] and report["machine"]["cpu_count"] >= 1 and report["settings"]["fixed_scale"] == 0.004
    scipy_runs = [r for r in report["results"] if r["peer"] == "scipy"]
    assert [(r["case"], r["shape"], r["status"]) for r in scipy_runs] == [("capacitated", [8, 2], "ok")]
    assert all(r["valid"] and r["reference"] == r["solver"] for r in scipy_runs)
    assert not any(r["peer"] == "ours" for r in report["results"])
    printed = capsys.readouterr().out
    try:
        import matplotlib  # noqa: F401  (the optional `bench` extra)
    except ImportError:
        assert "matplotlib missing: no plot" in printed
    else:
        assert (out / "solvers.png").stat().st_size > 0
    assert "scipy.linear_sum_assignment_expanded" in printed and "solvers.json" in printed
