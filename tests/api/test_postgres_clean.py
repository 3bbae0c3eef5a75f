"""The PostgreSQL test database is emptied between tests even when an earlier test left a connection holding a lock."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from conftest import POSTGRES_URL, _postgres_clean, _postgres_schema, _postgres_schema_url

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs MATCHING_TEST_POSTGRES_URL (.ci/run starts one)")


def test_cleaning_ends_a_leftover_transaction_instead_of_waiting_for_it():
    schema = _postgres_schema()
    engine = create_engine(_postgres_schema_url(schema), pool_size=1)
    leftover = engine.connect()
    try:
        leftover.execute(text("SELECT count(*) FROM jobs"))  # idle in transaction: holds a lock on jobs
        start = time.monotonic()
        _postgres_clean(schema)
        assert time.monotonic() - start < 10  # not the 30 s lock timeout
        with pytest.raises(OperationalError):
            leftover.execute(text("SELECT 1"))  # its backend was ended
    finally:
        leftover.invalidate()  # never wait on it: without the cleaning's fix its transaction is still open
        engine.dispose()
