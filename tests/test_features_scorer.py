"""The Scorer: invariances, hard rules, contributions, blocks, top-k, errors."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matching import vocabulary as vocab
from matching.features import COMPONENTS, DEFAULT_WEIGHTS, Scorer
from matching.features._blocks import square_blocks, update_topk
from matching.model import CapacityRange, Contact, Participant, Round

TAGS = sorted(vocab.TAGS)
REGIONS = sorted(vocab.REGIONS)
TEXTS_JA = ["金属加工と精密加工の試作", "食品加工の工場", "クラウド会計ソフトの開発", "パッケージデザイン", "", "介護ロボットと福祉機器"]
TEXTS_EN = ["", "we design packages", "cloud accounting software", "precision machining", "medical devices", ""]


def side(prefix: str, role: str, n: int, seed: int, *, other: str | None = None, n_other: int = 0) -> list[Participant]:
    """Random participants drawing every feature from the vocabulary (some missing)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        budget = int(rng.integers(1, 50)) * 100_000
        pick = lambda k: tuple(rng.choice(TAGS, size=k, replace=False))  # noqa: E731
        others = [f"{other}{j}" for j in range(n_other)]
        rules = {}
        if others and rng.random() < 0.3:
            rules["wishes"] = (others[int(rng.integers(0, n_other))],)
        if others and rng.random() < 0.15:
            candidate = others[int(rng.integers(0, n_other))]
            if candidate not in rules.get("wishes", ()):
                rules["vetoes"] = (candidate,)
        out.append(
            Participant(
                id=f"{prefix}{i}",
                role=role,
                organization=f"{prefix} org {i}",
                description_ja=TEXTS_JA[int(rng.integers(0, len(TEXTS_JA)))],
                description_en=TEXTS_EN[int(rng.integers(0, len(TEXTS_EN)))],
                offers=pick(int(rng.integers(0, 4))),
                seeks=pick(int(rng.integers(0, 3))),
                industry=[None, "E25", "E2592", "E09", "G39", "I50"][int(rng.integers(0, 6))],
                region=[None, *REGIONS[::5]][int(rng.integers(0, len(REGIONS[::5]) + 1))],
                languages=[("ja",), ("en",), ("ja", "en"), ("th",), ("vi", "en")][int(rng.integers(0, 5))],
                employees=None if rng.random() < 0.3 else int(rng.integers(1, 2000)),
                maturity_stage=int(rng.integers(1, 5)) if role == "sme" and rng.random() < 0.8 else None,
                serves_stages=tuple(sorted(rng.choice([1, 2, 3, 4], size=2, replace=False).tolist())) if role != "sme" else (),
                budget_max=budget if role == "sme" and rng.random() < 0.7 else None,
                price_min=budget if role != "sme" and rng.random() < 0.7 else None,
                price_max=2 * budget if role != "sme" and rng.random() < 0.3 else None,
                **rules,
            )
        )
    return out


@pytest.fixture(scope="module")
def sides():
    left = side("s", "sme", 23, 1, other="t", n_other=17)
    right = side("t", "startup", 17, 2, other="s", n_other=23)
    return left, right


@pytest.fixture(scope="module")
def fitted(sides):
    return Scorer(interpreter_languages=("th",)).fit(*sides)


@pytest.mark.parametrize("params", [{}, {"text_dim": 8}], ids=["exact-text", "svd-text"])
def test_reordering_permutes_scores_without_changing_a_value(sides, params):
    left, right = sides
    fitted = Scorer(interpreter_languages=("th",), **params).fit(left, right)
    rng = np.random.default_rng(7)
    pl, pr = rng.permutation(len(left)), rng.permutation(len(right))
    other = Scorer(interpreter_languages=("th",), **params).fit([left[i] for i in pl], [right[j] for j in pr])
    np.testing.assert_array_equal(other.score_matrix(), fitted.score_matrix()[np.ix_(pl, pr)])
    np.testing.assert_array_equal(other.impossible_mask(), fitted.impossible_mask()[np.ix_(pl, pr)])
    assert other.neutral_ == fitted.neutral_
    top = fitted.top_k(3).toarray()[np.ix_(pl, pr)]
    np.testing.assert_array_equal(other.top_k(3).toarray(), top)


