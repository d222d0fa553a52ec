"""Per-request DataLoaders for the objects nested in an order.

graphql-core resolves sibling fields concurrently; every batch takes the request's connection
in turn (`SharedConnection`). Loaders live in the request's context, so their caches never
outlive a request (or cross customers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import BigInteger, bindparam, select
from strawberry.dataloader import DataLoader

from gateway.auth import CUSTOMER_COLUMNS
from gateway.db.connections import ConnectionSource
from gateway.db.core import execute_select
from gateway.db.models import (
    City,
    Country,
    OrderItem,
    Payment,
    PaymentMethod,
    ShippingMethod,
    State,
)
from gateway.orders.filters import ID_MAX, ID_MIN
from gateway.orders.records import (
    CityRecord,
    CountryRecord,
    CustomerRecord,
    MethodRecord,
    OrderRecord,
    StateRecord,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ItemRecord:
    product_id: int
    product_name: str
    unit_price: Decimal
    quantity: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    amount: Decimal
    status: str
    created_at: datetime


# The ids of one batch, bound at execution: each statement is built once per process
# (building it per batch cost more than running it).
IDS = bindparam("ids", expanding=True, type_=BigInteger)


def _ids(keys: Sequence[int]) -> dict[str, list[int]]:
    """The batch's ids as the statement's parameter; ids no row can have are left out
    (they load as None)."""
    return {"ids": [key for key in set(keys) if ID_MIN <= key <= ID_MAX]}


def _by_id(*columns: Any) -> Any:
    """The rows whose primary key (the first column) is among the batch's ids."""
    return select(*columns).where(columns[0].in_(IDS))


CUSTOMERS = _by_id(*CUSTOMER_COLUMNS)
COUNTRIES = _by_id(Country.id, Country.name, Country.code)
STATES = _by_id(State.id, State.name, State.country_id)
CITIES = _by_id(City.id, City.name, City.state_id)
PAYMENT_METHODS = _by_id(PaymentMethod.id, PaymentMethod.name, PaymentMethod.code)
SHIPPING_METHODS = _by_id(ShippingMethod.id, ShippingMethod.name, ShippingMethod.code)


def _by_id_loader(
    connect: ConnectionSource, statement: Any, build: Callable[..., T]
) -> DataLoader[int, T | None]:
    """A loader of rows by primary key; `build` makes a record from a row's columns."""

    async def load(keys: list[int]) -> list[T | None]:
        ids = _ids(keys)
        found: dict[int, T] = {}
        if ids["ids"]:
            async with connect() as connection:
                rows = await execute_select(connection, statement, ids)
                found = {row[0]: build(*row) for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _by_order_loader(
    connect: ConnectionSource, statement: Any, build: Callable[..., T]
) -> DataLoader[int, list[T]]:
    """A loader of the rows belonging to each order, in the statement's order.

    `statement` selects `order_id` first, then the columns `build` takes, for the orders
    in the `ids` parameter."""

    async def load(keys: list[int]) -> list[list[T]]:
        grouped: dict[int, list[T]] = defaultdict(list)
        async with connect() as connection:
            for row in await execute_select(connection, statement, _ids(keys)):
                grouped[row[0]].append(build(*row[1:]))
        return [grouped.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


ITEMS_STATEMENT = (
    select(
        OrderItem.order_id,
        OrderItem.product_id,
        OrderItem.product_name,
        OrderItem.unit_price,
        OrderItem.quantity,
        OrderItem.discount,
    )
    .where(OrderItem.order_id.in_(IDS))
    .order_by(OrderItem.order_id, OrderItem.id)
)
PAYMENTS_STATEMENT = (
    select(Payment.order_id, Payment.amount, Payment.status, Payment.created_at)
    .where(Payment.order_id.in_(IDS))
    .order_by(Payment.order_id, Payment.created_at, Payment.id)
)


def _customer(*row: Any) -> CustomerRecord:
    return CustomerRecord(*row)


@dataclass(frozen=True, slots=True)
class Loaders:
    """Every loader of one request. Build with `Loaders.create`."""

    customer: DataLoader[int, CustomerRecord | None]
    country: DataLoader[int, CountryRecord | None]
    state: DataLoader[int, StateRecord | None]
    city: DataLoader[int, CityRecord | None]
    payment_method: DataLoader[int, MethodRecord | None]
    shipping_method: DataLoader[int, MethodRecord | None]
    items_by_order: DataLoader[int, list[ItemRecord]]
    payments_by_order: DataLoader[int, list[PaymentRecord]]

    @classmethod
    def create(cls, connect: ConnectionSource) -> Loaders:
        return cls(
            customer=_by_id_loader(connect, CUSTOMERS, _customer),
            country=_by_id_loader(connect, COUNTRIES, CountryRecord),
            state=_by_id_loader(connect, STATES, StateRecord),
            city=_by_id_loader(connect, CITIES, CityRecord),
            payment_method=_by_id_loader(connect, PAYMENT_METHODS, MethodRecord),
            shipping_method=_by_id_loader(connect, SHIPPING_METHODS, MethodRecord),
            items_by_order=_by_order_loader(connect, ITEMS_STATEMENT, ItemRecord),
            payments_by_order=_by_order_loader(connect, PAYMENTS_STATEMENT, PaymentRecord),
        )

    def prime_from_order(self, order: OrderRecord) -> None:
        """The page row already holds the order's reference rows: no statement needed
        when a nested object (a state's country, a city's state) names one of them."""
        if order.payment_method is not None:
            self.payment_method.prime(order.payment_method.id, order.payment_method)
        if order.shipping_method is not None:
            self.shipping_method.prime(order.shipping_method.id, order.shipping_method)
        if order.billing_country is not None:
            self.country.prime(order.billing_country.id, order.billing_country)
        if order.billing_state is not None:
            self.state.prime(order.billing_state.id, order.billing_state)
        if order.billing_city is not None:
            self.city.prime(order.billing_city.id, order.billing_city)
