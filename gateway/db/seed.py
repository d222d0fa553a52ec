"""Deterministic demo data: realistic enough to exercise every rule of both APIs.

The same options always give the same rows (ids included). Customer 1 is the demo customer
and holds `demo_share` of the orders; the others share the rest. The data includes
non-ASCII names (Turkish dotless i, Greek final sigma, Icelandic, German ß), NULL foreign
keys, empty and odd notes (`%`, `_`, `\\`, quotes, U+2028, newlines), orders without items,
every order and payment status, unpaid, partly paid, paid, over-paid and zero-total orders,
timestamps spread over years with ties, with and without microseconds, and an inactive
customer who holds a token.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tqdm import tqdm

from gateway.db.models import (
    ORDER_STATUSES,
    ApiToken,
    City,
    Country,
    Customer,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    ShippingMethod,
    State,
)
from gateway.db.tokens import new_key
from gateway.errors import BadUserInput

BATCH = 5_000
EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2026, 10, 1, tzinfo=UTC) - EPOCH).total_seconds())
CENT = Decimal("0.01")

# (name, code, [(state, [cities])])
GEOGRAPHY: list[tuple[str, str, list[tuple[str, list[str]]]]] = [
    ("Türkiye", "TR", [("İstanbul", ["Kadıköy", "Beşiktaş"]), ("Ankara", ["Çankaya"])]),
    ("Ελλάδα", "GR", [("Αττική", ["Αθήνα", "Πειραιάς"]), ("Μακεδονία", ["Θεσσαλονίκη"])]),
    ("Ísland", "IS", [("Höfuðborgarsvæðið", ["Reykjavík", "Kópavogur"])]),
    ("Deutschland", "DE", [("Bayern", ["München", "Nürnberg"]), ("Berlin", ["Berlin"])]),
    ("United States", "US", [("New York", ["New York", "Buffalo"]), ("Texas", ["Austin"])]),
    ("España", "ES", [("Andalucía", ["Sevilla", "Málaga"])]),
    ("Österreich", "AT", [("Wien", ["Wien"])]),
    ("日本", "JP", [("東京都", ["新宿区"])]),
]
PAYMENT_METHODS = [
    ("Credit card", "card", True),
    ("PayPal", "paypal", True),
    ("Bank transfer", "bank_transfer", True),
    ("Cash on delivery", "cod", False),
    ("Gift card 100%", "gift_card", True),
]
SHIPPING_METHODS = [
    ("Standard", "standard", True),
    ("Express", "express", True),
    ("Pick-up in store", "pickup", True),
    ("Freight_legacy", "freight", False),
]
FIRST_NAMES = [
    "Ayşe", "Yıldız", "Γιώργος", "Ελένη", "Guðrún", "Jón", "Jürgen", "Anna", "María",
    "José", "Zoë", "Siobhán", "Łukasz", "Nguyễn", "Olivia", "Noah", "İsmail", "Ægir",
]  # fmt: skip
LAST_NAMES = [
    "Yılmaz", "Öztürk", "Παπαδόπουλος", "Κωνσταντίνου", "Guðmundsdóttir", "Strauß",
    "Müller", "García", "O'Brien", "Smith", "Nowak", "Trần", "Ísleifsson", "d'Arc",
]  # fmt: skip
NOTES = [
    "Please leave at the door.",
    "100% cotton_only",
    "back\\slash and 50% off_",
    "He said \"ring twice\" and 'knock'",
    "line one\nline two",
    "gift 🎁 wrap",
    "separator\u2028here\u2029too",
    "ıi İI ß ẞ ς Σ",
    "   padded   ",
    "Teslimat: kapıcıya bırakın",
    "Παράδοση το πρωί",
]
PRODUCTS = [
    (101, "Kaffeebohnen 1 kg"),
    (102, "Çay bardağı"),
    (103, "Ελαιόλαδο 500ml"),
    (104, "Lopapeysa sweater"),
    (105, "USB-C cable"),
    (106, "Notebook A5"),
    (107, "Espresso cup_set"),
    (108, "100% wool socks"),
]


@dataclass(frozen=True, slots=True)
class SeedOptions:
    """How much demo data to make.

    Attributes:
        orders: orders in all.
        customers: customers in all (at least 2: the demo customer and an inactive one).
        seed: random seed; the same seed gives the same data.
        demo_share: fraction of the orders that belong to customer 1, the demo customer.
        demo_orders: exactly this many orders for customer 1 instead (the benchmark's
            "one customer with 5,000 orders" at any total); None: use `demo_share`.
    """

    orders: int = 5_000
    customers: int = 50
    seed: int = 1
    demo_share: float = 0.5
    demo_orders: int | None = None

    @property
    def demo_order_count(self) -> int:
        if self.demo_orders is not None:
            return min(self.demo_orders, self.orders)
        return int(self.orders * self.demo_share)


@dataclass(slots=True)
class SeedSummary:
    customers: int = 0
    orders: int = 0
    items: int = 0
    payments: int = 0
    tokens: list[tuple[int, str, str]] = field(default_factory=list)  # (id, email, key)

    def describe(self) -> str:
        lines = [
            f"seeded {self.customers} customers, {self.orders} orders, {self.items} items, "
            f"{self.payments} payments",
            "demo tokens:",
        ]
        lines += [f"  {key}  customer {cid} <{email}>" for cid, email, key in self.tokens[:3]]
        return "\n".join(lines)


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low, high)) * CENT).quantize(CENT)


def _timestamp(rng: random.Random) -> datetime:
    moment = EPOCH + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    if rng.random() < 0.7:
        moment = moment.replace(microsecond=rng.randrange(1, 1_000_000))
    return moment


class _Generator:
    """Produces the rows; ids are assigned here so that the data is fully deterministic."""

    def __init__(self, options: SeedOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.cities: list[tuple[int, int, int]] = []  # (country, state, city)
        self.item_id = 0
        self.payment_id = 0

    def reference_rows(self) -> dict[Any, list[dict[str, Any]]]:
        countries: list[dict[str, Any]] = []
        states: list[dict[str, Any]] = []
        cities: list[dict[str, Any]] = []
        for country_id, (name, code, state_list) in enumerate(GEOGRAPHY, start=1):
            countries.append({"id": country_id, "name": name, "code": code})
            for state_name, city_names in state_list:
                state_id = len(states) + 1
                states.append({"id": state_id, "name": state_name, "country_id": country_id})
                for city_name in city_names:
                    city_id = len(cities) + 1
                    cities.append({"id": city_id, "name": city_name, "state_id": state_id})
                    self.cities.append((country_id, state_id, city_id))
        methods = [
            {"id": i, "name": n, "code": c, "is_active": a}
            for i, (n, c, a) in enumerate(PAYMENT_METHODS, start=1)
        ]
        shipping = [
            {"id": i, "name": n, "code": c, "is_active": a}
            for i, (n, c, a) in enumerate(SHIPPING_METHODS, start=1)
        ]
        return {
            Country: countries,
            State: states,
            City: cities,
            PaymentMethod: methods,
            ShippingMethod: shipping,
        }

    def customers(self) -> list[dict[str, Any]]:
        rows = []
        for customer_id in range(1, self.options.customers + 1):
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            email = "demo@example.com" if customer_id == 1 else f"customer{customer_id}@example.com"
            rows.append(
                {
                    "id": customer_id,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "mobile_number": f"+90 5{self.rng.randrange(10**8, 10**9)}",
                    "is_active": customer_id != 2,  # customer 2 is inactive (and has a token)
                    "date_joined": _timestamp(self.rng),
                }
            )
        return rows

    def _customer_for(self, order_id: int) -> int:
        if order_id <= self.options.demo_order_count or self.options.customers < 2:
            return 1
        return 2 + (order_id * 7919) % (self.options.customers - 1)

    def orders(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
        rng = self.rng
        previous_created = EPOCH
        for order_id in range(1, self.options.orders + 1):
            created = previous_created if rng.random() < 0.03 else _timestamp(rng)  # ties
            previous_created = created
            updated = created + timedelta(seconds=rng.choice([0, 0, 60, 3600, 86_400 * 3]))
            country = state = city = None
            roll = rng.random()
            if roll > 0.15:
                country, state, city = rng.choice(self.cities)
                if roll < 0.25:
                    city = None
            status = rng.choice(ORDER_STATUSES)
            discount = _money(rng, 0, 2_000) if rng.random() < 0.2 else Decimal("0.00")
            items = self._items(order_id)
            subtotal = sum((i["unit_price"] * i["quantity"] - i["discount"] for i in items),
                           Decimal("0.00"))  # fmt: skip
            shipping_cost = rng.choice([Decimal("0.00"), Decimal("4.99"), Decimal("12.50")])
            total = max(subtotal - discount + shipping_cost, Decimal("0.00"))
            order = {
                "id": order_id,
                "key": f"{order_id:06d}-{rng.getrandbits(64):016x}",
                "customer_id": self._customer_for(order_id),
                "status": status,
                "payment_method_id": None if rng.random() < 0.1 else rng.randint(1, 5),
                "shipping_method_id": None if rng.random() < 0.1 else rng.randint(1, 4),
                "shipping_cost": shipping_cost,
                "discount": discount,
                "notes": "" if rng.random() < 0.55 else rng.choice(NOTES),
                "billing_country_id": country,
                "billing_state_id": state,
                "billing_city_id": city,
                "billing_address": f"{rng.randint(1, 200)} {rng.choice(LAST_NAMES)} Sokağı",
                "billing_postal_code": f"{rng.randint(10000, 99999)}",
                "billing_national_code": f"{rng.randint(10**9, 10**10 - 1)}",
                "billing_mobile_number": f"+30 69{rng.randint(10**7, 10**8 - 1)}",
                "billing_first_name": rng.choice(FIRST_NAMES),
                "billing_last_name": rng.choice(LAST_NAMES),
                "created_at": created,
                "updated_at": updated,
            }
            yield order, items, self._payments(order_id, total, created)

    def _items(self, order_id: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
            product_id, name = rng.choice(PRODUCTS)
            self.item_id += 1
            rows.append(
                {
                    "id": self.item_id,
                    "order_id": order_id,
                    "product_id": product_id,
                    "product_name": name,
                    "unit_price": _money(rng, 1, 25_000),
                    "quantity": rng.choice([0, 1, 1, 2, 3, 10]),
                    "discount": _money(rng, 0, 500) if rng.random() < 0.3 else Decimal("0.00"),
                }
            )
        return rows

    def _payments(self, order_id: int, total: Decimal, created: datetime) -> list[dict[str, Any]]:
        rng = self.rng
        case = rng.choice(["none", "partial", "exact", "exact", "over", "failed", "refunded"])
        amounts: list[tuple[Decimal, str]] = []
        if case == "partial" and total > CENT:
            amounts.append(((total / 2).quantize(CENT), "succeeded"))
            amounts.append(((total / 2).quantize(CENT), "pending"))
        elif case == "exact":
            amounts.append((total, "succeeded"))
        elif case == "over":
            amounts.append((total + _money(rng, 1, 1_000), "succeeded"))
        elif case == "failed":
            amounts += [(total, "failed"), (total, "succeeded")]
        elif case == "refunded":
            amounts.append((total, "refunded"))
        rows = []
        for amount, status in amounts:
            self.payment_id += 1
            rows.append(
                {
                    "id": self.payment_id,
                    "order_id": order_id,
                    "amount": amount,
                    "status": status,
                    "created_at": created + timedelta(minutes=rng.randint(0, 600)),
                }
            )
        return rows


async def _insert(connection: AsyncConnection, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        await connection.execute(insert(model), rows)


async def _reset_identities(connection: AsyncConnection) -> None:
    """Explicit ids leave PostgreSQL's identity sequences behind; move them past the data."""
    for model in (Country, State, City, PaymentMethod, ShippingMethod, Customer, Order,
                  OrderItem, Payment):  # fmt: skip
        table = model.__tablename__
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), 1))"
            )
        )


