"""Page routes: server-rendered shells that call the JSON API with fetch.

Every page is plain HTML from a jinja2 template plus one small ES module of
its own under ``static/js``; there is no front-end build.  The language comes
from ``?lang=ja|en`` (remembered in a cookie), else the ``lang`` cookie, else
Accept-Language.  Pages are left out of the OpenAPI schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from matching.features import COMPONENTS

from .i18n import LANGUAGES, negotiate, strings

__all__ = ["router", "STATIC_DIR", "TEMPLATES_DIR"]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
TEMPLATES_DIR = _HERE / "templates"

OBJECTIVES = ("max-total", "fair", "stable", "greedy", "random")

_templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

router = APIRouter(include_in_schema=False)


def _language_links(request: Request, current: str) -> list[dict[str, Any]]:
    """The language switch: the same page in each language, other query parameters kept."""
    links = []
    for lang in LANGUAGES:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
        links.append({
            "lang": lang,
            "label": {"ja": "日本語", "en": "English"}[lang],
            "href": f"{request.url.path}?{urlencode(params)}",
            "current": lang == current,
        })
    return links


def _render(request: Request, template: str, *, page: str, title_key: str, status_code: int = 200,
            organizer: bool = True, **context: Any) -> HTMLResponse:
    query_lang = request.query_params.get("lang")
    lang = negotiate(query_lang, request.cookies.get("lang"), request.headers.get("accept-language"))
    text = strings(lang)
    components = [{"name": c.name, "label": getattr(c, lang), "default": c.default_weight} for c in COMPONENTS.values()]
    response = _templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "t": text,
            "page": page,
            "title": text[title_key],
            "language_links": _language_links(request, lang),
            "organizer": organizer,
            "components": components,
            "objectives": OBJECTIVES,
            **context,
        },
        status_code=status_code,
    )
    if query_lang in LANGUAGES:
        response.set_cookie("lang", query_lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/", response_class=HTMLResponse)
def events_page(request: Request) -> HTMLResponse:
    """The organizer's home: their events, and a form to create one."""
    return _render(request, "events.html", page="events", title_key="events_title")


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> HTMLResponse:
    """Paste an organizer API token (kept in the tab's sessionStorage)."""
    return _render(request, "signin.html", page="signin", title_key="signin_title")


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_setup_page(request: Request, event_id: str) -> HTMLResponse:
    """Participants (upload with row errors, list, personal links) and rules."""
    return _render(request, "event_setup.html", page="setup", title_key="tab_setup", event_id=event_id)


@router.get("/events/{event_id}/matching", response_class=HTMLResponse)
def event_matching_page(request: Request, event_id: str) -> HTMLResponse:
    """Run matching, the result table with explanations, pins/forbids, quality charts."""
    return _render(request, "event_matching.html", page="matching", title_key="tab_matching", event_id=event_id)


@router.get("/events/{event_id}/fair", response_class=HTMLResponse)
def event_fair_page(request: Request, event_id: str) -> HTMLResponse:
    """Plan the timetable, the slot × table grid, agendas, no-shows and re-planning."""
    return _render(request, "event_fair.html", page="fair", title_key="tab_fair", event_id=event_id)


@router.get("/p/{link_token}", response_class=HTMLResponse)
def participant_page(request: Request, link_token: str) -> HTMLResponse:
    """A participant's own page, reached from their personal link."""
    response = _render(request, "participant.html", page="participant", title_key="p_title", organizer=False,
                       link_token=link_token)
    return response
