"""The models map the shop's legacy tables exactly, in both directions, on both backends.

(a) A database created from the shop's own DDL, holding rows written the way Django writes
them, reads back through the models and the order-query core with exact values.
(b) Tables created from the models match that DDL, compared through SQLAlchemy's inspector.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.bootstrap import create_tables
from gateway.db.engine import create_engine, create_session_factory
from gateway.db.models import ApiToken, Base, Customer, Order, OrderItem, Payment
from gateway.orders import OrderQuery, Window, fetch_orders
from gateway.settings import Settings
from tests.conftest import SQLITE_ONLY

# --- (a) the models read a database made by the shop's DDL ----------------------------------


def _literal(value: object, backend: str) -> str:
    """A SQL literal as Django's drivers would bind the value: decimals and timestamps as
    text (timestamps UTC; with an explicit offset on PostgreSQL), booleans as 0/1 on SQLite."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        if backend == "sqlite":
            return "1" if value else "0"
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Stamp):
        return f"'{value.text}'" if backend == "sqlite" else f"'{value.text}+00:00'"
    assert isinstance(value, str)
    return "'" + value.replace("'", "''") + "'"


class Stamp:
    """A UTC timestamp as Django writes it: `YYYY-MM-DD HH:MM:SS[.ffffff]`."""

    def __init__(self, text: str) -> None:
        self.text = text


ROWS: list[tuple[str, dict[str, object]]] = [
    ("shop_country", {"id": 1, "name": "Türkiye", "code": "TR"}),
    ("shop_state", {"id": 1, "name": "İstanbul", "country_id": 1}),
    ("shop_city", {"id": 1, "name": "Kadıköy", "state_id": 1}),
    ("shop_paymentmethod", {"id": 1, "name": "Credit card", "code": "card", "is_active": True}),
    ("shop_shippingmethod", {"id": 1, "name": "Express", "code": "express", "is_active": False}),
    ("shop_customer", {"id": 1, "first_name": "Ayşe", "last_name": "Yılmaz",
                       "email": "ayse@example.com", "mobile_number": "+90 555 000 00 00",
                       "is_active": True, "date_joined": Stamp("2019-05-06 07:08:09")}),
    ("shop_customer", {"id": 2, "first_name": "Γιώργος", "last_name": "Παπαδόπουλος",
                       "email": "giorgos@example.com", "mobile_number": "", "is_active": False,
                       "date_joined": Stamp("2020-01-02 03:04:05.000001")}),
    ("shop_apitoken", {"key": "0123456789abcdef0123456789abcdef01234567", "customer_id": 2,
                       "created_at": Stamp("2024-01-01 00:00:00.500000")}),
    ("shop_order", {"id": 1, "key": "K-1", "customer_id": 1, "status": "processing",
                    "payment_method_id": 1, "shipping_method_id": 1, "shipping_cost": "4.99",
                    "discount": "0.30", "notes": "ıi İI ß 'quoted'", "billing_country_id": 1,
                    "billing_state_id": 1, "billing_city_id": 1,
                    "billing_address": "Moda Cd. 1", "billing_postal_code": "34710",
                    "billing_national_code": "1234567890",
                    "billing_mobile_number": "+90 555 111 22 33", "billing_first_name": "Ayşe",
                    "billing_last_name": "Yılmaz", "created_at": Stamp("2024-03-01 12:00:00"),
                    "updated_at": Stamp("2024-03-01 12:00:00.123456")}),
    ("shop_order", {"id": 2, "key": "K-2", "customer_id": 1, "status": "deleted",
                    "payment_method_id": None, "shipping_method_id": None,
                    "shipping_cost": "0.00", "discount": "0.00", "notes": "",
                    "billing_country_id": None, "billing_state_id": None,
                    "billing_city_id": None, "billing_address": "", "billing_postal_code": "",
                    "billing_national_code": "", "billing_mobile_number": "",
                    "billing_first_name": "", "billing_last_name": "",
                    "created_at": Stamp("2023-12-31 23:59:59.999999"),
                    "updated_at": Stamp("2024-01-01 00:00:00")}),
    ("shop_orderitem", {"id": 1, "order_id": 1, "product_id": 7, "product_name": "Çay",
                        "unit_price": "0.10", "quantity": 3, "discount": "0.00"}),
    ("shop_orderitem", {"id": 2, "order_id": 1, "product_id": 7, "product_name": "Çay",
                        "unit_price": "0.20", "quantity": 1, "discount": "0.05"}),
    ("shop_orderitem", {"id": 3, "order_id": 1, "product_id": 8, "product_name": "Yacht",
                        "unit_price": "1234567890.12", "quantity": 1, "discount": "0.00"}),
    ("shop_payment", {"id": 1, "order_id": 1, "amount": "0.10", "status": "succeeded",
                      "created_at": Stamp("2024-03-01 12:05:00")}),
    ("shop_payment", {"id": 2, "order_id": 1, "amount": "0.20", "status": "succeeded",
                      "created_at": Stamp("2024-03-01 12:06:00.000001")}),
    ("shop_payment", {"id": 3, "order_id": 1, "amount": "1000.00", "status": "pending",
                      "created_at": Stamp("2024-03-01 12:07:00")}),
    ("shop_payment", {"id": 4, "order_id": 1, "amount": "5.00", "status": "failed",
                      "created_at": Stamp("2024-03-01 12:08:00")}),
]  # fmt: skip


