"""Scores → an optimal matching.

Every solver is a plain function returning one frozen :class:`MatchResult`
that carries its own proof (dual potentials, blocking pairs, or a gap).
"""

from ._result import DualCertificate, GapCertificate, MatchResult, StabilityCertificate, Status

__all__ = [
    "DualCertificate",
    "GapCertificate",
    "MatchResult",
    "StabilityCertificate",
    "Status",
]
