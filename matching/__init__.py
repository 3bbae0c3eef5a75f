"""Matchmaking engine for SME-support programmes.

Profiles become vectors (:mod:`matching.features`), vectors become
explainable compatibility scores, scores become an optimal matching
(:mod:`matching.solvers`), and matches become a timetable.
"""

from .errors import FieldError, ImportRejected, Infeasible, InvalidInput, MatchingError
from .model import (
    CapacityRange,
    Contact,
    Event,
    Participant,
    Programme,
    Round,
    Slot,
    feature_fields,
    personal_fields,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "CapacityRange",
    "Contact",
    "Event",
    "FieldError",
    "ImportRejected",
    "Infeasible",
    "InvalidInput",
    "MatchingError",
    "Participant",
    "Programme",
    "Round",
    "Slot",
    "feature_fields",
    "personal_fields",
]
