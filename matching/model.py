"""The profile data model: participants, rounds, programmes, events.

Participants of every role share one class: a role is data (any lower-case
identifier), so a new kind of participant needs no new class.  Every field
carries a ``category`` in its JSON-schema extra:

* ``"identity"`` — ids and the organisation's name: shown, never a feature;
* ``"personal"`` — contact people, e-mails, phones: personal data, never a
  feature, never copied into another event;
* ``"feature"`` — what the scorer may turn into vectors;
* ``"rule"`` — capacities, availability, wishes, vetoes, conflicts: they
  constrain or raise scores but are not profile features.

:func:`feature_fields` is the single source the feature code reads, so a
personal field can never become a feature (a test checks it).

Validation errors name the field and the value; the importers add the row.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Annotated, Any, Iterable, Literal, Mapping

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import vocabulary as vocab
from .errors import FieldError, InvalidInput
from .messages import pydantic_message_id

__all__ = [
    "Contact",
    "Participant",
    "CapacityRange",
    "Slot",
    "Round",
    "Programme",
    "Event",
    "feature_fields",
    "personal_fields",
    "field_category",
    "field_errors",
    "ID_PATTERN",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$"
_TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9\-]{0,47}$")

Category = Literal["identity", "personal", "feature", "rule"]


def _f(category: Category, **kwargs: Any) -> Any:
    """A pydantic Field tagged with its category."""
    extra = dict(kwargs.pop("json_schema_extra", {}) or {})
    extra["category"] = category
    return Field(json_schema_extra=extra, **kwargs)


ParticipantId = Annotated[str, Field(pattern=ID_PATTERN)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Contact(_Frozen):
    """A contact person of a participant.  Personal data, every field of it."""

    name: str = _f("personal", default="", max_length=100)
    email: str = _f("personal", default="", max_length=254)
    phone: str = _f("personal", default="", max_length=40)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise _Coded("is not an e-mail address (expected name@domain.tld)", "field.email")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.fullmatch(r"\+?[0-9][0-9\- ()]{5,38}", value):
            raise _Coded("is not a phone number (digits, spaces, '-', '(', ')', optional leading '+')", "field.phone")
        return value


def _unique(values: Iterable[Any], what: str) -> None:
    repeated = [v for v, n in Counter(values).items() if n > 1]
    if repeated:
        raise _Coded(f"repeats {what} {repeated[0]!r}", "field.repeats", item=repeated[0])


class Participant(_Frozen):
    """One participant of a programme, of any role.

    Budgets and prices are in yen.  ``budget_*`` is what the participant can
    spend (an SME buying support), ``price_*`` what it charges (a startup or
    designer selling it).  ``capacity_min``/``capacity_max`` bound the number
    of partners or meetings; ``None`` for ``capacity_max`` means "use the
    round's default".
    """

    id: ParticipantId = _f("identity", description="Unique id of the participant within the event.")
    role: str = _f("identity", pattern=vocab.ROLE_PATTERN, description="sme, startup, designer, buyer, ... (any lower-case name)")
    organization: str = _f("identity", min_length=1, max_length=200, description="Organisation name (shown, never a feature).")
    contacts: tuple[Contact, ...] = _f("personal", default=(), max_length=10)

    description_ja: str = _f("feature", default="", max_length=5000)
    description_en: str = _f("feature", default="", max_length=5000)
    offers: tuple[str, ...] = _f("feature", default=(), max_length=30)
    seeks: tuple[str, ...] = _f("feature", default=(), max_length=30)
    industry: str | None = _f("feature", default=None, pattern=vocab.INDUSTRY_PATTERN)
    region: str | None = _f("feature", default=None)
    country: str | None = _f("feature", default=None, pattern=r"^[A-Z]{2}$")
    languages: tuple[str, ...] = _f("feature", default=("ja",), min_length=1, max_length=10)
    employees: int | None = _f("feature", default=None, ge=0, le=1_000_000)
    maturity_stage: int | None = _f("feature", default=None, ge=1, le=4)
    serves_stages: tuple[int, ...] = _f("feature", default=(), max_length=4)
    budget_min: int | None = _f("feature", default=None, ge=0)
    budget_max: int | None = _f("feature", default=None, ge=0)
    price_min: int | None = _f("feature", default=None, ge=0)
    price_max: int | None = _f("feature", default=None, ge=0)

    capacity_min: int = _f("rule", default=0, ge=0, le=10_000)
    capacity_max: int | None = _f("rule", default=None, ge=0, le=10_000)
    availability: tuple[Annotated[str, Field(pattern=ID_PATTERN)], ...] = _f("rule", default=(), max_length=500)
    wishes: tuple[ParticipantId, ...] = _f("rule", default=(), max_length=200)
    vetoes: tuple[ParticipantId, ...] = _f("rule", default=(), max_length=1000)
    conflicts: tuple[ParticipantId, ...] = _f("rule", default=(), max_length=1000)

    @field_validator("offers", "seeks")
    @classmethod
    def _tags(cls, tags: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        extra = (info.context or {}).get("extra_tags", ())
        out = []
        for raw in tags:
            tag = raw.strip().lower()
            if not _TAG_PATTERN.fullmatch(tag):
                raise _Coded(f"tag {raw!r} is not a tag name (lower-case letters, digits and '-')", "field.not_tag", tag=raw)
            if tag not in vocab.TAGS and tag not in extra:
                raise _Coded(f"unknown tag {raw!r}{vocab.suggest(tag, vocab.TAGS)}; tags come from the shared vocabulary",
                             "field.unknown_tag", tag=raw)
            out.append(tag)
        _unique(out, "tag")
        return tuple(out)

    @field_validator("region")
    @classmethod
    def _region(cls, region: str | None) -> str | None:
        if region is not None and region not in vocab.REGIONS:
            raise _Coded(f"unknown region {region!r}{vocab.suggest(region, vocab.REGIONS)}", "field.unknown_region", region=region)
        return region

    @field_validator("languages")
    @classmethod
    def _languages(cls, languages: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(lang.strip().lower() for lang in languages)
        for lang in out:
            if lang not in vocab.LANGUAGES:
                raise _Coded(f"unknown language {lang!r}{vocab.suggest(lang, vocab.LANGUAGES)}; use ISO 639-1 codes such as 'ja', 'en'",
                             "field.unknown_language", language=lang)
        _unique(out, "language")
        return out

    @field_validator("industry")
    @classmethod
    def _industry(cls, code: str | None) -> str | None:
        if code is None or len(code) == 1:
            return code
        division = vocab.DIVISIONS[code[0]]
        group = int(code[1:3])
        if not division.first_group <= group <= division.last_group:
            raise ValueError(
                f"major group {group:02d} is not in division {division.code} "
                f"({division.en}: groups {division.first_group:02d}-{division.last_group:02d})"
            )
        return code

    @field_validator("serves_stages")
    @classmethod
    def _stages(cls, stages: tuple[int, ...]) -> tuple[int, ...]:
        for stage in stages:
            if stage not in vocab.MATURITY_STAGES:
                raise _Coded(f"stage {stage} is not a maturity stage (1-4)", "field.not_stage", stage=stage)
        _unique(stages, "stage")
        return tuple(sorted(stages))

    @field_validator("availability")
    @classmethod
    def _availability(cls, slots: tuple[str, ...]) -> tuple[str, ...]:
        _unique(slots, "slot")
        return slots

    @field_validator("wishes", "vetoes", "conflicts")
    @classmethod
    def _ids(cls, ids: tuple[str, ...]) -> tuple[str, ...]:
        _unique(ids, "id")
        return ids

    @model_validator(mode="after")
    def _consistent(self) -> "Participant":
        for low, high in (("budget_min", "budget_max"), ("price_min", "price_max"), ("capacity_min", "capacity_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise _ModelFieldError(high, hi, f"must be >= {low} ({lo})", "field.at_least", other=low, minimum=lo)
        if self.region is not None:
            country = vocab.REGIONS[self.region].country
            if self.country is None:
                object.__setattr__(self, "country", country)
            elif self.country != country:
                raise _ModelFieldError("country", self.country, f"does not match region {self.region!r}, which is in {country}")
        for name in ("wishes", "vetoes", "conflicts"):
            if self.id in getattr(self, name):
                raise _ModelFieldError(name, self.id, "names the participant itself", "field.self_reference")
        both = set(self.wishes) & set(self.vetoes)
        if both:
            raise _ModelFieldError("vetoes", sorted(both)[0], "is also in wishes: a participant cannot both wish and veto the same partner",
                                   "field.wish_and_veto")
        return self

    @property
    def size_class(self) -> str | None:
        return None if self.employees is None else vocab.size_class(self.employees)


class _Coded(ValueError):
    """A validator's error with its English message and its id in :mod:`matching.messages` (see field_errors)."""

    def __init__(self, message: str, code: str | None = None, **params: Any):
        super().__init__(message)
        self.code, self.params = code, params


