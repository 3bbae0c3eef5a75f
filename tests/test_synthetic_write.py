"""Writing synthetic programmes: byte-determinism, round trips, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from datasets.synthetic import PRESETS, _write, generate, load_programme_dir, write_programme
from matching.cli import main
from matching.errors import InvalidInput
from matching.io import read_participants

_SMALL = {"design": (40, 50), "reskilling": (100, 8), "industry-fair": (60, 150), "overseas": (25, 60),
          "succession": (50, 60), "open-innovation": (50, 60)}


def _files(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_same_seed_gives_identical_bytes(tmp_path):
    for k in (1, 2):
        write_programme(generate("industry-fair", seed=21, n_left=40, n_right=90), tmp_path / f"run{k}")
    first, second = _files(tmp_path / "run1"), _files(tmp_path / "run2")
    assert set(first) == {"participants.csv", "participants.json", "programme.toml", "ground_truth.npz",
                          "good_pairs.csv", "meta.json", "README.md"}
    for name in first:
        assert first[name] == second[name], name


def test_different_seed_gives_different_files(tmp_path):
    write_programme(generate("design", seed=1, n_left=30, n_right=30), tmp_path / "a")
    write_programme(generate("design", seed=2, n_left=30, n_right=30), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    for name in ("participants.csv", "participants.json", "ground_truth.npz", "good_pairs.csv", "meta.json"):
        assert a[name] != b[name], name


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_round_trips_through_matching_io(preset, tmp_path):
    n, m = _SMALL[preset]
    data = generate(preset, seed=9, n_left=n, n_right=m)
    written = write_programme(data, tmp_path)
    back = load_programme_dir(tmp_path)
    assert back.programme == data.programme
    assert back.participants == data.participants
    assert read_participants(written["participants.csv"], programme=data.programme) == list(data.participants)
    assert (back.preset, back.seed, back.noise) == (preset, 9, data.noise)
    rows, cols = np.arange(min(n, 7)), np.arange(min(m, 9))
    np.testing.assert_array_equal(back.truth.compatibility(rows, cols), data.truth.compatibility(rows, cols))
    pairs = np.stack(np.divmod(np.arange(min(n * m, 50)), m), axis=1)
    np.testing.assert_array_equal(back.truth.simulate_outcomes(pairs, round=3).deal,
                                  data.truth.simulate_outcomes(pairs, round=3).deal)
    lines = (tmp_path / "good_pairs.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "left_id,right_id,compatibility"
    assert len(lines) - 1 == len(data.truth.good_pairs())
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    assert meta["preset"] == preset and meta["n_left"] == n and meta["n_right"] == m and meta["seed"] == 9
    assert "Noise model" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_good_pairs_file_is_skipped_above_the_limit(tmp_path, monkeypatch):
    data = generate("overseas", seed=1)
    write_programme(data, tmp_path)
    assert (tmp_path / "good_pairs.csv").exists()
    monkeypatch.setattr(_write, "GOOD_PAIRS_LIMIT", 100)
    write_programme(data, tmp_path)
    assert not (tmp_path / "good_pairs.csv").exists()
    assert json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))["good_pairs"] is None
    assert "is not written" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_loading_a_directory_without_the_files_fails(tmp_path):
    with pytest.raises(InvalidInput, match="has no participants.json: not a synthetic programme directory"):
        load_programme_dir(tmp_path)


def test_loading_mismatched_participants_fails(tmp_path):
    write_programme(generate("overseas", seed=1), tmp_path)
    other = tmp_path / "other"
    write_programme(generate("overseas", seed=1, n_left=20), other)
    (tmp_path / "participants.json").write_bytes((other / "participants.json").read_bytes())
    with pytest.raises(InvalidInput, match="do not match the 85 ids of ground_truth.npz"):
        load_programme_dir(tmp_path)


def test_cli_generate_writes_files_and_summarises(tmp_path, capsys):
    assert main(["generate", "reskilling", "--seed", "3", "--out", str(tmp_path), "--noise", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "'reskilling' programme (seed 3)" in out and "100 sme × 8 startup" in out and "noise 0.3" in out
    assert json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))["noise"] == 0.3


def test_cli_generate_sizes(tmp_path, capsys):
    assert main(["generate", "open-innovation", "--seed", "3", "--out", str(tmp_path), "--left", "5", "--right", "7"]) == 0
    assert "5 startup × 7 sme/municipality/corporate" in capsys.readouterr().out


def test_cli_generate_help_lists_presets(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for preset in PRESETS:
        assert preset in out


def test_cli_generate_unknown_preset_is_an_error(tmp_path, capsys):
    assert main(["generate", "fair", "--seed", "1", "--out", str(tmp_path)]) == 1
    assert "known presets: design, reskilling, industry-fair, overseas, succession, open-innovation" in capsys.readouterr().err


def test_cli_generate_bad_size_is_an_error(tmp_path, capsys):
    assert main(["generate", "design", "--seed", "1", "--out", str(tmp_path), "--left", "0"]) == 1
    assert "n_left: expected an integer from 1 to 100000" in capsys.readouterr().err


def test_bytes_do_not_depend_on_the_process_hash_seed(tmp_path):
    import os
    import subprocess
    import sys

    code = ("import sys; from datasets.synthetic import generate, write_programme; "
            "write_programme(generate('succession', seed=5, n_left=30, n_right=40), sys.argv[1])")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "child")], check=True, env=env, timeout=120)
    write_programme(generate("succession", seed=5, n_left=30, n_right=40), tmp_path / "here")
    assert _files(tmp_path / "child") == _files(tmp_path / "here")
