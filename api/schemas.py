"""Request and response schemas: one per operation, with size limits and ``extra="forbid"``."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Strict",
    "OrganizerCreate",
    "TokenCreate",
    "EventCreate",
    "EventUpdate",
    "EventPublic",
    "LockCreate",
    "FeedbackCreate",
    "JobCreate",
    "WishesUpdate",
    "PortalFeedback",
    "Me",
    "ImportSummary",
    "LinkIssued",
]

Id = str  # participant ids are checked against the event by the service
ShortText = Field(min_length=1, max_length=200)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganizerCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class TokenCreate(Strict):
    scopes: list[Literal["read", "write", "run", "admin"]] = Field(min_length=1, max_length=4)
    label: str = Field(default="", max_length=200)


class EventCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    programme: dict[str, Any] | None = Field(default=None, description="Programme JSON (as `matching.io.load_programme` reads); default: SMEs × startups, 14 twenty-minute slots at 8 tables")
    date: dt.date | None = Field(default=None, description="day of the default programme's slots (default: in two weeks)")


class EventUpdate(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    programme: dict[str, Any] | None = None


class EventPublic(BaseModel):
    id: str
    name: str
    programme: dict[str, Any]
    participants: int
    created_at: datetime
    updated_at: datetime


class LockCreate(Strict):
    round: int = Field(default=0, ge=0, le=1000)
    left: Id = Field(min_length=1, max_length=100)
    right: Id = Field(min_length=1, max_length=100)
    kind: Literal["pin", "forbid"]


class FeedbackCreate(Strict):
    round: int = Field(default=0, ge=0, le=1000)
    left: Id = Field(min_length=1, max_length=100)
    right: Id = Field(min_length=1, max_length=100)
    left_yes: bool | None = None
    right_yes: bool | None = None
    deal: bool | None = None


class JobCreate(Strict):
    """A job: ``match`` a round, ``plan`` its timetable, or ``replan`` a timetable after no-shows."""

    kind: Literal["match", "plan", "replan"]
    round: int | None = Field(default=None, ge=0, le=1000)
    objective: str | None = Field(default=None, max_length=32)
    weights: dict[str, float] | None = Field(default=None, max_length=32)
    seed: int | None = Field(default=None, ge=0, le=2**31)
    learn_from_feedback: bool | None = Field(default=None, description="match: fit the weights to the round's feedback when enough (default true)")
    learning: bool | None = Field(default=None, description="match: plan on the chances of a mutual yes learned from earlier rounds' feedback (default false)")
    learning_weight: float | None = Field(default=None, ge=0, le=1, description="match with learning: 1 maximizes expected mutual yeses, 0 the profile score, between a mix (default 1)")
    result_id: str | None = Field(default=None, max_length=40)
    method: str | None = Field(default=None, max_length=32)
    time_limit: float | None = Field(default=None, gt=0, le=600)
    tables: int | None = Field(default=None, ge=1, le=100_000)
    fairness: Literal["none", "coverage"] | None = None
    no_show: list[Id] | None = Field(default=None, max_length=10_000)
    now_slot: str | None = Field(default=None, max_length=64)
    move_future: bool | None = None


class WishesUpdate(Strict):
    wishes: list[Id] = Field(default_factory=list, max_length=200)
    vetoes: list[Id] = Field(default_factory=list, max_length=1000)


class PortalFeedback(Strict):
    partner: Id = Field(min_length=1, max_length=100)
    round: int = Field(default=0, ge=0, le=1000)
    yes: bool
    deal: bool | None = None


class Me(BaseModel):
    id: str
    name: str
    scopes: list[str]


class ImportSummary(BaseModel):
    imported: int
    total: int
    mode: str


class LinkIssued(BaseModel):
    participant: str
    token: str
    url: str
    api: str
