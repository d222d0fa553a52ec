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
        """Build from a row of `OrderQuery.page_statement`, whose columns come in this order
        (`ORDER_COLUMNS`, `REFERENCE_COLUMNS`, `SUM_COLUMNS`, then perhaps `total_count`).
        Unpacked by position: reading 34 columns by name cost more than building the
        record. Each name below is its column's label in the statement, in its place
        (tests/core/test_page_row.py holds the two together)."""
        (
            id,
            key,
            status,
            payment_method_id,
            shipping_method_id,
            shipping_cost,
            discount,
            notes,
            created_at,
            updated_at,
            billing_country_id,
            billing_state_id,
            billing_city_id,
            billing_address,
            billing_postal_code,
            billing_national_code,
            billing_mobile_number,
            billing_first_name,
            billing_last_name,
            payment_method_name,
            payment_method_code,
            shipping_method_name,
            shipping_method_code,
            billing_country_name,
            billing_country_code,
            billing_state_name,
            billing_state_country_id,
            billing_city_name,
            billing_city_state_id,
            item_count,
            item_quantity,
            items_subtotal_cents,
            items_discount_cents,
            amount_paid_cents,
            *_,
        ) = row
        return cls(
            id,
            key,
            status,
            customer_id,
            None if payment_method_id is None else MethodRecord(
                payment_method_id, payment_method_name, payment_method_code),
            None if shipping_method_id is None else MethodRecord(
                shipping_method_id, shipping_method_name, shipping_method_code),
            shipping_cost,
            discount,
            notes,
            created_at,
            updated_at,
            None if billing_country_id is None else CountryRecord(
                billing_country_id, billing_country_name, billing_country_code),
            None if billing_state_id is None else StateRecord(
                billing_state_id, billing_state_name, billing_state_country_id),
            None if billing_city_id is None else CityRecord(
                billing_city_id, billing_city_name, billing_city_state_id),
            billing_address,
            billing_postal_code,
            billing_national_code,
            billing_mobile_number,
            billing_first_name,
            billing_last_name,
            OrderTotals.from_sums(
                status=status,
                discount=discount,
                shipping_cost=shipping_cost,
                count=item_count,
                quantity=item_quantity,
                items_subtotal_cents=items_subtotal_cents,
                items_discount_cents=items_discount_cents,
                amount_paid_cents=amount_paid_cents,
            ),
            sort_values,
        )  # fmt: skip