def test_identity_and_personal_changes_keep_vectors_byte_identical(sides, fitted):
    left, right = sides
    renamed = [
        p.model_copy(update={"organization": "別の会社", "contacts": (Contact(name="山田", email="y@example.jp"),)}) for p in left
    ]
    other = Scorer(interpreter_languages=("th",)).fit(renamed, right)
    assert other.left_dense_.tobytes() == fitted.left_dense_.tobytes()
    assert other.left_sparse_.data.tobytes() == fitted.left_sparse_.data.tobytes()
    np.testing.assert_array_equal(other.score_matrix(), fitted.score_matrix())
    # a new id (consistently renamed everywhere) changes no vector either
    new_ids = {p.id: f"x-{p.id}" for p in left}
    moved_left = [p.model_copy(update={"id": new_ids[p.id]}) for p in left]
    moved_right = [
        p.model_copy(update={k: tuple(new_ids.get(x, x) for x in getattr(p, k)) for k in ("wishes", "vetoes", "conflicts")})
        for p in right
    ]
    moved = Scorer(interpreter_languages=("th",)).fit(moved_left, moved_right)
    assert moved.left_dense_.tobytes() == fitted.left_dense_.tobytes()
    assert moved.right_dense_.tobytes() == fitted.right_dense_.tobytes()
    np.testing.assert_array_equal(moved.score_matrix(), fitted.score_matrix())


def test_contributions_sum_exactly_to_the_score(fitted):
    scores = fitted.score_matrix()
    for i in range(0, fitted.n_left_, 3):
        for j in range(0, fitted.n_right_, 2):
            pair = fitted.contributions(i, j)
            assert pair.score == math.fsum(c.contribution for c in pair.contributions)
            assert pair.score == pytest.approx(scores[i, j], abs=1e-12)
            for c in pair.contributions:
                assert c.contribution == c.weight * c.value
    assert [c.component for c in pair.contributions] == [*fitted.component_names_, "wish"]


def test_pair_features_and_score_pairs_match_the_matrix(fitted):
    li, rj = np.meshgrid(np.arange(fitted.n_left_), np.arange(fitted.n_right_), indexing="ij")
    values = fitted.pair_features(li.ravel(), rj.ravel())
    assert values.shape == (li.size, len(COMPONENTS)) and np.isfinite(values).all()
    assert list(fitted.get_feature_names_out()) == list(COMPONENTS)
    np.testing.assert_allclose(fitted.score_pairs(li.ravel(), rj.ravel()).reshape(li.shape), fitted.score_matrix(), atol=1e-12)
    with pytest.raises(ValueError, match="same length"):
        fitted.pair_features([0, 1], [0])


def test_neutral_value_is_the_mean_over_pairs_with_data(fitted):
    """Brute force: a component's neutral value is its mean where it applies."""
    names = ("industry", "stage", "region", "budget", "text", "tags_left_seeks")
    pairs = [fitted.contributions(i, j) for i in range(fitted.n_left_) for j in range(fitted.n_right_)]
    for name in names:
        values = np.array([p[name].value for p in pairs])
        applies = np.array([not p[name].neutral for p in pairs])
        assert applies.any() and not applies.all(), name
        assert fitted.neutral_[name] == pytest.approx(values[applies].mean(), abs=1e-12), name
        np.testing.assert_allclose(values[~applies], fitted.neutral_[name], atol=1e-12)


