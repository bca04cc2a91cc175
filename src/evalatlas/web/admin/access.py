"""Who may moderate: the admin token from ``$EVALATLAS_ADMIN_TOKEN``, never a default.

Without the variable (or with one too short to be a secret) every admin endpoint answers
403 and says how to enable them. A call must carry ``Authorization: Bearer <token>``,
compared in constant time, and name its author (``X-Admin-Name`` header, or a ``by``
field in its body): every change is logged with who made it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request

from evalatlas.web.errors import Forbidden, InvalidParameter

TOKEN_VARIABLE = "EVALATLAS_ADMIN_TOKEN"
MIN_TOKEN_LENGTH = 16
ACTOR_HEADER = "X-Admin-Name"
MAX_ACTOR_LENGTH = 128
DISABLED = f"admin disabled: set {TOKEN_VARIABLE}"


@dataclass(frozen=True)
class AdminAccess:
    """The admin token, or None with the reason admin endpoints are disabled."""

    token: str | None = None
    disabled_reason: str = DISABLED

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AdminAccess:
        token = (os.environ if environ is None else environ).get(TOKEN_VARIABLE, "").strip()
        if not token:
            return cls()
        if len(token) < MIN_TOKEN_LENGTH:
            return cls(
                None,
                f"admin disabled: {TOKEN_VARIABLE} must be at least {MIN_TOKEN_LENGTH} "
                "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe())')",
            )
        return cls(token)

    def check(self, request: Request) -> None:
        """Raise ``Forbidden`` unless ``request`` carries the admin token."""
        if self.token is None:
            raise Forbidden(self.disabled_reason)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Forbidden(
                f"admin endpoints need the header 'Authorization: Bearer <{TOKEN_VARIABLE}>'"
            )
        if not secrets.compare_digest(given.strip().encode(), self.token.encode()):
            raise Forbidden("wrong admin token")


def actor(request: Request, named: str | None) -> str:
    """The admin's name: the ``X-Admin-Name`` header, else ``named`` (a body field)."""
    name = (request.headers.get(ACTOR_HEADER) or named or "").strip()
    if not name:
        raise InvalidParameter(
            "by",
            f"name yourself in the {ACTOR_HEADER} header or a 'by' field: every change is "
            "logged with who made it",
        )
    if len(name) > MAX_ACTOR_LENGTH or not name.isprintable():
        raise InvalidParameter(
            "by", f"a name of at most {MAX_ACTOR_LENGTH} printable characters, please"
        )
    return name
