"""The shop's ten legacy tables, mapped exactly as its Django migrations create them.

Names, types, nullability, foreign keys and indexes follow `tests/fixtures/legacy-schema/`;
`tests/db/test_models.py` proves both directions on SQLite and PostgreSQL. The gateway only
reads these tables in production; it creates them only for the demo database and tests.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Identity, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gateway.db.types import LegacyBool, Money, UTCDateTime, unsigned_integer

# Django on SQLite declares its AutoField ids `integer NOT NULL PRIMARY KEY AUTOINCREMENT`.
SQLITE_TABLE = {"sqlite_autoincrement": True}


def _fk(target: str, name: str) -> ForeignKey:
    """Django's foreign keys: deferrable, initially deferred, under Django's constraint name
    (PostgreSQL keeps the name; SQLite ignores it)."""
    return ForeignKey(target, name=name, deferrable=True, initially="DEFERRED")


def _id() -> Mapped[int]:
    return mapped_column(Integer, Identity(), primary_key=True)


def _like_index(name: str, column: str) -> Index:
    """PostgreSQL `varchar_pattern_ops` index Django adds beside unique text columns."""
    index = Index(name, column, postgresql_ops={column: "varchar_pattern_ops"})
    return index.ddl_if(dialect="postgresql")


class Base(DeclarativeBase):
    pass


class Country(Base):
    __tablename__ = "shop_country"
    __table_args__ = (_like_index("shop_country_code_5e1a8fd6_like", "code"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(2), unique=True)


class State(Base):
    __tablename__ = "shop_state"
    __table_args__ = (Index("shop_state_country_id_8baa6f41", "country_id"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    country_id: Mapped[int] = mapped_column(
        _fk("shop_country.id", "shop_state_country_id_8baa6f41_fk_shop_country_id")
    )


class City(Base):
    __tablename__ = "shop_city"
    __table_args__ = (Index("shop_city_state_id_ab455e45", "state_id"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    state_id: Mapped[int] = mapped_column(
        _fk("shop_state.id", "shop_city_state_id_ab455e45_fk_shop_state_id")
    )


class PaymentMethod(Base):
    __tablename__ = "shop_paymentmethod"
    __table_args__ = (_like_index("shop_paymentmethod_code_583a880d_like", "code"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    is_active: Mapped[bool] = mapped_column(LegacyBool)


class ShippingMethod(Base):
    __tablename__ = "shop_shippingmethod"
    __table_args__ = (
        _like_index("shop_shippingmethod_code_f2ca06e6_like", "code"),
        SQLITE_TABLE,
    )

    id: Mapped[int] = _id()
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    is_active: Mapped[bool] = mapped_column(LegacyBool)


class Customer(Base):
    __tablename__ = "shop_customer"
    __table_args__ = (_like_index("shop_customer_email_d3fdf104_like", "email"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    first_name: Mapped[str] = mapped_column(String(150))
    last_name: Mapped[str] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    mobile_number: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(LegacyBool)
    date_joined: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "shop_apitoken"
    __table_args__ = (
        _like_index("shop_apitoken_key_f37adda8_like", "key"),
        Index("shop_apitoken_customer_id_e3d05dd3", "customer_id"),
    )

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    customer_id: Mapped[int] = mapped_column(
        _fk("shop_customer.id", "shop_apitoken_customer_id_e3d05dd3_fk_shop_customer_id")
    )


class Order(Base):
    __tablename__ = "shop_order"
    __table_args__ = (
        Index("shop_order_custome_bba322_idx", "customer_id", "created_at"),
        _like_index("shop_order_key_c7e630fd_like", "key"),
        Index("shop_order_created_at_689003eb", "created_at"),
        Index("shop_order_billing_city_id_5007ef46", "billing_city_id"),
        Index("shop_order_billing_country_id_0d620613", "billing_country_id"),
        Index("shop_order_customer_id_f638df20", "customer_id"),
        Index("shop_order_payment_method_id_5dd44fc4", "payment_method_id"),
        Index("shop_order_shipping_method_id_565197cb", "shipping_method_id"),
        Index("shop_order_billing_state_id_43d1a876", "billing_state_id"),
        SQLITE_TABLE,
    )

    id: Mapped[int] = _id()
    key: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    shipping_cost: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str] = mapped_column(Text)
    billing_address: Mapped[str] = mapped_column(Text)
    billing_postal_code: Mapped[str] = mapped_column(String(20))
    billing_national_code: Mapped[str] = mapped_column(String(20))
    billing_mobile_number: Mapped[str] = mapped_column(String(20))
    billing_first_name: Mapped[str] = mapped_column(String(150))
    billing_last_name: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    billing_city_id: Mapped[int | None] = mapped_column(
        _fk("shop_city.id", "shop_order_billing_city_id_5007ef46_fk_shop_city_id")
    )
    billing_country_id: Mapped[int | None] = mapped_column(
        _fk("shop_country.id", "shop_order_billing_country_id_0d620613_fk_shop_country_id")
    )
    customer_id: Mapped[int] = mapped_column(
        _fk("shop_customer.id", "shop_order_customer_id_f638df20_fk_shop_customer_id")
    )
    payment_method_id: Mapped[int | None] = mapped_column(
        _fk(
            "shop_paymentmethod.id",
            "shop_order_payment_method_id_5dd44fc4_fk_shop_paymentmethod_id",
        )
    )
    shipping_method_id: Mapped[int | None] = mapped_column(
        _fk("shop_shippingmethod.id", "shop_order_shipping_method_id_565197cb_fk_shop_ship")
    )
    billing_state_id: Mapped[int | None] = mapped_column(
        _fk("shop_state.id", "shop_order_billing_state_id_43d1a876_fk_shop_state_id")
    )


class OrderItem(Base):
    __tablename__ = "shop_orderitem"
    __table_args__ = (
        CheckConstraint('"product_id" >= 0'),
        CheckConstraint('"quantity" >= 0'),
        Index("shop_orderitem_order_id_2f1b00cf", "order_id"),
        SQLITE_TABLE,
    )

    id: Mapped[int] = _id()
    product_id: Mapped[int] = mapped_column(unsigned_integer())
    product_name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int] = mapped_column(unsigned_integer())
    discount: Mapped[Decimal] = mapped_column(Money)
    order_id: Mapped[int] = mapped_column(
        _fk("shop_order.id", "shop_orderitem_order_id_2f1b00cf_fk_shop_order_id")
    )


class Payment(Base):
    __tablename__ = "shop_payment"
    __table_args__ = (Index("shop_payment_order_id_20828773", "order_id"), SQLITE_TABLE)

    id: Mapped[int] = _id()
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    order_id: Mapped[int] = mapped_column(
        _fk("shop_order.id", "shop_payment_order_id_20828773_fk_shop_order_id")
    )


ORDER_STATUSES = (
    "new",
    "hold",
    "failed",
    "cancelled",
    "processing",
    "shipped",
    "completed",
    "refunded",
    "deleted",
)
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded")
