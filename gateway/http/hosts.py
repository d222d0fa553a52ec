"""The `Host` a request names, judged as Django judges it (`HttpRequest.get_host()`,
`ALLOWED_HOSTS`): shared by the legacy door (which must refuse what the original refused)
and `/graphql` (where `GATEWAY_ALLOWED_HOSTS` closes the door to DNS rebinding).

Django's rules: the host is `domain[:port]`, the domain letters, digits, dots and hyphens
(or a bracketed IPv6 address), compared in lower case, a trailing dot dropped, the port
ignored. A pattern matches its exact domain; `.example.com` matches `example.com` and every
subdomain; `*` matches any valid host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import Scope

# Django's `host_validation_re`.
_HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]+))?")


def split_domain_port(host: str) -> tuple[str, str]:
    """Django's `split_domain_port`: ("", "") for a host that is not valid."""
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return "", ""
    domain, port = match.group(1), match.group(2) or ""
    return domain.removesuffix("."), port


def _same_domain(domain: str, pattern: str) -> bool:
    """Django's `is_same_domain`."""
    pattern = pattern.lower()
    if pattern.startswith("."):
        return domain.endswith(pattern) or domain == pattern[1:]
    return domain == pattern


def host_allowed(host: str | None, allowed: Sequence[str]) -> bool:
    """Whether a request naming `host` may be served (None: no Host header at all, which
    Django replaces by the server's own name). `allowed` empty: any valid host."""
    if host is None:
        return True
    domain, _ = split_domain_port(host)
    if not domain:
        return False
    patterns = allowed or ["*"]
    return any(pattern == "*" or _same_domain(domain, pattern) for pattern in patterns)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value for key, value in scope["headers"] if key == name]
    return b",".join(values).decode("latin-1") if values else None


def requested_host(scope: Scope, *, trust_proxy: bool) -> str | None:
    """The host the client asked for: a trusted proxy's `X-Forwarded-Host` (its first
    entry), else the `Host` header; None when neither was sent."""
    if trust_proxy:
        forwarded = _header(scope, b"x-forwarded-host")
        if forwarded:
            return forwarded.split(",", 1)[0].strip()
    return _header(scope, b"host")
