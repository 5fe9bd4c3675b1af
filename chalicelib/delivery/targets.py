"""Where a webhook may be delivered: https URLs of hosts on the public internet, checked twice.

A webhook endpoint is a URL a SaaS gives the gateway, and the gateway POSTs to it from inside the
customer's AWS account. Left unchecked that is a server-side request forgery: a URL naming the
instance metadata service (169.254.169.254), a VPC address, or the Lambda's own loopback would have the
gateway call them. So:

* at registration, :func:`check_url` refuses anything but ``https://host[:port]/path[?query]`` without
  user info or fragment, at most 2,048 characters, whose host resolves and resolves only to global
  unicast addresses (no private, loopback, link-local, shared (CGNAT), multicast, reserved or
  unspecified ones, IPv4-mapped, IPv4-compatible, IPv4-translated and NAT64 forms included; an IP
  literal is judged the same way);
* at every delivery, :func:`deliverable_addresses` resolves the host again and the adapter connects
  to one of the addresses it returns, never to a name a resolver may since have re-pointed (DNS
  rebinding), with the TLS server name and ``Host`` header of the URL.

The local stage (``QBDGW_STAGE=local``, the local stack and the tests) may also name
``http://127.0.0.1…``, ``http://localhost…`` or ``http://[::1]…``, and only loopback: a test's
receiver runs on this machine.

The resolver is injected (``socket.getaddrinfo`` by default) so that the rules are tested without a
network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.errors import GatewayError, error

MAX_URL_CHARS = 2048
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked endpoint URL: what to connect to and what to say there."""

    url: str
    scheme: str
    host: str  # as written (the TLS server name and the Host header), lowercase, without brackets
    port: int
    path: str  # path and query, at least "/"


def check_url(url: str, *, local: bool = False, resolve: Resolver = socket.getaddrinfo) -> Target:
    """The endpoint ``url`` as a :class:`Target`, or :class:`GatewayError` ``webhook_url_not_allowed``."""
    target = parse_url(url, local=local)
    deliverable_addresses(target, local=local, resolve=resolve)
    return target


def deliverable_addresses(target: Target, *, local: bool = False,
                          resolve: Resolver = socket.getaddrinfo) -> list[IpAddress]:
    """The addresses ``target``'s host resolves to now, every one of them allowed; else the error."""
    try:
        found = resolve(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _refused(target.url, f"its host {target.host!r} does not resolve ({exc})") from exc
    addresses: list[IpAddress] = []
    for entry in found:
        address = ipaddress.ip_address(str(entry[4][0]).split("%", 1)[0])  # drop an IPv6 zone
        if not allowed(address, local=local):
            raise _refused(target.url, f"its host {target.host!r} resolves to {address}, which is not a public "
                                       "address")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refused(target.url, f"its host {target.host!r} resolves to no address")
    return addresses


def allowed(address: IpAddress, *, local: bool = False) -> bool:
    """A global unicast address (or, in the local stage, a loopback one)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if mapped is not None:
            return allowed(mapped, local=local)
    if local and address.is_loopback:
        return True
    # ``is_global`` alone is not enough: this Python calls the IPv4-compatible (::a.b.c.d), IPv4-translated
    # (::ffff:0:a.b.c.d) and local-use NAT64 (64:ff9b:1::/48) forms of 169.254.169.254 global; they are all
    # in a reserved range, as is every other IPv6 block outside 2000::/3 that is not assigned.
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_private
                                      or address.is_link_local or address.is_loopback or address.is_unspecified)


def parse_url(url: str, *, local: bool = False) -> Target:
    """The URL's parts, checked without resolving its host (a delivery resolves it right before it connects)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise _refused(str(url)[:100], f"a URL has 1 to {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise _refused(url, "it contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _refused(url, f"it is not a URL ({exc})") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise _refused(url, "it names no host")
    if parts.username is not None or parts.password is not None:
        raise _refused(url, "it carries a user name or password: put credentials in the path or query")
    if parts.fragment:
        raise _refused(url, "it has a fragment (#…), which is never sent to a server")
    loopback = host in LOOPBACK_NAMES
    if scheme == "http" and local and loopback:
        pass  # the local stage's own receivers
    elif scheme != "https":
        raise _refused(url, "a webhook endpoint must use https")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def _refused(url: str, why: str) -> GatewayError:
    return error("webhook_url_not_allowed", f"webhook endpoint {url!r} is not allowed: {why}")
