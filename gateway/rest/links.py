"""`next`/`previous` links as DRF's `LimitOffsetPagination` builds them from Django's
`request.build_absolute_uri()`: every parameter kept, re-encoded sorted by name."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

from starlette.requests import Request

from gateway.http.hosts import requested_host, split_domain_port

# Django's `iri_to_uri`: characters left as they are.
_IRI_SAFE = "/#%[]=:;$&()+,!?*@'~"


def iri_to_uri(iri: str) -> str:
    return quote(iri, safe=_IRI_SAFE)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _first(value: str) -> str:
    return value.split(",", 1)[0].strip()


def _server_host(request: Request, scheme: str) -> str:
    """PEP 333's reconstruction from the server address, when no usable Host came."""
    server = request.scope.get("server")
    if not server:
        return "localhost"
    host, port = server
    return host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"


def absolute_uri(request: Request, path: str, *, trust_proxy: bool) -> str:
    """The request's own URL: scheme and host from the request (or the trusted proxy's
    `X-Forwarded-Proto`/`X-Forwarded-Host`), the raw query decoded as UTF-8.

    A malformed Host never gets here (the legacy door refuses it with Django's 400 page,
    `gateway.rest.door`); without a Host the server's address stands in, as in Django.
    """
    scheme = request.scope.get("scheme", "http")
    if trust_proxy:
        proto = _first(request.headers.get("x-forwarded-proto", "")).lower()
        if proto in _DEFAULT_PORTS:
            scheme = proto
    host = requested_host(request.scope, trust_proxy=trust_proxy)
    if host is None or not split_domain_port(host)[0]:
        host = _server_host(request, scheme)
    query = request.scope.get("query_string", b"").decode("utf-8", errors="replace")
    location = f"{scheme}://{host}{path}"
    if query:
        location += "?" + iri_to_uri(query)
    return iri_to_uri(location)


def replace_query_param(url: str, key: str, value: int) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params[key] = [str(value)]
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def remove_query_param(url: str, key: str) -> str:
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    params.pop(key, None)
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def next_link(url: str, *, limit: int, offset: int, count: int) -> str | None:
    if offset + limit >= count:
        return None
    return replace_query_param(replace_query_param(url, "limit", limit), "offset", offset + limit)


def previous_link(url: str, *, limit: int, offset: int) -> str | None:
    if offset <= 0:
        return None
    url = replace_query_param(url, "limit", limit)
    if offset - limit <= 0:
        return remove_query_param(url, "offset")
    return replace_query_param(url, "offset", offset - limit)
