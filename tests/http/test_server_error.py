from __future__ import annotations

from starlette.requests import Request

from gateway.http.server_error import server_error


async def test_the_500_body_says_nothing_internal() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    response = await server_error(request, RuntimeError("connection string with a password"))
    assert response.status_code == 500
    assert response.body == b'{"detail":"A server error occurred."}'
    assert response.headers["content-type"] == "application/json"
