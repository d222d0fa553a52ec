from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from gateway.graphql.scalars import parse_date, serialize_datetime, serialize_decimal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("12.5"), "12.50"),
        (Decimal("0"), "0.00"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("-0.001"), "0.00"),
        (Decimal("-3.10"), "-3.10"),
    ],
)
def test_decimal_has_two_places_and_no_negative_zero(value, text):
    assert serialize_decimal(value) == text


def test_datetime_is_utc_with_z_and_a_fraction_only_when_needed():
    assert serialize_datetime(datetime(2024, 3, 1, 12, 0, tzinfo=UTC)) == "2024-03-01T12:00:00Z"
    moment = datetime(2024, 3, 1, 12, 0, 0, 1500, tzinfo=UTC)
    assert serialize_datetime(moment) == "2024-03-01T12:00:00.001500Z"
    east = datetime(2024, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert serialize_datetime(east) == "2024-03-01T12:00:00Z"


def test_date_is_yyyy_mm_dd_only():
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    for bad in ["20240101", "2024-1-01", "2024-02-30", "2024-03-01T00:00", " 2024-03-01", 20240101]:
        with pytest.raises(ValueError, match=r"Date must be YYYY-MM-DD|day is out of range"):
            parse_date(bad)