def test_blocks_equal_full_computation(sides):
    full = Scorer(max_block_cells=10**6).fit(*sides)
    tiny = Scorer(max_block_cells=7).fit(*sides)
    np.testing.assert_allclose(tiny.score_matrix(), full.score_matrix(), atol=1e-13)
    np.testing.assert_array_equal(tiny.impossible_mask(), full.impossible_mask())
    assembled = np.full((full.n_left_, full.n_right_), np.nan)
    mask = np.zeros(assembled.shape, bool)
    for rows, cols, scores, impossible in full.iter_blocks(max_block_cells=50):
        assert scores.size <= 50
        assembled[np.ix_(rows, cols)], mask[np.ix_(rows, cols)] = scores, impossible
    np.testing.assert_allclose(assembled, full.score_matrix(), atol=1e-13)
    np.testing.assert_array_equal(mask, full.impossible_mask())
    idx_l, idx_r = np.array([4, 0, 4, 9]), np.array([3, 16, 1])
    np.testing.assert_allclose(tiny.score_matrix(idx_l, idx_r), full.score_matrix()[np.ix_(idx_l, idx_r)], atol=1e-13)
    calls = []
    tiny.score_matrix(progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (full.n_left_ * full.n_right_,) * 2 and len(calls) > 1


def _brute_top(scores: np.ndarray, impossible: np.ndarray, k: int, axis: int, rank: np.ndarray) -> set[tuple[int, int]]:
    """Each row's (axis=1) or column's (axis=0) k best partners; ties to the lower canonical rank."""
    out = set()
    s = scores if axis == 1 else scores.T
    m = impossible if axis == 1 else impossible.T
    for a in range(s.shape[0]):
        best = sorted((b for b in range(s.shape[1]) if not m[a, b]), key=lambda b: (-s[a, b], rank[b]))[:k]
        out |= {(a, b) if axis == 1 else (b, a) for b in best}
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 4])
def test_top_k_equals_sorting_the_dense_matrix(seed, k):
    left = side("s", "sme", 19, 10 + seed, other="t", n_other=13)
    right = side("t", "startup", 13, 20 + seed, other="s", n_other=19)
    right = right + [right[0].model_copy(update={"id": "dup"})]  # an exact tie
    scorer = Scorer(max_block_cells=30).fit(left, right)
    scores, impossible = scorer.score_matrix(), scorer.impossible_mask()
    by_row = _brute_top(scores, impossible, k, 1, scorer.right_rank_)
    by_col = _brute_top(scores, impossible, k, 0, scorer.left_rank_)
    for direction, expected in (("left", by_row), ("right", by_col), ("both", by_row | by_col)):
        top = scorer.top_k(k, direction=direction).tocoo()
        got = set(zip(top.row.tolist(), top.col.tolist()))
        assert got == expected, direction
        np.testing.assert_allclose(top.data, scores[top.row, top.col], atol=1e-12)
        assert not impossible[top.row, top.col].any()


def test_each_hard_rule_makes_the_pair_impossible_with_its_reason():
    left = [
        Participant(id="a", role="sme", organization="A", vetoes=("x",)),
        Participant(id="b", role="sme", organization="B", conflicts=("y",)),
        Participant(id="c", role="sme", organization="C", languages=("en",)),
        Participant(id="d", role="buyer", organization="D"),
        Participant(id="e", role="sme", organization="E", languages=("ja",)),
    ]
    right = [
        Participant(id="x", role="startup", organization="X"),
        Participant(id="y", role="startup", organization="Y", vetoes=("e",)),
        Participant(id="z", role="startup", organization="Z", languages=("th",)),
        Participant(id="w", role="startup", organization="W", languages=("vi",), conflicts=("b",)),
    ]
    rnd = Round(name="r", left_roles=("sme",), right_roles=("startup",), never=(("e", "x"),), interpreter_languages=("vi",))
    scorer = Scorer.from_round(rnd).fit(left, right)
    mask = scorer.impossible_mask()

    def rules(i, j):
        return [(v.rule, v.by) for v in scorer.violations(i, j)]

    assert rules(0, 0) == [("veto", "left")]
    assert rules(4, 1) == [("veto", "right")]
    assert rules(1, 1) == [("conflict", "left")]
    assert rules(1, 3) == [("conflict", "right")]
    assert rules(2, 2) == [("language", "both")]  # en vs th, no th interpreter
    assert rules(2, 3) == [("language", "both")]  # en vs vi: the interpreter needs a Japanese speaker
    assert rules(4, 3) == []  # ja vs vi through the vi interpreter
    assert rules(0, 3) == []
    assert rules(4, 0) == [("never", "organizer")]
    assert [r for r, _ in rules(3, 0)] == ["role"] and scorer.violations(3, 0)[0].detail == ("buyer", "startup")
    expected = np.array([[bool(scorer.violations(i, j)) for j in range(4)] for i in range(5)])
    np.testing.assert_array_equal(mask, expected)
    assert scorer.contributions("e", "z").impossible[0].rule == "language"
    assert not scorer.top_k(4, direction="both").toarray()[mask].any()


