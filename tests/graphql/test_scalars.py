import re
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from graphql import GraphQLScalarType

from gateway.graphql import build_schema
from gateway.graphql.scalars import parse_date, serialize_datetime, serialize_decimal

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
DOCS = ROOT / "docs"
SCHEMA_FILE = ROOT / "schema.graphql"


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


def _anchors(markdown: str) -> set[str]:
    """Heading anchors as GitHub renders them (lower case, spaces to hyphens)."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("name", ["Decimal", "DateTime", "Date"])
def test_each_custom_scalar_is_specified_by_its_section_of_the_docs(name):
    # Given the scalar's @specifiedBy URL in the schema the service runs
    scalar = build_schema()._schema.get_type(name)
    assert isinstance(scalar, GraphQLScalarType)
    url = urlsplit(scalar.specified_by_url or "")

    # Then it is absolute, under the project's documentation URL, at the scalar's heading
    documentation = tomllib.loads(PYPROJECT.read_text())["project"]["urls"]["Documentation"]
    assert (url.scheme, url.fragment) == ("https", name.lower())
    assert url._replace(fragment="").geturl() == f"{documentation}scalars.md"
    assert name.lower() in _anchors((DOCS / "scalars.md").read_text(encoding="utf-8"))
    assert f'@specifiedBy(url: "{scalar.specified_by_url}")' in SCHEMA_FILE.read_text()
