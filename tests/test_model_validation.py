"""Every validation rule of matching.model fails on a bad value, with its message."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from matching import vocabulary as vocab
from matching.errors import FieldError, InvalidInput
from matching.model import (
    CapacityRange,
    Contact,
    Event,
    Participant,
    Programme,
    Round,
    Slot,
    event_errors,
    feature_fields,
    field_category,
    field_errors,
    personal_fields,
)

JST = timezone(timedelta(hours=9))


def base(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "S001", "role": "sme", "organization": "山田製作所"}
    data.update(overrides)
    return data


def errors_of(model: type, data: dict[str, Any], *, context: dict[str, Any] | None = None) -> list[FieldError]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data, context=context)
    return field_errors(info.value, row=7, participant="S001")


def assert_error(errors: list[FieldError], field: str, message: str) -> None:
    """Some error blames ``field`` with a message matching the regex ``message``."""
    matching = [e for e in errors if e.field == field and re.search(message, e.message)]
    assert matching, f"no error on {field!r} matching {message!r} in {[str(e) for e in errors]}"


# --- Contact -------------------------------------------------------------------


@pytest.mark.parametrize("email", ["tanaka", "tanaka@example", "a b@example.jp", "@example.jp"])
def test_contact_rejects_a_malformed_email(email: str) -> None:
    with pytest.raises(ValidationError, match=r"is not an e-mail address \(expected name@domain.tld\)"):
        Contact(email=email)


@pytest.mark.parametrize("phone", ["call me", "123", "03/1234/5678", "+-1"])
def test_contact_rejects_a_malformed_phone(phone: str) -> None:
    with pytest.raises(ValidationError, match=r"is not a phone number"):
        Contact(phone=phone)


def test_contact_accepts_good_values_and_strips_whitespace() -> None:
    contact = Contact(name=" 山田 太郎 ", email="taro@yamada.co.jp", phone="+81 (3) 1234-5678")
    assert contact.name == "山田 太郎"
    assert Contact().email == ""


def test_contact_name_too_long() -> None:
    assert_error(errors_of(Contact, {"name": "x" * 101}), "name", r"at most 100 characters")


def test_contact_forbids_unknown_keys() -> None:
    assert_error(errors_of(Contact, {"fax": "03"}), "fax", r"Extra inputs are not permitted")


# --- Participant: single fields ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id": "-bad"}, "id", r"should match pattern"),
        ({"id": "x" * 65}, "id", r"should match pattern"),
        ({"role": "SME"}, "role", r"should match pattern"),
        ({"organization": ""}, "organization", r"at least 1 character"),
        ({"organization": "x" * 201}, "organization", r"at most 200 characters"),
        ({"contacts": [{"name": str(i)} for i in range(11)]}, "contacts", r"at most 10 items"),
        ({"description_ja": "あ" * 5001}, "description_ja", r"at most 5000 characters"),
        ({"description_en": "a" * 5001}, "description_en", r"at most 5000 characters"),
        ({"offers": ["Not A Tag"]}, "offers", r"tag 'Not A Tag' is not a tag name"),
        ({"seeks": ["saass"]}, "seeks", r"unknown tag 'saass' \(did you mean 'saas'\?\); tags come from the shared vocabulary"),
        ({"offers": ["saas", "SaaS"]}, "offers", r"repeats tag 'saas'"),
        ({"offers": ["saas"] * 31}, "offers", r"at most 30 items"),
        ({"industry": "E5"}, "industry", r"should match pattern"),
        ({"industry": "Z"}, "industry", r"should match pattern"),
        ({"industry": "E40"}, "industry", r"major group 40 is not in division E \(manufacturing: groups 09-32\)"),
        ({"region": "tokyo-chuoo"}, "region", r"unknown region 'tokyo-chuoo' \(did you mean 'tokyo-chuo'\?\)"),
        ({"country": "jp"}, "country", r"should match pattern"),
        ({"languages": ["jp"]}, "languages", r"unknown language 'jp'.*ISO 639-1"),
        ({"languages": ["ja", "JA"]}, "languages", r"repeats language 'ja'"),
        ({"languages": []}, "languages", r"at least 1 item"),
        ({"employees": -1}, "employees", r"greater than or equal to 0"),
        ({"employees": 1_000_001}, "employees", r"less than or equal to 1000000"),
        ({"employees": 12.5}, "employees", r"fractional part"),
        ({"maturity_stage": 0}, "maturity_stage", r"greater than or equal to 1"),
        ({"maturity_stage": 5}, "maturity_stage", r"less than or equal to 4"),
        ({"serves_stages": [5]}, "serves_stages", r"stage 5 is not a maturity stage \(1-4\)"),
        ({"serves_stages": [2, 2]}, "serves_stages", r"repeats stage 2"),
        ({"budget_min": -5}, "budget_min", r"greater than or equal to 0"),
        ({"price_max": -5}, "price_max", r"greater than or equal to 0"),
        ({"capacity_min": -1}, "capacity_min", r"greater than or equal to 0"),
        ({"capacity_max": 10_001}, "capacity_max", r"less than or equal to 10000"),
        ({"availability": ["d1-0900", "d1-0900"]}, "availability", r"repeats slot 'd1-0900'"),
        ({"wishes": ["B001", "B001"]}, "wishes", r"repeats id 'B001'"),
        ({"vetoes": ["bad id!"]}, "vetoes.0", r"should match pattern"),
        ({"conflicts": ["S002", "S002"]}, "conflicts", r"repeats id 'S002'"),
        ({"nickname": "x"}, "nickname", r"Extra inputs are not permitted"),
    ],
)
def test_participant_field_rule(overrides: dict[str, Any], field: str, message: str) -> None:
    errors = errors_of(Participant, base(**overrides))
    assert_error(errors, field, message)
    assert all(e.row == 7 and e.participant == "S001" for e in errors)


@pytest.mark.parametrize("missing", ["id", "role", "organization"])
def test_participant_required_fields(missing: str) -> None:
    data = base()
    del data[missing]
    assert_error(errors_of(Participant, data), missing, r"Field required")


def test_unknown_tag_accepted_when_the_programme_adds_it() -> None:
    data = base(offers=["local-sake"])
    assert_error(errors_of(Participant, data), "offers", r"unknown tag 'local-sake'")
    participant = Participant.model_validate(data, context={"extra_tags": {"local-sake"}})
    assert participant.offers == ("local-sake",)


def test_tags_and_languages_are_normalised() -> None:
    participant = Participant.model_validate(base(offers=[" SaaS "], languages=[" EN", "ja"], serves_stages=[3, 1]))
    assert participant.offers == ("saas",)
    assert participant.languages == ("en", "ja")
    assert participant.serves_stages == (1, 3)


def test_industry_codes_within_their_division_are_accepted() -> None:
    assert Participant.model_validate(base(industry="E")).industry == "E"
    assert Participant.model_validate(base(industry="E09")).industry == "E09"
    assert Participant.model_validate(base(industry="E3291")).industry == "E3291"


# --- Participant: model validator -----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "value", "message"),
    [
        ({"budget_min": 10, "budget_max": 5}, "budget_max", 5, r"must be >= budget_min \(10\)"),
        ({"price_min": 10, "price_max": 5}, "price_max", 5, r"must be >= price_min \(10\)"),
        ({"capacity_min": 3, "capacity_max": 2}, "capacity_max", 2, r"must be >= capacity_min \(3\)"),
        ({"region": "tokyo-chuo", "country": "TH"}, "country", "TH", r"does not match region 'tokyo-chuo', which is in JP"),
        ({"wishes": ["S001"]}, "wishes", "S001", r"names the participant itself"),
        ({"vetoes": ["S001"]}, "vetoes", "S001", r"names the participant itself"),
        ({"conflicts": ["S001"]}, "conflicts", "S001", r"names the participant itself"),
        ({"wishes": ["B1", "B2"], "vetoes": ["B2"]}, "vetoes", "B2", r"is also in wishes"),
    ],
)
def test_participant_cross_field_rule(overrides: dict[str, Any], field: str, value: Any, message: str) -> None:
    errors = errors_of(Participant, base(**overrides))
    assert len(errors) == 1
    assert errors[0].field == field
    assert errors[0].value == value
    assert re.search(message, errors[0].message)


def test_region_fills_in_the_country() -> None:
    assert Participant.model_validate(base(region="th-bangkok")).country == "TH"
    assert Participant.model_validate(base(region="th-bangkok", country="TH")).country == "TH"


def test_participant_is_frozen() -> None:
    participant = Participant.model_validate(base())
    with pytest.raises(ValidationError, match="frozen"):
        participant.role = "buyer"  # type: ignore[misc]


def test_personal_fields_are_never_features() -> None:
    assert "contacts" in personal_fields()
    assert not set(personal_fields()) & set(feature_fields())
    assert all(field_category(name) == "feature" for name in feature_fields())
    assert "organization" not in feature_fields()


# --- CapacityRange, Slot -----------------------------------------------------------------


def test_capacity_range_min_above_max() -> None:
    errors = errors_of(CapacityRange, {"min": 3, "max": 2})
    assert [(e.field, e.value) for e in errors] == [("max", 2)]
    assert errors[0].message == "must be >= min (3)"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [({"min": -1}, "min", r"greater than or equal to 0"), ({"max": 10_001}, "max", r"less than or equal to 10000")],
)
def test_capacity_range_bounds(data: dict[str, int], field: str, message: str) -> None:
    assert_error(errors_of(CapacityRange, data), field, message)


def test_slot_must_end_after_it_starts() -> None:
    start = datetime(2024, 10, 1, 9, 0, tzinfo=JST)
    errors = errors_of(Slot, {"id": "d1-0900", "start": start, "end": start})
    assert errors[0].field == "end"
    assert re.search(r"must be after start \(2024-10-01T09:00:00\+09:00\)", errors[0].message)


def test_slot_id_pattern_and_datetime_parsing() -> None:
    assert_error(errors_of(Slot, {"id": "slot 1", "start": "2024-10-01T09:00", "end": "2024-10-01T09:20"}), "id", "pattern")
    assert_error(errors_of(Slot, {"id": "s1", "start": "tomorrow", "end": "2024-10-01T09:20"}), "start", "datetime")


# --- Round, Programme -------------------------------------------------------------------------


def round_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "meetings", "left_roles": ["sme"], "right_roles": ["buyer"]}
    data.update(overrides)
    return data


def slot(slot_id: str, hour: int) -> dict[str, Any]:
    start = datetime(2024, 10, 1, hour, 0, tzinfo=JST)
    return {"id": slot_id, "start": start, "end": start + timedelta(minutes=20)}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", r"at least 1 character"),
        ({"left_roles": []}, "left_roles", r"at least 1 item"),
        ({"right_roles": ["Buyer"]}, "right_roles.0", r"should match pattern"),
        ({"left_capacity": {"min": 2, "max": 1}}, "left_capacity.max", r"must be >= min \(2\)"),
        ({"objective": "Max Total"}, "objective", r"should match pattern"),
        ({"weights": {"semantic": -1.0}}, "weights.semantic", r"greater than or equal to 0"),
        ({"weights": {"semantic": float("inf")}}, "weights.semantic", r"finite number"),
        ({"must": [["S1", "B1"]], "never": [["S1", "B1"]]}, "never", r"is also a must pair"),
        ({"must": [["S1"]]}, "must.0.1", r"Field required"),
        ({"slots": [slot("a", 9), slot("a", 10)]}, "(record)", r"repeats slot id 'a'"),
        ({"interpreter_languages": ["xx"]}, "interpreter_languages", r"^is not a known ISO 639-1 language code$"),
        ({"tables": 0}, "tables", r"greater than or equal to 1"),
        ({"meeting_length": 49}, "meeting_length", r"less than or equal to 48"),
    ],
)
def test_round_rule(overrides: dict[str, Any], field: str, message: str) -> None:
    assert_error(errors_of(Round, round_data(**overrides)), field, message)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id": "bad id"}, "id", r"should match pattern"),
        ({"name": ""}, "name", r"at least 1 character"),
        ({"kind": "Fair"}, "kind", r"should match pattern"),
        ({"rounds": []}, "rounds", r"at least 1 item"),
        ({"rounds": [round_data(tables=0)]}, "rounds.0.tables", r"greater than or equal to 1"),
    ],
)
def test_programme_rule(overrides: dict[str, Any], field: str, message: str) -> None:
    data = {"id": "fair-2024", "name": "Fair", "rounds": [round_data()]}
    data.update(overrides)
    assert_error(errors_of(Programme, data), field, message)


# --- Event cross-references ----------------------------------------------------------------------


def make_programme(**round_overrides: Any) -> Programme:
    return Programme.model_validate(
        {"id": "fair", "name": "Fair", "rounds": [round_data(slots=[slot("d1-0900", 9)], **round_overrides)]}
    )


def people(*extra: dict[str, Any]) -> list[Participant]:
    rows = [base(), base(id="B001", role="buyer", organization="Buyer"), *extra]
    return [Participant.model_validate(r) for r in rows]


def test_a_consistent_event_has_no_errors() -> None:
    programme = make_programme(must=[["S001", "B001"]])
    participants = people()
    assert event_errors(programme, participants) == []
    event = Event(programme=programme, participants=tuple(participants))
    assert [p.id for p in event.sides()[0]] == ["S001"]
    assert set(event.by_id()) == {"S001", "B001"}


@pytest.mark.parametrize(
    ("extra", "round_overrides", "field", "message"),
    [
        ({"id": "S001", "role": "sme", "organization": "Copy"}, {}, "id", r"duplicate id \(first used by participant #1\)"),
        ({"id": "S002", "role": "sme", "organization": "X", "wishes": ["Z9"]}, {}, "wishes", r"names no participant of this event"),
        ({"id": "S002", "role": "sme", "organization": "X", "vetoes": ["Z9"]}, {}, "vetoes", r"names no participant"),
        ({"id": "S002", "role": "sme", "organization": "X", "conflicts": ["Z9"]}, {}, "conflicts", r"names no participant"),
        ({"id": "S002", "role": "sme", "organization": "X", "availability": ["d9"]}, {}, "availability", r"names no slot of this programme"),
        (None, {"must": [["S009", "B001"]]}, "rounds[0].must", r"left id 'S009' names no participant of this event"),
        (None, {"never": [["S001", "B009"]]}, "rounds[0].never", r"right id 'B009' names no participant"),
        (None, {"must": [["B001", "S001"]]}, "rounds[0].must", r"left id 'B001' has role 'buyer', not one of \['sme'\]"),
    ],
)
def test_event_cross_reference_errors(
    extra: dict[str, Any] | None, round_overrides: dict[str, Any], field: str, message: str
) -> None:
    programme = make_programme(**round_overrides)
    participants = people(*([extra] if extra else []))
    errors = event_errors(programme, participants)
    assert_error(errors, field, message)
    with pytest.raises(InvalidInput, match=message.split(r"\(")[0]) as raised:
        Event.build(programme, participants)
    assert_error(list(raised.value.errors), field, message)


def test_availability_is_not_checked_when_the_programme_has_no_slots() -> None:
    programme = Programme.model_validate({"id": "p", "name": "P", "rounds": [round_data()]})
    participants = people({"id": "S002", "role": "sme", "organization": "X", "availability": ["anything"]})
    assert event_errors(programme, participants) == []


def test_vocabulary_sanity_used_by_these_tests() -> None:
    # The cases above rely on these vocabulary entries; fail loudly if they change.
    assert "saas" in vocab.TAGS and "tokyo-chuo" in vocab.REGIONS and "th-bangkok" in vocab.REGIONS
    assert vocab.DIVISIONS["E"].last_group == 32