def test_a_participant_on_both_sides_never_meets_itself():
    people = [Participant(id=f"s{i}", role="startup", organization="S", offers=("ai",), seeks=("ai",)) for i in range(3)]
    scorer = Scorer().fit(people, people)
    np.testing.assert_array_equal(scorer.impossible_mask(), np.eye(3, dtype=bool))
    assert [(v.rule, v.by) for v in scorer.violations(1, 1)] == [("self", "both")]
    first = [int(np.argmin(np.where(np.arange(3) == i, 9, scorer.right_rank_))) for i in range(3)]
    assert scorer.top_k(1, direction="left").tocoo().col.tolist() == first  # an exact tie: canonical rank decides


def test_wishes_raise_the_score_by_the_documented_bonus():
    left = [Participant(id="a", role="sme", organization="A", wishes=("x", "y")), Participant(id="b", role="sme", organization="B")]
    right = [Participant(id="x", role="startup", organization="X", wishes=("a",)), Participant(id="y", role="startup", organization="Y")]
    with_wish = Scorer(wish_bonus=(0.1, 0.25)).fit(left, right).score_matrix()
    plain = [p.model_copy(update={"wishes": ()}) for p in left], [p.model_copy(update={"wishes": ()}) for p in right]
    without = Scorer(wish_bonus=(0.1, 0.25)).fit(*plain).score_matrix()
    np.testing.assert_allclose(with_wish - without, [[0.25, 0.1], [0.0, 0.0]], atol=1e-12)
    np.testing.assert_array_equal(Scorer().fit(left, right).pair_wishes([0, 0, 1], [0, 1, 0]), [[1, 1], [1, 0], [0, 0]])


def test_weights_from_round_and_with_weights(sides):
    rnd = Round(name="r", left_roles=("sme",), right_roles=("startup",), weights={"text": 3.0, "language": 0.0},
                left_capacity=CapacityRange(min=0, max=2))
    scorer = Scorer.from_round(rnd).fit(*sides)
    raw = dict(DEFAULT_WEIGHTS, text=3.0, language=0.0)
    total = math.fsum(raw.values())
    assert scorer.weights_ == pytest.approx({k: v / total for k, v in raw.items()})
    other = {"text": 1.0, "tags_left_seeks": 2.0}
    refit = Scorer(weights=other).fit(*sides)
    cheap = scorer.with_weights(other)
    np.testing.assert_allclose(cheap.score_matrix(), refit.score_matrix(), atol=1e-12)
    assert scorer.weights_["text"] == pytest.approx(3.0 / total)  # the original is unchanged
    unnormalised = Scorer(weights={"text": 2.0}, normalize_weights=False, components=("text",)).fit(*sides)
    assert unnormalised.weights_ == {"text": 2.0}


def test_clone_pickle_and_float32(sides, fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    with pytest.raises(NotFittedError):
        copy.score_matrix()
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.score_matrix(), fitted.score_matrix())
    single = Scorer(interpreter_languages=("th",), dtype="float32").fit(*sides)
    assert single.score_matrix().dtype == np.float32 and single.top_k(2).dtype == np.float32
    np.testing.assert_allclose(single.score_matrix(), fitted.score_matrix(), atol=1e-5)


