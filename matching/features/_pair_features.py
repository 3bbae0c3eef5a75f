"""What a learned outcome model reads of a pair: the profile score and its components.

The organizer's profile score is a weighted sum of the scorer's explainable
components (topics sought and offered, industry, region, language, stage,
budget, ...) with the weights the organizer chose.  Which components
predict who says yes is an empirical question the answers of earlier
rounds can settle: :func:`profile_features` hands a
:class:`~matching.features.ReciprocalModel` every pair's score *and* each
component's raw value, so the model can re-weigh the components (its ridge
on their weights, chosen by cross-validation, falls back to the score alone
when the history is too short to tell).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..errors import FieldError, InvalidInput

__all__ = ["PROFILE_FEATURES_MAX_CELLS", "profile_feature_names", "profile_features"]

#: The largest block (pairs × features) :func:`profile_features` builds by default: 32 Mi float64 values, 256 MiB.
PROFILE_FEATURES_MAX_CELLS = 1 << 25


def profile_feature_names(scorer: Any) -> tuple[str, ...]:
    """The names of :func:`profile_features`' columns: ``"score"``, then the scorer's components."""
    check_is_fitted(scorer, "component_names_")
    return ("score", *scorer.component_names_)


def profile_features(scorer: Any, scores: np.ndarray | None = None, *, max_cells: int = PROFILE_FEATURES_MAX_CELLS) -> np.ndarray:
    """Every pair's profile score followed by the raw value of each scoring component.

    Parameters
    ----------
    scorer : Scorer
        Fitted on the round's participants.
    scores : ndarray of shape (n_left, n_right), optional
        The round's profile scores (default: ``scorer.score_matrix()``).
    max_cells : int, default=PROFILE_FEATURES_MAX_CELLS
        Refuse blocks of more than this many values (pairs × features).

    Returns
    -------
    ndarray of shape (n_left, n_right, 1 + n_components)
        Column 0 is the score, the others :meth:`Scorer.pair_features` in
        the order of ``scorer.component_names_`` (see
        :func:`profile_feature_names`): the first column is what a
        :class:`~matching.features.ReciprocalModel` shrinks towards.

    Raises
    ------
    InvalidInput
        ``scores`` of another shape than the scorer's round, or a block
        larger than ``max_cells``; the message names the field.

    Examples
    --------
    >>> from matching.model import Participant
    >>> from matching.features import Scorer
    >>> left = [Participant(id="s1", role="sme", organization="A", seeks=("product-design",)),
    ...         Participant(id="s2", role="sme", organization="B", seeks=("iot",))]
    >>> right = [Participant(id="d1", role="designer", organization="C", offers=("product-design",))]
    >>> scorer = Scorer().fit(left, right)
    >>> block = profile_features(scorer)
    >>> block.shape[:2], profile_feature_names(scorer)[:3]
    ((2, 1), ('score', 'text', 'tags_left_seeks'))
    >>> bool(block[0, 0, 2] > block[1, 0, 2])  # s1 seeks what d1 offers, s2 does not
    True
    """
    check_is_fitted(scorer, "component_names_")
    n_left, n_right = scorer.n_left_, scorer.n_right_
    names = profile_feature_names(scorer)
    if not isinstance(max_cells, (int, np.integer)) or isinstance(max_cells, bool) or max_cells < 1:
        raise InvalidInput([FieldError("max_cells", max_cells, "expected a positive integer")])
    cells = n_left * n_right * len(names)
    if cells > max_cells:
        raise InvalidInput([FieldError("max_cells", max_cells, f"the block of {n_left} x {n_right} pairs x {len(names)} features "
                                       f"has {cells} values; raise max_cells or learn from the score alone")])
    scores = scorer.score_matrix() if scores is None else np.asarray(scores, dtype=float)
    if scores.shape != (n_left, n_right):
        raise InvalidInput([FieldError("scores", f"array of shape {scores.shape}", f"expected {(n_left, n_right)}, the scorer's round")])
    left_idx, right_idx = np.divmod(np.arange(n_left * n_right, dtype=np.int64), n_right)
    block = np.empty((n_left, n_right, len(names)))
    block[..., 0] = scores
    block[..., 1:] = scorer.pair_features(left_idx, right_idx).reshape(n_left, n_right, len(names) - 1)
    return block
