"""SQL spelled per backend: Unicode upper-casing and integer cents agree on both."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import literal, select, text

from gateway.db.functions import cents, folded_upper
from gateway.db.sqlite import unicode_upper
from gateway.db.types import Money
from tests.conftest import POSTGRESQL_ONLY

# The examples of spec/rest.md's search section, and characters whose full and simple
# uppercase mappings differ.
UPPER_CASES = [
    ("Yılmaz", "YILMAZ"),
    ("Παπαδόπουλος", "ΠΑΠΑΔΌΠΟΥΛΟΣ"),
    ("straße", "STRAßE"),
    ("İstanbul ıi", "İSTANBUL II"),
    ("ᾳ ǆ ﬁ", "ᾼ Ǆ ﬁ"),
    ("50%_off", "50%_OFF"),
    ("", ""),
]


@pytest.mark.parametrize(("given", "expected"), UPPER_CASES)
def test_unicode_upper_uses_the_simple_mapping(given, expected):
    assert unicode_upper(given) == expected


def test_unicode_upper_passes_null_and_stringifies_other_values():
    assert unicode_upper(None) is None
    assert unicode_upper(12) == "12"


async def test_folded_upper_is_the_same_in_sql_on_both_backends(session):
    for given, expected in UPPER_CASES:
        assert await session.scalar(select(folded_upper(literal(given)))) == expected


@POSTGRESQL_ONLY
async def test_unicode_upper_agrees_with_postgresql_on_every_character(session):
    # Given a database whose character type folds beyond ASCII (a C locale does not)
    ctype = await session.scalar(
        text("SELECT datctype FROM pg_database WHERE datname = current_database()")
    )
    if ctype in ("C", "POSIX"):
        pytest.skip(f"the test database's LC_CTYPE is {ctype}: UPPER folds ASCII only")
    # and every character beyond ASCII up to the supplementary ideographs (no surrogates)
    characters = "".join(chr(c) for c in range(0x80, 0x30000) if not 0xD800 <= c < 0xE000)

    # When PostgreSQL and the SQLite function upper-case them
    from_postgresql = await session.scalar(select(folded_upper(literal(characters))))

    # Then they agree character by character
    assert from_postgresql is not None
    differences = [
        (hex(ord(c)), p, s)
        for c, p, s in zip(characters, from_postgresql, unicode_upper(characters), strict=True)
        if p != s
    ]
    assert differences == []


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("0.10", 10), ("0.29", 29), ("1234567890.12", 123456789012), ("-0.01", -1), ("0.00", 0)],
)
async def test_cents_are_exact_integers(session, amount, expected):
    value = literal(Decimal(amount), Money())

    assert await session.scalar(select(cents(value))) == expected
