"""The `Query` root and `build_schema()`. Resolvers stay thin: they parse arguments into the
core's `OrderQuery` and render what the core returns."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated

import strawberry
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.schema.config import StrawberryConfig

from gateway.errors import BadUserInput
from gateway.graphql.compiled import compiled_orders
from gateway.graphql.context import GatewayContext, Info
from gateway.graphql.cost import CostAccounting, response_path
from gateway.graphql.documents import document_caches
from gateway.graphql.errors import ErrorCodes, GatewaySchema
from gateway.graphql.fallbacks import Fallbacks
from gateway.graphql.fields import resolver
from gateway.graphql.ids import decode_global_id, parse_id
from gateway.graphql.inputs import OrderFilterInput, OrderOrderByInput, parse_filter, parse_ordering
from gateway.graphql.limits import MEASURE_CACHE_SIZE, Measures, QueryLimiter, QueryLimits
from gateway.graphql.operations import OperationSelection
from gateway.graphql.pagination import OrderConnection, PageArguments, order_connection
from gateway.graphql.scalars import SCALAR_MAP
from gateway.graphql.tracing import TracedOperation
from gateway.graphql.types import (
    City,
    Country,
    Customer,
    Node,
    Order,
    PaymentMethod,
    ShippingMethod,
    State,
)
from gateway.lru import LruCache
from gateway.orders import (
    OrderFilter,
    OrderingKey,
    OrderQuery,
    Window,
    fetch_orders,
    fetch_page,
    split_search_terms,
)
from gateway.throttling.limiter import CostLimit


async def _orders(
    context: GatewayContext,
    order_filter: OrderFilter,
    search: tuple[str, ...] = (),
    ordering: tuple[OrderingKey, ...] = (),
) -> OrderQuery:
    """The caller's orders: every order resolver starts here, so all are customer-scoped."""
    customer = await context.customer()
    if any("\x00" in text for text in (*search, order_filter.key or "")):
        # PostgreSQL text cannot hold NUL (the statement would fail); REST refuses it too.
        raise BadUserInput("Null characters are not allowed.")
    return OrderQuery(
        customer_id=customer.id,
        filter=order_filter,
        search=search,
        ordering=ordering,
        zone=context.settings.zone,
        stored_totals=context.stored_totals,
        search_indexes=context.search_indexes,
    )


async def _order_by_id(info: Info, order_id: int) -> Order | None:
    query = await _orders(info.context, OrderFilter(id_min=order_id, id_max=order_id))
    return await _one_order(info, query)


async def _one_order(info: Info, query: OrderQuery) -> Order | None:
    async with info.context.connection() as connection:
        rows = await fetch_orders(connection, query, Window(limit=1))
    if not rows:
        return None
    info.context.loaders.prime_from_order(rows[0])
    return Order.from_record(rows[0])


async def orders_connection(
    context: GatewayContext,
    *,
    filter: OrderFilterInput | None = None,  # the contract's argument name
    search: str | None = None,
    order_by: list[OrderOrderByInput] | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    offset: int | None = None,
    counted: bool = False,
) -> OrderConnection:
    """The `myOrders` page for Strawberry's arguments: the resolver's body, shared with the
    compiled path (`compiled.py`) so both give the arguments the same meaning. `counted`
    (the compiled path, when `totalCount` is selected): the count comes with the page."""
    await context.customer()  # unauthenticated callers learn nothing about their arguments
    arguments = PageArguments(first=first, after=after, last=last, before=before, offset=offset)
    settings = context.settings
    size = arguments.size(settings.graphql_default_page_size, settings.graphql_max_page_size)
    query = await _orders(
        context,
        parse_filter(filter),
        tuple(split_search_terms(search or "")),
        parse_ordering(order_by),
    )
    window = arguments.window(query, context.cursor_key, size)
    total = None
    async with context.connection() as connection:
        if counted:
            rows, total = await fetch_page(connection, query, window)
        else:
            rows = await fetch_orders(connection, query, window)
    for row in rows:
        context.loaders.prime_from_order(row)
    return order_connection(query, arguments, size, rows, context.cursor_key, total)


