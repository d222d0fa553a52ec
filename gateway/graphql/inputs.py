"""The input types of `myOrders` and their strict parsing into the core's values.

`OrderFilterInput` is generated from `gateway.orders.FILTERS`, the one table of filters the
REST adapter follows too: one field per filter, camel-cased, with the filter's description.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import strawberry

from gateway.graphql.ids import parse_id
from gateway.graphql.types import OrderStatus
from gateway.orders import (
    FILTERS,
    FilterKind,
    FilterSpec,
    OrderField,
    OrderFilter,
    OrderingKey,
)

# The GraphQL type of each kind of filter (always optional: null applies no filter).
_FIELD_TYPES: dict[FilterKind, Any] = {
    FilterKind.STATUS: OrderStatus | None,
    FilterKind.STATUS_LIST: list[OrderStatus] | None,
    FilterKind.REFERENCE: strawberry.ID | None,
    FilterKind.REFERENCE_LIST: list[strawberry.ID] | None,
    FilterKind.BOOLEAN: bool | None,
    FilterKind.ID_MIN: int | None,
    FilterKind.ID_MAX: int | None,
    FilterKind.ON_DATE: date | None,
    FilterKind.FROM_DATE: date | None,
    FilterKind.TO_DATE: date | None,
}


def _filter_input_class() -> type:
    """Built from `FILTERS` so a filter added to the core appears here with no other edit."""
    namespace: dict[str, Any] = {
        "__annotations__": {spec.name: _FIELD_TYPES[spec.kind] for spec in FILTERS},
    }
    for spec in FILTERS:
        namespace[spec.name] = strawberry.field(default=None, description=spec.description)
    return strawberry.input(
        type("OrderFilterInput", (), namespace),
        description="Which orders to list; every filter given must match (AND). A list "
        "filter given as [] matches nothing; null or absent applies no filter.",
    )


OrderFilterInput: Any = _filter_input_class()


@strawberry.enum(description="The fields orders can be sorted by.")
class OrderOrderField(enum.Enum):
    ID = strawberry.enum_value("ID", description="The database id.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When it was placed.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When it last changed.")
    STATUS = strawberry.enum_value(
        "STATUS", description="The stored lower-case status text (cancelled < completed < …)."
    )
    SHIPPING_COST = strawberry.enum_value("SHIPPING_COST", description="Shipping cost.")
    BILLING_COUNTRY_NAME = strawberry.enum_value(
        "BILLING_COUNTRY_NAME", description="Billing country name."
    )
    BILLING_STATE_NAME = strawberry.enum_value(
        "BILLING_STATE_NAME", description="Billing state name."
    )
    BILLING_CITY_NAME = strawberry.enum_value("BILLING_CITY_NAME", description="Billing city name.")
    PAYMENT_METHOD_NAME = strawberry.enum_value(
        "PAYMENT_METHOD_NAME", description="Payment method name."
    )
    SHIPPING_METHOD_NAME = strawberry.enum_value(
        "SHIPPING_METHOD_NAME", description="Shipping method name."
    )
    TOTAL = strawberry.enum_value(
        "TOTAL", description="The order total (`Order.total`), exact to the cent."
    )
    AMOUNT_OUTSTANDING = strawberry.enum_value(
        "AMOUNT_OUTSTANDING",
        description="What remains to be paid (`Order.amountOutstanding`), exact to the cent.",
    )


@strawberry.enum(description="Sort direction. NULLs come last ascending and first descending.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest first.")


@strawberry.input(
    description="One sort key. Keys apply in the order given; id descending "
    "always breaks the remaining ties."
)
class OrderOrderByInput:
    field: OrderOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Which way."
    )


def parse_ordering(order_by: list[OrderOrderByInput] | None) -> tuple[OrderingKey, ...]:
    """The core's ordering keys; the GraphQL enum names are the core's `OrderField` names."""
    return tuple(
        OrderingKey(OrderField[key.field.name], descending=key.direction is OrderDirection.DESC)
        for key in order_by or ()
    )


def parse_filter(given: Any) -> OrderFilter:
    """An `OrderFilter` from an `OrderFilterInput` (or none); `BadUserInput` for an ID
    that is malformed or names another type."""
    if given is None:
        return OrderFilter()
    values: dict[str, Any] = {}
    for spec in FILTERS:
        value = getattr(given, spec.name)
        if value is None:
            continue
        if spec.kind is FilterKind.STATUS:
            value = value.value
        elif spec.kind is FilterKind.STATUS_LIST:
            value = tuple(status.value for status in value)
        elif spec.kind is FilterKind.REFERENCE:
            value = parse_id(value, _type_name(spec))
        elif spec.kind is FilterKind.REFERENCE_LIST:
            value = tuple(parse_id(item, _type_name(spec)) for item in value)
        values[spec.name] = value
    return OrderFilter(**values)


def _type_name(spec: FilterSpec) -> str:
    """The GraphQL type a reference filter's IDs name: the model's name (`Country`, …)."""
    assert spec.reference is not None
    return spec.reference.__name__
