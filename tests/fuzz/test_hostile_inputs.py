"""A corpus of hostile inputs for both doors: huge strings, NUL bytes, deep nesting, invalid
UTF-8 (query string and body), enormous numbers, huge pages, 10k aliases, non-ASCII headers.
Each gets a clean, exact answer (no 5xx), and nothing internal shows in any body."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from tests.fuzz.conftest import AUTH, TOKEN, raw_get
from tests.leaks import assert_no_leak
from tests.sql_counter import count_statements

ORDERS = "/api/shop/customers/me/orders"
MY_ORDERS = (
    "query ($search: String, $first: Int) "
    "{ myOrders(search: $search, first: $first) { totalCount } }"
)


AUTH_BYTES = f"Token {TOKEN}".encode()


def url(path: str, raw_query: bytes) -> httpx.URL:
    """A URL whose query string is sent byte for byte (httpx would re-encode a str)."""
    return httpx.URL(f"http://testserver{path}", query=raw_query)


REST_CORPUS: list[tuple[str, dict[str, Any], int]] = [
    ("huge search", {"params": {"search": "ü" * 10_000}}, 200),
    ("NUL in search", {"params": {"search": "a\x00b"}}, 400),
    ("NUL in status_in", {"params": {"status_in": "new,\x00"}}, 400),
    ("NUL in key-like search", {"params": {"search": "\x00" * 1000}}, 400),
    ("invalid UTF-8 escaped", {"url": url(ORDERS, b"search=%ff%fe%80")}, 200),
    ("enormous id_min", {"params": {"id_min": "9" * 400}}, 400),
    ("1e400 in a list", {"params": {"payment_method_in": "-1e400,1e400"}}, 400),
    ("enormous limit and offset", {"params": {"limit": "9" * 300, "offset": "9" * 300}}, 200),
    ("NaN and Infinity", {"params": {"id_max": "NaN", "id_min": "-Infinity"}}, 400),
    ("ten thousand commas", {"params": {"ordering": "," * 10_000, "status_in": "," * 10_000}}, 200),
    ("deeply nested-looking search", {"params": {"search": '"' * 5000 + "(" * 5000}}, 200),
    ("unicode digits", {"params": {"limit": "١٠", "offset": "²"}}, 200),
    ("surrogate escapes", {"url": url(ORDERS, b"search=%ed%a0%80")}, 200),
]


@pytest.mark.parametrize(("request_kwargs", "status"), [(k, s) for _, k, s in REST_CORPUS],
                         ids=[name for name, _, _ in REST_CORPUS])  # fmt: skip
async def test_rest_answers_hostile_input_cleanly(
    client: httpx.AsyncClient, mine_and_theirs: None, request_kwargs: dict[str, Any], status: int
) -> None:
    target = request_kwargs.get("url", ORDERS)
    response = await client.get(target, params=request_kwargs.get("params"), headers=AUTH)

    assert (response.status_code, response.headers["Content-Type"]) == (status, "application/json")
    assert_no_leak(response.content)


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token ñandú".encode(), "Invalid token."),
        (
            b"Token \xff\xfe",
            "Invalid token header. Token string should not contain invalid characters.",
        ),
        (b"Token " + "日本".encode(), "Invalid token."),
        (b"Token " + b"a" * 100_000, "Invalid token."),
    ],
    ids=["latin-1", "invalid UTF-8", "CJK", "100k key"],
)
async def test_rest_refuses_hostile_tokens_with_401(
    client: httpx.AsyncClient, mine_and_theirs: None, header: bytes, detail: str
) -> None:
    response = await client.get(ORDERS, headers={"Authorization": header})

    assert (response.status_code, response.json()) == (401, {"detail": detail})


@pytest.mark.parametrize(
    ("path", "query_string"),
    [
        (ORDERS, b"search=\xff\xfe&status=\xc3"),
        (ORDERS, b"search=\xed\xa0\x80\x00"),
        ("/graphql", b"query={ me \xff { id } }"),
    ],
    ids=["REST", "REST surrogate and NUL", "GraphQL"],
)
async def test_raw_invalid_utf8_in_the_query_string_is_answered_cleanly(
    app: Starlette, mine_and_theirs: None, path: str, query_string: bytes
) -> None:
    response = await raw_get(app, path, query_string, {b"authorization": AUTH_BYTES})

    assert response.status < 500
    assert response.headers["content-type"] == "application/json"
    assert_no_leak(response.body)


async def test_rest_refuses_a_large_body_with_413(
    client: httpx.AsyncClient, mine_and_theirs: None
) -> None:
    response = await client.request("GET", ORDERS, content=b"x" * 100_000, headers=AUTH)

    assert response.status_code == 413
    assert response.json() == {"detail": "Request body exceeds the limit of 65536 bytes."}
    assert (response.headers["Allow"], response.headers["Vary"]) == ("GET, HEAD, OPTIONS", "Accept")


def post(document: str, **variables: Any) -> dict[str, Any]:
    return {"json": {"query": document, "variables": variables}}


def deeply_nested(levels: int) -> str:
    return "{ me " + "{ id " * levels + "}" * levels + " }"


GRAPHQL_CORPUS: list[tuple[str, dict[str, Any], int, list[str | None]]] = [
    ("huge string", post(MY_ORDERS, search="ü" * 20_000), 200, []),
    ("NUL bytes", post(MY_ORDERS, search="a\x00b\x00"), 200, ["BAD_USER_INPUT"]),
    ("NUL in the document", post('{ myOrders(search: "\\u0000") { totalCount } }'), 200,
     ["BAD_USER_INPUT"]),
    ("NUL in a key", post('{ myOrder(key: "k\\u0000") { key } }'), 200, ["BAD_USER_INPUT"]),
    ("huge first", post(MY_ORDERS, first=1_000_000), 200, ["BAD_USER_INPUT"]),
    ("enormous first", post(MY_ORDERS, first=10**30), 200, ["BAD_USER_INPUT"]),
    ("enormous literal", post("{ myOrders(first: 99999999999999999999) { totalCount } }"), 200,
     ["GRAPHQL_VALIDATION_FAILED"]),
    # graphql-core's parser stops at its own nesting guard, long before the depth limit
    ("deep nesting", post(deeply_nested(5000)), 200, ["GRAPHQL_PARSE_FAILED"]),
    ("10k aliases via POST", post("{ " + " ".join(f"a{n}: me {{ id }}" for n in range(10_000))
                                  + " }"), 413, ["QUERY_TOO_COMPLEX"]),
    ("deeply nested JSON", {"content": b'{"query": "{ me { id } }", "variables": '
                            + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
                            "headers": {"Content-Type": "application/json"}}, 400, ["BAD_REQUEST"]),
    ("invalid UTF-8 body", {"content": b'{"query": "{ me { id } }\xff\xfe"}',
                            "headers": {"Content-Type": "application/json"}}, 400, ["BAD_REQUEST"]),
    ("invalid UTF-8 query string", {"url": url("/graphql", b"query=%7B+me+%7B+id+%7D+%7D%ff")}, 200,
     ["GRAPHQL_PARSE_FAILED"]),
    ("variables not an object", {"json": {"query": "{ me { id } }", "variables": [1, 2]}}, 400,
     ["BAD_REQUEST"]),
    ("query not a string", {"json": {"query": {"a": 1}}}, 400, ["BAD_REQUEST"]),
    ("1e400 variable", {"content": b'{"query": "query ($f: Int) { myOrders(first: $f) '
                        b'{ totalCount } }", "variables": {"f": 1e400}}',
                        "headers": {"Content-Type": "application/json"}}, 400, ["BAD_REQUEST"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_kwargs", "status", "codes"),
    [(k, s, c) for _, k, s, c in GRAPHQL_CORPUS],
    ids=[name for name, *_ in GRAPHQL_CORPUS],
)
async def test_graphql_answers_hostile_input_cleanly(
    client: httpx.AsyncClient,
    mine_and_theirs: None,
    request_kwargs: dict[str, Any],
    status: int,
    codes: list[str | None],
) -> None:
    kwargs = dict(request_kwargs)
    target = kwargs.pop("url", "/graphql")
    headers = {**AUTH, **kwargs.pop("headers", {})}
    method = "GET" if "params" in kwargs or "url" in request_kwargs else "POST"

    response = await client.request(method, target, headers=headers, **kwargs)

    assert response.status_code == status, response.text[:500]
    assert_no_leak(response.content)
    if response.headers["Content-Type"] == "application/json":
        errors = response.json().get("errors", [])
        assert [e.get("extensions", {}).get("code") for e in errors] == codes


async def test_graphql_refuses_non_ascii_tokens(
    client: httpx.AsyncClient, mine_and_theirs: None
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": "Token ñandú".encode() + TOKEN.encode()},
    )

    assert response.status_code == 200
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def test_ten_thousand_aliases_in_a_get_are_refused_before_running(
    app: Starlette, mine_and_theirs: None
) -> None:
    # given 10k aliases in a GET query string (no body, so no body limit)
    document = "{ " + " ".join(f"a{n}: me {{ id }}" for n in range(10_000)) + " }"
    query_string = urlencode({"query": document}).encode()

    # when it is sent
    with count_statements() as log:
        response = await raw_get(app, "/graphql", query_string, {b"authorization": AUTH_BYTES})

    # then the parser stopped at the token limit: nothing ran
    assert response.status == 200
    assert orjson.loads(response.body) == {
        "errors": [
            {
                "message": "Query token count 60002 exceeds the limit of 1000.",
                "locations": [{"line": 1, "column": 2558}],
                "extensions": {"code": "QUERY_TOO_COMPLEX"},
            }
        ],
        "extensions": {"cost": {"requestedQueryCost": 0, "actualQueryCost": 0}},
    }
    assert log.statements == []
