"""Who is voting: an identity the server issued, never one the client makes up.

Arena pages give a browser without one a signed ``evalatlas_voter`` cookie (see
``evalatlas.arena.voter_keys``: a random id and its HMAC under the workspace's secret;
HttpOnly, so page scripts cannot read it; SameSite=Lax, so other sites' forms do not send
it). The stored voter id is a hash of the cookie's id, never the cookie itself.

A request whose cookie this server did not sign (none, made up, altered) is an anonymous
newcomer of its client address: every such request from one address is the same voter,
so making up a cookie per vote earns no fresh allowance. Every vote and battle start also
counts against its address's own limits, whatever its voter, and an address is issued at
most ``new_voters_per_hour`` new identities; past that its pages set no cookie and its
browsers vote as the address's newcomer until the hour has passed.

The client address is the connection's peer as the server sees it: ``evalatlas serve``
believes ``X-Forwarded-For`` only from the proxies named with ``--trusted-proxy``. IPv6
addresses count by their /64 network, which one machine usually holds whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request, Response

from evalatlas.arena import VoterKeys, WindowLimiter, workspace_secret
from evalatlas.arena.guards import HOUR_S, Clock

COOKIE = "evalatlas_voter"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
IPV6_GROUP = 64
DEFAULT_NEW_VOTERS_PER_HOUR = 10


@dataclass(frozen=True)
class RequestVoter:
    """The voter a request votes as, the key of its client address, and the token of a
    newly issued identity to set as its cookie (None: nothing to set)."""

    voter: str
    client: str
    new_token: str | None = None


class VoterIdentity:
    """Voters of requests, under one secret; issues new identities within a limit per
    client address."""

    def __init__(
        self,
        keys: VoterKeys | None = None,
        new_voters_per_hour: int | None = DEFAULT_NEW_VOTERS_PER_HOUR,
        clock: Clock = time.monotonic,
    ) -> None:
        # Without a workspace the secret lives as long as the app: identities end with it.
        self.keys = keys or VoterKeys(secrets.token_bytes(32))
        self._issued = WindowLimiter(new_voters_per_hour, HOUR_S, clock)

    @classmethod
    def for_workspace(cls, root: Path, new_voters_per_hour: int | None) -> VoterIdentity:
        """Identities signed with the workspace's secret (created on first start)."""
        return cls(VoterKeys(workspace_secret(root)), new_voters_per_hour)

    def of(self, request: Request, *, issue: bool = False) -> RequestVoter:
        """The request's voter: its signed cookie's; else, with ``issue`` and while its
        address may have one, a new identity; else its address's anonymous newcomer."""
        client = self.keys.client_of(address_group(client_host(request)))
        voter = self.keys.voter_of(request.cookies.get(COOKIE))
        if voter is not None:
            return RequestVoter(voter, client)
        if issue and self._issued.take(client) is None:
            token, issued = self.keys.issue()
            return RequestVoter(issued, client, token)
        return RequestVoter(client, client)


def client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def address_group(host: str) -> str:
    """The address a client is limited as: an IPv4 address itself, an IPv6 address's /64
    network (or the IPv4 address it maps), anything else (a test client's name) as is."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_GROUP), strict=False))
    return str(address)


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
