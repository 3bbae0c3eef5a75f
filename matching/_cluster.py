"""Reaching a Dask cluster for the blockwise passes (the optional extra ``pip install 'sme-matching[dask]'``).

The ``cluster`` argument of :func:`matching.solvers.solve_factors` and
:meth:`matching.features.Scorer.top_k` (and ``--cluster`` of the CLI, the
service's ``MATCHING_DASK_SCHEDULER``) is one of

- ``None``: no cluster, everything in this process (Dask is not imported);
- ``"local"``: a ``distributed.LocalCluster`` started for the call on this
  machine (one single-threaded worker process per core, each holding its
  own copy of the factors; loopback only, no dashboard) and closed after it;
- a scheduler address, ``"tcp://host:port"`` (any scheme Dask knows, e.g.
  ``tls://``; a bare ``"host:port"`` means ``tcp://``): an existing cluster;
- a ``distributed.Client``: used as it is and left open.

:func:`connect` reaches the cluster before any work is sent and fails fast
(:data:`CONNECT_TIMEOUT`) with a :class:`~matching.errors.ClusterUnavailable`
naming the address.  This module imports Dask only inside :func:`connect`.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

from ._cores import available_cores
from .errors import ClusterUnavailable, FieldError, InvalidInput

__all__ = ["CONNECT_TIMEOUT", "check_cluster", "connect", "local_cluster"]

#: seconds to reach a scheduler and see a worker before :class:`ClusterUnavailable`
CONNECT_TIMEOUT = 10.0

#: ``scheme://anything`` or a bare ``host:port``
_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+.-]*://\S+|[a-z0-9._-]+:\d+)$", re.IGNORECASE)


def check_cluster(cluster: Any, field: str = "cluster") -> None:
    """Validate a ``cluster`` argument without importing Dask.

    Raises
    ------
    matching.errors.InvalidInput
        Neither None, ``"local"``, an address nor a ``distributed.Client``.
    """
    if cluster is None or cluster == "local":
        return
    if isinstance(cluster, str):
        if not _ADDRESS.match(cluster.strip()):
            raise InvalidInput([FieldError(field, cluster, "expected 'local' or a Dask scheduler address such as "
                                                           "'tcp://10.0.0.5:8786'")])
        return
    if any(c.__name__ == "Client" and c.__module__.startswith("distributed") for c in type(cluster).__mro__):
        return
    raise InvalidInput([FieldError(field, type(cluster).__name__,
                                   "expected None, 'local', a scheduler address or a distributed.Client")])


@contextmanager
def connect(cluster: Any, *, timeout: float | None = None) -> Iterator[Any]:
    """The ``distributed.Client`` of ``cluster`` (None for None), closed on exit when this function opened it.

    Parameters
    ----------
    cluster : None, "local", str or distributed.Client
        See the module's description.
    timeout : float, optional
        Seconds to reach the scheduler and see at least one worker
        (default :data:`CONNECT_TIMEOUT`).

    Raises
    ------
    matching.errors.InvalidInput
        ``cluster`` is not a cluster (see :func:`check_cluster`).
    matching.errors.ClusterUnavailable
        Dask is not installed, the scheduler cannot be reached, or no worker
        joins within ``timeout``; the message names the address.
    """
    check_cluster(cluster)
    if cluster is None:
        yield None
        return
    limit = CONNECT_TIMEOUT if timeout is None else float(timeout)
    name = cluster if isinstance(cluster, str) else str(getattr(getattr(cluster, "scheduler", None), "address", "the client"))
    try:
        import distributed
    except ImportError:
        raise ClusterUnavailable(str(name), "Dask is not installed; install it with pip install 'sme-matching[dask]'") from None
    if isinstance(cluster, distributed.Client):
        if cluster.status != "running":
            raise ClusterUnavailable(str(name), f"the client is {cluster.status}")
        _wait_for_workers(cluster, str(name), limit)
        yield cluster
        return
    if cluster == "local":
        local = local_cluster(available_cores(), 1)
        try:
            with distributed.Client(local, set_as_default=False) as client:
                yield client
        finally:
            local.close()
        return
    address = cluster.strip() if "://" in cluster else f"tcp://{cluster.strip()}"
    try:
        client = distributed.Client(address, timeout=limit, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(cluster, f"no scheduler answered within {limit:g} s ({type(exc).__name__}: {exc})") from None
    with client:
        _wait_for_workers(client, cluster, limit)
        yield client


def local_cluster(n_workers: int, threads_per_worker: int) -> Any:
    """A ``distributed.LocalCluster`` on this machine for the blockwise passes (loopback only, no dashboard).

    Its scheduler runs without the active memory manager: the manager's
    replica reduction drops a worker's copy of the factors whenever no task
    waits for it there, between passes, so the next pass fetched them again
    (on a cluster of your own, ``distributed.scheduler.active-memory-manager.start:
    false`` saves the same transfers).
    """
    import dask
    import distributed

    with dask.config.set({"distributed.scheduler.active-memory-manager.start": False}):
        return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                                        host="127.0.0.1", dashboard_address=None, silence_logs=40)


def _wait_for_workers(client: Any, name: str, limit: float) -> None:
    try:
        client.wait_for_workers(1, timeout=limit)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(name, f"the scheduler has no worker (none joined within {limit:g} s: {exc})") from None
