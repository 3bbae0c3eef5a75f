"""Web pages of the service (issue #8): the organizer's pages and the participant's page.

The application mounts :data:`router` (page routes, left out of the OpenAPI
schema) and serves :data:`STATIC_DIR` at ``/static``.  Pages are jinja2
shells in Japanese or English (:mod:`api.web.i18n`) whose small ES modules
call the JSON API under ``/api/v1``.

Routes
------
``/``                           the organizer's events (create, list)
``/signin``                     paste an organizer API token
``/events/{id}``                participants (upload, row errors, links) and rules
``/events/{id}/matching``       run matching, results, explanations, pins, quality
``/events/{id}/fair``           timetable grid, agendas, downloads, no-show re-planning
``/p/{link_token}``             a participant's recommendations, wishes, agenda, feedback
"""

from __future__ import annotations

from ._pages import STATIC_DIR, TEMPLATES_DIR, router
from .i18n import LANGUAGES, STRINGS, negotiate

__all__ = ["router", "STATIC_DIR", "TEMPLATES_DIR", "LANGUAGES", "STRINGS", "negotiate"]
