"""The legacy door's last differences from the original (`../spec/rest.md`, the wire-format
bullet on security headers and "Request-level refusals"): Django's security headers on every
answer, its 400 page for more than 1,000 query fields and for a malformed or disallowed
`Host`, before authentication."""

from __future__ import annotations

import httpx
import pytest

from gateway.http.hosts import host_allowed, split_domain_port
from gateway.settings import Settings
from tests.app_client import serve
from tests.rest.conftest import AUTH, ORDERS

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}
# rest.md, "Request-level refusals": Django's 400 page, 143 bytes (Django's template starts
# with a line break, which the spec's quoted text leaves out but its byte count includes).
BAD_REQUEST_PAGE = (
    b'\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n'
    b"</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n"
)


def security_headers(response: httpx.Response) -> dict[str, str]:
    names = ("x-frame-options", "x-content-type-options", "referrer-policy",
             "cross-origin-opener-policy")  # fmt: skip
    return {name: response.headers[name] for name in names if name in response.headers}


def test_the_page_is_the_143_bytes_of_the_spec():
    assert len(BAD_REQUEST_PAGE) == 143


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", ORDERS, AUTH, 200),
        ("GET", f"{ORDERS}?status=nope", AUTH, 400),
        ("GET", ORDERS, {}, 401),
        ("POST", ORDERS, AUTH, 405),
        ("GET", ORDERS, {**AUTH, "Accept": "text/csv"}, 406),
        ("GET", f"{ORDERS}?format=xml", AUTH, 404),
        ("OPTIONS", ORDERS, AUTH, 200),
        ("HEAD", ORDERS, AUTH, 200),
        ("GET", "/api/shop/customers/me/orders/", AUTH, 404),
        ("GET", "/api/schema/openapi.json", {}, 200),
    ],
)
async def test_every_answer_under_api_carries_the_security_headers(
    client: httpx.AsyncClient,
    three_orders: object,
    method: str,
    path: str,
    headers: dict,
    status: int,
):
    response = await client.request(method, path, headers=headers)

    assert response.status_code == status
    assert security_headers(response) == SECURITY_HEADERS


async def test_other_paths_do_not_get_them(client: httpx.AsyncClient):
    response = await client.get("/healthz")

    assert security_headers(response) == {}


@pytest.mark.parametrize("fields", [1001, 1500])
async def test_more_than_1000_query_fields_is_django_400_page_before_authentication(
    client: httpx.AsyncClient, fields: int
):
    # Given 1,001 fields (counted as parse_qsl counts: 1 + the number of "&"), no token
    query = "&".join(["x=1"] * fields)

    response = await client.get(f"{ORDERS}?{query}")

    assert response.status_code == 400
    assert response.content == BAD_REQUEST_PAGE
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert security_headers(response) == SECURITY_HEADERS
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    "query",
    ["&".join(["x=1"] * 1000), "&" * 999, "a" * 5000],
    ids=["1000 fields", "1000 empty fields", "one long field"],
)
async def test_up_to_1000_fields_are_read_as_usual(
    client: httpx.AsyncClient, three_orders: object, query: str
):
    response = await client.get(f"{ORDERS}?{query}", headers=AUTH)

    assert response.status_code == 200


async def test_1001_empty_fields_count_too(client: httpx.AsyncClient):
    response = await client.get(f"{ORDERS}?{'&' * 1000}", headers=AUTH)

    assert (response.status_code, response.content) == (400, BAD_REQUEST_PAGE)


@pytest.mark.parametrize("host", ["shop_api:8000", "a b", "", "shop.example:http", "[bad", "x/y"])
async def test_a_malformed_host_is_django_400_page_before_authentication(
    client: httpx.AsyncClient, host: str
):
    response = await client.get(ORDERS, headers={"Host": host})

    assert response.status_code == 400
    assert response.content == BAD_REQUEST_PAGE
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    # the security headers except X-Frame-Options
    assert security_headers(response) == {
        name: value for name, value in SECURITY_HEADERS.items() if name != "x-frame-options"
    }


@pytest.mark.parametrize(
    "host", ["shop.example", "SHOP.example:8000", "127.0.0.1:8000", "[::1]:8000", "shop.example."]
)
async def test_a_valid_host_is_served(client: httpx.AsyncClient, three_orders: object, host: str):
    response = await client.get(ORDERS, headers={**AUTH, "Host": host})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("api.shop.example", 200),
        ("API.SHOP.EXAMPLE:443", 200),
        ("shop.example", 200),
        ("m.shop.example", 200),
        ("evil.example", 400),
        ("shop.example.evil", 400),
        ("xshop.example", 400),
    ],
)
async def test_allowed_hosts_with_django_semantics(
    settings: Settings, engine: object, three_orders: object, host: str, status: int
):
    async with serve(settings, allowed_hosts="api.shop.example,.shop.example") as served:
        response = await served.client.get(ORDERS, headers={**AUTH, "Host": host})

    assert response.status_code == status
    if status == 400:
        assert response.content == BAD_REQUEST_PAGE
        assert "x-frame-options" not in response.headers


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("Example.COM:8000", ("example.com", "8000")),
        ("example.com.", ("example.com", "")),
        ("[::1]:80", ("[::1]", "80")),
        ("shop_api:8000", ("", "")),
        ("a b", ("", "")),
        ("", ("", "")),
        ("example.com:", ("", "")),
        ("ëxample.com", ("", "")),
    ],
)
def test_split_domain_port_is_djangos(host, expected):
    assert split_domain_port(host) == expected


@pytest.mark.parametrize(
    ("host", "allowed", "result"),
    [
        (None, ["shop.example"], True),  # no Host: the server's own name stands in
        ("anything.example", [], True),
        ("anything.example", ["*"], True),
        ("shop_api", [], False),
        ("shop.example", ["SHOP.EXAMPLE"], True),
        ("a.b.shop.example", [".shop.example"], True),
        ("shop.example", [".shop.example"], True),
        ("hop.example", [".shop.example"], False),
        ("shop.example", ["shop.example."], False),  # Django does not strip the pattern's dot
    ],
)
def test_host_allowed_is_djangos(host, allowed, result):
    assert host_allowed(host, allowed) is result
