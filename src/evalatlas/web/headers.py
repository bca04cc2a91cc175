"""Headers on every response: security headers, and how long the app took.

A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: that one runs each
request in an extra task with its own streams, which costs more than a small JSON answer
(an arena vote) costs in all. This one only rewrites the response's first message.
"""

from __future__ import annotations

import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeaders:
    """Adds to every HTTP response ``X-Content-Type-Options``, ``Referrer-Policy``, a
    Content-Security-Policy that runs scripts only from ``/static`` (HTML responses), and
    ``Server-Timing: app;dur=<ms>``: the time from the request reaching the app to its
    response starting (routing, the handler, rendering; not the network), so a client can
    tell server time from its own overhead."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                elapsed_ms = (time.perf_counter() - started) * 1e3
                headers["Server-Timing"] = f"app;dur={elapsed_ms:.3f}"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, send_with_headers)
