"""Which URLs we may connect to: http(s) only, and no internal addresses unless allow-listed.

A target is refused before any connection when its scheme is not http/https or when its
host resolves to a loopback, private, link-local (incl. the 169.254.169.254 cloud metadata
service), shared, reserved, multicast or unspecified address, IPv4 or IPv6, including an
IPv6 address that embeds such an IPv4 one (IPv4-mapped or -compatible, 6to4, Teredo, NAT64),
and when the URL cannot be parsed. The HTTP client
checks every redirect hop again. `allow_hosts` (config or NEWSCORPUS_FETCH_ALLOW_HOSTS) opens
named hosts, addresses or networks such as `127.0.0.1` or `10.0.0.0/8` for local testing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class FetchRefused(Exception):
    """The URL is not fetched for safety; the message is the recorded reason."""


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (A and AAAA)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchRefused(f"cannot resolve host {host!r}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


NAT64_PREFIXES = (
    ipaddress.ip_network("64:ff9b::/96"),  # well-known prefix (RFC 6052)
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use prefix (RFC 8215)
)
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped (::ffff:a.b.c.d),
    IPv4-compatible (::a.b.c.d), 6to4 (2002::/16), Teredo (2001::/32, server and client) and
    NAT64 (64:ff9b::/96, 64:ff9b:1::/48, the last 32 bits)."""
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address in IPV4_COMPATIBLE and int(address) > 1:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if any(address in prefix for prefix in NAT64_PREFIXES):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def address_problem(address: IPAddress) -> str | None:
    """Why connecting to `address` is refused by default, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in embedded_ipv4(address):
            if problem := address_problem(inner):
                return f"{problem} embedded in IPv6 ({inner})"
    if address in METADATA_ADDRESSES:
        return "the cloud metadata address"
    for label, flagged in (
        ("a loopback", address.is_loopback),
        ("an unspecified", address.is_unspecified),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
        ("a non-global", not address.is_global),
    ):
        if flagged:
            return f"{label} address"
    return None


class AllowList:
    """Host names, addresses and networks that are reachable even though they are internal."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            entry = entry.strip().lower().strip("[]")
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry.rstrip("."))

    def allows_name(self, host: str) -> bool:
        return host.rstrip(".") in self.names

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def check_url(url: str, allow: AllowList, resolver: Resolver = resolve_host) -> list[str]:
    """Raise FetchRefused unless `url` may be fetched. Returns the checked addresses to connect
    to, in resolver order (so a second DNS answer cannot differ), or [] for a host
    allow-listed by name (connected to by name)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:
        raise FetchRefused(f"refused: malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchRefused(f"refused: scheme {scheme or '(none)'!r} is not http or https")
    host = (hostname or "").lower()
    if not host:
        raise FetchRefused("refused: the URL has no host")
    if allow.allows_name(host):
        return []
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise FetchRefused(f"refused: bad port in URL: {exc}") from exc
    addresses = [ipaddress.ip_address(text.split("%", 1)[0]) for text in resolver(host, port)]
    if not addresses:
        raise FetchRefused(f"cannot resolve host {host!r}: no addresses")
    for address in addresses:
        problem = address_problem(address)
        if problem and not allow.allows_address(address):
            raise FetchRefused(
                f"refused: {host} resolves to {problem} ({address}); "
                "add it to the fetch allow-list to fetch it"
            )
    return [str(address) for address in addresses]