async def _insert_django_rows(engine: AsyncEngine, backend: str) -> None:
    async with engine.begin() as connection:
        for table, values in ROWS:
            columns = ", ".join(f'"{name}"' for name in values)
            literals = ", ".join(_literal(value, backend) for value in values.values())
            await connection.exec_driver_sql(
                f'INSERT INTO "{table}" ({columns}) VALUES ({literals})'
            )


@SQLITE_ONLY
async def test_sqlite_stores_django_values_with_numeric_affinity(legacy_engine, backend):
    # Given rows written as Django writes them
    await _insert_django_rows(legacy_engine, backend)

    # Then SQLite keeps decimals as floats or integers and timestamps as text: the types
    # below must turn those into exact values
    async with legacy_engine.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT typeof(shipping_cost), typeof(discount), typeof(created_at), created_at "
            "FROM shop_order ORDER BY id"
        )
        assert result.all() == [
            ("real", "real", "text", "2024-03-01 12:00:00"),
            ("integer", "integer", "text", "2023-12-31 23:59:59.999999"),
        ]


async def test_models_read_rows_written_by_django(legacy_engine, backend):
    # Given rows written as Django writes them, in tables made by the shop's DDL
    await _insert_django_rows(legacy_engine, backend)

    # When they are read through the models
    async with create_session_factory(legacy_engine)() as session:
        order = await session.get(Order, 1)
        empty = await session.get(Order, 2)
        active = await session.get(Customer, 1)
        inactive = await session.get(Customer, 2)
        token = await session.get(ApiToken, "0123456789abcdef0123456789abcdef01234567")
        prices = (await session.scalars(select(OrderItem.unit_price).order_by("id"))).all()
        amounts = (await session.scalars(select(Payment.amount).order_by("id"))).all()

    # Then every value is exact: Decimals to the cent, aware UTC datetimes, real booleans
    assert order is not None
    assert empty is not None
    assert (order.shipping_cost, order.discount) == (Decimal("4.99"), Decimal("0.30"))
    assert str(empty.shipping_cost) == "0.00"
    assert prices == [Decimal("0.10"), Decimal("0.20"), Decimal("1234567890.12")]
    assert [str(p) for p in prices] == ["0.10", "0.20", "1234567890.12"]
    assert amounts == [Decimal("0.10"), Decimal("0.20"), Decimal("1000.00"), Decimal("5.00")]
    assert order.created_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert order.created_at.tzinfo is UTC
    assert order.updated_at == datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert empty.created_at == datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert order.notes == "ıi İI ß 'quoted'"
    assert (empty.payment_method_id, empty.billing_city_id) == (None, None)
    assert active is not None
    assert inactive is not None
    assert active.is_active is True
    assert inactive.is_active is False
    assert inactive.date_joined == datetime(2020, 1, 2, 3, 4, 5, 1, tzinfo=UTC)
    assert token is not None
    assert token.customer_id == 2
    assert token.created_at == datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)


async def test_order_core_reads_rows_written_by_django(legacy_engine, backend):
    # Given rows written as Django writes them
    await _insert_django_rows(legacy_engine, backend)

    # When the order-query core reads customer 1's orders
    async with create_session_factory(legacy_engine)() as session:
        records = await fetch_orders(session, OrderQuery(customer_id=1), Window(limit=10))

    # Then newest first, with references and exact computed fields
    assert [r.id for r in records] == [1, 2]
    first, second = records
    assert first.created_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert first.billing_city is not None
    assert first.billing_city.name == "Kadıköy"
    assert first.payment_method is not None
    assert first.payment_method.code == "card"
    totals = first.totals
    assert (totals.count, totals.quantity) == (2, 5)
    assert totals.items_subtotal == Decimal("1234567890.62")
    assert totals.items_discount == Decimal("0.05")
    assert totals.subtotal == Decimal("1234567890.57")
    assert totals.total_discount == Decimal("0.35")
    assert totals.total == Decimal("1234567895.26")
    assert totals.amount_paid == Decimal("0.30")
    assert totals.amount_outstanding == Decimal("1234567894.96")
    assert (totals.is_paid, totals.is_payable) == (False, True)
    assert second.created_at == datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert (second.billing_country, second.billing_state, second.payment_method) == (
        None,
        None,
        None,
    )
    assert second.totals.total == Decimal("0.00")
    assert (second.totals.is_paid, second.totals.is_payable) == (True, False)


