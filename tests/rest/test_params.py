"""Parsing the legacy query string: last value wins, DRF's limit/offset, ordering, and each
filter's lenient parsing with the original's messages (no database needed)."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.orders import OrderField, OrderingKey
from gateway.orders.filters import ID_MAX, ID_MIN
from gateway.rest.params import (
    INVALID_DATE,
    INVALID_NUMBER,
    INVALID_REFERENCE,
    NULL_CHARACTERS,
    NUMBER_TOO_LARGE,
    InvalidValue,
    ordering_keys,
    page_window,
    parse_filters,
    parse_query_string,
    search_value,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"status=completed&status=", {"status": ""}),
        (b"status=new&status=hold", {"status": "hold"}),
        (b"a=1+2&b=%2C&c", {"a": "1 2", "b": ",", "c": ""}),
        (b"search=caf%C3%A9", {"search": "café"}),
        (b"search=caf%E9", {"search": "caf\ufffd"}),  # invalid UTF-8 escape: replaced
        (b"search=caf\xe9", {"search": "café"}),  # raw bytes that are not UTF-8: latin-1
        (b"x=1;y=2", {"x": "1;y=2"}),  # only `&` separates
    ],
)
def test_query_string_last_value_wins(raw: bytes, expected: dict[str, str]) -> None:
    assert parse_query_string(raw) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (20, 0)),
        ({"limit": "+5", "offset": "1_0"}, (5, 10)),
        ({"limit": " 7 ", "offset": "٣"}, (7, 3)),  # whitespace and Unicode digits, as int()
        ({"limit": "1000"}, (100, 0)),
        ({"limit": "100"}, (100, 0)),
        ({"limit": "0", "offset": "0"}, (20, 0)),
        ({"limit": "-1", "offset": "-1"}, (20, 0)),
        ({"limit": "abc", "offset": "abc"}, (20, 0)),
        ({"limit": "1.5", "offset": "1.5"}, (20, 0)),
        ({"limit": "1e2", "offset": "1e2"}, (20, 0)),
        ({"limit": "", "offset": ""}, (20, 0)),
        ({"limit": "9" * 5000, "offset": "9" * 5000}, (20, 0)),  # beyond int()'s digit limit
        ({"offset": "99999999999999999999"}, (20, 99999999999999999999)),
    ],
)
def test_limit_and_offset_never_fail(query: dict[str, str], expected: tuple[int, int]) -> None:
    assert page_window(query, 20, 100) == expected


def _key(name: str, descending: bool = False) -> OrderingKey:
    return OrderingKey(OrderField(name), descending)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("status", (_key("status"),)),
        (" -status", (_key("status", True),)),
        ("billing_country__name,-id", (_key("billing_country__name"), _key("id", True))),
        ("Status", ()),  # mis-cased: dropped
        ("--status", ()),
        ("notes,total", ()),  # not sortable fields
        ("nope, created_at", (_key("created_at"),)),
        ("", ()),
    ],
)
def test_ordering_keeps_known_fields_only(value: str, expected: tuple[OrderingKey, ...]) -> None:
    assert ordering_keys({"ordering": value}) == expected


def test_search_with_nul_is_invalid() -> None:
    with pytest.raises(InvalidValue, match=NULL_CHARACTERS):
        search_value({"search": "a\x00b"})
    assert search_value({"search": " a "}) == " a "
    assert search_value({}) == ""


def _values(name: str, text: str) -> object:
    parsed = parse_filters({name: text})
    assert parsed.errors == {}
    return parsed.values.get(name)


def _error(name: str, text: str) -> str:
    return parse_filters({name: text}).errors[name]


@pytest.mark.parametrize("name", ["status", "status_in", "payment_method", "billing_city_in",
                                  "id_min", "created_date"])  # fmt: skip
def test_empty_value_is_no_filter(name: str) -> None:
    assert parse_filters({name: ""}).values == {}


@pytest.mark.parametrize("value", ["new", "deleted"])
def test_status_is_exact(value: str) -> None:
    assert _values("status", value) == value


@pytest.mark.parametrize("value", ["New", " new", "pending", "a\x00"])
def test_status_unknown(value: str) -> None:
    assert _error("status", value) == (
        f"Select a valid choice. {value} is not one of the available choices."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("new, hold", ("new", "hold")),
        ("pending,processing,completed", ("pending", "processing", "completed")),
        (",", ("", "")),  # matches nothing
        (" ", ("",)),
    ],
)
def test_status_list_items_trimmed(value: str, expected: tuple[str, ...]) -> None:
    assert _values("status_in", value) == expected


def test_status_list_with_nul() -> None:
    assert _error("status_in", "new,a\x00") == NULL_CHARACTERS


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 1", 1), ("+1", 1), ("1_0", 10),
                                                  ("-3", -3), ("٢", 2)])  # fmt: skip
def test_reference_id_is_python_int(value: str, expected: int) -> None:
    parsed = parse_filters({"payment_method": value})
    assert parsed.references == {"payment_method": expected}


@pytest.mark.parametrize("value", ["abc", "1.0", "1e3", " ", "9" * 5000])
def test_reference_id_not_an_int(value: str) -> None:
    assert _error("shipping_method", value) == INVALID_REFERENCE


def test_reference_id_with_nul() -> None:
    assert _error("billing_country", "1\x00") == NULL_CHARACTERS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,2", (1, 2)),
        ("1.5", (1,)),
        ("-1.5", (-1,)),
        ("1e3, 1_000 ", (1000, 1000)),
        ("1,,2,", (1, 2)),
        (",", ()),
        ("99999999999999999999", (ID_MAX + 1,)),
        ("-1e400", (ID_MIN - 1,)),
        ("-1e999999", (ID_MIN - 1,)),
        ("1e50", (ID_MAX + 1,)),
    ],
)
def test_id_list_parsed_as_decimals(value: str, expected: tuple[int, ...]) -> None:
    assert _values("payment_method_in", value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", INVALID_NUMBER),
        ("1,abc,1e51", INVALID_NUMBER),  # the first bad item's message only
        (" ", INVALID_NUMBER),
        ("NaN", INVALID_NUMBER),
        ("Infinity", INVALID_NUMBER),
        ("1e51", NUMBER_TOO_LARGE),
        ("100000000000000007629769841091887003294964970946561", NUMBER_TOO_LARGE),
    ],
)
def test_id_list_invalid(value: str, message: str) -> None:
    assert _error("billing_state_in", value) == message


def test_number_limit_is_the_float_1e50() -> None:
    # MaxValueValidator(1e50) compares with the float, a little above 10**50.
    assert _values("id_min", "100000000000000007629769841091887003294964970946560") == ID_MAX + 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("False", False), ("0", False),
     ("yes", None), ("on", None), ("t", None), ("2", None), (" true", None), ("", None)],
)  # fmt: skip
def test_booleans_are_lenient(value: str, expected: bool | None) -> None:
    assert _values("is_paid", value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("801.5", 801), ("-801.5", -801), (" 7 ", 7), ("1e3", 1000),
     ("99999999999999999999", ID_MAX + 1), ("-99999999999999999999", ID_MIN - 1),
     ("9223372036854775807.5", ID_MAX)],
)  # fmt: skip
def test_id_bounds_truncated(value: str, expected: int) -> None:
    assert _values("id_max", value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [(" ", INVALID_NUMBER), ("NaN", INVALID_NUMBER), ("-Infinity", INVALID_NUMBER),
     ("sNaN", INVALID_NUMBER), ("1,2", INVALID_NUMBER), ("1e51", NUMBER_TOO_LARGE)],
)  # fmt: skip
def test_id_bounds_invalid(value: str, message: str) -> None:
    assert _error("id_min", value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-04-06", date(2025, 4, 6)),
        ("04/06/2025", date(2025, 4, 6)),
        ("04/06/25", date(2025, 4, 6)),
        ("Apr 06 2025", date(2025, 4, 6)),
        ("Apr 06, 2025", date(2025, 4, 6)),
        ("06 Apr 2025", date(2025, 4, 6)),
        ("06 Apr, 2025", date(2025, 4, 6)),
        ("April 06 2025", date(2025, 4, 6)),
        ("April 06, 2025", date(2025, 4, 6)),
        ("06 April 2025", date(2025, 4, 6)),
        ("06 April, 2025", date(2025, 4, 6)),
        ("2025-6-4", date(2025, 6, 4)),
        ("  2025-06-04\t", date(2025, 6, 4)),
    ],
)
def test_dates_in_django_input_formats(value: str, expected: date) -> None:
    assert _values("created_from", value) == expected


@pytest.mark.parametrize("value", ["2024-01-01T10:00:00", "2024-02-30", "06.04.2025", " ", "x"])
def test_dates_invalid(value: str) -> None:
    assert _error("updated_to", value) == INVALID_DATE


def test_errors_listed_in_filter_order() -> None:
    parsed = parse_filters(
        {"created_to": "x", "id_max": "x", "status": "x", "payment_method": "x", "is_paid": "x"}
    )
    assert list(parsed.error_body()) == ["status", "payment_method", "id_max", "created_to"]
    assert parsed.error_body()["id_max"] == [INVALID_NUMBER]


def test_unknown_parameters_ignored() -> None:
    parsed = parse_filters({"colour": "red", "page": "2"})
    assert (parsed.values, parsed.errors) == ({}, {})