async def seed_database(
    engine: AsyncEngine, options: SeedOptions, *, progress: bool = False
) -> SeedSummary:
    """Fill an empty database (tables must exist). Refuses one that has customers."""
    if options.customers < 2 or options.orders < 0:
        raise BadUserInput("seed needs at least 2 customers and a non-negative order count")
    if options.demo_orders is not None and options.demo_orders < 0:
        raise BadUserInput("seed needs a non-negative number of demo orders")
    generator = _Generator(options)
    summary = SeedSummary()
    async with engine.begin() as connection:
        if (await connection.execute(select(func.count()).select_from(Customer))).scalar():
            raise BadUserInput("the database already has customers; seed only an empty one")
        for model, rows in generator.reference_rows().items():
            await _insert(connection, model, rows)
        customers = generator.customers()
        await _insert(connection, Customer, customers)
        tokens = [
            {"key": new_key(), "customer_id": c["id"], "created_at": c["date_joined"]}
            for c in customers
        ]
        await _insert(connection, ApiToken, tokens)
        summary.customers = len(customers)
        summary.tokens = [(t["customer_id"], c["email"], t["key"]) for t, c in
                          zip(tokens, customers, strict=True)]  # fmt: skip
        batch: dict[Any, list[dict[str, Any]]] = {Order: [], OrderItem: [], Payment: []}
        bar = tqdm(total=options.orders, unit="order", disable=not progress)
        for order, items, payments in generator.orders():
            batch[Order].append(order)
            batch[OrderItem].extend(items)
            batch[Payment].extend(payments)
            if len(batch[Order]) >= BATCH:
                await _flush(connection, batch, summary, bar)
        await _flush(connection, batch, summary, bar)
        bar.close()
        if connection.dialect.name == "postgresql":
            await _reset_identities(connection)
    return summary


async def _flush(
    connection: AsyncConnection,
    batch: dict[Any, list[dict[str, Any]]],
    summary: SeedSummary,
    bar: Any,
) -> None:
    for model, rows in batch.items():
        await _insert(connection, model, rows)
    summary.orders += len(batch[Order])
    summary.items += len(batch[OrderItem])
    summary.payments += len(batch[Payment])
    bar.update(len(batch[Order]))
    for rows in batch.values():
        rows.clear()
