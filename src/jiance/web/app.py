"""``create_app``: the FastAPI application over one workspace.

Pages are server-rendered Jinja2 (autoescaped) with HTMX for partial updates; each page module under
``jiance.web.pages`` owns its routes and templates. The JSON API is under ``/api`` (OpenAPI at
``/api/docs``). The store is migrated once here; each request opens its own connection (SQLite in WAL mode:
many readers, one writer at a time, writers wait up to the busy timeout).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiance.errors import ConfigError, JianceError, NotFoundError
from jiance.settings import Settings, load_settings
from jiance.web.deps import Ctx, LoginRequired, login_redirect, public
from jiance.web.security import SecurityHeaders
from jiance.workspace import open_store

__all__ = ["HTMX_PATH", "app_from_environment", "create_app", "templates"]

HTMX_PATH = Path(sys.prefix) / "share" / "jiance" / "htmx.min.js"
"""Where ``scripts/fetch-web-assets.sh`` puts htmx (pinned version and hash) during ``make`` bootstrap."""


def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("jiance.web", "templates")
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)


templates = Jinja2Templates(env=_environment())


class _Static(StaticFiles):
    """The app's own static files plus htmx from the virtualenv."""

    async def get_response(self, path: str, scope: Any) -> Response:
        if path == "htmx.min.js":
            if not HTMX_PATH.is_file():
                return Response("htmx is missing: run `make bootstrap` (scripts/fetch-web-assets.sh)", 500)
            return Response(
                HTMX_PATH.read_bytes(),
                media_type="text/javascript",
                headers={"cache-control": "max-age=3600"},
            )
        return await super().get_response(path, scope)


def _error_page(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return templates.TemplateResponse(
        request,
        "error.html.j2",
        {"status": status, "message": message, "user": None, "csrf": "", "nav": ""},
        status_code=status,
    )


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(exc.next_url)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        response = _error_page(request, exc.status_code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(NotFoundError)
    async def _missing(request: Request, exc: NotFoundError) -> Response:
        return _error_page(request, 404, exc.message)  # not str(exc): that names the store's path

    @app.exception_handler(JianceError)
    async def _jiance(request: Request, exc: JianceError) -> Response:
        return _error_page(request, 400, exc.message)


def create_app(workspace: Path, settings: Settings | None = None) -> FastAPI:
    """The web app of ``workspace`` (a folder with jiance.toml); the store is created and migrated here."""
    if not (workspace / "jiance.toml").exists():
        raise ConfigError(
            "not a jiance workspace (no jiance.toml); run `jiance init DIR` first", where=str(workspace)
        )
    settings = settings or load_settings(workspace)
    open_store(workspace, settings).close()  # create and migrate once; requests open without migrating
    app = FastAPI(title="jiance", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.workspace = workspace
    app.state.settings = settings
    app.state.snippet_chars = settings.search_snippet_chars
    app.add_middleware(SecurityHeaders)
    _install_handlers(app)
    app.mount("/static", _Static(directory=str(resources.files("jiance.web") / "static")), name="static")
    from jiance.web import api
    from jiance.web.pages import admin, articles, auth, figures, inbox, issues, search, sources, trends

    for module in (auth, inbox, articles, issues, search, figures, sources, admin, trends):
        app.include_router(module.router)
    app.include_router(api.router, prefix="/api")

    @app.get("/healthz", include_in_schema=False, response_class=HTMLResponse)
    async def healthz(ctx: Annotated[Ctx, Depends(public)]) -> str:  # public: a load balancer's probe
        return "ok"

    return app


def app_from_environment() -> FastAPI:
    """The app of ``$JIANCE_WORKSPACE``: what each uvicorn worker process builds (``jiance serve
    --workers N`` runs uvicorn with ``factory=True``; sessions, login limits and the store are shared
    through the workspace's SQLite file, so the workers need nothing else in common)."""
    from jiance.workspace import resolve_workspace

    return create_app(resolve_workspace(None))
