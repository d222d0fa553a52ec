"""The data-growth database: customers of 1k, 10k, 100k and 1M orders beside many small ones.

Built on PostgreSQL with set-based SQL (`INSERT … SELECT` over `generate_series`), on the
legacy DDL (`tests/fixtures/legacy-schema/postgresql.sql`), because `gateway seed` inserts
row batches from Python and would take about an hour for 1.2M orders with their items and
payments. The values follow `gateway seed`'s distributions (its names, notes, products,
statuses, payment cases and NULL references), drawn from `hashint8extended` of the row's number
instead of a random generator, so that the same sizes always give the same rows (ids
included); only the API tokens are random.

Customer i (1-based) holds `sizes[i-1]` orders; every further customer is small (1 to 39
orders). Orders are numbered in a shuffled order, so a big customer's orders are spread over
the whole table as on a live shop. The build's description is kept as the database's
COMMENT: a database whose comment and order counts match is reused.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from gateway.db import seed
from gateway.db.models import ORDER_STATUSES
from harness.database import ROOT, pg_exists, pg_recreate

LEGACY_DDL = ROOT / "tests" / "fixtures" / "legacy-schema" / "postgresql.sql"
GROWTH_DATABASE = "gw_growth"
SIZES = (1_000, 10_000, 100_000, 1_000_000)
SMALL_CUSTOMERS = 5_000
BUILD_VERSION = 1  # bump when the generated rows change

# u(seed, k): a uniform number in [0, 1) for one row (`seed`) and one of its columns (`k`).
# Seeds stay within 32 bits: hashint8 folds wider values into 32 bits before hashing, which
# would make rows collide. Session-local (pg_temp): the shop's schema keeps only its tables.
_FUNCTIONS = """
CREATE FUNCTION pg_temp.u(seed bigint, k integer) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ((hashint8extended(seed, k) >> 11) + 4503599627370496)::double precision
            / 9007199254740992 $$;
