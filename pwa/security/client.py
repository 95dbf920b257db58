"""The client's address: from the socket, or from X-Forwarded-For only when the
peer is a configured trusted proxy (DESIGN §5)."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.types import Scope


def client_address(scope: Scope, trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = ""
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded = f"{forwarded},{value.decode('latin-1')}" if forwarded else value.decode("latin-1")
    # Walk from the right: the first hop that is not a trusted proxy is the client.
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop if _valid(hop) else peer
    return hops[0] if hops and _valid(hops[0]) else peer


FORWARDED = (b"x-forwarded-for", b"x-forwarded-proto", b"forwarded")


def forwarded_scheme(scope: Scope, trusted: tuple[IPv4Network | IPv6Network, ...]) -> str | None:
    """The scheme the browser used, from X-Forwarded-Proto, only when the peer is a
    trusted proxy (http or https; anything else is ignored)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not trusted or not _is_trusted(peer, trusted):
        return None
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[0].strip().lower()
            return proto if proto in ("http", "https") else None
    return None


def untrusted_forwarder(scope: Scope, trusted: tuple[IPv4Network | IPv6Network, ...]) -> str | None:
    """The peer's address when it sent forwarding headers without being trusted
    (a proxy missing from SESAME_TRUSTED_PROXIES, or a client lying): for the log."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if trusted and _is_trusted(peer, trusted):
        return None
    if any(name in FORWARDED for name, _ in scope.get("headers", [])):
        return peer
    return None


def _valid(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(value: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        address = ip_address(value)
    except ValueError:
        return False
    return any(address in net for net in trusted)
