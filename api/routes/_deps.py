"""Shared bits of the route modules.

The dependencies here touch no database: they are ``async`` so that FastAPI
runs them in the event loop rather than sending each to the thread pool
(a hop costs ~0.1 ms of CPU and a chance to wait for the GIL under load;
``benchmarks/service_cpu.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from ..service import Page, page_bounds
from ..settings import Settings

__all__ = ["get_settings", "SettingsDep", "page", "PageDep"]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def page(settings: SettingsDep, limit: Annotated[int | None, Query(description="page size (at most max_page_size)")] = None,
         offset: Annotated[int | None, Query(description="items to skip")] = None) -> Page:
    return page_bounds(settings, limit, offset)


PageDep = Annotated[Page, Depends(page)]
