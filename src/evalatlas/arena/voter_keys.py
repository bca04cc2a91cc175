"""Voter identities the server issues and signs, so a client cannot make one up.

An identity is a token ``<random id>.<signature>``: 144 random bits and an HMAC-SHA256 of
them under the workspace's voter secret. Only a token whose signature checks names a
voter; anything else (a made-up, altered or foreign token) names no one, and its request
is treated as an anonymous newcomer of its address.

The secret is drawn at the first start and kept in the workspace (``voter_secret``, file
mode 0600), so identities and address keys stay valid across restarts. Stored voter ids
and address keys are hashes: neither a token nor an address can be read back from them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
from pathlib import Path

from evalatlas.errors import ConfigError

SECRET_FILE = "voter_secret"
SECRET_BYTES = 32
_ID_BYTES = 18
_SIGNATURE_CHARS = 32  # 192 bits of the HMAC, base64url
_TOKEN = re.compile(r"([A-Za-z0-9_-]{24})\.([A-Za-z0-9_-]{32})")
_ID_HEX = 24  # 96 bits of a hash: no two voters collide in practice
VOTER_PREFIX = "c-"
CLIENT_PREFIX = "a-"


class VoterKeys:
    """Issues and checks voter tokens, and keys client addresses, under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ConfigError("arena: the voter secret must have 16 bytes or more")
        self._secret = secret

    def issue(self) -> tuple[str, str]:
        """A new signed token and the voter id it names (a new voter)."""
        identity = base64.urlsafe_b64encode(secrets.token_bytes(_ID_BYTES)).decode()
        return f"{identity}.{self._signature(identity)}", _voter_id(identity)

    def voter_of(self, token: str | None) -> str | None:
        """The voter id a token names, or None unless this server signed it."""
        match = _TOKEN.fullmatch(token or "")
        if match is None:
            return None
        identity, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(identity)):
            return None
        return _voter_id(identity)

    def client_of(self, address: str) -> str:
        """The opaque key of a client address (the same across restarts)."""
        digest = hashlib.blake2b(
            address.encode(), key=self._secret[:64], digest_size=_ID_HEX // 2, person=b"client"
        )
        return CLIENT_PREFIX + digest.hexdigest()

    def _signature(self, identity: str) -> str:
        mac = hmac.new(self._secret, b"voter:" + identity.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:_SIGNATURE_CHARS]


def _voter_id(identity: str) -> str:
    return VOTER_PREFIX + hashlib.sha256(identity.encode()).hexdigest()[:_ID_HEX]


def workspace_secret(root: Path) -> bytes:
    """The voter secret of the workspace at ``root``, drawn and written (mode 0600) on
    first use; ConfigError when the file is readable by others or unreadable."""
    path = root / SECRET_FILE
    if not path.exists():
        try:
            _create_secret(path)
        except OSError as exc:
            raise ConfigError(
                f"{path}: cannot write the voter secret ({exc.strerror or exc}); "
                "make the workspace writable"
            ) from exc
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the voter secret ({exc})") from exc
    if mode & 0o077:
        raise ConfigError(
            f"{path}: the voter secret is open to other users (mode {mode:04o}); "
            f"run 'chmod 600 {path}', or delete it to issue new voter ids"
        )
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES:
        raise ConfigError(f"{path}: not a voter secret; delete it to draw a new one")
    return secret


def _create_secret(path: Path) -> None:
    """Write a new secret so that no reader ever sees a partial file, and a server that
    starts at the same moment keeps the one written first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{SECRET_FILE}.{secrets.token_hex(8)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # Fails when another server linked its own first: that one is kept.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
