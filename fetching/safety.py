"""Which URLs we may connect to: http(s) only, and no internal addresses unless allow-listed.

A target is refused before any connection when its scheme is not http/https or when its
host resolves to a loopback, private, link-local (incl. the 169.254.169.254 cloud metadata
service), shared, reserved, multicast or unspecified address, IPv4 or IPv6. The HTTP client
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


def address_problem(address: IPAddress) -> str | None:
    """Why connecting to `address` is refused by default, or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
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
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchRefused(f"refused: scheme {scheme or '(none)'!r} is not http or https")
    host = (parts.hostname or "").lower()
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
