"""The OpenAPI 3.1 description of the legacy endpoint, generated from the same tables the
endpoint runs on (`FILTERS`, `LEGACY_FIELDS`, the statuses), so it cannot drift from them."""

from __future__ import annotations

from typing import Any

from gateway.db.models import ORDER_STATUSES
from gateway.orders import FILTERS, LEGACY_FIELDS, FilterKind
from gateway.settings import Settings

_STRING = {"type": "string"}
_MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["25.50"]}
_NULLABLE_ID = {"type": ["integer", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    return {"oneOf": [_ref(name), {"type": "null"}]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_FILTER_SCHEMAS: dict[FilterKind, dict[str, Any]] = {
    FilterKind.STATUS: {"type": "string", "enum": list(ORDER_STATUSES)},
    FilterKind.STATUS_LIST: {"type": "string", "examples": ["new,processing"]},
    FilterKind.REFERENCE: {"type": "integer"},
    FilterKind.REFERENCE_LIST: {"type": "string", "examples": ["1,2,3"]},
    FilterKind.BOOLEAN: {"type": "boolean"},
    FilterKind.ID_MIN: {"type": "integer"},
    FilterKind.ID_MAX: {"type": "integer"},
    FilterKind.ON_DATE: {"type": "string", "format": "date"},
    FilterKind.FROM_DATE: {"type": "string", "format": "date"},
    FilterKind.TO_DATE: {"type": "string", "format": "date"},
}


def _parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _parameters(settings: Settings) -> list[dict[str, Any]]:
    orderings = ", ".join(f"`{field.value}`" for field in LEGACY_FIELDS)
    limit = {
        "type": "integer",
        "minimum": 1,
        "default": settings.rest_default_limit,
        "maximum": settings.rest_max_limit,
    }
    parameters = [
        _parameter("limit", "Results per page; larger values are capped.", limit),
        _parameter("offset", "Results to skip.", {"type": "integer", "minimum": 0, "default": 0}),
        _parameter(
            "search",
            "Terms (quoted phrases kept together) that must all occur, case-insensitively, "
            "in the id, key, notes, billing country/state/city name, billing first/last "
            "name or billing mobile number.",
            _STRING,
        ),
        _parameter(
            "ordering",
            f"Comma-separated fields, `-` for descending: {orderings}. "
            "Default `-created_at`; ties are broken by `-id`.",
            _STRING,
        ),
        _parameter(
            "format",
            "`json` (or `api`, also answered with JSON).",
            {"type": "string", "enum": ["json", "api"]},
        ),
    ]
    for spec in FILTERS:
        description = spec.description
        if spec.kind in (FilterKind.STATUS_LIST, FilterKind.REFERENCE_LIST):
            description += " Comma-separated."
        parameters.append(_parameter(spec.name, description, _FILTER_SCHEMAS[spec.kind]))
    return parameters


def _schemas() -> dict[str, Any]:
    method = _object({"id": {"type": "integer"}, "name": _STRING, "code": _STRING})
    order = _object(
        {
            "id": {"type": "integer"},
            "key": _STRING,
            "status": {"type": "string", "enum": list(ORDER_STATUSES)},
            "customer": _ref("Customer"),
            "payment_method": _nullable("Method"),
            "shipping_method": _nullable("Method"),
            "shipping_cost": _MONEY,
            "notes": _STRING,
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "billing_country": _nullable("Country"),
            "billing_state": _nullable("Place"),
            "billing_city": _nullable("Place"),
            "billing_address": _STRING,
            "billing_postal_code": _STRING,
            "billing_national_code": _STRING,
            "billing_mobile_number": _STRING,
            "billing_first_name": _STRING,
            "billing_last_name": _STRING,
            "count": {"type": "integer"},
            "quantity": {"type": "integer"},
            "items_subtotal": _MONEY,
            "items_discount": _MONEY,
            "subtotal": _MONEY,
            "total_discount": _MONEY,
            "total": _MONEY,
            "amount_paid": _MONEY,
            "amount_outstanding": _MONEY,
            "is_paid": {"type": "boolean"},
            "is_payable": {"type": "boolean"},
        }
    )
    link = {"type": ["string", "null"], "format": "uri"}
    return {
        "Customer": _object(
            {
                "id": {"type": "integer"},
                "first_name": _STRING,
                "last_name": _STRING,
                "email": _STRING,
                "mobile_number": _STRING,
            }
        ),
        "Method": method,
        "Country": method,
        "Place": _object({"id": {"type": "integer"}, "name": _STRING}),
        "Order": order,
        "OrderPage": _object(
            {
                "count": {"type": "integer", "minimum": 0},
                "next": link,
                "previous": link,
                "results": {"type": "array", "items": _ref("Order")},
            }
        ),
        "Detail": _object({"detail": _STRING}),
        "Metadata": _object(
            {
                "name": _STRING,
                "description": _STRING,
                "renders": {"type": "array", "items": _STRING},
                "parses": {"type": "array", "items": _STRING},
            }
        ),
        "ValidationErrors": {
            "description": "Filter errors: each parameter with its messages.",
            "type": "object",
            "propertyNames": {"enum": [spec.name for spec in FILTERS]},
            "additionalProperties": {"type": "array", "items": _STRING, "minItems": 1},
        },
        "SearchErrors": {
            "description": "An invalid `search` value (a NUL character).",
            "type": "array",
            "items": _STRING,
        },
    }


_ENDPOINT_HEADERS = {
    "Allow": {"schema": {"type": "string", "const": "GET, HEAD, OPTIONS"}},
    "Vary": {"schema": {"type": "string", "const": "Accept"}},
}


def _response(description: str, schema: dict[str, Any], **headers: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_ENDPOINT_HEADERS, **headers},
        "content": {"application/json": {"schema": schema}},
    }


def _responses() -> dict[str, Any]:
    www_authenticate = {"schema": {"type": "string", "const": "Token"}}
    return {
        "Unauthorized": _response(
            "No or invalid credentials.", _ref("Detail"), **{"WWW-Authenticate": www_authenticate}
        ),
        "NotFound": _response("`format` names no known renderer.", _ref("Detail")),
        "MethodNotAllowed": _response("Only GET, HEAD and OPTIONS are served.", _ref("Detail")),
        "NotAcceptable": _response("The Accept header allows no JSON.", _ref("Detail")),
        "ServerError": {
            "description": "Unexpected failure; the `X-Request-ID` header names it in the log.",
            "headers": {"X-Request-ID": {"schema": _STRING}},
            "content": {"application/json": {"schema": _ref("Detail")}},
        },
    }


def _refused(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "responses": {
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "405": {"$ref": "#/components/responses/MethodNotAllowed"},
        },
    }


def openapi_document(settings: Settings) -> dict[str, Any]:
    """The whole document, for `/api/schema/openapi.json`."""
    listing = {
        "operationId": "listCustomerOrders",
        "summary": "The authenticated customer's order history",
        "parameters": _parameters(settings),
        "responses": {
            "200": _response("One page of orders.", _ref("OrderPage")),
            "400": _response(
                "Invalid filter values (an object) or an invalid search (a list).",
                {"oneOf": [_ref("ValidationErrors"), _ref("SearchErrors")]},
            ),
            "401": {"$ref": "#/components/responses/Unauthorized"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "406": {"$ref": "#/components/responses/NotAcceptable"},
            "500": {"$ref": "#/components/responses/ServerError"},
        },
    }
    refused = "Not served: 405 once authenticated."
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shop orders (legacy REST endpoint)",
            "version": "1.0.0",
            "description": "Answers exactly as the shop's original Django REST Framework "
            "backend; lenient in the ways it was lenient.",
        },
        "paths": {
            "/api/shop/customers/me/orders": {
                "get": listing,
                "options": {
                    "summary": "The endpoint's description (DRF metadata)",
                    "responses": {
                        "200": _response("What the endpoint renders and parses.", _ref("Metadata")),
                        "401": {"$ref": "#/components/responses/Unauthorized"},
                    },
                },
                "post": _refused(refused),
                "put": _refused(refused),
                "patch": _refused(refused),
                "delete": _refused(refused),
            }
        },
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`Token <key>` (or `Bearer <key>`).",
                }
            },
        },
        "security": [{"token": []}],
    }
