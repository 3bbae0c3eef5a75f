"""Schemathesis over every operation of the OpenAPI schema: never a server error.

Each operation gets requests generated from its schema, authenticated with a
valid all-scopes token: valid requests whose path ids are real resources of
the caller (so they reach the handlers, not only the 404 branch), and
invalid requests (negative mode: wrong types, missing fields, bad ids).
Whatever the request, the answer must not be a 5xx, and every error must be
an RFC 9457 problem document.  Operations that delete run last so the others
see live resources.

``MATCHING_SCHEMATHESIS_EXAMPLES`` (default 8) sets the number of examples
per operation and mode.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

__all__: list[str] = []

EXAMPLES = int(os.environ.get("MATCHING_SCHEMATHESIS_EXAMPLES", "8"))


def _operations(schema: Any) -> list[Any]:  # noqa: ANN401
    operations = []
    for result in schema.get_all_operations():
        operations.append(result.ok())  # an invalid schema part fails here, naming it
    # deletes last, and the token revocation very last (it could revoke nothing we use, but keep it calm)
    return sorted(operations, key=lambda op: (op.method.upper() == "DELETE", "tokens" in op.path, op.path, op.method))


@pytest.mark.slow
def test_no_operation_answers_a_server_error(api, two) -> None:  # noqa: ANN001
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    a, _ = two
    owned = api.owned_world(a)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    operations = _operations(schema)
    paths = {op.path for op in operations}
    assert "/api/v1/events/{event_id}/participants/import" in paths and "/api/v1/events/{event_id}/jobs" in paths, paths
    auth = {"Authorization": f"Bearer {a.token}"}
    failures: list[str] = []
    calls = {"n": 0}
    skipped_negative: list[str] = []
    timings: dict[str, float] = {}

    for operation in operations:
        names = [p.name for p in operation.iter_parameters() if p.location == "path"]
        real = {}
        for name in names:
            value = owned["ids"].get(name)
            if name == "result_id" and ("timetable" in operation.path or "agendas" in operation.path):
                value = owned["plan_result_id"]
            if value is not None:
                real[name] = value
        modes = [(schemathesis.GenerationMode.POSITIVE, real)]
        # Invalid requests need something to get wrong: a query, header or body (any string is a valid path id).
        if any(p.location != "path" for p in operation.iter_parameters()) or operation.get_request_payload_content_types():
            modes.append((schemathesis.GenerationMode.NEGATIVE, None))
        for mode, path_parameters in modes:
            kwargs = {"path_parameters": path_parameters} if path_parameters else {}
            try:
                strategy = operation.as_strategy(generation_mode=mode, **kwargs)
            except Exception as exc:  # noqa: BLE001 - e.g. no negative data possible for an operation without inputs
                if mode is schemathesis.GenerationMode.NEGATIVE:
                    continue
                raise AssertionError(f"{operation.label}: no strategy: {exc}") from exc

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=strategy)
            def run(case) -> None:  # noqa: ANN001
                calls["n"] += 1
                response = case.call(headers=auth)
                status = response.status_code
                if status >= 500:
                    failures.append(f"{operation.label} [{mode.value}] -> {status}: {case.as_curl_command()}\n    {response.text[:400]}")
                elif status >= 400:
                    content_type = response.headers.get("content-type", [""])
                    content_type = content_type[0] if isinstance(content_type, list) else content_type
                    if not content_type.startswith("application/problem+json"):
                        failures.append(f"{operation.label} [{mode.value}] -> {status} without a problem document "
                                        f"({content_type}): {case.as_curl_command()}")

            started = time.perf_counter()
            try:
                run()
            except Unsatisfiable:
                # no invalid request can be built for this operation (nothing to get wrong): fine in negative mode
                if mode is not schemathesis.GenerationMode.NEGATIVE:
                    raise
                skipped_negative.append(operation.label)
            timings[f"{operation.label} [{mode.value}]"] = time.perf_counter() - started

    print("slowest operations:", [(k, round(v, 2)) for k, v in sorted(timings.items(), key=lambda kv: -kv[1])[:8]])
    assert calls["n"] >= len(operations), (calls, len(operations))
    assert len(skipped_negative) < len(operations), skipped_negative
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:30])