class _ModelFieldError(_Coded):
    """Raised inside a model validator to blame one field (see field_errors)."""

    def __init__(self, field: str, value: Any, message: str, code: str | None = None, **params: Any):
        self.field, self.value = field, value
        super().__init__(f"{field}: {message}", code, **params)
        self.message = message


class CapacityRange(_Frozen):
    """How many partners (or meetings) a participant may have."""

    min: int = Field(default=0, ge=0, le=10_000)
    max: int = Field(default=1, ge=0, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> "CapacityRange":
        if self.min > self.max:
            raise _ModelFieldError("max", self.max, f"must be >= min ({self.min})", "field.at_least", other="min", minimum=self.min)
        return self


class Slot(_Frozen):
    """A time slot of a matching fair."""

    id: str = Field(pattern=ID_PATTERN)
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ordered(self) -> "Slot":
        if self.end <= self.start:
            raise _ModelFieldError("end", self.end.isoformat(), f"must be after start ({self.start.isoformat()})")
        return self


Pair = tuple[ParticipantId, ParticipantId]


class Round(_Frozen):
    """One round of a programme: who meets whom, under which rules.

    ``weights`` maps scoring components to non-negative weights (the scorer
    checks the component names).  ``must`` and ``never`` are (left id,
    right id) pairs.  ``interpreter_languages`` lists the languages for which
    an interpreter is available, so a pair without a common language is
    allowed when one side speaks one of them and the other speaks Japanese.
    """

    name: str = Field(min_length=1, max_length=200)
    left_roles: tuple[Annotated[str, Field(pattern=vocab.ROLE_PATTERN)], ...] = Field(min_length=1)
    right_roles: tuple[Annotated[str, Field(pattern=vocab.ROLE_PATTERN)], ...] = Field(min_length=1)
    left_capacity: CapacityRange = CapacityRange(min=0, max=1)
    right_capacity: CapacityRange = CapacityRange(min=0, max=1)
    objective: str = Field(default="max-total", pattern=r"^[a-z][a-z0-9\-]{0,31}$")
    weights: Mapping[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(default_factory=dict)
    must: tuple[Pair, ...] = ()
    never: tuple[Pair, ...] = ()
    interpreter_languages: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = ()
    tables: int | None = Field(default=None, ge=1, le=100_000)
    meeting_length: int = Field(default=1, ge=1, le=48, description="meeting length in slots")

    @model_validator(mode="after")
    def _consistent(self) -> "Round":
        overlap = set(self.must) & set(self.never)
        if overlap:
            raise _ModelFieldError("never", list(sorted(overlap)[0]), "is also a must pair")
        _unique([s.id for s in self.slots], "slot id")
        for lang in self.interpreter_languages:
            if lang not in vocab.LANGUAGES:
                raise _ModelFieldError("interpreter_languages", lang, "is not a known ISO 639-1 language code")
        return self


class Programme(_Frozen):
    """A programme (design matching, reskilling, a fair, …) and its rounds."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="custom", pattern=r"^[a-z][a-z0-9\-]{0,31}$")
    rounds: tuple[Round, ...] = Field(min_length=1)
    extra_tags: tuple[str, ...] = Field(default=(), description="tags this programme adds to the shared vocabulary")


class Event(_Frozen):
    """A programme with its participants, checked as a whole.

    Cross-row rules: ids are unique; wishes, vetoes, conflicts, must and
    never pairs name participants of the event; availability names slots of
    some round; must/never pairs join a left role to a right role.
    """

    programme: Programme
    participants: tuple[Participant, ...]

    @model_validator(mode="after")
    def _references(self) -> "Event":
        errors = event_errors(self.programme, self.participants)
        if errors:
            raise _EventErrors(errors)
        return self

    @classmethod
    def build(cls, programme: Programme, participants: Iterable[Participant]) -> "Event":
        """An event checked as a whole; raises :class:`InvalidInput` naming every problem."""
        try:
            return cls(programme=programme, participants=tuple(participants))
        except ValidationError as exc:
            raise InvalidInput(field_errors(exc), f"event {programme.id!r} is inconsistent") from None

    def by_id(self) -> dict[str, Participant]:
        return {p.id: p for p in self.participants}

    def sides(self, round_index: int = 0) -> tuple[list[Participant], list[Participant]]:
        """The left and right participants of a round, in input order."""
        rnd = self.programme.rounds[round_index]
        left = [p for p in self.participants if p.role in rnd.left_roles]
        right = [p for p in self.participants if p.role in rnd.right_roles]
        return left, right


class _EventErrors(ValueError):
    """Raised inside Event's validator; field_errors unpacks its FieldErrors."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__(f"{len(errors)} inconsistent reference(s): " + "; ".join(str(e) for e in errors))


def event_errors(programme: Programme, participants: Iterable[Participant]) -> list[FieldError]:
    """Every cross-row problem of an event, each naming participant and field."""
    participants = list(participants)
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for position, p in enumerate(participants, start=1):
        if p.id in seen:
            errors.append(FieldError("id", p.id, f"duplicate id (first used by participant #{seen[p.id]})", participant=p.id))
        else:
            seen[p.id] = position
    slots = {s.id for r in programme.rounds for s in r.slots}
    for p in participants:
        for name in ("wishes", "vetoes", "conflicts"):
            for other in getattr(p, name):
                if other not in seen:
                    errors.append(FieldError(name, other, "names no participant of this event", participant=p.id))
        if slots:
            for slot in p.availability:
                if slot not in slots:
                    errors.append(FieldError("availability", slot, "names no slot of this programme", participant=p.id))
    roles = {p.id: p.role for p in participants}
    for index, rnd in enumerate(programme.rounds):
        for kind in ("must", "never"):
            for left, right in getattr(rnd, kind):
                for side, pid, allowed in (("left", left, rnd.left_roles), ("right", right, rnd.right_roles)):
                    field = f"rounds[{index}].{kind}"
                    if pid not in roles:
                        errors.append(FieldError(field, [left, right], f"{side} id {pid!r} names no participant of this event"))
                    elif roles[pid] not in allowed:
                        errors.append(FieldError(field, [left, right], f"{side} id {pid!r} has role {roles[pid]!r}, not one of {list(allowed)}"))
    return errors


def field_category(name: str) -> str:
    """The category (identity, personal, feature, rule) of a Participant field."""
    info = Participant.model_fields[name]
    extra = info.json_schema_extra
    assert isinstance(extra, dict), name
    return str(extra["category"])


def feature_fields() -> tuple[str, ...]:
    """The Participant fields a scorer may use; never identity or personal ones."""
    return tuple(n for n in Participant.model_fields if field_category(n) == "feature")


def personal_fields() -> tuple[str, ...]:
    """The Participant fields holding personal data."""
    return tuple(n for n in Participant.model_fields if field_category(n) == "personal")


def field_errors(exc: ValidationError, *, row: int | None = None, participant: str | None = None) -> list[FieldError]:
    """Turn a pydantic ValidationError into FieldErrors naming field and value."""
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _EventErrors):
            out.extend(FieldError(e.field, e.value, e.message, row=e.row if e.row is not None else row, participant=e.participant or participant) for e in ctx_error.errors)
            continue
        if isinstance(ctx_error, _ModelFieldError):
            loc = loc + [ctx_error.field]
            field, value, message = ".".join(loc), ctx_error.value, ctx_error.message
            if ctx_error.code is not None:
                out.append(FieldError(field, value, message, row=row, participant=participant, code=ctx_error.code,
                                      params=dict(ctx_error.params)))
                continue
        elif isinstance(ctx_error, _Coded) and ctx_error.code is not None:
            field = ".".join(loc) if loc else "(record)"
            out.append(FieldError(field, err.get("input"), str(ctx_error), row=row, participant=participant,
                                  code=ctx_error.code, params=dict(ctx_error.params)))
            continue
        else:
            field = ".".join(loc) if loc else "(record)"
            value = err.get("input")
            message = err["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
            code = pydantic_message_id(err)
            if code is not None:
                out.append(FieldError(field, value, message, row=row, participant=participant, code=code,
                                      params={k: str(v) for k, v in (err.get("ctx") or {}).items()}))
                continue
        out.append(FieldError(field, value, message, row=row, participant=participant))
    return out
