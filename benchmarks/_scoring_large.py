"""`python -m benchmarks.scoring --large`: the large path from files, at 20,000 and 100,000 per side.

For each size, on the ``design`` preset written by ``matching generate``
(untimed):

text
    scikit-learn's ``TfidfVectorizer`` (``TextVectorizer(engine="sklearn")``,
    today's path) against the compiled n-grams (``engine="compiled"``), both
    fitting and transforming every participant's description with the SVD
    projection the scorer uses at that size, interleaved, each run in a
    fresh process; the two outputs are compared (equal bits expected).
score
    ``matching score PARTICIPANTS --rules R --out FILE --k 20``: fitting
    every component and every participant's top-20 candidates, both sides.
score stages
    the same steps, in one child that times each (:func:`stage_worker`):
    loading the files, fitting, top-k over every pair, writing the CSV;
    per stage wall and CPU seconds (every thread) and the peak resident
    memory so far.
match
    ``matching match PARTICIPANTS --rules R --out DIR``: CSV to certified,
    explained pairs (the factor path, chosen by itself at these sizes).

Every run is a child process measured with ``os.wait4``: wall seconds, CPU
seconds (user + system: less disturbed than wall time on a shared
machine) and peak resident memory; the load average is recorded beside
each figure.  Targets (2 cores): top-20 candidates at 100,000 per side in
90 s, CSV to certified pairs in 5 minutes, peak memory 3 GB scoring and
4 GB matching.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

__all__ = ["LARGE_SIZES", "TARGETS", "large", "stage_worker", "text_worker"]

LARGE_SIZES: tuple[int, ...] = (20_000, 100_000)
PRESET = "design"
TARGETS = {"score_s": 90.0, "match_s": 300.0, "score_peak_gb": 3.0, "match_peak_gb": 4.0}


def _load() -> list[float]:
    with open("/proc/loadavg", encoding="ascii") as handle:
        return [float(v) for v in handle.read().split()[:3]]


def _run(cmd: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd`` as a child; wall and CPU seconds and peak RSS of that child alone."""
    load_before = _load()
    start = time.perf_counter()
    child = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"status": f"timed out after {timeout:.0f} s", "load_before": load_before}
    wall = time.perf_counter() - start
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only cumulatively, so the
    # commands report their own (see _measured): read it from the last line of stdout
    record: dict[str, Any] = {"status": "ok" if child.returncode == 0 else f"failed (exit {child.returncode})",
                              "wall_s": round(wall, 2), "load_before": load_before, "load_after": _load()}
    lines = [line for line in out.splitlines() if line.startswith("{\"rusage\"")]
    if lines:
        usage = json.loads(lines[-1])["rusage"]
        record.update(cpu_s=round(usage["cpu_s"], 2), peak_gb=round(usage["peak_bytes"] / 1e9, 3))
    if child.returncode != 0:
        record["stderr_tail"] = err[-2000:]
    return record


def _measured(argv: Sequence[str]) -> list[str]:
    """A command line that runs ``argv`` in a Python child and prints that child's rusage as JSON."""
    code = (
        "import json, os, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'rusage': {'cpu_s': u.ru_utime + u.ru_stime, 'peak_bytes': u.ru_maxrss * 1024}}))\n"
        "sys.exit(done.returncode)\n"
    )
    return [sys.executable, "-c", code, *argv]


def text_worker(engine: str, participants: str, rules: str, n_components: int, result: str) -> int:
    """Fit and transform every description with one engine; write a digest of the output."""
    import hashlib

    import numpy as np

    from matching.features import TextVectorizer
    from matching.features._profiles import feature_view
    from matching.io import load_event

    event = load_event(participants, rules)
    left, right = event.sides(0)
    records = feature_view(list(left) + list(right))
    start = time.perf_counter()
    vectors = TextVectorizer(engine=engine, n_components=n_components).fit_transform(records)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256(np.ascontiguousarray(vectors).tobytes()).hexdigest()
    Path(result).write_text(json.dumps({"fit_transform_s": seconds, "sha256": digest, "shape": list(vectors.shape)}))
    return 0