# --- (b) tables created from the models match the DDL ----------------------------------------


def describe_schema(connection: Connection) -> dict[str, dict[str, Any]]:
    """Everything the inspector reports about each table, normalised so that two spellings
    of the same schema compare equal (SQLite: inline vs table-level constraints)."""
    inspector = inspect(connection)
    sqlite = connection.dialect.name == "sqlite"
    tables: dict[str, dict[str, Any]] = {}
    for table in inspector.get_table_names():
        declared = {}
        create_sql = ""
        if sqlite:
            info = connection.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
            declared = {row[1]: row[2].lower() for row in info}
            create_sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).scalar_one()
        columns = [
            {
                "name": column["name"],
                "type": column["type"].compile(dialect=connection.dialect).lower(),
                "declared": declared.get(column["name"]),
                "nullable": column["nullable"],
                "identity": column.get("identity"),
                "default": column.get("default"),
            }
            for column in inspector.get_columns(table)
        ]
        foreign_keys = {
            tuple(fk["constrained_columns"]): (
                f"{fk['referred_table']}.{','.join(fk['referred_columns'])}",
                # SQLite does not report names or DEFERRABLE of inline REFERENCES clauses.
                None if sqlite else fk["name"],
                None if sqlite else fk["options"],
            )
            for fk in inspector.get_foreign_keys(table)
        }
        indexes = inspector.get_indexes(table, include_auto_indexes=sqlite)
        if sqlite:
            # Inline `UNIQUE` is not reflected as a constraint; its automatic index is.
            auto = "sqlite_autoindex_"
            uniques = sorted(
                tuple(i["column_names"]) for i in indexes if i["name"].startswith(auto)
            )
            indexes = [i for i in indexes if not i["name"].startswith(auto)]
        else:
            uniques = sorted(
                (u["name"], *u["column_names"]) for u in inspector.get_unique_constraints(table)
            )
        tables[table] = {
            "columns": columns,
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": foreign_keys,
            "deferred_foreign_keys": create_sql.upper().count("DEFERRABLE INITIALLY DEFERRED"),
            "autoincrement": "AUTOINCREMENT" in create_sql.upper(),
            "unique": uniques,
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]), i.get("dialect_options"))
                for i in indexes
            ),
            "checks": sorted(
                (c["name"], c["sqltext"]) for c in inspector.get_check_constraints(table)
            ),
        }
    return tables


async def _describe(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    async with engine.connect() as connection:
        return await connection.run_sync(describe_schema)


async def test_tables_created_from_models_match_the_legacy_ddl(
    legacy_engine, other_settings: Settings, backend
):
    # Given one database from the shop's DDL and one from the models
    models_engine = create_engine(other_settings)
    try:
        await create_tables(models_engine)
        from_models = await _describe(models_engine)
    finally:
        await models_engine.dispose()

    # When both are reflected
    legacy = await _describe(legacy_engine)

    # Then the reflection is not vacuous ...
    assert sorted(legacy) == sorted(Base.metadata.tables)
    order = legacy["shop_order"]
    assert len(order["columns"]) == 20
    assert order["foreign_keys"][("billing_state_id",)][0] == "shop_state.id"
    assert ("key",) in [tuple(u[-1:]) for u in order["unique"]]
    assert len(legacy["shop_orderitem"]["checks"]) == 2
    if backend == "sqlite":
        assert order["deferred_foreign_keys"] == 6
        assert order["autoincrement"] is True
        assert legacy["shop_orderitem"]["columns"][1]["declared"] == "integer unsigned"
    else:
        assert order["columns"][0]["identity"]["always"] is False
        like = {i[0]: i[3] for i in order["indexes"]}["shop_order_key_c7e630fd_like"]
        assert like["postgresql_ops"] == {"key": "varchar_pattern_ops"}
    # ... and table by table, aspect by aspect, the models' tables are the DDL's
    for table, expected in legacy.items():
        for aspect, value in expected.items():
            assert (table, aspect, from_models[table][aspect]) == (table, aspect, value)
