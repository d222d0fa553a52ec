"""`under`: a path is a prefix or below it, never merely starting with its letters."""

from __future__ import annotations

import pytest

from gateway.http.paths import under


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/graphql", True),
        ("/graphql/static/app.js", True),
        ("/graphqlx", False),
        ("/api", True),
        ("/api/shop/customers/me/orders", True),
        ("/apis", False),
        ("/healthz", False),
    ],
)
def test_under(path: str, expected: bool) -> None:
    assert under(path, ("/api", "/graphql")) is expected
