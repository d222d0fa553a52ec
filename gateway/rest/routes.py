"""The legacy endpoint `GET /api/shop/customers/me/orders`, answering as the original DRF
view does, check by check: content negotiation, authentication, throttling (with
`GATEWAY_RATE_LIMIT`), method, filter validation, search validation, then the page.

Every answer carries `Content-Type: application/json`, `Allow` and `Vary`; once the request
is counted against a rate limit, the `RateLimit-Policy` and `RateLimit` fields too. Over the
limit: 429 with DRF's throttled body and `Retry-After`, as DRF's `check_throttles` answers
after authentication and before the method is looked at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import Receive, Scope, Send

from gateway.auth import customer_for_token, token_from_header
from gateway.db.core import Reader
from gateway.errors import AuthenticationFailed
from gateway.observability import context as observed
from gateway.orders import (
    FILTERS,
    OrderQuery,
    Window,
    fetch_page,
    reference_exists,
    split_search_terms,
)
from gateway.orders.records import CustomerRecord
from gateway.rest import links
from gateway.rest.negotiation import (
    RENDERERS,
    NotAcceptable,
    UnknownFormat,
    indent_for,
    select_media_type,
)
from gateway.rest.openapi import openapi_document
from gateway.rest.params import (
    INVALID_REFERENCE,
    InvalidValue,
    ParsedFilters,
    ordering_keys,
    page_window,
    parse_filters,
    parse_query_string,
    search_value,
)
from gateway.rest.render import customer_item, order_item, render_json
from gateway.settings import Settings
from gateway.throttling.answers import RATE_LIMITED, ratelimit_fields, throttled_message
from gateway.throttling.limiter import RequestLimit

ORDERS_PATH = "/api/shop/customers/me/orders"
OPENAPI_PATH = "/api/schema/openapi.json"
NOT_FOUND = {"detail": "Not found."}
NOT_ACCEPTABLE = {"detail": "Could not satisfy the request Accept header."}
# DRF's SimpleMetadata for the original view. DRF derives the name from the view's class
# name and the description from its docstring; both are inferred, not observed.
OPTIONS_METADATA = {
    "name": "Customer Order List",
    "description": "",
    "renders": [renderer.media_type for renderer in RENDERERS],
    "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
}
ENDPOINT_HEADERS = {"Allow": "GET, HEAD, OPTIONS", "Vary": "Accept"}
_REFERENCES = {spec.name: spec.reference for spec in FILTERS}


def _header(request: Request, name: bytes) -> bytes | None:
    """A request header's raw bytes, repeated headers joined with `,` (as Django sees them)."""
    values = [value for key, value in request.scope["headers"] if key.lower() == name]
    return b",".join(values) if values else None


