"""Headers every response carries, and the session cookie's flags.

The Content-Security-Policy allows scripts, styles and fonts from the app itself only (htmx and app.js are
files under /static; there is no inline script or style attribute in any template), images from itself and
data: URLs (charts), and no framing, plugins or foreign form targets. HTMX is configured by a meta tag not
to evaluate attributes as code and not to inject its indicator <style>.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "SecurityHeaders", "cookie_secure"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """ASGI middleware adding :data:`_HEADERS` to every HTTP response (API and docs included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path", "") in ("/api/docs", "/api/redoc")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k, v)
                    for k, v in _HEADERS
                    if k not in present and not (docs and k == b"content-security-policy")
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cookie_secure(setting: str, scheme: str, forwarded_proto: str | None) -> bool:
    """Whether the session cookie gets the Secure flag: ``always``, ``never``, or ``auto`` (HTTPS seen)."""
    if setting == "always":
        return True
    if setting == "never":
        return False
    return scheme == "https" or (forwarded_proto or "").split(",")[0].strip().lower() == "https"
