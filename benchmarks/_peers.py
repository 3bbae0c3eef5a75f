"""Peer libraries for the solver benchmark, each in its own virtualenv.

Several peers cannot share one interpreter: ``lap`` and ``lapx`` both
install the import name ``lap``, and the PyPI ``matching`` library has the
import name of this repository's package.  Each such peer therefore gets a
virtualenv under ``out/bench/venvs/<peer>/``, created on demand with
``python -m venv`` and pip, and reused while its stamp file matches the
requested requirements.  Peers that the main virtualenv already carries
(scipy, networkx) and our own solvers run in the main interpreter, but
still in a subprocess of their own, so that every peak-memory figure
belongs to one solve in one fresh process.

Every solve runs ``_peer_worker.py`` (copied with ``_measure.py`` to a
temporary directory) as ``<python> -I _peer_worker.py PEER METHOD
INSTANCE OUT`` with that directory as the working directory: with ``-I``
neither the current directory, the script's directory, ``PYTHONPATH`` nor
the user site is on ``sys.path``, so the PyPI ``matching`` cannot be
shadowed by ours and vice versa.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

__all__ = [
    "Peer",
    "PEERS",
    "Environment",
    "STAMP_NAME",
    "stamp_for",
    "venv_is_current",
    "ensure_environment",
    "stage_worker",
    "run_worker",
    "run_in_process",
    "SINGLE_THREAD_ENV",
]

STAMP_NAME = ".bench-stamp.json"
_HERE = Path(__file__).resolve().parent

#: Every solver runs single-threaded, so that the comparison is per core.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Peer:
    """A peer library and how to install it.

    Attributes
    ----------
    name : str
        Install target and the peer name the worker knows.
    requirements : tuple of str
        pip requirements of its own virtualenv; empty when it runs in the
        main interpreter (``sys.executable``).
    summary : str
        What is compared, for the report.
    """

    name: str
    requirements: tuple[str, ...] = ()
    summary: str = ""

    @property
    def own_venv(self) -> bool:
        return bool(self.requirements)


#: Explicit registry; the pinned versions are those the stamp checks.
PEERS: dict[str, Peer] = {
    "ours": Peer("ours", (), "this repository's matching.solvers"),
    "scipy": Peer("scipy", (), "scipy.optimize.linear_sum_assignment, scipy.sparse.csgraph.min_weight_full_bipartite_matching"),
    "networkx": Peer("networkx", (), "networkx max_weight_matching, network_simplex"),
    "lap": Peer("lap", ("numpy", "lap==0.5.13"), "lap (Kazmar): lapjv, lapmod"),
    "lapx": Peer("lapx", ("numpy", "lapx==0.11.1"), "lapx: lapjv, lapjvx, lapjvxa, lapjvc, lapjvs, lapjvsa, lapjvr, lapjvh, lapmod"),
    "ortools": Peer("ortools", ("numpy", "ortools==9.15.6755"), "OR-Tools SimpleLinearSumAssignment, SimpleMinCostFlow"),
    "pot": Peer("pot", ("numpy", "scipy", "pot==0.9.7.post1"), "POT ot.emd (network simplex)"),
    "matching": Peer("matching", ("numpy", "matching==1.4.3"), "PyPI matching: HospitalResident, StableMarriage"),
}


@dataclass(frozen=True)
class Environment:
    """Where a peer runs, or why it cannot.

    Attributes
    ----------
    peer : str
    python : str or None
        Interpreter to run the worker with; None when unavailable.
    status : str
        ``ready``, ``reused`` (an existing virtualenv with a matching
        stamp), ``built`` or ``unavailable: <reason>``.
    requirements : tuple of str
    versions : dict
        Installed versions (from the stamp), where known.
    """

    peer: str
    python: str | None
    status: str
    requirements: tuple[str, ...] = ()
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.python is not None


def stamp_for(requirements: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """What a virtualenv's stamp must say for it to be reused."""
    return {
        "requirements": sorted(requirements),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_is_current(venv: Path, requirements: tuple[str, ...] | list[str]) -> bool:
    """True when ``venv`` has an interpreter and its stamp matches ``requirements``."""
    stamp_path = Path(venv) / STAMP_NAME
    if not _venv_python(Path(venv)).exists() or not stamp_path.is_file():
        return False
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = stamp_for(requirements)
    return all(stamp.get(key) == value for key, value in wanted.items())


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and "WARNING" not in line]
    return " | ".join(lines[-count:])[:400] or "no output"