def json_response(
    request: Request,
    status: int,
    data: Any,
    *,
    indent: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON answer; HEAD gets the headers (with the body's length) and no body."""
    body = render_json(data, indent)
    all_headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    all_headers.update(headers or {})
    content = b"" if request.method.upper() == "HEAD" else body
    return Response(content, status_code=status, headers=all_headers)


async def customer_orders(request: Request) -> Response:
    """The endpoint. Unexpected failures propagate to the app's handler (masked JSON 500
    with the request id, traceback logged)."""
    settings: Settings = request.app.state.settings
    params = parse_query_string(request.scope["query_string"])
    accept = _header(request, b"accept")
    try:
        _, media_type = select_media_type(
            params.get("format"), None if accept is None else accept.decode("latin-1")
        )
    except UnknownFormat:
        return json_response(request, 404, NOT_FOUND, headers=ENDPOINT_HEADERS)
    except NotAcceptable:
        return json_response(request, 406, NOT_ACCEPTABLE, headers=ENDPOINT_HEADERS)
    indent = indent_for(media_type)
    rate_fields: dict[str, str] = {}  # once the customer's request is counted

    def answer(status: int, data: Any, **extra: str) -> Response:
        headers = {**ENDPOINT_HEADERS, **rate_fields, **extra}
        return json_response(request, status, data, indent=indent, headers=headers)

    async with request.app.state.database.connect() as connection:
        try:
            token = token_from_header(_header(request, b"authorization"))
            customer = await customer_for_token(connection, token)
            observed.set_customer_id(customer.id)
        except AuthenticationFailed as exc:
            return answer(401, {"detail": str(exc)}, **{"WWW-Authenticate": "Token"})
        limit: RequestLimit | None = request.app.state.throttles.requests
        if limit is not None:
            verdict = await limit.hit(customer.id)
            rate_fields.update(ratelimit_fields([(limit, verdict)]))
            if not verdict.allowed:
                observed.set_error_code(RATE_LIMITED)
                wait = verdict.retry_after or 1
                message = throttled_message(wait)
                return answer(429, {"detail": message}, **{"Retry-After": str(wait)})
        method = request.method.upper()
        if method == "OPTIONS":
            return answer(200, OPTIONS_METADATA)
        if method not in ("GET", "HEAD"):
            return answer(405, {"detail": f'Method "{method}" not allowed.'})

        filters = parse_filters(params)
        await _check_references(connection, filters)
        if filters.errors:
            return answer(400, filters.error_body())
        try:
            search = search_value(params)
        except InvalidValue as exc:
            return answer(400, [str(exc)])
        query = OrderQuery(
            customer_id=customer.id,
            filter=filters.order_filter(),
            search=tuple(split_search_terms(search)),
            ordering=ordering_keys(params),
            zone=settings.zone,
            stored_totals=request.app.state.database.stored_totals,
            search_indexes=request.app.state.database.search_indexes,
        )
        page = await _page(request, connection, query, params, customer, settings)
    return answer(200, page)


async def _check_references(reader: Reader, filters: ParsedFilters) -> None:
    """ModelChoiceField's lookup: a single-id filter must name an existing row."""
    for name, row_id in filters.references.items():
        if not await reference_exists(reader, _REFERENCES[name], row_id):
            filters.errors[name] = INVALID_REFERENCE


async def _page(
    request: Request,
    reader: Reader,
    query: OrderQuery,
    params: dict[str, str],
    customer: CustomerRecord,
    settings: Settings,
) -> dict[str, Any]:
    """DRF's LimitOffsetPagination: the page and the count (one statement, see
    `fetch_page`)."""
    limit, offset = page_window(params, settings.rest_default_limit, settings.rest_max_limit)
    records, count = await fetch_page(reader, query, Window(limit=limit, offset=offset))
    url = links.absolute_uri(request, ORDERS_PATH, trust_proxy=settings.trust_proxy)
    rendered_customer = customer_item(customer)
    return {
        "count": count,
        "next": links.next_link(url, limit=limit, offset=offset, count=count),
        "previous": links.previous_link(url, limit=limit, offset=offset),
        "results": [order_item(record, rendered_customer) for record in records],
    }


async def api_not_found(request: Request) -> Response:
    """Any other path under /api/ (a trailing slash included): DRF's 404 body as JSON."""
    return json_response(request, 404, NOT_FOUND)


class AnyMethod:
    """An endpoint that answers every HTTP method itself (Starlette routes a plain function
    for GET/HEAD only; the legacy endpoint must answer 405 and OPTIONS its own way)."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self._app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def rest_routes(settings: Settings) -> list[BaseRoute]:
    """The legacy endpoint, its OpenAPI document, and JSON 404s for the rest of /api/.

    The catch-all comes last among these; routes listed after them in the app never see
    a path under /api/.
    """
    document = render_json(openapi_document(settings))

    async def openapi(request: Request) -> Response:
        return Response(document, headers={"Content-Type": "application/json"})

    return [
        Route(ORDERS_PATH, AnyMethod(customer_orders)),
        Route(OPENAPI_PATH, openapi, methods=["GET"]),
        Route("/api/{path:path}", AnyMethod(api_not_found)),
    ]
