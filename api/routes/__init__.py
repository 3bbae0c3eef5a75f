"""The JSON API under ``/api/v1``, one module per resource."""

from fastapi import APIRouter

from . import events, feedback, jobs, locks, me, participants, portal, results

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
for _module in (me, events, participants, locks, feedback, jobs, results, portal):
    api_router.include_router(_module.router)
