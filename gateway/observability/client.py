"""The client address a request is logged with."""

from __future__ import annotations

import ipaddress

from starlette.types import Scope


def client_address(scope: Scope, *, trust_proxy: bool) -> str | None:
    """The peer's address; behind a trusted proxy, the last `X-Forwarded-For` entry (of the
    last such header).

    The last entry is the address our own proxy saw and appended; entries before it were sent
    by the client and could say anything. A last entry that is not an IP address is ignored.
    """
    if trust_proxy:
        forwarded = [
            value for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"
        ]
        if forwarded:
            last = forwarded[-1].decode("latin-1").rsplit(",", 1)[-1].strip()
            try:
                return str(ipaddress.ip_address(last))
            except ValueError:
                pass  # a proxy that writes garbage: fall back to the peer we see
    peer = scope.get("client")
    return str(peer[0]) if peer else None
