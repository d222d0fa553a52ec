"""Plain queries reuse one built statement per ordering and window shape, with the customer,
the window and the keyset bounds as parameters."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.orders import OrderFilter, OrderQuery, Window, fetch_orders
from gateway.orders.ordering import OrderField, OrderingKey
from tests.factories import add_customer, add_order


def test_plain_first_pages_share_a_statement_and_filtered_ones_do_not() -> None:
    # given the same plain query shape for two customers
    first, first_parameters = OrderQuery(customer_id=1).page_execution(Window(limit=20))
    second, second_parameters = OrderQuery(customer_id=2).page_execution(Window(limit=5))
    # then the statement object is shared and only the parameters differ
    assert first is second
    assert first_parameters == {"customer_id": 1, "page_limit": 20}
    assert second_parameters == {"customer_id": 2, "page_limit": 5}
    # and a filter or a search builds a statement of its own, values inline
    filtered = OrderQuery(customer_id=1, filter=OrderFilter(status="new"))
    assert filtered.page_execution(Window(limit=20))[1] == {}
    by_id = OrderQuery(customer_id=1, ordering=(OrderingKey(OrderField.ID),))
    assert by_id.page_execution(Window(limit=20))[0] is not first


def test_keyset_pages_share_a_statement_per_shape_of_their_bounds() -> None:
    # given keyset windows after different rows of the same ordering
    query = OrderQuery(customer_id=1)
    moment = datetime(2024, 1, 2, tzinfo=UTC)
    one, one_parameters = query.page_execution(Window(limit=20, after=(moment, 7)))
    two, two_parameters = query.page_execution(Window(limit=20, after=(moment, 9)))
    null_first, null_parameters = query.page_execution(Window(limit=20, after=(None, 9)))
    before, _ = query.page_execution(Window(limit=20, before=(moment, 9)))

    # then the bounds are parameters of one statement; a NULL bound or the other side shapes
    # a statement of its own
    assert one is two
    assert one_parameters == {"customer_id": 1, "page_limit": 20, "after_0": moment, "after_1": 7}
    assert two_parameters["after_1"] == 9
    assert null_first is not one
    assert null_parameters == {"customer_id": 1, "page_limit": 20, "after_1": 9}
    assert before is not one


async def test_a_shared_statement_still_returns_only_the_customer_s_orders(session) -> None:
    # given two customers with orders
    alice = await add_customer(session)
    bob = await add_customer(session)
    alice_orders = {await add_order(session, alice) for _ in range(3)}
    bob_orders = {await add_order(session, bob) for _ in range(2)}
    await session.commit()
    # when each reads a page through the shared statement
    window = Window(limit=10)
    alice_page = await fetch_orders(session, OrderQuery(customer_id=alice), window)
    bob_page = await fetch_orders(session, OrderQuery(customer_id=bob), window)
    # then each sees exactly their own orders
    assert {order.id for order in alice_page} == alice_orders
    assert {order.id for order in bob_page} == bob_orders
