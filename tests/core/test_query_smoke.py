from decimal import Decimal

from gateway.orders import OrderFilter, OrderQuery, Window, count_orders, fetch_orders
from tests.factories import add_customer, add_order, add_references


async def test_page_with_totals_and_search(session):
    await add_references(session)
    me = await add_customer(session)
    other = await add_customer(session)
    first = await add_order(
        session,
        me,
        items=[(1, "0.10", 3, "0.00"), (1, "0.20", 1, "0.05")],
        payments=[("0.45", "succeeded")],
        shipping_cost="0.00",
        billing_country_id=1,
    )
    await add_order(session, me, notes="50%_off", billing_last_name="Παπαδόπουλος")
    await add_order(session, other, notes="50%_off")
    await session.commit()

    query = OrderQuery(customer_id=me)
    assert await count_orders(session, query) == 2
    rows = await fetch_orders(session, query, Window(limit=10))
    by_id = {r.id: r for r in rows}
    totals = by_id[first].totals
    assert totals.items_subtotal == Decimal("0.50")
    assert totals.subtotal == Decimal("0.45")
    assert totals.is_paid
    assert not totals.is_payable
    assert by_id[first].billing_country.name == "Türkiye"

    searched = OrderQuery(customer_id=me, search=("ΟΥΛΟΣ",))
    assert [r.id for r in await fetch_orders(session, searched, Window(limit=5))] != []
    assert await count_orders(session, OrderQuery(customer_id=me, search=("türk",))) == 1
    assert await count_orders(session, OrderQuery(customer_id=me, search=("0%_o",))) == 1
    assert await count_orders(session, OrderQuery(customer_id=me, search=("0%x",))) == 0
    paid = OrderQuery(customer_id=me, filter=OrderFilter(is_paid=True))
    assert await count_orders(session, paid) == 2  # the second order totals 0.00
