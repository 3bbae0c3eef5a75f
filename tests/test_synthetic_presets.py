"""Synthetic presets: sizes, capacities, references, realism of the profiles."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from datasets.synthetic import MAX_SIDE, PRESETS, generate, get_preset
from matching import vocabulary as vocab
from matching.errors import InvalidInput
from matching.model import Event

_CACHE: dict[tuple, object] = {}


def _data(preset: str, seed: int = 7, **sizes):
    key = (preset, seed, tuple(sorted(sizes.items())))
    if key not in _CACHE:
        _CACHE[key] = generate(preset, seed=seed, **sizes)
    return _CACHE[key]


@pytest.fixture(params=list(PRESETS), scope="module")
def preset_data(request):
    return _data(request.param)


def test_every_preset_validates_as_an_event(preset_data):
    event = Event(programme=preset_data.programme, participants=preset_data.participants)
    left, right = event.sides(0)
    assert len(left) == preset_data.n_left and len(right) == preset_data.n_right
    assert [p.id for p in left] == list(preset_data.truth.left_ids)
    assert [p.id for p in right] == list(preset_data.truth.right_ids)


def test_default_sizes_are_the_real_scale(preset_data):
    spec = PRESETS[preset_data.preset]
    assert (preset_data.n_left, preset_data.n_right) == (spec.n_left, spec.n_right)


@pytest.mark.parametrize(
    "preset, sizes",
    [("design", (300, 300)), ("reskilling", (100, 8)), ("industry-fair", (647, 2000)), ("overseas", (25, 60)),
     ("succession", (200, 200)), ("open-innovation", (50, 60))],
)
def test_preset_sizes_match_context(preset, sizes):
    assert (PRESETS[preset].n_left, PRESETS[preset].n_right) == sizes


def test_references_are_valid(preset_data):
    ids = {p.id for p in preset_data.participants}
    left_ids, right_ids = set(preset_data.truth.left_ids), set(preset_data.truth.right_ids)
    for p in preset_data.participants:
        others = right_ids if p.id in left_ids else left_ids
        for name in ("wishes", "vetoes", "conflicts"):
            refs = getattr(p, name)
            assert p.id not in refs
            assert set(refs) <= ids
            assert set(refs) <= others, (p.id, name, refs)
        assert not set(p.wishes) & set(p.vetoes)


def test_names_are_unique_and_contacts_are_fake(preset_data):
    names = Counter(p.organization for p in preset_data.participants)
    assert names.most_common(1)[0][1] == 1
    for p in preset_data.participants:
        assert p.contacts
        for contact in p.contacts:
            assert re.fullmatch(r"[a-z.]+@[a-z0-9\-]+\.example\.(jp|com)", contact.email), contact.email
            assert contact.name and contact.phone


def test_profiles_are_consistent_with_their_role(preset_data):
    for p in preset_data.participants:
        assert p.description_ja or p.description_en
        assert p.industry is not None and p.region in vocab.REGIONS
        assert set(p.offers) | set(p.seeks) <= set(vocab.TAGS)
        if p.country == "JP":
            assert "ja" in p.languages and p.description_ja
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p.description_ja)
        if p.role == "designer":
            assert p.industry == "L726"
        if p.role == "municipality":
            assert p.industry == "S98"
        if p.capacity_max is not None:
            assert p.capacity_min <= p.capacity_max


def test_some_participants_are_japanese_only_and_some_bilingual():
    data = _data("design")
    ja_only = sum(1 for p in data.participants if p.description_ja and not p.description_en)
    both = sum(1 for p in data.participants if p.description_ja and p.description_en)
    assert ja_only > 50 and both > 50


def test_design_capacities_are_one_to_three():
    data = _data("design")
    assert {p.capacity_max for p in data.participants} == {1, 2, 3}
    assert {p.role for p in data.left} == {"sme"} and {p.role for p in data.right} == {"designer"}


def test_reskilling_startups_cover_every_sme():
    data = _data("reskilling")
    assert {p.capacity_max for p in data.left} == {1} and {p.capacity_min for p in data.left} == {1}
    caps = [p.capacity_max for p in data.right]
    assert sum(caps) >= data.n_left
    assert all(11 <= c <= 15 for c in caps)
    assert {p.maturity_stage for p in data.left} == {1, 2, 3, 4}
    assert all(p.serves_stages and p.price_min and p.price_max for p in data.right)
    assert all(900_000 <= p.budget_max <= 1_600_000 for p in data.left)
    rnd = data.programme.rounds[0]
    assert (rnd.left_capacity.min, rnd.left_capacity.max) == (1, 1)


def test_reskilling_capacity_sum_scales_with_the_sides():
    data = generate("reskilling", seed=3, n_left=250, n_right=5)
    assert sum(p.capacity_max for p in data.right) >= 250


def test_industry_fair_has_twelve_aware_slots_and_partial_availability():
    data = _data("industry-fair")
    rnd = data.programme.rounds[0]
    assert len(rnd.slots) == 12 and rnd.tables == 120
    for slot in rnd.slots:
        assert slot.start.utcoffset() == timedelta(hours=9)
        assert slot.end - slot.start == timedelta(minutes=20)
    assert len({s.start.date() for s in rnd.slots}) == 1
    partial = [p for p in data.participants if 0 < len(p.availability) < 12]
    assert len(partial) > 0.2 * len(data.participants)
    assert all(p.availability for p in data.participants)
    assert all(p.capacity_max <= len(p.availability) for p in data.participants)
    fields = Counter(p.industry[:3] for p in data.left)
    assert len(fields) >= 8
    assert set(rnd.interpreter_languages) == {"en", "zh"}
    overseas = [p for p in data.right if p.country != "JP"]
    assert 0.05 * data.n_right < len(overseas) < 0.2 * data.n_right


def test_overseas_buyers_often_do_not_speak_japanese():
    data = _data("overseas")
    buyers_abroad = [p for p in data.right if p.country != "JP"]
    assert len({p.country for p in buyers_abroad}) >= 5
    assert {vocab.REGIONS[p.region].area for p in buyers_abroad} >= {"asean", "europe", "americas"}
    no_ja = [p for p in buyers_abroad if "ja" not in p.languages]
    assert len(no_ja) > 0.7 * len(buyers_abroad)
    assert all(p.description_en and not p.description_ja for p in no_ja)
    assert data.programme.rounds[0].interpreter_languages == ("en",)


def test_succession_is_one_to_one_with_conflicts():
    data = _data("succession")
    assert {p.role for p in data.left} == {"seller"} and {p.role for p in data.right} == {"acquirer"}
    assert {p.capacity_max for p in data.participants} == {1}
    with_conflicts = [p for p in data.left if p.conflicts]
    assert len(with_conflicts) > 10
    by_id = {p.id: p for p in data.participants}
    sector = {pid: data.truth.left.sector[k] for k, pid in enumerate(data.truth.left_ids)}
    sector.update({pid: data.truth.right.sector[k] for k, pid in enumerate(data.truth.right_ids)})
    assert all(sector[p.id] == sector[c] for p in with_conflicts for c in p.conflicts)
    assert all(by_id[p.id].price_min for p in data.left) and all(p.budget_max for p in data.right)


def test_open_innovation_has_three_partner_roles():
    data = _data("open-innovation")
    assert Counter(p.role for p in data.right).keys() == {"sme", "municipality", "corporate"}
    assert data.programme.rounds[0].right_roles == ("sme", "municipality", "corporate")
    assert max(p.capacity_max for p in data.left) > 1


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(InvalidInput, match="known presets: design, reskilling, industry-fair"):
        generate("fair", seed=1)
    with pytest.raises(InvalidInput, match="did you mean 'design'"):
        get_preset("desing")


@pytest.mark.parametrize(
    "kwargs, field",
    [({"n_left": 0}, "n_left"), ({"n_right": MAX_SIDE + 1}, "n_right"), ({"n_left": 2.5}, "n_left"),
     ({"noise": 1.0}, "noise"), ({"noise": -0.1}, "noise"), ({"seed": -1}, "seed"), ({"seed": "1"}, "seed")],
)
def test_invalid_arguments_name_the_field(kwargs, field):
    args = {"seed": 1, **kwargs}
    with pytest.raises(InvalidInput, match=f"{field}: expected"):
        generate("overseas", **args)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_tiny_sizes_still_validate(preset):
    data = generate(preset, seed=5, n_left=1, n_right=2)
    Event(programme=data.programme, participants=data.participants)
    assert (data.n_left, data.n_right) == (1, 2)


def test_unvalidated_construction_builds_the_same_participants():
    checked = generate("industry-fair", seed=11, n_left=30, n_right=40, validate=True)
    trusted = generate("industry-fair", seed=11, n_left=30, n_right=40, validate=False)
    assert checked.participants == trusted.participants
    assert [p.model_dump() for p in checked.participants] == [p.model_dump() for p in trusted.participants]