@strawberry.type(description="Read the authenticated customer's orders.")
class Query:
    @resolver(
        "The authenticated customer's orders, one page at a time. "
        "Default: the 20 newest (createdAt descending)."
    )
    async def my_orders(
        self,
        info: Info,
        filter: Annotated[  # the contract's argument name
            OrderFilterInput | None, strawberry.argument(description="Which orders.")
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Free text, as the REST search: every term must appear in the id, "
                "key, notes, billing country/state/city or billing name or mobile number "
                '(case- and accent-insensitive; "quoted phrases" stay one term).'
            ),
        ] = None,
        order_by: Annotated[
            list[OrderOrderByInput] | None,
            strawberry.argument(
                description="Sort keys, first one first; default createdAt "
                "descending. id descending breaks remaining ties."
            ),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description="Page size from the start (0 to the maximum, 100 by default)."
            ),
        ] = None,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(
                description="Page size from the end (0 to the maximum, 100 by default)."
            ),
        ] = None,
        before: Annotated[
            str | None, strawberry.argument(description="End before this cursor.")
        ] = None,
        offset: Annotated[
            int | None,
            strawberry.argument(
                description="Skip this many orders after the start position "
                "(numbered pages); with first/after only."
            ),
        ] = None,
    ) -> OrderConnection:
        page = await orders_connection(
            info.context,
            filter=filter,
            search=search,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
            offset=offset,
        )
        info.context.pages_returned[response_path(info.path)] = len(page.nodes)
        return page

    @resolver(
        "One of the caller's orders, by id or by key (exactly one); "
        "null when the caller has no such order."
    )
    async def my_order(
        self,
        info: Info,
        id: Annotated[  # the contract's argument name
            strawberry.ID | None,
            strawberry.argument(description="Global ID or integer database id."),
        ] = None,
        key: Annotated[str | None, strawberry.argument(description="The order's key.")] = None,
    ) -> Order | None:
        if (id is None) == (key is None):
            raise BadUserInput("Pass exactly one of id and key.")
        if id is not None:
            return await _order_by_id(info, parse_id(id, "Order"))
        return await _one_order(info, await _orders(info.context, OrderFilter(key=key)))

    @resolver("The authenticated customer.")
    async def me(self, info: Info) -> Customer | None:
        return Customer.from_record(await info.context.customer())

    @resolver(
        "Any object by global ID; null when it does not exist or "
        "the caller may not see it (another customer or their orders)."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[  # the contract's argument name
            strawberry.ID, strawberry.argument(description="A global ID.")
        ],
    ) -> Node | None:
        customer = await info.context.customer()
        type_name, database_id = decode_global_id(id)
        loaders = info.context.loaders
        if type_name == "Order":
            return await _order_by_id(info, database_id)
        if type_name == "Customer":
            return Customer.from_record(customer) if database_id == customer.id else None
        if type_name == "Country":
            country = await loaders.country.load(database_id)
            return None if country is None else Country.from_record(country)
        if type_name == "State":
            state = await loaders.state.load(database_id)
            return None if state is None else State.from_record(state)
        if type_name == "City":
            city = await loaders.city.load(database_id)
            return None if city is None else City.from_record(city)
        if type_name == "PaymentMethod":
            method = await loaders.payment_method.load(database_id)
            return None if method is None else PaymentMethod.from_record(method)
        method = await loaders.shipping_method.load(database_id)
        return None if method is None else ShippingMethod.from_record(method)


def build_schema(
    limits: QueryLimits | None = None,
    *,
    compiled: bool = True,
    fallbacks: Fallbacks | None = None,
    introspection: bool = True,
    traced: bool = False,
    cost_budget: CostLimit | None = None,
) -> strawberry.Schema:
    """The gateway's schema: strict types, coded errors, REST-formatted scalars.

    With `limits`, queries over them are refused before they run (`QueryLimiter`, first:
    its hooks close after `ErrorCodes`' and it answers before the compiled path), and every
    answer reports its cost (`CostAccounting`, which charges `cost_budget` if given).
    `compiled`: `myOrders` pages take the compiled path (`compiled.py`), whose fallbacks to
    graphql-core `fallbacks` counts; without it graphql-core executes every operation.
    Without `introspection`, a document that asks for `__schema` or `__type` fails
    validation. `traced`: spans for the operation and its phases (`TracedOperation`,
    outermost).
    """
    extensions: list[Callable[[], SchemaExtension]] = [TracedOperation] if traced else []
    if limits is not None:
        measures: Measures = LruCache(MEASURE_CACHE_SIZE)
        extensions.append(partial(QueryLimiter, limits, measures))
        extensions.append(partial(CostAccounting, limits, measures, cost_budget))
    if not introspection:
        # Its rule is one class, the same object on every request: the validation cache
        # keeps hitting (see documents.py).
        extensions.append(DisableIntrospection)
    # OperationSelection after the validation cache, whose errors it reads.
    extensions += [ErrorCodes, *document_caches(), OperationSelection]
    if compiled:
        # Last: it may answer in place of execution, once all else ran.
        extensions.append(compiled_orders(orders_connection, fallbacks))
    return GatewaySchema(
        query=Query,
        types=[Country, State, City, PaymentMethod, ShippingMethod, Customer, Order],
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