def test_approximate_text_path_is_close(sides, fitted):
    approx = Scorer(interpreter_languages=("th",), text_dim=64).fit(*sides)
    assert approx.left_sparse_ is None
    assert np.abs(approx.score_matrix() - fitted.score_matrix()).max() < 0.03


def test_missing_data_never_gives_nan():
    left = [Participant(id="a", role="sme", organization="A"), Participant(id="b", role="sme", organization="B")]
    right = [Participant(id="x", role="startup", organization="X")]
    scorer = Scorer().fit(left, right)
    scores = scorer.score_matrix()
    assert np.isfinite(scores).all() and np.isfinite(scorer.pair_features([0, 1], [0, 0])).all()
    assert all(c.neutral for c in scorer.contributions(0, 0).contributions if c.component not in ("language", "wish"))


@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 3)])
def test_degenerate_shapes(shape):
    left = side("s", "sme", shape[0], 1)
    right = side("t", "startup", shape[1], 2)
    scorer = Scorer().fit(left, right)
    assert scorer.score_matrix().shape == shape and scorer.impossible_mask().shape == shape
    assert scorer.top_k(3).shape == shape and scorer.top_k(3).nnz == 0
    assert scorer.pair_features([], []).shape == (0, len(COMPONENTS))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"weights": {"txt": 1.0}}, r"unknown scoring component\(s\) \['txt'\] in weights; known components: \['text', "),
        ({"weights": {"text": -1}}, "weight of 'text' must be a finite number >= 0"),
        ({"weights": {"text": float("nan")}}, "weight of 'text' must be a finite number >= 0"),
        ({"weights": {"text": "heavy"}}, "weight of 'text' must be a number"),
        ({"weights": dict.fromkeys(COMPONENTS, 0.0)}, "at least one weight must be > 0"),
        ({"weights": ["text"]}, None),
        ({"components": ("text", "colour")}, r"unknown scoring component\(s\) \['colour'\]"),
        ({"components": ()}, "at least one"),
        ({"components": ("text",), "weights": {"region": 1.0}}, r"not computed"),
        ({"dtype": "float16"}, "dtype must be 'float64' or 'float32'"),
        ({"wish_bonus": (0.1,)}, "wish_bonus must be two finite numbers"),
        ({"text_dim": 0}, "text_dim must be 'auto', None or an int >= 1"),
        ({"max_block_cells": 0}, "max_block_cells must be >= 1"),
    ],
)
def test_bad_parameters_raise(sides, params, message):
    if message is None:
        with pytest.raises(TypeError, match="weights must be a mapping"):
            Scorer(**params).fit(*sides)
        return
    with pytest.raises(ValueError, match=message):
        Scorer(**params).fit(*sides)


def test_bad_calls_raise(sides, fitted):
    left, right = sides
    with pytest.raises(ValueError, match="id 's0' appears twice on the left side"):
        Scorer().fit([left[0], left[0]], right)
    with pytest.raises(ValueError, match="direction must be 'left', 'right' or 'both'"):
        fitted.top_k(3, direction="up")
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        fitted.top_k(0)
    with pytest.raises(KeyError, match="no left participant with id 'nobody'"):
        fitted.contributions("nobody", 0)
    with pytest.raises(IndexError, match="right index 99 out of range"):
        fitted.contributions(0, 99)
    with pytest.raises(IndexError, match="left_idx out of range"):
        fitted.score_matrix([100])
    with pytest.raises(ValueError, match="left_idx as a mask must have shape"):
        fitted.score_matrix(np.ones(3, bool))
    with pytest.raises(ValueError, match="1-D array of integer indices"):
        fitted.score_matrix(np.array([0.5]))
    with pytest.raises(KeyError, match="no component 'colour'"):
        fitted.contributions(0, 0)["colour"]


def test_violations_are_json_serialisable(fitted):
    mask = fitted.impossible_mask()
    i, j = map(int, np.argwhere(mask)[0])
    json.dumps([v.as_dict() for v in fitted.violations(i, j)])


