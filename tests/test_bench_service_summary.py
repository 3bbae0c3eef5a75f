"""The load test's summary (benchmarks/service.py): the warm-up is reported apart, its 5xx still counted."""

from __future__ import annotations

import numpy as np

from benchmarks.service import summarize


def test_requests_started_in_the_warmup_are_reported_apart_and_their_5xx_still_counted():
    rng = np.random.default_rng(0)
    steady = [("read: portal agenda", float(ms), 200, 105.0 + k * 0.1) for k, ms in enumerate(rng.uniform(5, 40, 200))]
    warming = [("read: portal agenda", 900.0, 200, 100.0), ("read: organizer pairs page", 1200.0, 503, 101.0)]
    raw = [*warming, *steady, ("write: submit job", 30.0, 429, 110.0), ("read: portal profile", 25.0, 404, 111.0)]
    figures = summarize(raw, duration=20.0, warmup=5.0)
    reads = np.array([r[1] for r in steady] + [25.0])
    assert figures["reads"]["requests"] == len(reads)
    assert figures["reads"]["p99_ms"] == round(float(np.percentile(reads, 99)), 1)
    assert figures["reads"]["max_ms"] < 900                       # the slow warm-up requests are not in it
    assert figures["warmup"] == {"seconds": 5.0, "requests": 2, "rps": 0.4, "p50_ms": 1050.0, "p95_ms": 1185.0,
                                      "p99_ms": 1197.0, "max_ms": 1200.0, "status_5xx": 1}
    assert figures["status_5xx"] == 1                              # counted wherever it happened
    assert (figures["job_submissions_limited_429"], figures["other_errors"]) == (1, 1)
    everything = summarize(raw, duration=25.0, warmup=0.0)         # no warm-up: every request counted, as before
    assert everything["all"]["requests"] == len(raw) and everything["warmup"]["requests"] == 0
