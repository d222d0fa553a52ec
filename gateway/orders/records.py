"""What the order-query core returns: plain, typed records, independent of any transport."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from gateway.orders.money import OrderTotals


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: int
    first_name: str
    last_name: str
    email: str
    mobile_number: str
    is_active: bool


@dataclass(frozen=True, slots=True)
class MethodRecord:
    """A payment or shipping method."""

    id: int
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class CountryRecord:
    id: int
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class StateRecord:
    id: int
    name: str
    country_id: int


@dataclass(frozen=True, slots=True)
class CityRecord:
    id: int
    name: str
    state_id: int


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order with its reference rows and computed fields."""

    id: int
    key: str
    status: str
    customer_id: int
    payment_method: MethodRecord | None
    shipping_method: MethodRecord | None
    shipping_cost: Decimal
    discount: Decimal
    notes: str
    created_at: datetime
    updated_at: datetime
    billing_country: CountryRecord | None
    billing_state: StateRecord | None
    billing_city: CityRecord | None
    billing_address: str
    billing_postal_code: str
    billing_national_code: str
    billing_mobile_number: str
    billing_first_name: str
    billing_last_name: str
    totals: OrderTotals
    sort_values: tuple[Any, ...]

    @classmethod
    def from_row(cls, row: Any, customer_id: int, sort_values: tuple[Any, ...]) -> OrderRecord:
        """Build from a row of `OrderQuery.page_statement`."""
        return cls(
            id=row.id,
            key=row.key,
            status=row.status,
            customer_id=customer_id,
            payment_method=_method(row.payment_method_id, row.payment_method_name,
                                   row.payment_method_code),
            shipping_method=_method(row.shipping_method_id, row.shipping_method_name,
                                    row.shipping_method_code),
            shipping_cost=row.shipping_cost,
            discount=row.discount,
            notes=row.notes,
            created_at=row.created_at,
            updated_at=row.updated_at,
            billing_country=None if row.billing_country_id is None else CountryRecord(
                row.billing_country_id, row.billing_country_name, row.billing_country_code),
            billing_state=None if row.billing_state_id is None else StateRecord(
                row.billing_state_id, row.billing_state_name, row.billing_state_country_id),
            billing_city=None if row.billing_city_id is None else CityRecord(
                row.billing_city_id, row.billing_city_name, row.billing_city_state_id),
            billing_address=row.billing_address,
            billing_postal_code=row.billing_postal_code,
            billing_national_code=row.billing_national_code,
            billing_mobile_number=row.billing_mobile_number,
            billing_first_name=row.billing_first_name,
            billing_last_name=row.billing_last_name,
            totals=OrderTotals.from_sums(
                status=row.status,
                discount=row.discount,
                shipping_cost=row.shipping_cost,
                count=row.item_count,
                quantity=row.item_quantity,
                items_subtotal_cents=row.items_subtotal_cents,
                items_discount_cents=row.items_discount_cents,
                amount_paid_cents=row.amount_paid_cents,
            ),
            sort_values=sort_values,
        )  # fmt: skip


def _method(method_id: int | None, name: str | None, code: str | None) -> MethodRecord | None:
    if method_id is None:
        return None
    assert name is not None
    assert code is not None
    return MethodRecord(method_id, name, code)