def test_default_weights_rank_synthetic_good_pairs_well():
    """Sanity check of the untrained defaults against a planted ground truth."""
    synthetic = pytest.importorskip("datasets.synthetic")
    from sklearn.metrics import roc_auc_score

    for preset in ("reskilling", "overseas"):
        data = synthetic.generate(preset, seed=3, n_left=120, n_right=60)
        scorer = Scorer.from_round(data.programme.rounds[0]).fit(data.left, data.right)
        good = data.truth.compatibility(np.arange(data.n_left), np.arange(data.n_right)) >= data.truth.threshold
        assert roc_auc_score(good.ravel(), scorer.score_matrix().ravel()) > 0.75, preset


@settings(max_examples=60, deadline=None)
@given(
    scores=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9), elements=st.integers(0, 4).map(float)),
    k=st.integers(1, 5),
    block=st.integers(1, 12),
)
def test_blockwise_top_k_selection_matches_brute_force_with_ties(scores, k, block):
    """update_topk over blocks in order keeps the k best (value desc, index asc) per row and per column."""
    n_rows, n_cols = scores.shape
    kr, kc = min(k, n_cols), min(k, n_rows)
    rv, ri = np.full((n_rows, kr), -np.inf, np.float32), np.full((n_rows, kr), n_cols, np.int64)
    cv, ci = np.full((n_cols, kc), -np.inf, np.float32), np.full((n_cols, kc), n_rows, np.int64)
    for rows, cols in square_blocks(n_rows, n_cols, block):
        part = np.ascontiguousarray(scores[rows, cols])
        update_topk(part, rows.start, cols.start, rv, ri)
        update_topk(part, rows.start, cols.start, cv, ci, by_column=True)
    for i in range(n_rows):
        assert ri[i].tolist() == sorted(range(n_cols), key=lambda j: (-scores[i, j], j))[:kr]
    for j in range(n_cols):
        assert ci[j].tolist() == sorted(range(n_rows), key=lambda i: (-scores[i, j], i))[:kc]
    np.testing.assert_array_equal(rv, np.take_along_axis(scores, ri, axis=1))


def test_frequent_ngrams_moved_to_the_dense_product_keep_exact_scores():
    from datasets.synthetic import generate

    programme = generate("design", seed=3, n_left=70, n_right=60)
    exact = Scorer.from_round(programme.programme.rounds[0], text_dim=None).fit(programme.left, programme.right)
    # the frequent n-grams went to the dense factors, the rare ones stay sparse: both paths are used
    n_text = exact.left_sparse_.shape[1]
    assert exact._text_left_c is not None and 0 < exact._text_left_c.shape[1] < n_text
    li, rj = np.meshgrid(np.arange(exact.n_left_), np.arange(exact.n_right_), indexing="ij")
    by_pairs = exact.score_pairs(li.ravel(), rj.ravel()).reshape(li.shape)  # the unsplit factors, pair by pair
    np.testing.assert_allclose(exact.score_matrix(), by_pairs, atol=1e-12)
    single = exact.set_params(dtype="float32").fit(programme.left, programme.right)
    assert single.score_matrix().dtype == np.float32 and single._text_left_c.dtype == np.float32
    np.testing.assert_allclose(single.score_matrix(), by_pairs, atol=1e-5)
    top = single.top_k(3, direction="left", max_block_cells=500)
    full = np.where(single.impossible_mask(), -np.inf, single.score_matrix())
    for i in range(single.n_left_):
        row = top[[i]].tocoo()
        np.testing.assert_allclose(np.sort(row.data)[::-1], np.sort(full[i])[::-1][: row.nnz], atol=1e-6)


def test_heavy_features_threshold_and_cap():
    from matching.features._scorer import _heavy_features

    df_left, df_right = np.array([100.0, 10, 1, 0, 50]), np.array([100.0, 10, 100, 100, 20])
    assert _heavy_features(df_left, df_right, 100, 100).tolist() == [0, 4]  # shares 1, 0.01, 0.01, 0, 0.1
    many = np.full(5000, 90.0)
    many[:10] = 100.0
    picked = _heavy_features(many, many, 100, 100)
    assert len(picked) == 2048 and set(range(10)) <= set(picked.tolist())


