"""The GraphQL object types, enums and the `Node` interface, built from the core's records.

Nested objects come from the request's DataLoaders (`Loaded` fields, `loaded.py`); an
order's own reference rows arrive with its page row and are built directly.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

import strawberry

from gateway.graphql.dataloaders import ItemRecord, PaymentRecord
from gateway.graphql.fields import resolver
from gateway.graphql.ids import encode_global_id
from gateway.graphql.loaded import Loaded
from gateway.orders.records import (
    CityRecord,
    CountryRecord,
    CustomerRecord,
    MethodRecord,
    OrderRecord,
    StateRecord,
)

R = TypeVar("R")
T = TypeVar("T")


@strawberry.enum(description="Where an order is in its life cycle.")
class OrderStatus(enum.Enum):
    NEW = strawberry.enum_value("new", description="Placed, not processed yet.")
    HOLD = strawberry.enum_value("hold", description="On hold.")
    FAILED = strawberry.enum_value("failed", description="Placing or paying it failed.")
    CANCELLED = strawberry.enum_value("cancelled", description="Cancelled.")
    PROCESSING = strawberry.enum_value("processing", description="Being prepared.")
    SHIPPED = strawberry.enum_value("shipped", description="Handed to the carrier.")
    COMPLETED = strawberry.enum_value("completed", description="Delivered.")
    REFUNDED = strawberry.enum_value("refunded", description="Refunded.")
    DELETED = strawberry.enum_value("deleted", description="Deleted.")


@strawberry.enum(description="The state of a payment.")
class PaymentStatus(enum.Enum):
    PENDING = strawberry.enum_value("pending", description="Started, not settled yet.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="Settled: counts as paid.")
    FAILED = strawberry.enum_value("failed", description="Declined or failed.")
    REFUNDED = strawberry.enum_value("refunded", description="Paid back.")


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    @resolver("Global ID: opaque, unique across all types.")
    def id(self) -> strawberry.ID:
        database_id: int = getattr(self, "database_id")  # noqa: B009  # every Node type has it
        return strawberry.ID(encode_global_id(type(self).__name__, database_id))


def _database_id() -> Any:
    return strawberry.field(description="The row's id in the shop database.")


def _existing(build: Callable[[R], T]) -> Callable[[R | None], T]:
    """`build` for a record a foreign key points to: the row exists."""

    def checked(record: R | None) -> T:
        assert record is not None  # a foreign key: the row exists
        return build(record)

    return checked


def _each(build: Callable[[R], T]) -> Callable[[list[R]], list[T]]:
    return lambda records: [build(record) for record in records]


@strawberry.type(description="A country.")
class Country(Node):
    database_id: int = _database_id()
    name: str = strawberry.field(description="Its name.")
    code: str = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. TR.")

    @classmethod
    def from_record(cls, record: CountryRecord) -> Country:
        return cls(database_id=record.id, name=record.name, code=record.code)


@strawberry.type(description="A state or province of a country.")
class State(Node):
    database_id: int = _database_id()
    name: str = strawberry.field(description="Its name.")
    country_id: strawberry.Private[int]
    country: Country = Loaded(
        attrgetter("country"), attrgetter("country_id"), _existing(Country.from_record)
    ).field("The country it belongs to.")

    @classmethod
    def from_record(cls, record: StateRecord) -> State:
        return cls(database_id=record.id, name=record.name, country_id=record.country_id)


@strawberry.type(description="A city.")
class City(Node):
    database_id: int = _database_id()
    name: str = strawberry.field(description="Its name.")
    state_id: strawberry.Private[int]
    state: State = Loaded(
        attrgetter("state"), attrgetter("state_id"), _existing(State.from_record)
    ).field("The state it belongs to.")

    @classmethod
    def from_record(cls, record: CityRecord) -> City:
        return cls(database_id=record.id, name=record.name, state_id=record.state_id)


@strawberry.type(description="A way to pay for an order.")
class PaymentMethod(Node):
    database_id: int = _database_id()
    name: str = strawberry.field(description="Its display name.")
    code: str = strawberry.field(description="Its stable code, e.g. card.")

    @classmethod
    def from_record(cls, record: MethodRecord) -> PaymentMethod:
        return cls(database_id=record.id, name=record.name, code=record.code)


@strawberry.type(description="A way to ship an order.")
class ShippingMethod(Node):
    database_id: int = _database_id()
    name: str = strawberry.field(description="Its display name.")
    code: str = strawberry.field(description="Its stable code, e.g. express.")

    @classmethod
    def from_record(cls, record: MethodRecord) -> ShippingMethod:
        return cls(database_id=record.id, name=record.name, code=record.code)


@strawberry.type(description="A shop customer.")
class Customer(Node):
    database_id: int = _database_id()
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    email: str = strawberry.field(description="E-mail address.")
    mobile_number: str = strawberry.field(description="Mobile phone number.")

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        return cls(
            database_id=record.id,
            first_name=record.first_name,
            last_name=record.last_name,
            email=record.email,
            mobile_number=record.mobile_number,
        )


@strawberry.type(description="One line of an order: a product, its price and quantity.")
class OrderItem:
    product_id: int = strawberry.field(description="The product's id.")
    product_name: str = strawberry.field(description="The product's name when ordered.")
    unit_price: Decimal = strawberry.field(description="Price of one unit.")
    quantity: int = strawberry.field(description="Units ordered.")
    discount: Decimal = strawberry.field(description="Discount on this line.")

    @resolver("unitPrice × quantity − discount (not clamped at zero).")
    def total(self) -> Decimal:
        return self.unit_price * self.quantity - self.discount

    @classmethod
    def from_record(cls, record: ItemRecord) -> OrderItem:
        return cls(
            product_id=record.product_id,
            product_name=record.product_name,
            unit_price=record.unit_price,
            quantity=record.quantity,
            discount=record.discount,
        )


@strawberry.type(description="A payment made (or attempted) for an order.")
class Payment:
    amount: Decimal = strawberry.field(description="The amount.")
    status: PaymentStatus = strawberry.field(description="Whether it went through.")
    created_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_record(cls, record: PaymentRecord) -> Payment:
        return cls(
            amount=record.amount, status=PaymentStatus(record.status), created_at=record.created_at
        )


@strawberry.type(description="An order of the authenticated customer.")
class Order(Node):
    database_id: int = _database_id()
    key: str = strawberry.field(description="The order's public key (order number).")
    status: OrderStatus = strawberry.field(description="Where the order is in its life cycle.")
    shipping_cost: Decimal = strawberry.field(description="Shipping cost.")
    notes: str = strawberry.field(description="The customer's notes; empty when none.")
    created_at: datetime = strawberry.field(description="When the order was placed.")
    updated_at: datetime = strawberry.field(description="When the order last changed.")
    billing_address: str = strawberry.field(description="Billing street address.")
    billing_postal_code: str = strawberry.field(description="Billing postal code.")
    billing_national_code: str = strawberry.field(description="Billing national id number.")
    billing_mobile_number: str = strawberry.field(description="Billing mobile number.")
    billing_first_name: str = strawberry.field(description="Billing first name.")
    billing_last_name: str = strawberry.field(description="Billing last name.")
    count: int = strawberry.field(description="Distinct products among the items.")
    quantity: int = strawberry.field(description="Units over all items.")
    items_subtotal: Decimal = strawberry.field(description="Σ unitPrice × quantity.")
    items_discount: Decimal = strawberry.field(description="Σ item discounts.")
    subtotal: Decimal = strawberry.field(description="itemsSubtotal − itemsDiscount.")
    total_discount: Decimal = strawberry.field(
        description="itemsDiscount + the order's own discount."
    )
    total: Decimal = strawberry.field(
        description="subtotal − order discount + shippingCost, at least 0.00."
    )
    amount_paid: Decimal = strawberry.field(description="Σ succeeded payments.")
    amount_outstanding: Decimal = strawberry.field(description="total − amountPaid, at least 0.00.")
    is_paid: bool = strawberry.field(description="Nothing outstanding.")
    is_payable: bool = strawberry.field(
        description="Can still be paid: not paid and not cancelled, refunded or deleted."
    )
    payment_method: PaymentMethod | None = strawberry.field(
        description="How it is paid; null when not chosen."
    )
    shipping_method: ShippingMethod | None = strawberry.field(
        description="How it is shipped; null when not chosen."
    )
    billing_country: Country | None = strawberry.field(description="Billing country.")
    billing_state: State | None = strawberry.field(description="Billing state.")
    billing_city: City | None = strawberry.field(description="Billing city.")
    customer_id: strawberry.Private[int]
    customer: Customer = Loaded(
        attrgetter("customer"), attrgetter("customer_id"), _existing(Customer.from_record)
    ).field("The customer who placed it.")
    items: list[OrderItem] = Loaded(
        attrgetter("items_by_order"), attrgetter("database_id"), _each(OrderItem.from_record)
    ).field("Its items, in the order they were added.")
    payments: list[Payment] = Loaded(
        attrgetter("payments_by_order"), attrgetter("database_id"), _each(Payment.from_record)
    ).field("Its payments, oldest first.")

    @classmethod
    def from_record(cls, record: OrderRecord) -> Order:
        totals = record.totals
        return cls(
            database_id=record.id,
            key=record.key,
            status=OrderStatus(record.status),
            shipping_cost=record.shipping_cost,
            notes=record.notes,
            created_at=record.created_at,
            updated_at=record.updated_at,
            billing_address=record.billing_address,
            billing_postal_code=record.billing_postal_code,
            billing_national_code=record.billing_national_code,
            billing_mobile_number=record.billing_mobile_number,
            billing_first_name=record.billing_first_name,
            billing_last_name=record.billing_last_name,
            count=totals.count,
            quantity=totals.quantity,
            items_subtotal=totals.items_subtotal,
            items_discount=totals.items_discount,
            subtotal=totals.subtotal,
            total_discount=totals.total_discount,
            total=totals.total,
            amount_paid=totals.amount_paid,
            amount_outstanding=totals.amount_outstanding,
            is_paid=totals.is_paid,
            is_payable=totals.is_payable,
            payment_method=_optional(PaymentMethod.from_record, record.payment_method),
            shipping_method=_optional(ShippingMethod.from_record, record.shipping_method),
            billing_country=_optional(Country.from_record, record.billing_country),
            billing_state=_optional(State.from_record, record.billing_state),
            billing_city=_optional(City.from_record, record.billing_city),
            customer_id=record.customer_id,
        )


def _optional(build: Callable[[R], T], record: R | None) -> T | None:
    return None if record is None else build(record)
