"""Who is voting: an anonymous id per browser, never one the request body names.

Arena pages give a browser without one a random ``evalatlas_voter`` cookie (HttpOnly, so
page scripts cannot read it; SameSite=Lax, so other sites' forms do not send it). The
stored voter id is a hash of that cookie, never the cookie itself: a voter id shown on
a page or in JSON cannot be replayed as someone else's cookie.

The JSON API reads the same cookie. A request without one (a script, a client that
keeps no cookies) votes as its client address instead: the address hashed with a key
drawn when the app starts, so all such requests from one address share one voter (and
its rate limit and daily cap) while the app runs, and stored ids do not reveal
addresses. Clients behind one address (a proxy, a NAT) therefore share that voter
unless they keep the cookie.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from fastapi import Request, Response

COOKIE = "evalatlas_voter"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
_COOKIE_PREFIX = "c-"
_ADDRESS_PREFIX = "a-"
_ID_HEX = 24  # 96 bits of the hash: no two voters collide in practice


class VoterIdentity:
    """Voter ids of requests, with the app's key for address-derived ids."""

    def __init__(self, address_key: bytes | None = None) -> None:
        self._address_key = address_key or secrets.token_bytes(32)

    def of(self, request: Request) -> str:
        """The voter id of ``request``: its cookie's, else its client address's."""
        token = cookie_token(request)
        if token is not None:
            return voter_of_token(token)
        host = request.client.host if request.client else "unknown"
        digest = hashlib.blake2b(host.encode(), key=self._address_key, digest_size=_ID_HEX // 2)
        return _ADDRESS_PREFIX + digest.hexdigest()


def cookie_token(request: Request) -> str | None:
    """The request's voter cookie when it is one this app could have set."""
    token = request.cookies.get(COOKIE)
    return token if token is not None and _TOKEN.fullmatch(token) else None


def voter_of_token(token: str) -> str:
    return _COOKIE_PREFIX + hashlib.sha256(token.encode()).hexdigest()[:_ID_HEX]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def page_token(request: Request) -> tuple[str, bool]:
    """The voter cookie of a page request, or a new one; True when it is new (and must
    be set on the response with ``set_cookie``)."""
    token = cookie_token(request)
    return (token, False) if token is not None else (new_token(), True)


def set_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=False,  # served over plain http on 127.0.0.1 by default
    )


def voter_label(voter: str) -> str:
    """How pages and JSON name a voter: a short hash, so an imported log's voter names
    are not shown either (every voter is anonymous)."""
    return "v-" + hashlib.sha256(voter.encode()).hexdigest()[:10]