@pytest.mark.parametrize("k", [1, 5, 1000])
def test_best_partners_are_the_best_possible_scores_in_order(fitted, k: int) -> None:
    impossible = fitted.impossible_mask()
    for pid, side in [(fitted.left_ids_[0], "left"), (fitted.left_ids_[3], "left"), (fitted.right_ids_[2], "right")]:
        best = fitted.best_partners(pid, k)
        if side == "left":
            i = fitted.left_index_[pid]
            row, blocked = fitted.score_matrix([i])[0], impossible[i]
        else:
            i = fitted.right_index_[pid]
            row, blocked = fitted.score_matrix(None, [i])[:, 0], impossible[:, i]
        # brute force: every possible partner, by score descending, ties by index
        expected = sorted((j for j in range(len(row)) if not blocked[j]), key=lambda j: (-row[j], j))[:k]
        assert (best.side, best.index) == (side, i)
        assert best.partners.tolist() == expected
        assert np.array_equal(best.scores, row[expected])
        assert (best.n_candidates, best.n_impossible) == (int((~blocked).sum()), int(blocked.sum()))


def test_best_partners_of_an_unknown_id_is_a_key_error(fitted) -> None:
    with pytest.raises(KeyError, match="nobody"):
        fitted.best_partners("nobody", 3)


@pytest.mark.parametrize("params", [{}, {"text_dim": 8}], ids=["exact-text", "svd-text"])
def test_text_fitted_beside_the_other_components_gives_the_same_bits(sides, params, monkeypatch):
    import threading

    import matching.features._components as components
    import matching.features._scorer as scorer_module

    threads = {}
    build_text = components.BUILDERS["text"]

    def text_recorded(*args):
        threads["text"] = threading.current_thread().name
        return build_text(*args)

    monkeypatch.setattr(scorer_module, "BUILDERS", {**components.BUILDERS, "text": text_recorded})
    monkeypatch.setattr(scorer_module, "available_cores", lambda: 2)
    beside = Scorer(interpreter_languages=("th",), **params).fit(*sides)
    assert threads["text"].startswith("fit-text")  # the text was fitted on the second thread
    monkeypatch.setattr(scorer_module, "available_cores", lambda: 1)
    alone = Scorer(interpreter_languages=("th",), **params).fit(*sides)
    assert threads["text"] == threading.main_thread().name
    assert beside.dense_slices_ == alone.dense_slices_
    np.testing.assert_array_equal(beside.left_dense_, alone.left_dense_)
    np.testing.assert_array_equal(beside.right_dense_, alone.right_dense_)
    np.testing.assert_array_equal(beside.score_matrix(), alone.score_matrix())


@pytest.mark.parametrize("params", [{}, {"text_dim": 8}], ids=["exact-text", "svd-text"])
def test_released_pair_features_keep_the_blocks_and_refuse_pair_scores(sides, params):
    scorer = Scorer(**params).fit(*sides)
    top, matrix, mask = scorer.top_k(3).toarray(), scorer.score_matrix(), scorer.impossible_mask()
    best = scorer.best_partners(scorer.left_ids_[1], 4)
    assert scorer.release_pair_features() is scorer
    np.testing.assert_array_equal(scorer.top_k(3).toarray(), top)
    np.testing.assert_array_equal(scorer.score_matrix(), matrix)
    np.testing.assert_array_equal(scorer.impossible_mask(), mask)
    np.testing.assert_array_equal(scorer.best_partners(scorer.left_ids_[1], 4).partners, best.partners)
    for call, name in [(lambda: scorer.score_pairs([0], [0]), "pair_features"), (lambda: scorer.contributions(0, 0), "pair_features"),
                       (lambda: scorer.with_weights(None), "with_weights")]:
        with pytest.raises(ValueError, match=f"{name} needs the pair features, which release_pair_features"):
            call()
