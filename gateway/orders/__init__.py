"""The order-query core: filters, search, ordering, windows and the computed money fields.

It imports neither Strawberry nor Starlette; the REST and GraphQL adapters both call it.
"""

from gateway.orders.filters import FILTERS, FilterKind, FilterSpec, OrderFilter
from gateway.orders.money import OrderTotals, format_money
from gateway.orders.ordering import LEGACY_FIELDS, OrderField, OrderingKey
from gateway.orders.query import OrderQuery, Window
from gateway.orders.records import OrderRecord
from gateway.orders.repository import count_orders, fetch_orders, fetch_page, reference_exists
from gateway.orders.search import split_search_terms

__all__ = [
    "FILTERS",
    "LEGACY_FIELDS",
    "FilterKind",
    "FilterSpec",
    "OrderField",
    "OrderFilter",
    "OrderQuery",
    "OrderRecord",
    "OrderTotals",
    "OrderingKey",
    "Window",
    "count_orders",
    "fetch_orders",
    "fetch_page",
    "format_money",
    "reference_exists",
    "split_search_terms",
]
