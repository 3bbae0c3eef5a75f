"""Service settings, read from ``MATCHING_*`` environment variables."""

from __future__ import annotations

import os
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching._cluster import check_cluster

__all__ = ["Settings", "DEFAULT_DATABASE_URL"]

DEFAULT_DATABASE_URL = "sqlite:///./var/matching.db"


class Settings(BaseModel):
    """Where the data lives and the limits every request and job is held to.

    Every field can be set from the environment as ``MATCHING_<FIELD>``
    (upper case), e.g. ``MATCHING_DATABASE_URL=postgresql+psycopg://...``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_participants_per_event: int = Field(default=20_000, ge=1)
    max_matrix_cells: int = Field(default=100_000_000, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    max_concurrent_jobs: int = Field(default=2, ge=1)
    job_workers: int = Field(default=1, ge=0)
    job_poll_seconds: float = Field(default=0.5, gt=0)
    job_max_attempts: int = Field(default=3, ge=1, description="runs of a job whose worker dies: the first and two take-overs")
    database_pool_size: int = Field(default=20, ge=4, description="database connections per process; requests beyond what they serve wait their turn")
    readiness_timeout_seconds: int = Field(default=2, ge=2, le=60, description="GET /readyz gives up on a database that does "
                                           "not answer within this many seconds (libpq's connect_timeout: 2 at least)")
    job_lease_seconds: float = Field(default=30.0, gt=0, description="a running job's lease; renewed every third of it")
    job_stage_delay: float = Field(default=0.0, ge=0, description="seconds to wait at each stage of a job (tests and demos of progress)")
    auth_failure_limit: int = Field(default=20, ge=1, description="failed token or link attempts one client address may make per window")
    auth_failure_window_seconds: int = Field(default=300, ge=1, description="the window of auth_failure_limit, in seconds")
    seed_demo: bool = True
    demo_token_file: str | None = None
    dask_scheduler: str | None = Field(default=None, description="Dask cluster of the match jobs' factor path: 'local' or a "
                                                                 "scheduler address such as tcp://10.0.0.5:8786")

    @field_validator("dask_scheduler")
    @classmethod
    def _cluster_address(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        check_cluster(value, "dask_scheduler")  # an InvalidInput is a ValueError: pydantic names the field
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from ``MATCHING_*`` variables; keyword arguments win."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            key = f"MATCHING_{name.upper()}"
            if key in environ:
                values[name] = environ[key]
        values.update(overrides)
        return cls.model_validate(values)