def ensure_environment(
    peer: str,
    venv_root: str | Path = "out/bench/venvs",
    *,
    rebuild: bool = False,
    install_timeout: float = 1200.0,
    log: Callable[[str], None] = lambda message: None,
) -> Environment:
    """Find or build the environment a peer runs in.

    Parameters
    ----------
    peer : str
        A key of :data:`PEERS`.
    venv_root : path
        Parent folder of the per-peer virtualenvs.
    rebuild : bool
        Recreate the virtualenv even when its stamp matches.
    install_timeout : float
        Seconds allowed for ``python -m venv`` plus ``pip install``.
    log : callable
        Receives progress messages.

    Returns
    -------
    Environment
        With ``status`` ``unavailable: <reason>`` when the install failed
        (no wheel, build failure, no network); this never raises for that.

    Raises
    ------
    KeyError
        If ``peer`` is not in :data:`PEERS`.
    """
    try:
        spec = PEERS[peer]
    except KeyError:
        raise KeyError(f"unknown peer {peer!r}; expected one of {sorted(PEERS)}") from None
    if not spec.own_venv:
        return Environment(peer, sys.executable, "ready")
    venv = Path(venv_root).resolve() / peer
    if not rebuild and venv_is_current(venv, spec.requirements):
        stamp = json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
        return Environment(peer, str(_venv_python(venv)), "reused", spec.requirements, stamp.get("versions", {}))
    log(f"building virtualenv for {peer} in {venv} ({' '.join(spec.requirements)})")
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(_venv_python(venv)), "-m", "pip", "install", "--quiet", "--prefer-binary", *spec.requirements],
    ]
    for step in steps:
        try:
            completed = subprocess.run(
                step, capture_output=True, text=True, timeout=install_timeout, env=_clean_env(), check=False
            )
        except subprocess.TimeoutExpired:
            return Environment(peer, None, f"unavailable: install timed out after {install_timeout:.0f} s", spec.requirements)
        except OSError as error:
            return Environment(peer, None, f"unavailable: {error}", spec.requirements)
        if completed.returncode != 0:
            reason = _last_lines(completed.stderr or completed.stdout)
            return Environment(peer, None, f"unavailable: {reason}", spec.requirements)
    versions = _installed_versions(_venv_python(venv), spec.requirements)
    stamp = {**stamp_for(spec.requirements), "versions": versions}
    (venv / STAMP_NAME).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    return Environment(peer, str(_venv_python(venv)), "built", spec.requirements, versions)


def _installed_versions(python: Path, requirements: tuple[str, ...]) -> dict[str, str]:
    names = [re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0] for requirement in requirements]
    script = (
        "import json, sys\nfrom importlib import metadata\nout = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: out[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    completed = subprocess.run(
        [str(python), "-I", "-c", script, *names], capture_output=True, text=True, timeout=120, check=False
    )
    try:
        return json.loads(completed.stdout)
    except ValueError:
        return {}


def _clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
    env = {key: value for key, value in os.environ.items() if key in keep or key.startswith("PIP_")}
    env.update(SINGLE_THREAD_ENV)
    return env


def stage_worker(directory: str | Path) -> Path:
    """Copy the worker and its timing helper into ``directory``; return the worker's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("_peer_worker.py", "_measure.py"):
        shutil.copyfile(_HERE / name, directory / name)
    return directory / "_peer_worker.py"


def _error_name(stderr: str) -> str | None:
    """The exception class named on the last traceback line of ``stderr``."""
    for line in reversed(stderr.strip().splitlines()):
        match = re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b", line.strip())
        if match:
            return match.group(1).rsplit(".", 1)[-1]
    return None


def run_worker(
    python: str,
    peer: str,
    method: str,
    instance_path: str | Path,
    *,
    worker: str | Path,
    timeout: float = 300.0,
    memory_limit_bytes: int | None = None,
) -> dict[str, Any]:
    """Solve one instance in a fresh process and return the worker's report.

    Parameters
    ----------
    python : str
        Interpreter (a peer's virtualenv, or ``sys.executable``).
    peer, method : str
        A key of the worker's ``METHODS``.
    instance_path : path
        ``.npz`` written by the harness.
    worker : path
        The staged worker (see :func:`stage_worker`); its folder is the
        working directory.
    timeout : float
        Seconds for the whole process; past it the process group is killed
        and the status is ``timeout``.
    memory_limit_bytes : int, optional
        Address-space limit (``RLIMIT_AS``) for the process, so that a
        runaway peer fails with ``MemoryError`` instead of exhausting the
        machine.

    Returns
    -------
    dict
        The worker's JSON report, or ``{"status": "timeout"}`` /
        ``{"status": "error", "error": NAME, "message": ...}`` when the
        process did not write one.
    """
    worker = Path(worker)
    workdir = worker.parent
    out_fd, out_path = tempfile.mkstemp(prefix=f"{peer}-{method}-", suffix=".json", dir=workdir)
    os.close(out_fd)
    os.unlink(out_path)
    command = [str(python), "-I", str(worker), peer, method, str(Path(instance_path).resolve()), out_path]

    def limit_memory() -> None:  # runs in the child before exec
        if memory_limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))

    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=limit_memory if memory_limit_bytes else None,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return {"peer": peer, "method": method, "status": "timeout", "message": f"no result within {timeout:g} s"}
    except BaseException:  # Ctrl-C or a signal: take the solver (its own session) down too
        _kill_group(process)
        raise
    try:
        with open(out_path, encoding="utf-8") as out:
            report = json.load(out)
        os.unlink(out_path)
        return report
    except (OSError, ValueError):
        pass
    if process.returncode < 0:
        signal_name = signal.Signals(-process.returncode).name
        hint = " (likely out of memory)" if signal_name == "SIGKILL" else ""
        return {"peer": peer, "method": method, "status": "error", "error": signal_name,
                "message": f"killed by {signal_name}{hint}"}
    return {"peer": peer, "method": method, "status": "error", "error": _error_name(stderr) or "WorkerFailed",
            "message": _last_lines(stderr, 2)}


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()


def run_in_process(peer: str, method: str, instance_path: str | Path) -> dict[str, Any]:
    """Solve one instance in this process (tests and debugging; no timeout, shared memory)."""
    from . import _peer_worker

    return _peer_worker.run(peer, method, _peer_worker.load_instance(str(instance_path)))
