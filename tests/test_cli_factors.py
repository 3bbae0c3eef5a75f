"""`matching match-factors`: exact matching of vector files, with pairs and certificate written to a folder."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from matching.cli import main
from matching.cli._factors import synthetic_vectors
from matching.solvers import solve_capacitated


def _pairs(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([[int(r["left"]), int(r["right"])] for r in rows]).reshape(-1, 2), np.array([float(r["score"]) for r in rows])


def test_vector_files_give_the_dense_optimum_and_a_checkable_certificate(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 5)), rng.normal(size=(30, 5))
    np.save(tmp_path / "l.npy", x)
    np.savetxt(tmp_path / "r.csv", y, delimiter=",")
    assert main([ "match-factors", str(tmp_path / "l.npy"), str(tmp_path / "r.csv"), "--out", str(tmp_path / "run"),
                 "--require-complete", "--progress"]) == 0
    assert "certificate checked 1,200 pairs" in capsys.readouterr().out
    s = x @ y.T
    rows, cols = linear_sum_assignment(s, maximize=True)
    pairs, scores = _pairs(tmp_path / "run" / "pairs.csv")
    np.testing.assert_allclose(scores, s[pairs[:, 0], pairs[:, 1]], rtol=1e-12)
    assert scores.sum() == pytest.approx(s[rows, cols].sum(), rel=1e-9)
    cert = json.loads((tmp_path / "run" / "certificate.json").read_text())
    assert cert["status"] == "optimal" and cert["pairs_checked"] == 1200
    u, v = np.array(cert["left_potential"]), np.array(cert["right_potential"])
    assert (u[:, None] + v[None, :] - s).min() >= -1e-7  # dual feasible on every pair
    assert np.allclose(u[pairs[:, 0]] + v[pairs[:, 1]], s[pairs[:, 0], pairs[:, 1]], atol=1e-7)


def test_capacities_weights_and_forbidden_pairs(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x, y, w = rng.normal(size=(12, 3)), rng.normal(size=(9, 2)), rng.normal(size=(3, 2))
    forbidden = np.array([[0, 0], [1, 2]])
    np.save(tmp_path / "l.npy", x)
    np.save(tmp_path / "r.npy", y)
    np.save(tmp_path / "w.npy", w)
    np.save(tmp_path / "cap.npy", np.full(9, 2))
    np.savetxt(tmp_path / "f.csv", forbidden, delimiter=",", fmt="%d")
    code = main(["match-factors", str(tmp_path / "l.npy"), str(tmp_path / "r.npy"), "--weights", str(tmp_path / "w.npy"),
                 "--right-capacity", str(tmp_path / "cap.npy"), "--left-capacity", "1", "--forbidden", str(tmp_path / "f.csv"),
                 "--out", str(tmp_path / "run"), "--json", "--no-progress"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    s = x @ w @ y.T
    ref = solve_capacitated(s, left_capacity=1, right_capacity=2, forbidden=forbidden)
    assert summary["objective"] == pytest.approx(ref.objective, rel=1e-9)
    pairs, _ = _pairs(tmp_path / "run" / "pairs.csv")
    assert not {(0, 0), (1, 2)} & {tuple(p) for p in pairs.tolist()}


def test_minimums_and_required_pairs(tmp_path, capsys):
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 2)), rng.normal(size=(4, 2))
    np.save(tmp_path / "l.npy", x)
    np.save(tmp_path / "r.npy", y)
    np.savetxt(tmp_path / "req.csv", [[3, 1]], delimiter=",", fmt="%d")
    code = main(["match-factors", str(tmp_path / "l.npy"), str(tmp_path / "r.npy"), "--right-capacity", "3",
                 "--left-min", "1", "--required", str(tmp_path / "req.csv"), "--out", str(tmp_path / "run"), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    ref = solve_capacitated(x @ y.T, left_capacity=1, right_capacity=3, left_min=1, required=[(3, 1)])
    assert summary["objective"] == pytest.approx(ref.objective, rel=1e-9)
    pairs, _ = _pairs(tmp_path / "run" / "pairs.csv")
    assert len(pairs) == 10 and [3, 1] in pairs.tolist()


def test_synthetic_vectors_are_written_and_reproducible(tmp_path, capsys):
    assert main(["match-factors", "--synthetic", "50", "--dim", "4", "--seed", "7", "--out", str(tmp_path)]) == 0
    x, y = synthetic_vectors(50, 4, 7)
    np.testing.assert_array_equal(np.load(tmp_path / "left.npy"), x)
    np.testing.assert_array_equal(np.load(tmp_path / "right.npy"), y)
    assert "50 × 50: 50 pairs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["a.npy"], "expected two vector files"),
        (["missing.npy", "missing2.npy"], "no such file"),
        (["--synthetic", "5", "x.npy", "y.npy"], "either LEFT RIGHT files or --synthetic N"),
        (["--synthetic", "0"], "expected N >= 1"),
        (["--synthetic", "5", "--memory-mb", "0"], "--memory-mb"),
        (["--synthetic", "5", "--k", "0"], "--k"),
    ],
)
def test_bad_arguments_are_reported(tmp_path, capsys, argv, message):
    assert main(["match-factors", *argv, "--out", str(tmp_path / "o")]) == 1
    assert message in capsys.readouterr().err


def test_unreadable_and_unknown_files_are_reported(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("1,2\nx,y\n")
    (tmp_path / "v.json").write_text("[]")
    np.save(tmp_path / "ok.npy", np.ones((2, 2)))
    assert main(["match-factors", str(tmp_path / "bad.csv"), str(tmp_path / "ok.npy"), "--out", str(tmp_path / "o")]) == 1
    assert "could not read it" in capsys.readouterr().err
    assert main(["match-factors", str(tmp_path / "v.json"), str(tmp_path / "ok.npy"), "--out", str(tmp_path / "o")]) == 1
    assert "expected a .npy, .csv or .txt file, got .json" in capsys.readouterr().err
    np.save(tmp_path / "three.npy", np.ones((2, 3)))
    assert main(["match-factors", str(tmp_path / "three.npy"), str(tmp_path / "ok.npy"), "--out", str(tmp_path / "o")]) == 1
    assert "same dimension" in capsys.readouterr().err


def test_help_explains_where_vectors_come_from(capsys):
    with pytest.raises(SystemExit):
        main(["match-factors", "--help"])
    out = capsys.readouterr().out
    assert "--memory-mb" in out and "numpy.save" in out and "--synthetic" in out
