"""Trigram indexes for search (PostgreSQL only): `pg_trgm` GIN indexes on exactly the
expressions the search compares, `upper(<field>)`, so `upper(<field>) LIKE upper('%term%')`
can be answered from an index for terms of three characters or more.

The expressions are those of `orders.search.SEARCH_FIELDS` as PostgreSQL receives them
(`folded_upper` is plain `upper` there). The order's own fields are indexed after
`customer_id` (`btree_gin` lets a GIN index hold it), so a lookup reads only the customer's
matching orders, not every order of the shop whose field contains a common term; the joined
names are indexed on their reference tables. The index only narrows the rows: PostgreSQL
rechecks every candidate against the LIKE itself, so answers (Unicode folding included) are
the ones without the index. The search uses them when `search_indexes_ready` says they are
all there (`orders.search.indexed_search_condition`). SQLite has no trigram index: its
search stays a scan of the customer's orders.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.indexes import IndexSpec, create_indexes, drop_indexes
from gateway.db.stored import schema_prefix

# (index name, table, indexed expression), in the order of the search's fields.
_FIELDS = (
    ("gw_order_search_id_idx", "shop_order", "upper(CAST(id AS TEXT))"),
    ("gw_order_search_key_idx", "shop_order", "upper(key)"),
    ("gw_order_search_notes_idx", "shop_order", "upper(notes)"),
    ("gw_country_search_name_idx", "shop_country", "upper(name)"),
    ("gw_state_search_name_idx", "shop_state", "upper(name)"),
    ("gw_city_search_name_idx", "shop_city", "upper(name)"),
    ("gw_order_search_first_name_idx", "shop_order", "upper(billing_first_name)"),
    ("gw_order_search_last_name_idx", "shop_order", "upper(billing_last_name)"),
    ("gw_order_search_mobile_idx", "shop_order", "upper(billing_mobile_number)"),
)
SEARCH_INDEX_NAMES = tuple(name for name, _table, _expression in _FIELDS)
# The indexes the search is spelled for: those on the order's own fields.
ORDER_SEARCH_INDEXES = tuple(name for name, table, _ in _FIELDS if table == "shop_order")
_EXTENSIONS = ("pg_trgm", "btree_gin")
NO_EXTENSION = (
    "skipped the search indexes: pg_trgm or btree_gin is not installed "
    "and this user may not create it"
)


def search_index_specs(operator_schema: str) -> tuple[IndexSpec, ...]:
    """The indexes, naming the operator class in the schema pg_trgm was installed in."""
    return tuple(
        IndexSpec(
            name,
            table,
            (
                *(("customer_id",) if table == "shop_order" else ()),
                f"{expression} {operator_schema}.gin_trgm_ops",
            ),
            "search: substring match of an upper-cased field"
            + (" of the customer's orders" if table == "shop_order" else ""),
            method="gin",
        )
        for name, table, expression in _FIELDS
    )


async def search_indexes_ready(connection: AsyncConnection) -> bool:
    """Whether the order fields' trigram indexes are all present and valid (one catalogue
    read; always False on SQLite). Never writes."""
    if connection.dialect.name != "postgresql":
        return False
    prefix = schema_prefix(connection)
    names = {f"index{n}": prefix + name for n, name in enumerate(ORDER_SEARCH_INDEXES)}
    present = text(
        "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid IN ("
        + ", ".join(f"to_regclass(:{key})" for key in names)
        + ")"
    )
    return (await connection.execute(present, names)).scalar() == len(names)


async def _trigram_schema(engine: AsyncEngine, *, create: bool) -> str | None:
    """The (quoted) schema of pg_trgm, installing it and btree_gin first if asked and
    allowed; None when either is not installed (or may not be)."""
    async with engine.connect() as base:
        connection = await base.execution_options(isolation_level="AUTOCOMMIT")
        if create:
            for extension in _EXTENSIONS:
                try:
                    await connection.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {extension}")
                except DBAPIError as error:
                    if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
                        raise
        schema = (
            await connection.execute(
                text(
                    "SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension "
                    "WHERE extname = 'pg_trgm' AND EXISTS "
                    "(SELECT FROM pg_extension WHERE extname = 'btree_gin')"
                )
            )
        ).scalar()
    return None if schema is None else str(schema)


async def create_search_indexes(engine: AsyncEngine) -> list[str]:
    """Create the missing trigram indexes (none on SQLite); what was done, one line each."""
    if engine.dialect.name != "postgresql":
        return []
    schema = await _trigram_schema(engine, create=True)
    if schema is None:
        return [NO_EXTENSION]
    created = await create_indexes(engine, search_index_specs(schema))
    if created:
        # An index's expressions get statistics from ANALYZE only; without them the planner
        # guesses how many orders a term matches, and may read all of a customer's orders.
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE shop_order"))
    return [f"created {name}" for name in created]


async def drop_search_indexes(engine: AsyncEngine) -> list[str]:
    """Drop the trigram indexes (pg_trgm and btree_gin stay: other users may rely on them)."""
    if engine.dialect.name != "postgresql":
        return []
    # Dropping needs only the names; the operator class in the specs is not used.
    specs = search_index_specs("public")
    return [f"dropped {name}" for name in await drop_indexes(engine, specs)]
