"""Profiles → explainable compatibility scores.

Transformers (scikit-learn estimator contract: ``fit``/``transform``,
clone-able, ``get_feature_names_out``, learned state ending in ``_``) turn
participants into per-participant vectors; they read only the fields
:func:`matching.model.feature_fields` lists (:func:`feature_view`).  The
:class:`Scorer` combines the components with per-round weights, applies the
hard rules (vetoes, conflicts, excluded pairs, no common language, role
pairs) and wish bonuses, and returns a dense matrix (:meth:`Scorer.score_matrix`
plus :meth:`Scorer.impossible_mask`) or the sparse top-k candidates of every
participant (:meth:`Scorer.top_k`).  :func:`explain` says why, in Japanese or
English.

API summary (stable)
--------------------
``Scorer(weights=None, *, components=None, interpreter_languages=(), role_pairs=None,
never=(), wish_bonus=(0.1, 0.2), normalize_weights=True, text_dim="auto", text_analyzer="char_wb",
text_ngram_range=(2, 3), text_engine="auto", tag_related=0.1, dtype="float64", max_block_cells=2**22)``

Components (the keys of ``Round.weights``, :data:`COMPONENTS`): ``text``,
``tags_left_seeks``, ``tags_right_seeks``, ``industry``, ``region``,
``language``, ``stage``, ``budget``, ``size``; values in [0, 1], missing
data → the component's neutral value (``neutral_``: its mean over the pairs
that have the data).  Score = sum of normalised weight × value + wish bonus.

* ``Scorer.from_round(round, **params)``; ``fit(left, right)``;
  ``with_weights(weights)`` (a fitted copy with other weights, no refit);
* ``component_names_``, ``weights_``, ``neutral_``, ``left_ids_``, ``right_ids_``;
* ``score_matrix(left_idx=None, right_idx=None, *, progress=None) -> ndarray``;
* ``impossible_mask(left_idx=None, right_idx=None) -> bool ndarray`` (solvers' ``forbidden=``);
* ``iter_blocks(max_block_cells=None)`` yields ``(rows, cols, scores, impossible)``;
* ``top_k(k, *, direction="both", max_block_cells=None, progress=None) -> csr_array``;
* ``pair_features(left_idx, right_idx) -> (n_pairs, n_components)`` raw values,
  ``score_pairs(left_idx, right_idx)``, ``pair_wishes(left_idx, right_idx) -> (n_pairs, 2)``;
* ``contributions(i, j) -> PairScore`` (per component value, weight, contribution; they sum to
  the score; named so because ``components`` is the constructor parameter);
* ``violations(i, j) -> list[Violation]``;
* ``explain(scorer, i, j, *, lang="ja"|"en", names=None) -> Explanation`` (``as_dict()``, ``text()``);
  ``explain_pairs(scorer, left_idx, right_idx, langs=("ja", "en"))`` explains many pairs at once.

Scale (measured with ``industry-fair`` synthetic data): 10,000 × 10,000 dense
(exact text) in about 11 s on 16 cores (about 40 s on 2), peak RSS 1.5 GB; 100,000 × 100,000
top-20 both directions (text projected on 128 SVD dimensions, ``dtype="float32"``)
in about 2 minutes on 16 cores after a one-minute fit, peak RSS 3.3 GB; on 2 shared cores the whole
``matching score --out`` at 100,000 × 100,000 (load, fit, top-20 both directions with the compiled
heap fold, CSV) took 290 CPU seconds, peak RSS 4.4 GB.

Examples
--------
>>> from matching.model import Participant
>>> from matching.features import Scorer, explain
>>> left = [Participant(id="s1", role="sme", organization="A", seeks=("product-design",),
...                     description_ja="金属加工の町工場です")]
>>> right = [Participant(id="d1", role="designer", organization="B", offers=("product-design",),
...                      description_ja="金属加工品のプロダクトデザイン")]
>>> scorer = Scorer().fit(left, right)
>>> scorer.score_matrix().shape
(1, 1)
>>> "d1 offers product design, which s1 is looking for" in explain(scorer, 0, 0, lang="en").reasons
True
"""

from . import _explain_learned, _learn, _outcomes, _pair_features, _programme, _propensity, _reciprocal
from ._explain import Explanation, explain, explain_pairs
from ._geo import RegionEncoder, distance_km
from ._industry import IndustryEncoder
from ._language import LanguageEncoder, bridged, common_languages
from ._numeric import BudgetVectorizer, SizeEncoder, StageEncoder
from ._profiles import RuleView, canonical_order, feature_view, rule_view
from ._rules import RULES, Violation
from ._scorer import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    TEXT_EXACT_MAX_PAIRS,
    Component,
    Contribution,
    BestPartners,
    PairScore,
    ScoreFactors,
    Scorer,
)
from ._states import StateEncoder
from ._tags import TagVectorizer
from ._char_ngrams import CharNgramTfidf
from ._text import TextVectorizer, matching_keywords

# Learning weights from outcomes, participant propensities and the reciprocal
# outcome model of multi-round programmes (maintained alongside the scorer):
# re-exported exactly as those modules list them.
from ._learn import *  # noqa: E402,F401,F403
from ._outcomes import *  # noqa: E402,F401,F403
from ._propensity import *  # noqa: E402,F401,F403
from ._reciprocal import *  # noqa: E402,F401,F403
from ._pair_features import *  # noqa: E402,F401,F403
from ._programme import *  # noqa: E402,F401,F403
from ._explain_learned import *  # noqa: E402,F401,F403

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "RULES",
    "TEXT_EXACT_MAX_PAIRS",
    "BudgetVectorizer",
    "CharNgramTfidf",
    "Component",
    "Contribution",
    "Explanation",
    "IndustryEncoder",
    "LanguageEncoder",
    "BestPartners",
    "PairScore",
    "RegionEncoder",
    "RuleView",
    "ScoreFactors",
    "Scorer",
    "SizeEncoder",
    "StageEncoder",
    "StateEncoder",
    "TagVectorizer",
    "TextVectorizer",
    "Violation",
    "bridged",
    "canonical_order",
    "common_languages",
    "distance_km",
    "explain",
    "explain_pairs",
    "feature_view",
    "matching_keywords",
    "rule_view",
    *_learn.__all__,
    *_outcomes.__all__,
    *_propensity.__all__,
    *_reciprocal.__all__,
    *_pair_features.__all__,
    *_programme.__all__,
    *_explain_learned.__all__,
]
