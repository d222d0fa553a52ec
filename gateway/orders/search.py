"""Free-text search over an order's fields, as the legacy endpoint defines it.

Terms are split like Django REST Framework's `SearchFilter` (Django's `smart_split`, quoted
phrases kept, other chunks split on commas). Every term must match (AND); a term matches
when any search field contains it, upper-cased on both sides with Unicode's simple mapping
(`db.functions.folded_upper`); `%`, `_` and `\\` match literally.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, literal, or_

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


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(terms: Sequence[str]) -> ColumnElement[bool]:
    """Every term in some field. Needs the country, state and city joined (outer)."""
    conditions = []
    for term in terms:
        pattern = folded_upper(literal(_like_pattern(term), Text))
        conditions.append(
            or_(*(folded_upper(column).like(pattern, escape="\\") for _, column in SEARCH_FIELDS))
        )
    return and_(*conditions)
