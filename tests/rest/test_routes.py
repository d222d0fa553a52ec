"""The endpoint's checks in the original's order: negotiation, authentication, method,
filters, search; and the headers every answer carries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.rest import routes
from tests.factories import add_customer
from tests.rest.conftest import AUTH, ORDERS, TOKEN, get

ENDPOINT_HEADERS = {
    "content-type": "application/json",
    "allow": "GET, HEAD, OPTIONS",
    "vary": "Accept",
}
INVALID_CHARACTERS = "Invalid token header. Token string should not contain invalid characters."
OPTIONS_BODY = (
    b'{"name":"Customer Order List","description":"","renders":["application/json",'
    b'"text/html"],"parses":["application/json","application/x-www-form-urlencoded",'
    b'"multipart/form-data"]}'
)


def assert_answer(response: httpx.Response, status: int, body: bytes) -> None:
    assert (response.status_code, response.content) == (status, body)
    for name, value in ENDPOINT_HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Authentication credentials were not provided."),
        (b"", "Authentication credentials were not provided."),
        (b"Basic dXNlcjpwYXNz", "Authentication credentials were not provided."),
        (b"Token", "Invalid token header. No credentials provided."),
        (b"Token a b", "Invalid token header. Token string should not contain spaces."),
        (b"Token \xff\xfe", INVALID_CHARACTERS),
        (b"Token " + b"A" * 40, "Invalid token."),  # keys are case-sensitive
        (b"Token unknown", "Invalid token."),
        (b"Token " + b"c" * 40, "User inactive or deleted."),
    ],
)  # fmt: skip
async def test_authentication_failures(
    client: httpx.AsyncClient, session: AsyncSession, header: bytes | None, detail: str
) -> None:
    # given a customer with a token and an inactive one with another
    await add_customer(session, token=TOKEN)
    await add_customer(session, token="c" * 40, is_active=False)
    await session.commit()
    # when the header is wrong
    headers = [] if header is None else [(b"authorization", header)]
    response = await client.get(ORDERS, headers=headers)
    # then 401 with DRF's message and the challenge
    assert_answer(response, 401, f'{{"detail":"{detail}"}}'.encode())
    assert response.headers["www-authenticate"] == "Token"


@pytest.mark.parametrize(
    "header", [f"Token {TOKEN}", f"token {TOKEN}", f"TOKEN  {TOKEN} ", f"Bearer {TOKEN}"]
)
async def test_token_keyword_case_insensitive_and_bearer(
    client: httpx.AsyncClient, session: AsyncSession, header: str
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    response = await client.get(ORDERS, headers={"Authorization": header})
    assert_answer(response, 200, b'{"count":0,"next":null,"previous":null,"results":[]}')
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"])
async def test_unauthenticated_any_method_is_401(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, ORDERS)
    assert_answer(response, 401, b'{"detail":"Authentication credentials were not provided."}')


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "TRACE"])
async def test_authenticated_other_method_is_405(
    client: httpx.AsyncClient, session: AsyncSession, method: str
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    # invalid filters too: the method is checked first
    response = await client.request(method, f"{ORDERS}?status=bad", headers=AUTH)
    assert_answer(response, 405, f'{{"detail":"Method \\"{method}\\" not allowed."}}'.encode())


async def test_authenticated_options(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    response = await client.options(f"{ORDERS}?status=bad", headers=AUTH)
    assert_answer(response, 200, OPTIONS_BODY)


async def test_head_is_get_without_body(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    got = await client.get(f"{ORDERS}?status=bad", headers=AUTH)
    head = await client.head(f"{ORDERS}?status=bad", headers=AUTH)
    assert_answer(head, 400, b"")
    assert head.headers["content-length"] == str(len(got.content)) == "78"


@pytest.mark.parametrize(
    ("query", "headers", "status", "body"),
    [
        ("format=xml", {}, 404, b'{"detail":"Not found."}'),
        ("format=json&format=xml", {}, 404, b'{"detail":"Not found."}'),
        ("format=xml", {"Accept": "application/xml"}, 404, b'{"detail":"Not found."}'),
        ("", {"Accept": "application/xml"}, 406,
         b'{"detail":"Could not satisfy the request Accept header."}'),
        ("format=json", {"Accept": "text/html"}, 406,
         b'{"detail":"Could not satisfy the request Accept header."}'),
        ("format=xml&format=json", {}, 401,
         b'{"detail":"Authentication credentials were not provided."}'),
        ("format=", {}, 401, b'{"detail":"Authentication credentials were not provided."}'),
    ],
)  # fmt: skip
async def test_negotiation_before_authentication(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], status: int, body: bytes
) -> None:
    response = await client.get(f"{ORDERS}?{query}", headers=headers)
    assert_answer(response, status, body)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("format=json", None),
        ("format=", None),
        ("format=api", None),  # the browsable API: JSON here (deliberate difference 1)
        ("", "text/html"),
        ("", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("", "application/json"),
    ],
)
async def test_json_for_every_accepted_renderer(
    client: httpx.AsyncClient, session: AsyncSession, query: str, accept: str | None
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    headers = {**AUTH, **({"Accept": accept} if accept else {})}
    response = await client.get(f"{ORDERS}?{query}", headers=headers)
    assert_answer(response, 200, b'{"count":0,"next":null,"previous":null,"results":[]}')


@pytest.mark.parametrize(
    ("accept", "body"),
    [
        ("application/json; indent=4", b'{\n    "detail": "Method \\"POST\\" not allowed."\n}'),
        ("*/*; indent=2", b'{\n  "detail": "Method \\"POST\\" not allowed."\n}'),
        ("application/json; indent=0", b'{"detail":"Method \\"POST\\" not allowed."}'),
        ("application/json; indent=x", b'{"detail":"Method \\"POST\\" not allowed."}'),
    ],
)
async def test_indent_applies_to_every_negotiated_answer(
    client: httpx.AsyncClient, session: AsyncSession, accept: str, body: bytes
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    response = await client.post(ORDERS, headers={**AUTH, "Accept": accept})
    assert_answer(response, 405, body)


async def test_indented_page(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    response = await get(client, "", Accept="application/json; indent=9")
    assert response.content == (
        b'{\n        "count": 0,\n        "next": null,\n        "previous": null,\n'
        b'        "results": []\n}'
    )


async def test_filter_errors_before_search_errors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    both = await get(client, "search=a%00&id_min=x")
    assert_answer(both, 400, b'{"id_min":["Enter a number."]}')
    search_only = await get(client, "search=a%00")
    assert_answer(search_only, 400, b'["Null characters are not allowed."]')


async def test_all_filter_errors_in_spec_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await add_customer(session, token=TOKEN)
    await session.commit()
    query = (
        "updated_to=x&created_date=2024-13-01&id_max=NaN&has_notes=x&billing_city_in=a"
        "&status_in=%00&billing_city=9&billing_state=abc&billing_country=1.0"
        "&shipping_method=0&payment_method=%00&status=New"
    )
    response = await get(client, query)
    assert_answer(
        response,
        400,
        b'{"status":["Select a valid choice. New is not one of the available choices."],'
        b'"payment_method":["Null characters are not allowed."],'
        b'"shipping_method":["Select a valid choice. That choice is not one of the available '
        b'choices."],'
        b'"billing_country":["Select a valid choice. That choice is not one of the available '
        b'choices."],'
        b'"billing_state":["Select a valid choice. That choice is not one of the available '
        b'choices."],'
        b'"billing_city":["Select a valid choice. That choice is not one of the available '
        b'choices."],'
        b'"status_in":["Null characters are not allowed."],'
        b'"billing_city_in":["Enter a number."],'
        b'"id_max":["Enter a number."],'
        b'"created_date":["Enter a valid date."],'
        b'"updated_to":["Enter a valid date."]}',
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{ORDERS}/"),
        ("GET", "/api/shop/customers/me"),
        ("POST", "/api/anything/else"),
        ("GET", "/api/"),
    ],
)
async def test_other_paths_under_api_are_json_404(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=AUTH)
    assert (response.status_code, response.content) == (404, b'{"detail":"Not found."}')
    assert response.headers["content-type"] == "application/json"


async def test_unexpected_failure_is_masked(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a database failure while reading the page
    await add_customer(session, token=TOKEN)
    await session.commit()

    async def broken(*args: Any) -> int:
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(routes, "fetch_page", broken)
    # when the endpoint answers
    response = await get(client)
    # then a JSON 500 with a request id, and nothing of the failure
    assert (response.status_code, response.content) == (
        500,
        b'{"detail":"A server error occurred."}',
    )
    assert response.headers["content-type"] == "application/json"
    assert len(response.headers["x-request-id"]) == 32
