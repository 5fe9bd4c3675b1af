"""Where a webhook may go (chalicelib.delivery.targets): https to public addresses only, checked twice.

The resolver is the test's: each case says what the host resolves to, as getaddrinfo would answer.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from chalicelib.delivery.targets import allowed, check_url, deliverable_addresses
from chalicelib.errors import GatewayError

PUBLIC = "93.184.216.34"


def resolving(*addresses: str) -> Callable[..., Sequence[tuple[Any, ...]]]:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    return resolve


def refused(url: str, *addresses: str, local: bool = False) -> str:
    with pytest.raises(GatewayError) as caught:
        check_url(url, local=local, resolve=resolving(*(addresses or (PUBLIC,))))
    assert caught.value.code == "webhook_url_not_allowed"
    assert caught.value.user_facing_message  # what the SaaS's own user sees names no address
    assert "169.254" not in caught.value.user_facing_message
    return caught.value.message


def test_an_https_url_of_a_public_host_is_a_target() -> None:
    target = check_url("https://Hooks.Example.com:8443/qbd/events?k=1", resolve=resolving(PUBLIC))
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443,
                                                                      "/qbd/events?k=1")
    assert check_url("https://hooks.example.com", resolve=resolving(PUBLIC)).path == "/"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.7", "172.16.4.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",  # noqa: S104
    "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
    "64:ff9b::a00:1", "2002:a00:1::", "::",
])
def test_a_host_that_resolves_to_a_non_public_address_is_refused(address: str) -> None:
    # GIVEN a name whose DNS answer is internal (the metadata service, a VPC, loopback, their IPv6 forms)
    assert "not a public address" in refused("https://evil.example.com/hook", address)


@pytest.mark.parametrize("address", [
    "::a9fe:a9fe", "::7f00:1", "::ffff:0:a9fe:a9fe", "64:ff9b:1::a9fe:a9fe", "100::1", "2001:db8::1",
])
def test_an_ipv6_form_that_embeds_an_internal_ipv4_address_or_is_reserved_is_refused(address: str) -> None:
    # GIVEN an IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d) or local-use NAT64
    # (64:ff9b:1::/48) form of the metadata service or loopback, or another reserved IPv6 range, which
    # ipaddress calls "global" on this Python / THEN it is refused, as a literal and as a DNS answer
    assert "not a public address" in refused("https://evil.example.com/hook", address)
    assert "not a public address" in refused(f"https://[{address}]/latest/meta-data", address)


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    assert "10.1.2.3" in refused("https://mixed.example.com/", PUBLIC, "10.1.2.3")


@pytest.mark.parametrize("url", ["https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest/meta-data"])
def test_an_ip_literal_is_judged_like_a_resolved_name(url: str) -> None:
    host = url.split("//")[1].split("/")[0].strip("[]")
    refused(url, host)


@pytest.mark.parametrize(("url", "why"), [
    ("http://hooks.example.com/", "must use https"),
    ("ftp://hooks.example.com/", "must use https"),
    ("https://user:pw@hooks.example.com/", "user name or password"),
    ("https://hooks.example.com/#frag", "fragment"),
    ("https:///nohost", "names no host"),
    ("https://hooks.example.com/a b", "spaces"),
    ("https://hooks.example.com:99999/", "not a URL"),
    ("https://hooks.example.com/" + "a" * 2048, "2048 characters"),
    ("", "2048 characters"),
])
def test_what_is_not_a_plain_https_url_is_refused(url: str, why: str) -> None:
    assert why in refused(url)


def test_a_host_that_does_not_resolve_is_refused() -> None:
    def fails(*_: Any, **__: Any) -> list[tuple[Any, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(GatewayError, match="does not resolve"):
        check_url("https://nowhere.invalid/", resolve=fails)


def test_the_local_stage_may_name_its_own_loopback_receivers_and_nothing_else_internal() -> None:
    assert check_url("http://127.0.0.1:8765/hook", local=True, resolve=resolving("127.0.0.1")).port == 8765
    assert check_url("http://localhost:8765/hook", local=True, resolve=resolving("::1")).host == "localhost"
    refused("http://10.0.0.1/hook", "10.0.0.1", local=True)  # http only for loopback names
    refused("https://meta.example.com/", "169.254.169.254", local=True)  # link-local never
    refused("http://127.0.0.1:8765/hook", "127.0.0.1")  # outside the local stage: no loopback


def test_every_delivery_resolves_again_and_refuses_a_rebound_name() -> None:
    # GIVEN an endpoint registered while its name pointed at a public address
    target = check_url("https://rebind.example.com/hook", resolve=resolving(PUBLIC))
    # WHEN, at delivery, the name now points at the metadata service  THEN the delivery is refused
    assert deliverable_addresses(target, resolve=resolving(PUBLIC)) == [ipaddress.ip_address(PUBLIC)]
    with pytest.raises(GatewayError, match=r"169\.254\.169\.254"):
        deliverable_addresses(target, resolve=resolving("169.254.169.254"))


def test_global_unicast_addresses_are_allowed() -> None:
    for text in (PUBLIC, "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert allowed(ipaddress.ip_address(text)), text
