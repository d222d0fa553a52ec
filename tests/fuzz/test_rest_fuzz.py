"""Schemathesis against the REST endpoint's OpenAPI document, as the app serves it: valid
(positive) and invalid (negative) parameters, with a valid token. No 5xx, no leaks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.fuzz.conftest import AUTH
from tests.leaks import assert_no_leak

OPENAPI = "/api/schema/openapi.json"
ORDERS = "/api/shop/customers/me/orders"
pytestmark = pytest.mark.slow
FUZZ = settings(
    max_examples=40,  # per mode and backend: 80 per backend, 160 in all
    deadline=None,
    derandomize=True,  # the same examples on every run: no flaky CI
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_strategies: dict[tuple[int, GenerationMode], st.SearchStrategy[Any]] = {}


async def cases(client: httpx.AsyncClient, mode: GenerationMode) -> st.SearchStrategy[Any]:
    """The endpoint's cases, from the document the app serves (loaded once per client)."""
    key = (id(client), mode)
    if key not in _strategies:
        document = (await client.get(OPENAPI)).json()
        operation = schemathesis.openapi.from_dict(document)[ORDERS]["GET"]
        _strategies[key] = operation.as_strategy(generation_mode=mode)
    return _strategies[key]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@FUZZ
@given(data=st.data())
async def test_no_server_errors(
    client: httpx.AsyncClient,
    mine_and_theirs: None,
    fuzz_report: Counter[tuple[str, int]],
    backend: str,
    mode: GenerationMode,
    data: st.DataObject,
) -> None:
    # given a generated request (the token is always valid, to reach the filters)
    case = data.draw(await cases(client, mode))
    request = case.as_transport_kwargs(base_url="http://testserver")
    headers = {**request["headers"], **AUTH}

    # when it is sent
    response = await client.request("GET", ORDERS, params=request["params"], headers=headers)

    # then a clean answer: no 5xx, JSON, nothing internal in it
    fuzz_report[(f"REST {mode} {backend}", response.status_code)] += 1
    assert response.status_code in {200, 400, 404, 406}, (request["params"], response.text)
    assert response.headers["Content-Type"] == "application/json"
    assert_no_leak(response.content)
