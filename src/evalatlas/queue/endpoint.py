"""The worker's HTTP transport for ``openai:`` submissions: every request goes only where
the allow-list lets it.

Each request's host is resolved and checked again (a name may resolve elsewhere than when
the submission was checked), and the connection goes to the address that was checked, not
to a second lookup, so a name cannot pass the check and then point at a private address.
The server's name still travels in the ``Host`` header and in TLS (SNI, certificate).
A redirect is never followed: its target would be a request nobody checked.
"""

from __future__ import annotations

import httpx

from evalatlas.errors import ConfigError, SubmissionRefused
from evalatlas.queue.allowlist import AllowList

_DEFAULT_PORTS = {"http": 80, "https": 443}


class AllowListTransport(httpx.BaseTransport):
    """Checks each request against ``allow`` before ``inner`` sends it; refuses redirects."""

    def __init__(
        self, allow: AllowList, reference: str, inner: httpx.BaseTransport | None = None
    ) -> None:
        self._allow = allow
        self._reference = reference
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
        try:
            address = self._allow.endpoint_address(self._reference, url.host, port)
        except ConfigError as error:
            raise SubmissionRefused("model_reference", str(error)) from None
        request.url = url.copy_with(host=str(address))
        if url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": url.host}
        response = self._inner.handle_request(request)
        if response.is_redirect or 300 <= response.status_code < 400:
            response.close()
            raise SubmissionRefused(
                "model_reference",
                f"model reference {self._reference!r}: the endpoint answered with a redirect "
                f"(HTTP {response.status_code}); the worker follows none, so submit the URL "
                "that answers itself",
            )
        return response

    def close(self) -> None:
        self._inner.close()
