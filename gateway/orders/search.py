"""Free-text search over an order's fields, as the legacy endpoint defines it.

Terms are split like Django REST Framework's `SearchFilter` (Django's `smart_split`, quoted
phrases kept, other chunks split on commas). Every term must match (AND); a term matches
when any search field contains it, upper-cased on both sides with Unicode's simple mapping
(`db.functions.folded_upper`); `%`, `_` and `\\` match literally.

Two spellings of the same condition: `search_condition`, one OR over the joined row, which
PostgreSQL (and SQLite) evaluate order by order; and `indexed_search_condition`, a union of
per-column lookups each bounded to the customer, which PostgreSQL serves from the trigram
indexes of `db.search_indexes` when they are installed (and only then is it the faster).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, literal, or_, select, union_all

from gateway.db.functions import folded_upper
from gateway.db.models import City, Country, Order, State

# Django's `smart_split` pattern: a chunk is a run of non-space text in which quoted parts
# (with backslash escapes) may contain spaces.
_SMART_SPLIT = re.compile(
    r"""
    ((?:
        [^\s'"]*
        (?:
            (?:"(?:[^"\\]|\\.)*" | '(?:[^'\\]|\\.)*')
            [^\s'"]*
        )+
    ) | \S+)
    """,
    re.VERBOSE,
)

# The fields a term is looked for in, in the legacy endpoint's order.
SEARCH_FIELDS: tuple[tuple[str, Any], ...] = (
    ("id", cast(Order.id, Text)),
    ("key", Order.key),
    ("notes", Order.notes),
    ("billing_country__name", Country.name),
    ("billing_state__name", State.name),
    ("billing_city__name", City.name),
    ("billing_first_name", Order.billing_first_name),
    ("billing_last_name", Order.billing_last_name),
    ("billing_mobile_number", Order.billing_mobile_number),
)
# The fields that are a reference's name: the order's key to the reference, and its id.
_REFERENCES: dict[str, tuple[Any, Any]] = {
    "billing_country__name": (Order.billing_country_id, Country.id),
    "billing_state__name": (Order.billing_state_id, State.id),
    "billing_city__name": (Order.billing_city_id, City.id),
}


def _unquote(chunk: str) -> str:
    """Django's `unescape_string_literal`."""
    quote = chunk[0]
    return chunk[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")


def split_search_terms(value: str) -> list[str]:
    """The terms of a search string (DRF's `search_smart_split`)."""
    terms: list[str] = []
    for match in _SMART_SPLIT.finditer(value):
        chunk = match[0].strip(",")
        if chunk.startswith(('"', "'")) and chunk[0] == chunk[-1]:
            terms.append(_unquote(chunk))
        else:
            terms.extend(part.strip() for part in chunk.split(",") if part)
    return terms


# A run of three letters or digits: pg_trgm takes the trigrams of a LIKE pattern from its
# words (runs of alphanumerics); a pattern without a three-character word gives none.
_TRIGRAM_WORD = re.compile(r"[^\W_]{3}")


def has_trigram(term: str) -> bool:
    """Whether a trigram index can narrow the orders that contain `term`."""
    return _TRIGRAM_WORD.search(term) is not None


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, term: str) -> ColumnElement[bool]:
    pattern = folded_upper(literal(_like_pattern(term), Text))
    matches: ColumnElement[bool] = folded_upper(column).like(pattern, escape="\\")
    return matches


def search_condition(terms: Sequence[str]) -> ColumnElement[bool]:
    """Every term in some field. Needs the country, state and city joined (outer)."""
    return and_(*(or_(*(_contains(column, term) for _, column in SEARCH_FIELDS)) for term in terms))


def indexed_search_condition(
    terms: Sequence[str], customer: ColumnElement[int]
) -> ColumnElement[bool]:
    """Every term in some field, as `shop_order.id IN (<the customer's orders that contain
    it>)`, one union per term (needs no join).

    The union's first branch is an OR over the order's own columns: a BitmapOr of the
    `(customer_id, upper(field))` trigram indexes. Each other branch takes the orders whose
    reference (country, state, city) has a matching name: the few matching ids are looked
    up first, and an order without that reference matches no name, as with the join. Each
    branch is estimated on its own, where one OR over all nine fields is estimated as
    matching most orders, and then read in full."""
    own = [column for name, column in SEARCH_FIELDS if name not in _REFERENCES]
    conditions = []
    for term in terms:
        # correlate(None): each branch reads shop_order itself, not the enclosing row.
        branches = [
            select(Order.id)
            .where(Order.customer_id == customer, or_(*(_contains(c, term) for c in own)))
            .correlate(None)
        ]
        for name, column in SEARCH_FIELDS:
            if name in _REFERENCES:
                key, reference_id = _REFERENCES[name]
                names = select(reference_id).where(_contains(column, term)).correlate(None)
                branch = select(Order.id).where(Order.customer_id == customer, key.in_(names))
                branches.append(branch.correlate(None))
        conditions.append(Order.id.in_(union_all(*branches)))
    return and_(*conditions)
