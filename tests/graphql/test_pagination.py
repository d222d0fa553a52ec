"""`myOrders` pages: orderings (ties, NULLs), cursors both ways, offset, limits, totalCount."""

from datetime import timedelta

import pytest

from tests.factories import T0, add_order, fill_stored_totals
from tests.graphql.conftest import OTHER_TOKEN, data, error_codes
from tests.sql_counter import count_statements

PAGE = """
query ($orderBy: [OrderOrderByInput!], $first: Int, $after: String, $last: Int,
       $before: String, $offset: Int) {
  myOrders(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before,
           offset: $offset) {
    edges { cursor node { key } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
KEYS_AND_COUNT = """
query ($first: Int) { myOrders(first: $first) { totalCount nodes { key } } }
"""
KEYS_ONLY = """
query ($first: Int) { myOrders(first: $first) { nodes { key } } }
"""
DAY = timedelta(days=1)


@pytest.fixture
async def orders(session, customers):
    """Seven orders o1…o7 (ids ascending) with ties on every sort field and NULL names."""
    rows = [
        # created, city/state/country, shipping, status, payment method, shipping method
        (T0, 1, "5.00", "new", 1, None),
        (T0, None, "5.00", "hold", 2, None),
        (T0 + DAY, 2, "1.00", "completed", None, 1),
        (T0 + DAY, 1, "0.00", "cancelled", None, 2),
        (T0 - DAY, None, "5.00", "deleted", None, None),
        (T0 + 2 * DAY, 2, "2.50", "refunded", None, None),
        (T0, 1, "5.00", "new", None, None),
    ]
    for n, (created, place, shipping, status, payment, shipping_method) in enumerate(rows, 1):
        await add_order(
            session, customers.me, key=f"o{n}", created_at=created, billing_city_id=place,
            billing_state_id=place, billing_country_id=place, shipping_cost=shipping,
            status=status, payment_method_id=payment, shipping_method_id=shipping_method,
        )  # fmt: skip
    await add_order(session, customers.other, key="x1", created_at=T0 + DAY)
    await add_order(session, customers.other, key="x2", created_at=T0 - DAY)
    await session.commit()


def by(*keys):
    return [{"field": field, "direction": direction} for field, direction in keys]


ORDERINGS = [
    (None, "o6 o4 o3 o7 o2 o1 o5"),
    (by(("CREATED_AT", "ASC")), "o5 o7 o2 o1 o4 o3 o6"),
    (by(("ID", "ASC")), "o1 o2 o3 o4 o5 o6 o7"),
    (by(("ID", "DESC")), "o7 o6 o5 o4 o3 o2 o1"),
    (by(("UPDATED_AT", "ASC")), "o7 o6 o5 o4 o3 o2 o1"),
    (by(("BILLING_CITY_NAME", "ASC")), "o7 o4 o1 o6 o3 o5 o2"),
    (by(("BILLING_CITY_NAME", "DESC")), "o5 o2 o6 o3 o7 o4 o1"),
    (by(("BILLING_STATE_NAME", "ASC")), "o6 o3 o7 o4 o1 o5 o2"),
    (by(("SHIPPING_COST", "ASC")), "o4 o3 o6 o7 o5 o2 o1"),
    (by(("SHIPPING_COST", "DESC"), ("CREATED_AT", "ASC")), "o5 o7 o2 o1 o6 o3 o4"),
    (by(("STATUS", "ASC")), "o4 o3 o5 o2 o7 o1 o6"),
    (by(("STATUS", "DESC"), ("CREATED_AT", "ASC")), "o6 o7 o1 o2 o5 o3 o4"),
    (by(("PAYMENT_METHOD_NAME", "ASC")), "o2 o1 o7 o6 o5 o4 o3"),
    (by(("SHIPPING_METHOD_NAME", "DESC")), "o7 o6 o5 o2 o1 o4 o3"),
    (by(("BILLING_COUNTRY_NAME", "DESC"), ("ID", "ASC")), None),  # see the NULL test below
]


def keys_of(connection):
    return [edge["node"]["key"] for edge in connection["edges"]]


async def page(post, **variables):
    return data(await post(PAGE, **variables))["myOrders"]


@pytest.mark.parametrize(("order_by", "expected"), [o for o in ORDERINGS if o[1]])
async def test_orderings_in_one_page(post, orders, order_by, expected):
    assert keys_of(await page(post, orderBy=order_by)) == expected.split()


@pytest.mark.parametrize(("order_by", "expected"), [o for o in ORDERINGS if o[1]])
async def test_cursors_walk_forwards_and_backwards_across_ties(post, orders, order_by, expected):
    forwards, after, flags = [], None, []
    while True:
        connection = await page(post, orderBy=order_by, first=2, after=after)
        forwards += keys_of(connection)
        info = connection["pageInfo"]
        flags.append((info["hasPreviousPage"], info["hasNextPage"]))
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    backwards, before = [], None
    while True:
        connection = await page(post, orderBy=order_by, last=2, before=before)
        backwards = keys_of(connection) + backwards
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]

    assert forwards == expected.split()
    assert backwards == expected.split()
    assert flags == [(False, True), (True, True), (True, True), (True, False)]


async def test_country_names_null_first_descending(post, orders):
    connection = await page(post, orderBy=by(("BILLING_COUNTRY_NAME", "DESC"), ("ID", "ASC")))

    assert keys_of(connection)[:2] == ["o2", "o5"]


async def test_page_info_of_first_and_last_pages(post, orders):
    first = await page(post, first=3)
    last = await page(post, last=3)

    assert keys_of(first) == ["o6", "o4", "o3"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    assert keys_of(last) == ["o2", "o1", "o5"]
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert last["pageInfo"]["hasNextPage"] is False


async def test_whole_list_and_empty_pages(post, orders):
    everything = await page(post, first=7)
    nothing = await page(post, first=0)
    none_from_end = await page(post, last=0)

    assert everything["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": everything["edges"][0]["cursor"],
        "endCursor": everything["edges"][-1]["cursor"],
    }
    expected_empty = {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }
    assert nothing == {"edges": [], "pageInfo": expected_empty}
    assert none_from_end["edges"] == []
    assert none_from_end["pageInfo"]["hasPreviousPage"] is True


async def test_after_and_before_together_bound_a_range(post, orders):
    connection = await page(post, first=7)
    cursors = [edge["cursor"] for edge in connection["edges"]]

    between = await page(post, after=cursors[1], before=cursors[5])

    assert keys_of(between) == ["o3", "o7", "o2"]


async def test_offset_skips_after_the_start_position(post, orders):
    cursors = [edge["cursor"] for edge in (await page(post, first=7))["edges"]]

    numbered = await page(post, first=2, offset=2)
    after_offset = await page(post, first=2, after=cursors[0], offset=1)
    past_the_end = await page(post, first=2, offset=7)

    assert keys_of(numbered) == ["o3", "o7"]
    assert numbered["pageInfo"]["hasPreviousPage"] is True
    assert numbered["pageInfo"]["hasNextPage"] is True
    assert keys_of(after_offset) == ["o3", "o7"]
    assert keys_of(past_the_end) == []


async def test_a_cursor_stays_valid_when_new_orders_arrive(post, session, customers, orders):
    first = await page(post, first=2)
    await add_order(session, customers.me, key="newest", created_at=T0 + 10 * DAY)
    await session.commit()

    second = await page(post, first=2, after=first["pageInfo"]["endCursor"])

    assert keys_of(first) == ["o6", "o4"]
    assert keys_of(second) == ["o3", "o7"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": 1, "last": 1}, "Pass first or last, not both."),
        ({"first": -1}, "first must be between 0 and 100."),
        ({"first": 101}, "first must be between 0 and 100."),
        ({"last": -1}, "last must be between 0 and 100."),
        ({"last": 101}, "last must be between 0 and 100."),
        ({"offset": -1}, "offset must not be negative."),
        ({"last": 2, "offset": 1}, "offset goes with first/after only, not last/before."),
        ({"before": "x", "offset": 0}, "offset goes with first/after only, not last/before."),
        ({"after": "garbage"}, "Invalid cursor: it was not issued for this ordering, or it "
                               "was altered."),
    ],
)  # fmt: skip
async def test_bad_page_arguments_are_bad_user_input(post, orders, variables, message):
    body = await post(PAGE, **variables)

    assert body["data"] is None
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["path"] == ["myOrders"]


async def test_a_cursor_of_another_ordering_or_edited_is_bad_user_input(post, orders):
    by_id = await page(post, orderBy=by(("ID", "ASC")), first=1)
    cursor = by_id["pageInfo"]["endCursor"]
    edited = cursor[:-3] + ("A" if cursor[-3] != "A" else "B") + cursor[-2:]

    for variables in [
        {"after": cursor},
        {"before": cursor},
        {"orderBy": by(("ID", "DESC")), "after": cursor},
        {"orderBy": by(("ID", "ASC")), "after": edited},
    ]:
        body = await post(PAGE, **variables)
        assert error_codes(body) == ["BAD_USER_INPUT"], variables


async def test_another_customers_cursor_only_positions_within_my_orders(post, orders):
    theirs = data(await post(PAGE, token=OTHER_TOKEN, first=1))["myOrders"]
    assert keys_of(theirs) == ["x1"]

    mine = await page(post, after=theirs["pageInfo"]["endCursor"])

    # x1 was created at T0 + 1 day: my orders after that position, never theirs (x2)
    assert keys_of(mine) == ["o4", "o3", "o7", "o2", "o1", "o5"]


async def test_default_and_maximum_page_sizes(post, session, customers):
    for n in range(101):
        await add_order(session, customers.me, key=f"k{n:03d}", created_at=T0 + n * DAY)
    await session.commit()

    default = await page(post)
    maximum = await page(post, first=100)

    assert keys_of(default) == [f"k{n:03d}" for n in range(100, 80, -1)]
    assert len(keys_of(maximum)) == 100
    assert maximum["pageInfo"]["hasNextPage"] is True


async def test_total_count_is_counted_only_when_selected(post, orders):
    with count_statements() as without_count:
        plain = data(await post(KEYS_ONLY, first=2))
    with count_statements() as with_count:
        counted = data(await post(KEYS_AND_COUNT, first=2))

    assert plain == {"myOrders": {"nodes": [{"key": "o6"}, {"key": "o4"}]}}
    assert counted == {"myOrders": {"totalCount": 7, "nodes": [{"key": "o6"}, {"key": "o4"}]}}
    # (on the compiled path the count rides on the page's statement: test_compiled.py)
    assert not any("count(*)" in s for s in without_count.statements)
    assert len([s for s in with_count.statements if "count(*)" in s]) == 1


MONEY_PAGE = """
query ($orderBy: [OrderOrderByInput!], $filter: OrderFilterInput, $first: Int,
       $after: String, $last: Int, $before: String) {
  myOrders(orderBy: $orderBy, filter: $filter, first: $first, after: $after, last: $last,
           before: $before) {
    edges { cursor node { key total amountOutstanding } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.fixture
async def priced_orders(session, customers):
    """Six orders p1…p6 (ids ascending) whose totals and amounts outstanding tie to the
    cent in pairs, and two of another customer's that would sort first and last."""
    rows = [
        # items, payments, other fields; total / outstanding
        ([(1, "10.00", 1, "0.00")], [("10.00", "succeeded")], {}),  # 10.00 / 0.00
        ([(1, "3.33", 3, "0.00")], [], {}),  # 9.99 / 9.99
        ([(1, "10.00", 1, "0.01")], [("5.00", "succeeded")], {}),  # 9.99 / 4.99
        ([], [("20.00", "succeeded")], {"shipping_cost": "10.01", "discount": "0.01"}),
        ([(1, "1.00", 1, "0.00")], [], {"discount": "50.00"}),  # 0.00 / 0.00
        ([(1, "0.10", 3, "0.00")], [("0.30", "failed")], {}),  # 0.30 / 0.30
    ]
    for n, (items, payments, fields) in enumerate(rows, 1):
        await add_order(session, customers.me, key=f"p{n}", items=items, payments=payments,
                        **fields)  # fmt: skip
    await add_order(session, customers.other, key="x1", items=[(1, "999.00", 1, "0.00")])
    await add_order(session, customers.other, key="x2")
    await session.commit()


MONEY_ORDERINGS = [
    ({"orderBy": by(("TOTAL", "DESC"))}, "p4 p1 p3 p2 p6 p5"),
    ({"orderBy": by(("TOTAL", "ASC"))}, "p5 p6 p3 p2 p4 p1"),
    ({"orderBy": by(("AMOUNT_OUTSTANDING", "ASC"))}, "p5 p4 p1 p6 p3 p2"),
    ({"orderBy": by(("AMOUNT_OUTSTANDING", "DESC"), ("TOTAL", "ASC"))}, "p2 p3 p6 p5 p4 p1"),
    ({"orderBy": by(("TOTAL", "DESC")), "filter": {"isPaid": False}}, "p3 p2 p6"),
    ({"orderBy": by(("AMOUNT_OUTSTANDING", "DESC")), "filter": {"isPayable": False}}, "p5 p4 p1"),
]


@pytest.mark.parametrize(("variables", "expected"), MONEY_ORDERINGS)
async def test_money_orderings_are_exact_and_their_cursors_walk_both_ways(
    post, priced_orders, variables, expected
):
    # when the list is read whole, then two by two forwards and backwards
    whole = data(await post(MONEY_PAGE, **variables))["myOrders"]
    forwards, after = [], None
    while True:
        connection = data(await post(MONEY_PAGE, first=2, after=after, **variables))["myOrders"]
        forwards += keys_of(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    backwards, before = [], None
    while True:
        connection = data(await post(MONEY_PAGE, last=2, before=before, **variables))["myOrders"]
        backwards = keys_of(connection) + backwards
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        before = connection["pageInfo"]["startCursor"]

    # then ties to the cent break by id descending, and every walk gives the same list
    assert keys_of(whole) == forwards == backwards == expected.split()


async def test_money_orderings_show_the_amounts_they_sort_by(post, priced_orders):
    connection = data(await post(MONEY_PAGE, orderBy=by(("TOTAL", "DESC"))))["myOrders"]

    assert keys_of(connection) == ["p4", "p1", "p3", "p2", "p6", "p5"]
    assert [(e["node"]["total"], e["node"]["amountOutstanding"]) for e in connection["edges"]] == [
        ("10.00", "0.00"), ("10.00", "0.00"), ("9.99", "4.99"), ("9.99", "9.99"),
        ("0.30", "0.30"), ("0.00", "0.00"),
    ]  # fmt: skip


@pytest.mark.parametrize(("variables", "expected"), MONEY_ORDERINGS)
async def test_money_orderings_read_the_stored_totals_when_the_database_has_them(
    post, served, session, priced_orders, variables, expected
):
    # given the stored totals installed and filled, and the app told so
    await fill_stored_totals(session)
    served.app.state.database.stored_totals = True

    # when the list is read, whole and after a cursor
    with count_statements() as log:
        whole = data(await post(MONEY_PAGE, **variables))["myOrders"]
    cursor = whole["edges"][0]["cursor"]
    rest = data(await post(MONEY_PAGE, after=cursor, **variables))["myOrders"]

    # then it is the computed list, read from the stored table
    assert keys_of(whole) == expected.split()
    assert keys_of(rest) == expected.split()[1:]
    assert any("gw_order_totals" in statement for statement in log.statements)
