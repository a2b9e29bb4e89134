"""Rendering a page: every template gets the user, the CSRF token and the active navigation item."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from jiance.web.app import templates
from jiance.web.deps import Ctx

__all__ = ["page"]


def page(ctx: Ctx, name: str, *, nav: str = "", status: int = 200, **data: Any) -> Response:
    """Render ``templates/<name>`` for this request (autoescaped; no value is marked safe)."""
    context = {"user": ctx.user, "csrf": ctx.csrf, "nav": nav, **data}
    return templates.TemplateResponse(ctx.request, name, context, status_code=status)