CREATE FUNCTION pg_temp.pick(seed bigint, k integer, n integer) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 1 + floor(pg_temp.u(seed, k) * n)::integer $$;
-- gateway seed's _timestamp: a second in 2019-01-01 .. 2026-10-01, 70 % with microseconds.
CREATE FUNCTION pg_temp.moment(seed bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT timestamptz '2019-01-01 00:00:00+00'
    + floor(pg_temp.u(seed, 1) * $SPAN$) * interval '1 second'
    + CASE WHEN pg_temp.u(seed, 2) < 0.7
      THEN (1 + floor(pg_temp.u(seed, 3) * 999999)) * interval '1 microsecond'
      ELSE interval '0' END $$;
"""

_CUSTOMERS = """
INSERT INTO shop_customer (id, first_name, last_name, email, mobile_number, is_active,
                           date_joined)
SELECT c, ($1::text[])[pg_temp.pick(-1073741824 - c, 5, cardinality($1::text[]))],
       ($2::text[])[pg_temp.pick(-1073741824 - c, 6, cardinality($2::text[]))],
       CASE WHEN c <= cardinality($3::int[]) THEN format('growth-%s@example.com', ($3::int[])[c])
            ELSE format('customer%s@example.com', c) END,
       '+90 5' || (100000000 + floor(pg_temp.u(-1073741824 - c, 4) * 900000000))::bigint,
       true, pg_temp.moment(-1073741824 - c)
FROM generate_series(1, $4::int) AS c
"""

_TOKENS = """
INSERT INTO shop_apitoken (key, customer_id, created_at)
SELECT substr(md5(random()::text) || md5(random()::text), 1, 40), id, date_joined
FROM shop_customer
"""

# Which customer each order belongs to, its rank among that customer's orders (for ties in
# created_at), and its id: the rows shuffled by a hash so that customers interleave.
_PLAN = """
CREATE TEMPORARY TABLE gw_plan AS
SELECT (row_number() OVER (ORDER BY hashint8extended(s.n, c.id), c.id, s.n))::int
         AS id,
       c.id AS customer_id, s.n AS nth
FROM (SELECT id, CASE WHEN id <= cardinality($1::int[]) THEN ($1::int[])[id]
                      ELSE 1 + (id * 7919) % 39 END AS orders
      FROM generate_series(1, $2::int) AS id) AS c
CROSS JOIN LATERAL generate_series(1, c.orders) AS s(n)
"""

# gateway seed's _Generator.orders, column by column ($1 statuses, $2 notes, $3 first
# names, $4 last names, $5..$7 the (country, state, city) of each city).
_ORDERS = """
INSERT INTO shop_order (id, key, status, shipping_cost, discount, notes, billing_address,
  billing_postal_code, billing_national_code, billing_mobile_number, billing_first_name,
  billing_last_name, created_at, updated_at, billing_city_id, billing_country_id, customer_id,
  payment_method_id, shipping_method_id, billing_state_id)
SELECT p.id,
  lpad(p.id::text, 6, '0') || '-' || lpad(to_hex(hashint8extended(p.id, 10)), 16, '0'),
  ($1::text[])[pg_temp.pick(p.id, 12, cardinality($1::text[]))],
  (ARRAY[0.00, 4.99, 12.50])[pg_temp.pick(p.id, 13, 3)],
  CASE WHEN pg_temp.u(p.id, 14) < 0.2 THEN floor(pg_temp.u(p.id, 15) * 2001) / 100 ELSE 0 END,
  CASE WHEN pg_temp.u(p.id, 16) < 0.55 THEN ''
       ELSE ($2::text[])[pg_temp.pick(p.id, 17, cardinality($2::text[]))] END,
  pg_temp.pick(p.id, 18, 200) || ' '
    || ($4::text[])[pg_temp.pick(p.id, 19, cardinality($4::text[]))] || ' Sokağı',
  (10000 + floor(pg_temp.u(p.id, 20) * 90000))::int::text,
  (1000000000 + floor(pg_temp.u(p.id, 21) * 9000000000))::bigint::text,
  '+30 69' || (10000000 + floor(pg_temp.u(p.id, 22) * 90000000))::int,
  ($3::text[])[pg_temp.pick(p.id, 23, cardinality($3::text[]))],
  ($4::text[])[pg_temp.pick(p.id, 24, cardinality($4::text[]))],
  p.created,
  p.created + (ARRAY[0, 0, 60, 3600, 259200])[pg_temp.pick(p.id, 25, 5)] * interval '1 second',
  CASE WHEN p.roll > 0.25 THEN ($7::int[])[p.place] END,
  CASE WHEN p.roll > 0.15 THEN ($5::int[])[p.place] END,
  p.customer_id,
  CASE WHEN pg_temp.u(p.id, 26) >= 0.1 THEN pg_temp.pick(p.id, 27, 5) END,
  CASE WHEN pg_temp.u(p.id, 28) >= 0.1 THEN pg_temp.pick(p.id, 29, 4) END,
  CASE WHEN p.roll > 0.15 THEN ($6::int[])[p.place] END
FROM (
  SELECT id, customer_id,
         pg_temp.u(id, 30) AS roll, pg_temp.pick(id, 31, cardinality($7::int[])) AS place,
         -- 3 % share the created_at of the customer's previous order (ties)
         CASE WHEN nth > 1 AND pg_temp.u(id, 32) < 0.03
              THEN lag(pg_temp.moment(id)) OVER (PARTITION BY customer_id ORDER BY nth)
              ELSE pg_temp.moment(id) END AS created
  FROM gw_plan
) AS p
ORDER BY p.id
"""

# 0 to 4 items per order ($1 product ids, $2 their names).
_ITEMS = """
INSERT INTO shop_orderitem (order_id, product_id, product_name, unit_price, quantity, discount)
SELECT o.id, ($1::int[])[i.product], ($2::text[])[i.product],
  (1 + floor(pg_temp.u(i.seed, 2) * 25000)) / 100,
  (ARRAY[0, 1, 1, 2, 3, 10])[pg_temp.pick(i.seed, 3, 6)],
  CASE WHEN pg_temp.u(i.seed, 4) < 0.3 THEN floor(pg_temp.u(i.seed, 5) * 501) / 100 ELSE 0 END
FROM gw_plan AS o
CROSS JOIN LATERAL (
  SELECT -(o.id::bigint * 8 + n) AS seed,
         pg_temp.pick(-(o.id::bigint * 8 + n), 1, cardinality($1::int[])) AS product
  FROM generate_series(1, (ARRAY[0, 1, 1, 2, 3, 4])[pg_temp.pick(o.id, 40, 6)]) AS n
) AS i
ORDER BY o.id, i.seed DESC
"""

# gateway seed's _payments: none, partial (half succeeded, half pending), exact (twice as
# likely), over-paid, failed then succeeded, refunded; from each order's total.
_PAYMENTS = """
INSERT INTO shop_payment (order_id, amount, status, created_at)
SELECT o.id, pay.amount, pay.status,
       o.created_at + floor(pg_temp.u(o.id, 42 + pay.n) * 601) * interval '1 minute'
FROM (
  SELECT o.id, o.created_at, pg_temp.pick(o.id, 41, 7) AS kind,
         greatest(coalesce(i.subtotal, 0) - o.discount + o.shipping_cost, 0) AS total
  FROM shop_order AS o
  LEFT JOIN (SELECT order_id, sum(unit_price * quantity - discount) AS subtotal
             FROM shop_orderitem GROUP BY order_id) AS i ON i.order_id = o.id
) AS o
CROSS JOIN LATERAL (
  SELECT 1 AS n,
         CASE o.kind WHEN 2 THEN round(o.total / 2, 2)
                     WHEN 5 THEN o.total + (1 + floor(pg_temp.u(o.id, 45) * 1000)) / 100
                     ELSE o.total END AS amount,
         CASE o.kind WHEN 6 THEN 'failed' WHEN 7 THEN 'refunded' ELSE 'succeeded' END AS status
  WHERE o.kind <> 1 AND (o.kind <> 2 OR o.total > 0.01)
  UNION ALL
  SELECT 2, CASE o.kind WHEN 2 THEN round(o.total / 2, 2) ELSE o.total END,
         CASE o.kind WHEN 2 THEN 'pending' ELSE 'succeeded' END
  WHERE o.kind = 6 OR (o.kind = 2 AND o.total > 0.01)
) AS pay
ORDER BY o.id, pay.n
"""

_SEQUENCE = "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"


@dataclass(frozen=True, slots=True)
class GrowthSpec:
    """What the database holds: the sized customers' orders (customers 1, 2, …) and how
    many customers there are in all."""

    sizes: tuple[int, ...] = SIZES
    customers: int = len(SIZES) + SMALL_CUSTOMERS
    version: int = BUILD_VERSION

    def describe(self) -> str:
        return json.dumps({"gw_growth": asdict(self)}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class SizedCustomer:
    customer_id: int
    orders: int
    token: str


@dataclass(frozen=True, slots=True)
class GrowthDatabase:
    url: str  # for `gateway serve --database-url`
    dsn: str  # for asyncpg
    customers: tuple[SizedCustomer, ...]
    small_customer: SizedCustomer  # the first small customer (plans are primed with it)
    reused: bool
    build_seconds: float | None


def _legacy_ddl() -> tuple[str, list[str]]:
    """The legacy DDL without its CREATE INDEX statements, and those statements (built after
    the rows are in: one sort per index instead of 1.2M insertions into each)."""
    schema, indexes = [], []
    for line in LEGACY_DDL.read_text().splitlines():
        (indexes if line.startswith("CREATE INDEX ") else schema).append(line)
    return "\n".join(schema), indexes


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def _step(connection: Any, label: str, sql: str, *args: object) -> None:
    started = time.monotonic()
    status = await connection.execute(sql, *args)
    _log(f"  {label}: {status} ({time.monotonic() - started:.1f} s)")


async def _fill(connection: Any, spec: GrowthSpec) -> None:
    schema, indexes = _legacy_ddl()
    await connection.execute(schema)
    # The build's own session: no foreign-key triggers (the rows are consistent by
    # construction), no waiting for the WAL flush, room for the index sorts.
    await connection.execute(
        "SET session_replication_role = replica; SET synchronous_commit = off; "
        "SET maintenance_work_mem = '256MB'; SET work_mem = '64MB'"
    )
    await connection.execute(_FUNCTIONS.replace("$SPAN$", str(seed.SPAN_SECONDS)))
    generator = seed._Generator(seed.SeedOptions())
    for model, rows in generator.reference_rows().items():
        columns = list(rows[0])
        await connection.copy_records_to_table(
            model.__tablename__, records=[tuple(r[c] for c in columns) for r in rows],
            columns=columns,
        )  # fmt: skip
    countries, states, cities = zip(*generator.cities, strict=True)
    sizes = list(spec.sizes)
    await _step(connection, "customers", _CUSTOMERS, seed.FIRST_NAMES, seed.LAST_NAMES,
                sizes, spec.customers)  # fmt: skip
    await _step(connection, "tokens", _TOKENS)
    await _step(connection, "order plan", _PLAN, sizes, spec.customers)
    await _step(connection, "orders", _ORDERS, list(ORDER_STATUSES), seed.NOTES,
                seed.FIRST_NAMES, seed.LAST_NAMES, list(countries), list(states),
                list(cities))  # fmt: skip
    products = [product for product, _ in seed.PRODUCTS]
    names = [name for _, name in seed.PRODUCTS]
    await _step(connection, "items", _ITEMS, products, names)
    await _step(connection, "payments", _PAYMENTS)
    for statement in indexes:
        await _step(connection, statement.split('"')[1], statement)
    for table in ("shop_country", "shop_state", "shop_city", "shop_paymentmethod",
                  "shop_shippingmethod", "shop_customer", "shop_order", "shop_orderitem",
                  "shop_payment"):  # fmt: skip
        await connection.fetchval(_SEQUENCE.format(table=table))


async def _matches(dsn: str, spec: GrowthSpec) -> bool:
    """Whether the database was built to `spec` (its comment) and still holds its orders."""
    connection = await asyncpg.connect(dsn)
    try:
        comment = await connection.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        if comment != spec.describe():
            return False
        counts = await connection.fetch(
            "SELECT customer_id, count(*) FROM shop_order WHERE customer_id <= $1 "
            "GROUP BY customer_id ORDER BY customer_id",
            len(spec.sizes),
        )
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()
    return [row[1] for row in counts] == list(spec.sizes)


async def _build(server: str, name: str, spec: GrowthSpec) -> None:
    await pg_recreate(server, name)
    connection = await asyncpg.connect(f"{server}/{name}", command_timeout=None)
    try:
        await _fill(connection, spec)
        # What autovacuum would have done on a live shop: statistics and the visibility map.
        await _step(connection, "VACUUM ANALYZE", "VACUUM ANALYZE")
        comment = spec.describe().replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    finally:
        await connection.close()


async def _customers(dsn: str, spec: GrowthSpec) -> tuple[list[SizedCustomer], SizedCustomer]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT c.id, (SELECT count(*) FROM shop_order AS o WHERE o.customer_id = c.id),"
            " (SELECT min(key) FROM shop_apitoken AS t WHERE t.customer_id = c.id)"
            " FROM shop_customer AS c WHERE c.id <= $1 ORDER BY c.id",
            len(spec.sizes) + 1,
        )
    finally:
        await connection.close()
    found = [SizedCustomer(row[0], row[1], row[2]) for row in rows]
    return found[: len(spec.sizes)], found[len(spec.sizes)]


def prepare_growth(
    server: str, spec: GrowthSpec, *, name: str = GROWTH_DATABASE, fresh: bool = False
) -> GrowthDatabase:
    """The database `name` on `server` (`postgresql://user@host:port`), built to `spec`
    unless it already is."""
    if name in ("test", "postgres"):
        raise SystemExit(f"refusing to build into the database {name!r}")
    dsn = f"{server}/{name}"
    reused = not fresh and asyncio.run(pg_exists(server, name)) and asyncio.run(_matches(dsn, spec))
    seconds = None
    if not reused:
        _log(f"building {dsn}: {spec.describe()}")
        started = time.monotonic()
        asyncio.run(_build(server, name, spec))
        seconds = time.monotonic() - started
        _log(f"built in {seconds:.0f} s")
    sized, small = asyncio.run(_customers(dsn, spec))
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    return GrowthDatabase(url, dsn, tuple(sized), small, reused, seconds)


async def _sizes(dsn: str) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        database = await connection.fetchval(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        )
        rows = {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("shop_customer", "shop_order", "shop_orderitem", "shop_payment")
        }
    finally:
        await connection.close()
    return {"database size": database, "rows": rows}


def describe(database: GrowthDatabase) -> dict[str, Any]:
    """The database's size and rows, and the sized customers with their tokens."""
    return {
        "url": database.url,
        "reused": database.reused,
        "build seconds": None if database.build_seconds is None else round(database.build_seconds),
        **asyncio.run(_sizes(database.dsn)),
        "customers": [asdict(c) for c in (*database.customers, database.small_customer)],
    }
