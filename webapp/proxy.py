"""``X-Forwarded-*`` from our own reverse proxy, and from nobody else.

Werkzeug's ``ProxyFix`` believes those headers from whoever sends them; a client talking to the
workers directly could then choose the host and scheme of the absolute links the app writes (the
Atom feed, the OpenSearch description) and the address it logs. ``TrustedProxyFix`` applies
``ProxyFix`` (one proxy: the last value of each header) only when the connection comes from an
address in ``TRUSTED_PROXIES``; for any other peer the headers are ignored.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable, Iterable

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(addresses: Iterable[str]) -> list[Network]:
    """``127.0.0.1``, ``::1``, ``10.0.0.0/8`` -> networks; a bad address raises ``ValueError``."""
    return [ipaddress.ip_network(a.strip(), strict=False) for a in addresses if a.strip()]


class TrustedProxyFix:
    def __init__(self, app: Callable[..., Any], trusted: Iterable[str]):
        self.app = app
        self.trusted = networks(trusted)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)

    def from_proxy(self, environ: dict[str, Any]) -> bool:
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(peer in net for net in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.trusted and self.from_proxy(environ):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
