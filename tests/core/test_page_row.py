"""The page statement's select list and `OrderRecord.from_row`, which unpacks its rows by
position, agree: the names `from_row` unpacks are the statement's column labels, in order
(the count, when asked for, comes last and is left to the caller)."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from gateway.orders import OrderQuery, OrderRecord, Window


def unpacked_names() -> list[str]:
    """The names `from_row` unpacks `row` into, in order (the trailing `*_` left out)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(OrderRecord.from_row)))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id == "row"
            and isinstance(node.targets[0], ast.Tuple)
        ):
            return [target.id for target in node.targets[0].elts if isinstance(target, ast.Name)]
    raise AssertionError("from_row no longer unpacks `row` into a tuple of names")


@pytest.mark.parametrize("counted", [False, True], ids=["page", "page and count"])
def test_from_row_unpacks_the_page_columns_in_their_order(counted: bool) -> None:
    # given the page statement's column labels
    statement = OrderQuery(customer_id=1).page_statement(Window(limit=1), counted=counted)
    labels = [column.key for column in statement.selected_columns]

    # then from_row names each column as the statement labels it, in the same place
    names = unpacked_names()
    assert labels[: len(names)] == names
    assert labels[len(names) :] == (["total_count"] if counted else [])
