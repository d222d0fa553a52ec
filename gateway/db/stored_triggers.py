"""The refresh of stored order totals, and the triggers that run it on the shop's writes.

One refresh serves the triggers (one order) and the installer's back-fill (a range of
orders): make each selected order's `gw_order_totals` row equal to `order_sums` for it, and
remove the rows of orders that no longer exist. On PostgreSQL it is four statements, so that
concurrent writers under READ COMMITTED cannot lose an update:

1. insert the row of each selected order that has none (`ON CONFLICT DO NOTHING`: an
   uncommitted row of another transaction is waited for), so that step 2 has a row to lock;
   its values may be stale (this statement's snapshot), step 3 corrects them;
2. lock the rows (`FOR UPDATE`): a second transaction writing to the same order waits here
   until the first commits;
3. recompute them from the legacy tables with `order_sums`, in a new statement, hence a new
   snapshot that sees every write committed before the lock was granted (rows already
   right are not written again);
4. delete the rows of selected orders that are gone.

A PL/pgSQL function runs each statement with a fresh snapshot (it is VOLATILE), so the
refresh function is these statements, compiled once with the order id as its variable. The
PostgreSQL triggers are constraint triggers deferred to commit: a transaction's refreshes run
when it commits, so the totals row is locked only from then to the end of the commit, not
from its first write on. Two transactions writing to the same order then wait on each other
for the length of a commit and no longer, and a transaction that wrote to several orders
rarely meets another in the opposite order (a deadlock; PostgreSQL aborts one of them).
SQLite serialises writers, so its triggers run the same statements, without the lock, at
once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    Insert,
    Select,
    Update,
    delete,
    exists,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import InstrumentedAttribute

from gateway.db.models import Order
from gateway.db.stored import WATCHED_TABLES, order_sums, order_totals, trigger_names

# A condition on an order id column: which orders a refresh is for.
OrderIds = Callable[[ColumnElement[int] | InstrumentedAttribute[int]], ColumnElement[bool]]
# The statements' SQL is rendered for these dialects (no driver needed).
_POSTGRESQL: Dialect = make_url("postgresql://").get_dialect()()
_SQLITE: Dialect = SQLiteDialect()

Refresh = Insert | Select[Any] | Update | Delete
_SUMS = [column.name for column in order_totals.columns if column.name != "order_id"]
_REFRESH_FUNCTION = "gw_order_totals_refresh"


def refresh_statements(dialect_name: str, orders: OrderIds) -> list[Refresh]:
    """Steps 1 to 4 above for the orders whose id satisfies `orders` (no lock on SQLite)."""
    dialect_insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    insert_missing = (
        dialect_insert(order_totals)
        .from_select([column.name for column in order_totals.columns], order_sums(orders(Order.id)))
        .on_conflict_do_nothing(index_elements=["order_id"])
    )
    sums = order_sums(orders(Order.id)).subquery("gw_sums")
    recompute = (
        order_totals.update()
        .values({name: sums.c[name] for name in _SUMS})
        .where(
            order_totals.c.order_id == sums.c.order_id,
            or_(*(order_totals.c[name].is_distinct_from(sums.c[name]) for name in _SUMS)),
        )
    )
    gone = delete(order_totals).where(
        orders(order_totals.c.order_id),
        ~exists().where(Order.id == order_totals.c.order_id),
    )
    if dialect_name != "postgresql":
        return [insert_missing, recompute, gone]
    lock = select(order_totals.c.order_id).where(orders(order_totals.c.order_id)).with_for_update()
    return [insert_missing, lock, recompute, gone]


def _sql(statement: Refresh, dialect: Dialect, schema: str | None) -> str:
    """A statement as literal SQL text, its tables named in `schema` when given."""
    options: dict[str, Any] = {}
    if schema:
        options = {"schema_translate_map": {None: schema}, "render_schema_translate": True}
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}, **options)
    return str(compiled).strip()


def _postgresql_refresh_function(qualify: Callable[[str], str], schema: str | None) -> str:
    dialect = _POSTGRESQL
    steps = []
    for statement in refresh_statements("postgresql", order_is("gw_target")):
        sql = _sql(statement, dialect, schema)
        # PL/pgSQL runs a SELECT whose rows it discards as PERFORM.
        steps.append("PERFORM" + sql.removeprefix("SELECT") if sql.startswith("SELECT") else sql)
    body = ";\n    ".join(steps)
    return (
        f"CREATE OR REPLACE FUNCTION {qualify(_REFRESH_FUNCTION)}(gw_target integer) "
        "RETURNS void LANGUAGE plpgsql AS $gw$\n"
        f"BEGIN\n    {body};\nEND\n$gw$"
    )


def _postgresql_trigger_function(table: str, qualify: Callable[[str], str]) -> str:
    key, _columns = WATCHED_TABLES[table]
    refresh = qualify(_REFRESH_FUNCTION)
    return (
        f"CREATE OR REPLACE FUNCTION {qualify(f'gw_order_totals_{table}')}() "
        "RETURNS trigger LANGUAGE plpgsql AS $gw$\n"
        "BEGIN\n"
        "    IF TG_OP = 'INSERT' THEN\n"
        f"        PERFORM {refresh}(NEW.{key});\n"
        "    ELSIF TG_OP = 'DELETE' THEN\n"
        f"        PERFORM {refresh}(OLD.{key});\n"
        "    ELSE\n"
        "        -- A row moved to another order changes both; the lower id is locked first.\n"
        f"        PERFORM {refresh}(least(OLD.{key}, NEW.{key}));\n"
        f"        IF OLD.{key} <> NEW.{key} THEN\n"
        f"            PERFORM {refresh}(greatest(OLD.{key}, NEW.{key}));\n"
        "        END IF;\n"
        "    END IF;\n"
        "    RETURN NULL;\n"
        "END\n$gw$"
    )


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in columns)


# Fired at commit: the totals row is locked from then to the end of the commit only.
_AT_COMMIT = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"


def postgresql_install_ddl(schema: str | None) -> list[str]:
    """The functions and triggers, replacing any earlier ones (one transaction)."""
    preparer = _POSTGRESQL.identifier_preparer
    prefix = preparer.quote_schema(schema) + "." if schema else ""

    def qualify(name: str) -> str:
        return prefix + name

    statements = [_postgresql_refresh_function(qualify, schema)]
    for table, (_key, columns) in WATCHED_TABLES.items():
        function = qualify(f"gw_order_totals_{table}")
        statements.append(_postgresql_trigger_function(table, qualify))
        write, update = (f"gw_order_totals_{table}_{event}" for event in ("write", "update"))
        statements += [
            f"DROP TRIGGER IF EXISTS {write} ON {qualify(table)}",
            f"DROP TRIGGER IF EXISTS {update} ON {qualify(table)}",
            f"CREATE CONSTRAINT TRIGGER {write} AFTER INSERT OR DELETE ON {qualify(table)} "
            f"{_AT_COMMIT} EXECUTE FUNCTION {function}()",
            f"CREATE CONSTRAINT TRIGGER {update} AFTER UPDATE OF {', '.join(columns)} "
            f"ON {qualify(table)} {_AT_COMMIT} "
            f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}()",
        ]
    return statements


def postgresql_drop_ddl(schema: str | None) -> list[str]:
    """Triggers, then functions (`IF EXISTS`: a partial install drops too)."""
    preparer = _POSTGRESQL.identifier_preparer
    prefix = preparer.quote_schema(schema) + "." if schema else ""
    statements = []
    for table in WATCHED_TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS gw_order_totals_{table}_{event} ON {prefix}{table}"
            for event in ("write", "update")
        ]
        statements.append(f"DROP FUNCTION IF EXISTS {prefix}gw_order_totals_{table}()")
    statements.append(f"DROP FUNCTION IF EXISTS {prefix}{_REFRESH_FUNCTION}(integer)")
    return statements


def order_is(*values: str) -> OrderIds:
    """Orders whose id is one of these SQL expressions (a variable, `NEW.order_id`, …)."""
    if len(values) == 1:
        return lambda column: column == literal_column(values[0])
    return lambda column: column.in_([literal_column(value) for value in values])


def _sqlite_trigger(table: str, event: str) -> str:
    key, columns = WATCHED_TABLES[table]
    if event == "insert":
        orders = order_is(f"NEW.{key}")
        when = f"AFTER INSERT ON {table}"
    elif event == "delete":
        orders = order_is(f"OLD.{key}")
        when = f"AFTER DELETE ON {table}"
    else:
        orders = order_is(f"OLD.{key}", f"NEW.{key}")
        when = (
            f"AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN {_changed(columns, 'IS NOT')}"
        )
    dialect = _SQLITE
    body = "".join(
        f"    {_sql(statement, dialect, None)};\n"
        for statement in refresh_statements("sqlite", orders)
    )
    return f"CREATE TRIGGER gw_order_totals_{table}_{event} {when}\nBEGIN\n{body}END"


def sqlite_install_ddl() -> list[str]:
    names = trigger_names("sqlite")
    drops = [f"DROP TRIGGER IF EXISTS {name}" for name in names]
    creates = [
        _sqlite_trigger(table, event)
        for table in WATCHED_TABLES
        for event in ("insert", "update", "delete")
    ]
    return drops + creates


def sqlite_drop_ddl() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in trigger_names("sqlite")]
