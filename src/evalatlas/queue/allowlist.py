"""What a public submission may point at: the operator's allow-list.

A submission names weights on the server's disk (``llamacpp:PATH``, ``hf:FOLDER``), on the
Hugging Face hub (``hf:ORG/NAME@REV``) or behind an endpoint (``openai:URL#MODEL``). Each
kind is a way to make the server reach something, so each is allowed explicitly:

- model roots: a local file or folder must resolve (after symlinks) inside one of them.
  None by default: only bundled models and the random baseline are local.
- hub patterns (``org/*``, ``org/name``): when some are given, a hub id must match one.
  None by default: every hub id is accepted.
- endpoints: a host (name, address or network such as ``10.0.0.0/8``) with an optional
  port. Every address an endpoint's host resolves to must be public, or be allowed by an
  entry; so loopback, link-local and private ranges are refused unless named.

A refused local path is refused with one message whether or not the file exists, and no
message quotes a path other than the one submitted.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evalatlas.errors import ConfigError
from evalatlas.models.refs import ModelRef

ROOTS_VARIABLE = "EVALATLAS_ALLOW_MODEL_ROOTS"
HUB_VARIABLE = "EVALATLAS_ALLOW_HUB"
ENDPOINTS_VARIABLE = "EVALATLAS_ALLOW_ENDPOINTS"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[IPAddress]]


@dataclass(frozen=True)
class EndpointRule:
    """One ``--allow-endpoint`` entry: a host name or a network, and perhaps a port."""

    text: str
    name: str | None = None  # lower-case host name
    network: IPNetwork | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> EndpointRule:
        host, port = _split_port(text.strip(), text)
        try:
            network = ipaddress.ip_network(host.strip("[]"), strict=False)
        except ValueError:
            network = None
        if network is None and not _is_host_name(host):
            raise ConfigError(
                f"--allow-endpoint {text!r}: give HOST[:PORT] where HOST is a name, an address "
                "or a network (e.g. vllm.internal:8000, 127.0.0.1:8080, 10.0.0.0/8)"
            )
        name = None if network is not None else host.lower().rstrip(".")
        return cls(text.strip(), name, network, port)

    def allows(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.name is not None:
            return self.name == host.lower().rstrip(".")
        return self.network is not None and address in self.network


def _split_port(host: str, text: str) -> tuple[str, int | None]:
    if host.count(":") > 1 and not host.startswith("["):
        return host, None  # a bare IPv6 address or network
    head, sep, tail = host.rpartition(":")
    if not sep or (head.startswith("[") and not head.endswith("]")):
        return host, None
    if not tail.isdigit() or not 0 < int(tail) < 65536:
        raise ConfigError(f"--allow-endpoint {text!r}: the port must be a number 1-65535")
    return head, int(tail)


def _is_host_name(host: str) -> bool:
    labels = host.rstrip(".").split(".")
    return bool(host) and all(
        label and len(label) < 64 and label.replace("-", "").isalnum() for label in labels
    )


@dataclass(frozen=True)
class AllowList:
    """Model roots, hub patterns and endpoint rules of one server (rules in the module
    docstring); ``resolver`` turns a host and port into addresses (DNS by default)."""

    model_roots: tuple[Path, ...] = ()
    hub_patterns: tuple[str, ...] = ()
    endpoints: tuple[EndpointRule, ...] = ()
    resolver: Resolver | None = field(default=None, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        roots: Sequence[Path | str] = (),
        hubs: Sequence[str] = (),
        endpoints: Sequence[str] = (),
    ) -> AllowList:
        """From option values; a root that is no folder is a ConfigError."""
        return cls(
            model_roots=tuple(_model_root(Path(root)) for root in roots),
            hub_patterns=tuple(_hub_pattern(pattern) for pattern in hubs),
            endpoints=tuple(EndpointRule.parse(entry) for entry in endpoints),
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AllowList:
        """``$EVALATLAS_ALLOW_MODEL_ROOTS`` (folders separated by ``os.pathsep``),
        ``$EVALATLAS_ALLOW_HUB`` and ``$EVALATLAS_ALLOW_ENDPOINTS`` (comma-separated)."""
        env = os.environ if environ is None else environ
        roots = [part for part in env.get(ROOTS_VARIABLE, "").split(os.pathsep) if part.strip()]
        return cls.build(
            roots, _listed(env.get(HUB_VARIABLE)), _listed(env.get(ENDPOINTS_VARIABLE))
        )

    def extended(
        self, roots: Sequence[Path] = (), hubs: Sequence[str] = (), endpoints: Sequence[str] = ()
    ) -> AllowList:
        """This list with more entries (command-line options add to the environment's)."""
        more = AllowList.build(roots, hubs, endpoints)
        return AllowList(
            self.model_roots + more.model_roots,
            self.hub_patterns + more.hub_patterns,
            self.endpoints + more.endpoints,
            self.resolver,
        )

    def describe(self) -> str:
        """One line for the operator: what this server accepts."""
        roots = ", ".join(str(root) for root in self.model_roots) or "none"
        hubs = ", ".join(self.hub_patterns) or "any"
        hosts = ", ".join(rule.text for rule in self.endpoints)
        return f"local model roots: {roots}; hub ids: {hubs}; endpoints: public addresses" + (
            f" and {hosts}" if hosts else " only"
        )

    # -- local files --------------------------------------------------------------------

    def local_path(self, ref: ModelRef, target: str) -> Path:
        """``target`` resolved, when it lies inside a model root; else the one refusal
        that says nothing of what is on the disk."""
        if not self.model_roots:
            raise ConfigError(
                f"model reference {ref.raw!r}: this server takes no local model paths; submit "
                "a hub id (hf:org/name@revision), an endpoint or a bundled model"
            )
        path = Path(target).expanduser()
        if not path.is_absolute():
            raise ConfigError(f"model reference {ref.raw!r}: give the model's absolute path")
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise self.not_allowed(ref) from None
        if not any(resolved.is_relative_to(root) for root in self.model_roots):
            raise self.not_allowed(ref)
        return resolved

    def inside(self, ref: ModelRef, path: Path) -> Path:
        """``path`` (e.g. a file named inside an allowed folder) resolved and checked."""
        return self.local_path(ref, str(path))

    @staticmethod
    def not_allowed(ref: ModelRef) -> ConfigError:
        """The same words for a missing path and for one outside the model roots."""
        return ConfigError(
            f"model reference {ref.raw!r}: no model this server may evaluate is at that path; "
            "give a file or folder inside the server's model folders"
        )

    # -- hub ----------------------------------------------------------------------------

    def check_hub(self, ref: ModelRef) -> None:
        if not self.hub_patterns:
            return
        hub_id = ref.target.casefold()
        if not any(fnmatch.fnmatchcase(hub_id, p.casefold()) for p in self.hub_patterns):
            raise ConfigError(
                f"model reference {ref.raw!r}: this server evaluates hub models matching "
                f"{', '.join(self.hub_patterns)} only"
            )

    # -- endpoints ----------------------------------------------------------------------

    def endpoint_address(self, ref_text: str, host: str, port: int) -> IPAddress:
        """The address to connect to for ``host:port``, once every address it resolves to
        is allowed; ConfigError (naming only what was submitted) otherwise."""
        addresses = (self.resolver or resolve_host)(host, port)
        if addresses and all(self._reachable(host, address, port) for address in addresses):
            return addresses[0]
        # One message for a name that does not resolve and one that resolves inside: else
        # the form would tell which internal names exist.
        raise ConfigError(
            f"model reference {ref_text!r}: the endpoint's host is not a public address "
            "and this server does not allow it; submit a publicly reachable endpoint"
        )

    def _reachable(self, host: str, address: IPAddress, port: int) -> bool:
        return is_public(address) or any(r.allows(host, address, port) for r in self.endpoints)


def is_public(address: IPAddress) -> bool:
    """A global unicast address: not loopback, link-local, private, shared or reserved."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` names: an address literal as it is, a name through DNS."""
    literal = host.strip("[]")
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(literal, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses: list[IPAddress] = []
    for _, _, _, _, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _model_root(path: Path) -> Path:
    resolved = path.expanduser().resolve()
    if not resolved.is_dir():
        raise ConfigError(f"--allow-model-root {path}: not a folder; give an existing folder")
    return resolved


def _hub_pattern(pattern: str) -> str:
    text = pattern.strip()
    if not text or any(c.isspace() for c in text) or text.count("/") > 1:
        raise ConfigError(
            f"--allow-hub {pattern!r}: give an id or a pattern such as org/* or org/name"
        )
    return text


def _listed(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]
