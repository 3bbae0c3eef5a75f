"""Locust users of :mod:`benchmarks.service` (the locustfile; run by it, not on its own).

Three kinds of user, in the proportions of a fair's day:

* ``Organizer`` (3): pages through the match result's explained pairs, reads
  the result and the event's jobs;
* ``Participant`` (6): opens their portal — profile, recommendations,
  agenda, the agenda as .ics — with their personal link;
* ``Uploader`` (1): re-imports a participant file and submits match jobs
  (a ``429`` there is the per-organizer job limit doing its work, not an
  error).

What to hit comes from ``MATCHING_BENCH_CONFIG`` (JSON written by
:mod:`benchmarks.service`); every request's name, latency, status and start
time is written to ``MATCHING_BENCH_RAW`` at the end, so that the percentiles of all
reads together are computed exactly.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

__all__: list[str] = []

CONFIG: dict[str, Any] = json.loads(os.environ.get("MATCHING_BENCH_CONFIG", "{}"))
RAW: list[tuple[str, float, int]] = []
AUTH = {"Authorization": f"Bearer {CONFIG.get('token', '')}"}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **_):  # noqa: ANN001
    status = int(getattr(response, "status_code", 0) or 0) if response is not None else 0
    RAW.append((name, float(response_time), status, round(time.time() - response_time / 1000.0, 4)))


@events.quitting.add_listener
def _dump(environment, **_) -> None:  # noqa: ANN001
    Path(os.environ["MATCHING_BENCH_RAW"]).write_text(json.dumps(RAW))


def _get(user: FastHttpUser, url: str, name: str, headers: dict[str, str] | None = None) -> None:
    with user.client.get(url, headers=headers or {}, name=name, catch_response=True) as response:
        if response.status_code == 200:
            response.success()


class Organizer(FastHttpUser):
    weight = 3
    wait_time = between(0.5, 1.5)

    @task(4)
    def pairs(self) -> None:
        offset = random.randrange(0, max(1, CONFIG["pairs"] - 50) + 1)
        _get(self, f"/api/v1/results/{CONFIG['result_id']}/pairs?limit=50&offset={offset}&lang={random.choice(('ja', 'en'))}",
             "read: organizer pairs page", AUTH)

    @task(1)
    def result(self) -> None:
        _get(self, f"/api/v1/results/{CONFIG['result_id']}", "read: organizer result", AUTH)

    @task(1)
    def jobs(self) -> None:
        _get(self, f"/api/v1/events/{CONFIG['upload_event_id']}/jobs?limit=20", "read: organizer jobs", AUTH)


class Participant(FastHttpUser):
    weight = 6
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.link = random.choice(CONFIG["links"])

    @task(2)
    def profile(self) -> None:
        _get(self, f"/api/v1/p/{self.link}", "read: portal profile")

    @task(3)
    def recommendations(self) -> None:
        _get(self, f"/api/v1/p/{self.link}/recommendations?lang=ja", "read: portal recommendations")

    @task(2)
    def agenda(self) -> None:
        _get(self, f"/api/v1/p/{self.link}/agenda", "read: portal agenda")

    @task(1)
    def agenda_ics(self) -> None:
        _get(self, f"/api/v1/p/{self.link}/agenda.ics", "read: portal agenda.ics")


class Uploader(FastHttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    @task(2)
    def upload(self) -> None:
        body = Path(CONFIG["upload_csv"]).read_bytes()
        with self.client.post(f"/api/v1/events/{CONFIG['upload_event_id']}/participants/import?mode=replace",
                              data=body, headers={**AUTH, "Content-Type": "text/csv"}, name="write: upload csv",
                              catch_response=True) as response:
            if response.status_code == 200:
                response.success()

    @task(1)
    def submit(self) -> None:
        with self.client.post(f"/api/v1/events/{CONFIG['upload_event_id']}/jobs", json={"kind": "match"},
                              headers=AUTH, name="write: submit job", catch_response=True) as response:
            if response.status_code in (202, 429):   # 429: the organizer's concurrent-job limit
                response.success()