def stage_worker(participants: str, rules: str, k: int, out: str, result: str) -> int:
    """``matching score --out`` step by step (the command's own functions); write each step's figures as JSON."""
    import resource

    from matching._memory import release_free_memory
    from matching.cli._score import _participants_kept, write_candidates
    from matching.features import Scorer
    from matching.io import load_event

    stages: list[dict[str, Any]] = []
    clock = [time.perf_counter(), _cpu()]

    def done(name: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        stages.append({"stage": name, "wall_s": round(wall - clock[0], 2), "cpu_s": round(cpu - clock[1], 2),
                       "peak_gb_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 3),
                       "load": _load()})
        clock[:] = [wall, cpu]

    try:
        with _participants_kept():
            event = load_event(participants, rules)
        rnd = event.programme.rounds[0]
        left, right = event.sides(0)
        done("load")
        pairs = len(left) * len(right)
        scorer = Scorer.from_round(rnd, dtype="float64" if pairs <= 10**8 else "float32").fit(left, right)
        del event, left, right  # as the command does before its top-k pass
        release_free_memory()
        done("fit")
        top = scorer.top_k(k, direction="both")
        done("top_k")
        write_candidates(Path(out), scorer, top)
        done("write")
    finally:
        gc.unfreeze()
    Path(result).write_text(json.dumps({"stages": stages}))
    return 0


def _cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def large(sizes: Sequence[int] = LARGE_SIZES, *, repeats: int = 1, timeout: float = 3600.0,
          match_sizes: Sequence[int] | None = None, text: bool = True) -> dict[str, Any]:
    """Run the large benchmark (see the module); returns the JSON-able report.

    ``match_sizes``: the sizes at which ``matching match`` runs too (default: every size).
    ``text=False`` leaves out the text vectorizers' comparison.
    """
    from matching.features import TEXT_EXACT_MAX_PAIRS

    matching = [sys.executable, "-m", "matching"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-large-") as tmp:
        for n in sizes:
            data = Path(tmp) / f"{PRESET}-{n}"
            print(f"large: generating {n:,} per side ...", flush=True)
            subprocess.run([*matching, "generate", PRESET, "--seed", "1", "--left", str(n), "--right", str(n),
                            "--out", str(data)], check=True, stdout=subprocess.DEVNULL)
            participants, rules = str(data / "participants.csv"), str(data / "programme.toml")
            n_components = 0 if n * n <= TEXT_EXACT_MAX_PAIRS else 128
            runs: dict[str, list[dict[str, Any]]] = {"sklearn": [], "compiled": []}
            for _ in range(repeats if text else 0):
                for engine in ("sklearn", "compiled"):  # interleaved
                    result = Path(tmp) / f"text-{engine}.json"
                    run = _run(_measured([sys.executable, "-m", "benchmarks.scoring", "--text-worker", engine,
                                          "--participants", participants, "--rules", rules,
                                          "--components", str(n_components), "--result", str(result)]), timeout)
                    if result.exists():
                        run.update(json.loads(result.read_text()))
                    runs[engine].append(run)
                    print(f"  text {engine}: {_line(run)}", flush=True)
            best = {e: min(r, key=lambda x: x.get("cpu_s", float("inf")), default={}) for e, r in runs.items()}
            same = best["sklearn"].get("sha256") is not None and best["sklearn"].get("sha256") == best["compiled"].get("sha256")
            score = _run(_measured([*matching, "score", participants, "--rules", rules, "--out",
                                    str(Path(tmp) / "top.csv"), "--k", "20", "--no-progress"]), timeout)
            print(f"  score --k 20: {_line(score)}", flush=True)
            stages_path = Path(tmp) / "stages.json"
            staged = _run(_measured([sys.executable, "-m", "benchmarks.scoring", "--stage-worker", "--participants",
                                     participants, "--rules", rules, "--out", str(Path(tmp) / "top-stages.csv"),
                                     "--result", str(stages_path)]), timeout)
            if stages_path.exists():
                staged.update(json.loads(stages_path.read_text()))
            for stage in staged.get("stages", []):
                print(f"    {stage['stage']:>6}: {stage['wall_s']:.1f} s wall, {stage['cpu_s']:.1f} CPU s, "
                      f"peak so far {stage['peak_gb_so_far']:.2f} GB (load {stage['load'][0]:.1f})", flush=True)
            if match_sizes is not None and n not in match_sizes:
                match: dict[str, Any] = {"status": "not run (--match-sizes)"}
            else:
                match = _run(_measured([*matching, "match", participants, "--rules", rules, "--out",
                                        str(Path(tmp) / f"match-{n}"), "--no-progress"]), timeout)
            summary_path = Path(tmp) / f"match-{n}" / "summary.json"
            if summary_path.exists():
                figures = json.loads(summary_path.read_text())
                match["summary"] = {k: figures.get(k) for k in ("path", "solver", "status", "pairs", "total_score",
                                                                 "certificate", "checks")}
            print(f"  match: {_line(match)}", flush=True)
            rows.append({
                "n_left": n, "n_right": n, "text_svd_components": n_components or None,
                "text": runs, "text_outputs_equal": same,
                "text_cpu_ratio_compiled_over_sklearn": _ratio(best["compiled"], best["sklearn"], "cpu_s"),
                "text_fit_ratio_compiled_over_sklearn": _ratio(best["compiled"], best["sklearn"], "fit_transform_s"),
                "score": score, "score_stages": staged, "match": match,
            })
    return {"preset": PRESET, "sizes": list(sizes), "repeats": repeats, "targets": TARGETS, "cpu_count": os.cpu_count(),
            "rows": rows}


def _ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    return round(a[key] / b[key], 3) if key in a and key in b and b[key] else None


def _line(run: dict[str, Any]) -> str:
    if run.get("status") != "ok":
        return run.get("status", "?")
    extra = f", fit_transform {run['fit_transform_s']:.1f} s" if "fit_transform_s" in run else ""
    return (f"{run['wall_s']:.1f} s wall, {run.get('cpu_s', float('nan')):.1f} CPU s, peak "
            f"{run.get('peak_gb', float('nan')):.2f} GB{extra} (load {run['load_before'][0]:.1f})")
