"""The legacy wire format: DRF's `JSONRenderer` output and the order serializer's fields.

Compact JSON (`,` `:`), non-ASCII written as UTF-8, U+2028/U+2029 escaped so the body is a
valid JavaScript literal too; with `indent=N`, Python's indented layout with `": "`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.orders import OrderRecord, format_money
from gateway.orders.records import CountryRecord, CustomerRecord, MethodRecord

# U+2028 and U+2029 are valid in JSON but end lines in JavaScript; DRF escapes them.
_LS, _LS_ESCAPED = "\u2028".encode(), b"\\u2028"
_PS, _PS_ESCAPED = "\u2029".encode(), b"\\u2029"


def render_json(data: Any, indent: int | None = None) -> bytes:
    """The body DRF's JSONRenderer writes for `data`.

    Compact bodies come from orjson, whose output equals `json.dumps(ensure_ascii=False,
    separators=(",", ":"))` byte for byte (tested); the rare indented ones from `json`.
    """
    if indent is None:
        body = orjson.dumps(data)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=indent, separators=(",", ": "))
        body = text.encode()
    return body.replace(_LS, _LS_ESCAPED).replace(_PS, _PS_ESCAPED)


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with `Z`; the fraction only when there are microseconds."""
    if value.tzinfo is not UTC:  # the database's values already are in UTC
        value = value.astimezone(UTC)
    return value.isoformat().removesuffix("+00:00") + "Z"


def _method(method: MethodRecord | None) -> dict[str, Any] | None:
    return None if method is None else {"id": method.id, "name": method.name, "code": method.code}


def _country(country: CountryRecord | None) -> dict[str, Any] | None:
    if country is None:
        return None
    return {"id": country.id, "name": country.name, "code": country.code}


def customer_item(customer: CustomerRecord) -> dict[str, Any]:
    return {
        "id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "mobile_number": customer.mobile_number,
    }


def order_item(order: OrderRecord, customer: dict[str, Any]) -> dict[str, Any]:
    """One result, fields in the original serializer's order. `customer` is the rendered
    authenticated customer: every order of the list is theirs."""
    totals = order.totals
    state, city = order.billing_state, order.billing_city
    return {
        "id": order.id,
        "key": order.key,
        "status": order.status,
        "customer": customer,
        "payment_method": _method(order.payment_method),
        "shipping_method": _method(order.shipping_method),
        "shipping_cost": format_money(order.shipping_cost),
        "notes": order.notes,
        "created_at": format_datetime(order.created_at),
        "updated_at": format_datetime(order.updated_at),
        "billing_country": _country(order.billing_country),
        "billing_state": None if state is None else {"id": state.id, "name": state.name},
        "billing_city": None if city is None else {"id": city.id, "name": city.name},
        "billing_address": order.billing_address,
        "billing_postal_code": order.billing_postal_code,
        "billing_national_code": order.billing_national_code,
        "billing_mobile_number": order.billing_mobile_number,
        "billing_first_name": order.billing_first_name,
        "billing_last_name": order.billing_last_name,
        "count": totals.count,
        "quantity": totals.quantity,
        "items_subtotal": format_money(totals.items_subtotal),
        "items_discount": format_money(totals.items_discount),
        "subtotal": format_money(totals.subtotal),
        "total_discount": format_money(totals.total_discount),
        "total": format_money(totals.total),
        "amount_paid": format_money(totals.amount_paid),
        "amount_outstanding": format_money(totals.amount_outstanding),
        "is_paid": totals.is_paid,
        "is_payable": totals.is_payable,
    }
