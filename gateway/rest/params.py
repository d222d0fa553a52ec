"""The legacy endpoint's query string, parsed as leniently as the original (Django's
`QueryDict`, django-filter's form fields, DRF's pagination, search and ordering filters) into
the core's types, with the original's error messages.

Every parameter's last value wins. A filter that fails to parse records its message; the
caller answers 400 with all messages in `FILTERS` order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, DecimalException
from typing import Any
from urllib.parse import parse_qsl

from gateway.db.models import ORDER_STATUSES
from gateway.orders import FILTERS, LEGACY_FIELDS, FilterKind, OrderField, OrderFilter, OrderingKey
from gateway.orders.filters import ID_MAX, ID_MIN

NULL_CHARACTERS = "Null characters are not allowed."
INVALID_REFERENCE = "Select a valid choice. That choice is not one of the available choices."
INVALID_NUMBER = "Enter a number."
NUMBER_TOO_LARGE = "Ensure this value is less than or equal to 1e+50."
INVALID_DATE = "Enter a valid date."

# django-filter's NumberFilter caps values with `MaxValueValidator(1e50)`, a float: the
# comparison is exact against that float's value, which is slightly above 10**50.
_NUMBER_LIMIT = Decimal("100000000000000007629769841091887003294964970946560")  # == Decimal(1e50)
# Django's English DATE_INPUT_FORMATS, tried in this order.
DATE_INPUT_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%d %b, %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%d %B, %Y",
)
_BOOLEANS = {"1": True, "0": False, "true": True, "false": False}
_ORDERING_NAMES = frozenset(item.value for item in LEGACY_FIELDS)


class InvalidValue(ValueError):
    """A filter value the original rejects; the message is its error text."""


def parse_query_string(raw: bytes) -> dict[str, str]:
    """Each parameter's last value, as Django's `QueryDict` decodes a query string."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    return dict(pairs)


def _positive_int(raw: str | None, *, strict: bool) -> int:
    """DRF's `_positive_int` without the cutoff; ValueError for anything unusable."""
    if raw is None:
        raise ValueError("absent")
    number = int(raw)
    if number < 0 or (number == 0 and strict):
        raise ValueError("not positive")
    return number


def page_window(params: dict[str, str], default_limit: int, max_limit: int) -> tuple[int, int]:
    """`(limit, offset)` as DRF's `LimitOffsetPagination` reads them: never an error."""
    try:
        limit = min(_positive_int(params.get("limit"), strict=True), max_limit)
    except ValueError:
        limit = default_limit
    try:
        offset = _positive_int(params.get("offset"), strict=False)
    except ValueError:
        offset = 0
    return limit, offset


def ordering_keys(params: dict[str, str]) -> tuple[OrderingKey, ...]:
    """DRF's `OrderingFilter`: known names (optionally `-`-prefixed) kept, the rest dropped.

    An empty result means the default ordering (the core supplies it and the tie-breaker).
    """
    keys: list[OrderingKey] = []
    for item in (params.get("ordering") or "").split(","):
        term = item.strip()
        name = term.removeprefix("-")
        if name in _ORDERING_NAMES:
            keys.append(OrderingKey(OrderField(name), descending=term.startswith("-")))
    return tuple(keys)


def search_value(params: dict[str, str]) -> str:
    """The `search` text; InvalidValue for a NUL character (DRF's CharField validator)."""
    value = params.get("search", "")
    if "\x00" in value:
        raise InvalidValue(NULL_CHARACTERS)
    return value


def parse_decimal(text: str) -> Decimal | None:
    """Django's forms.DecimalField with django-filter's 1e50 cap; None for an empty value."""
    if text == "":
        return None
    try:
        value = Decimal(text)
    except DecimalException:
        raise InvalidValue(INVALID_NUMBER) from None
    if not value.is_finite():
        raise InvalidValue(INVALID_NUMBER)
    if value > _NUMBER_LIMIT:
        raise InvalidValue(NUMBER_TOO_LARGE)
    return value


def truncate_to_id(value: Decimal) -> int:
    """The integer part of a decimal (`int()` truncates toward zero), clamped just outside
    the 64-bit range so that exponents like `-1e999999` never become huge integers."""
    if value >= ID_MAX + 1:
        return ID_MAX + 1
    if value <= ID_MIN - 1:
        return ID_MIN - 1
    return int(value)


def parse_date(text: str) -> date:
    """Django's forms.DateField: trimmed, then each input format in order."""
    value = text.strip()
    for fmt in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(INVALID_DATE)


def _status(text: str) -> str:
    if text not in ORDER_STATUSES:
        raise InvalidValue(f"Select a valid choice. {text} is not one of the available choices.")
    return text


def _status_list(text: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in text.split(","))
    if any("\x00" in item for item in items):
        raise InvalidValue(NULL_CHARACTERS)
    return items


def _reference_id(text: str) -> int:
    """ModelChoiceField: NUL check, then the primary key's `int()`; existence is checked
    by the caller (it needs the database)."""
    if "\x00" in text:
        raise InvalidValue(NULL_CHARACTERS)
    try:
        return int(text)
    except ValueError:
        raise InvalidValue(INVALID_REFERENCE) from None


def _reference_list(text: str) -> tuple[int, ...]:
    numbers = (parse_decimal(item) for item in text.split(","))
    return tuple(truncate_to_id(number) for number in numbers if number is not None)


def _id_bound(text: str) -> int | None:
    number = parse_decimal(text)
    return None if number is None else truncate_to_id(number)


_PARSERS: dict[FilterKind, Callable[[str], object]] = {
    FilterKind.STATUS: _status,
    FilterKind.STATUS_LIST: _status_list,
    FilterKind.REFERENCE: _reference_id,
    FilterKind.REFERENCE_LIST: _reference_list,
    FilterKind.ID_MIN: _id_bound,
    FilterKind.ID_MAX: _id_bound,
    FilterKind.ON_DATE: parse_date,
    FilterKind.FROM_DATE: parse_date,
    FilterKind.TO_DATE: parse_date,
}


@dataclass(slots=True)
class ParsedFilters:
    """Filter values that parsed, the messages of those that did not, and the single-id
    filters whose row must still be looked up (`references`: name -> id)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    references: dict[str, int] = field(default_factory=dict)

    def order_filter(self) -> OrderFilter:
        return OrderFilter(**self.values)

    def error_body(self) -> dict[str, list[str]]:
        """The 400 body: `{param: [message]}` in `FILTERS` order."""
        return {spec.name: [self.errors[spec.name]] for spec in FILTERS if spec.name in self.errors}


def parse_filters(params: dict[str, str]) -> ParsedFilters:
    """Every filter of `FILTERS` from its last value; an empty value means absent."""
    parsed = ParsedFilters()
    for spec in FILTERS:
        text = params.get(spec.name)
        if spec.kind is FilterKind.BOOLEAN:
            # django-filter's BooleanWidget: unknown values are no filter, never an error.
            if text is not None:
                parsed.values[spec.name] = _BOOLEANS.get(text.lower())
            continue
        if not text:
            continue
        try:
            value = _PARSERS[spec.kind](text)
        except InvalidValue as exc:
            parsed.errors[spec.name] = str(exc)
            continue
        if isinstance(value, int) and spec.kind is FilterKind.REFERENCE:
            parsed.references[spec.name] = value
        parsed.values[spec.name] = value
    return parsed
