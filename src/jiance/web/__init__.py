"""The editors' web app: FastAPI + Jinja2 + HTMX over the library (no logic of its own)."""

from jiance.web.app import create_app

__all__ = ["create_app"]
