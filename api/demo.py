"""The demo organizer and event, seeded when the database is empty.

The demo organizer (id ``org_demo``) gets a token with every scope; the
token is written to a file (``demo-token`` beside the SQLite database, or
``./var/demo-token``) so that later starts can print it again.  When the
file is lost, a new demo token is issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matching.io import participants_to_bytes

from . import service
from .auth import SCOPES, hash_token
from .models import ApiToken, EventRow, Organizer, utcnow
from .settings import Settings

__all__ = ["DEMO_ORGANIZER_ID", "DemoInfo", "demo_token_path", "ensure_demo", "demo_participants_csv"]

DEMO_ORGANIZER_ID = "org_demo"
DEMO_EVENT_NAME = "Demo: reskilling, 100 SMEs × 8 startups"


@dataclass(frozen=True)
class DemoInfo:
    token: str | None
    event_id: str | None
    created: bool
    token_file: Path


def demo_token_path(settings: Settings) -> Path:
    if settings.demo_token_file:
        return Path(settings.demo_token_file)
    url = settings.database_url
    if url.startswith("sqlite") and ":///" in url and url.split(":///", 1)[1] not in ("", ":memory:"):
        return Path(url.split(":///", 1)[1]).parent / "demo-token"
    return Path("var") / "demo-token"


def demo_participants_csv(seed: int = 1, n_left: int | None = None, n_right: int | None = None) -> bytes:
    """The 100 SMEs and 8 startups of the ``reskilling`` preset (``matching generate reskilling --seed 1``) as CSV.

    ``n_left``/``n_right`` change the numbers of SMEs and startups.
    """
    from datasets.synthetic import generate

    data = generate("reskilling", seed=seed, n_left=n_left, n_right=n_right)
    return participants_to_bytes(data.participants, format="csv")


def _write_token(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    try:
        path.chmod(0o600)
    except OSError:  # pragma: no cover - e.g. a filesystem without modes
        pass


def _valid(session: Session, token: str) -> bool:
    return session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))) is not None


def ensure_demo(sessions: sessionmaker[Session], settings: Settings) -> DemoInfo:
    """Seed the demo organizer and event into an empty database; return the demo token either way."""
    path = demo_token_path(settings)
    with sessions() as session:
        empty = not session.scalar(select(func.count()).select_from(Organizer))
        if empty:
            organizer = Organizer(id=DEMO_ORGANIZER_ID, name="Demo organizer", created_at=utcnow())
            session.add(organizer)
            session.flush()
            _, token = service.create_token(session, organizer.id, SCOPES, label="demo")
            event = service.create_event(session, organizer.id, DEMO_EVENT_NAME)
            service.import_participants(session, settings, event, demo_participants_csv(), format="csv",
                                        source="reskilling-seed-1.csv")
            session.commit()
            _write_token(path, token)
            return DemoInfo(token, event.id, True, path)
        demo = session.get(Organizer, DEMO_ORGANIZER_ID)
        event_id = None
        if demo is not None:
            event_id = session.scalar(select(EventRow.id).where(EventRow.organizer_id == demo.id).order_by(EventRow.created_at).limit(1))
        token = path.read_text(encoding="utf-8").strip() if path.exists() else None
        if token and _valid(session, token):
            return DemoInfo(token, event_id, False, path)
        if demo is None:
            return DemoInfo(None, None, False, path)
        _, token = service.create_token(session, demo.id, SCOPES, label="demo (re-issued)")
        session.commit()
        _write_token(path, token)
        return DemoInfo(token, event_id, False, path)
