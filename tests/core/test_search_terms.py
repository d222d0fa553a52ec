"""Search term splitting (the table in `spec/rest.md`) and the Unicode upper-casing that
case-insensitive search rests on, in Python, in SQLite and in PostgreSQL's `upper()`."""

from __future__ import annotations

import pytest
from sqlalchemy import Text, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db.functions import folded_upper
from gateway.db.sqlite import unicode_upper
from gateway.orders import split_search_terms
from gateway.orders.search import has_trigram
from tests.conftest import POSTGRESQL_ONLY
from tests.oracle import simple_upper

# rest.md, "Search": value -> terms, row by row.
SPLITTING = [
    ("a b", ["a", "b"]),
    ("a,b", ["a", "b"]),
    ("a, b", ["a", "b"]),
    (" a  b ", ["a", "b"]),
    ("a,,b", ["a", "b"]),
    ('"a b"', ["a b"]),
    ("'a b'", ["a b"]),
    ('"a,b"', ["a,b"]),
    ('"a b" c', ["a b", "c"]),
    ('a"b c"', ['a"b c"']),
    ("it's", ["it's"]),
    ('"', [""]),
    ('""', [""]),
    ("''", [""]),
    ('"a\\"b"', ['a"b']),
    ('"a b', ['"a', "b"]),
    ("x,'y z'", ["x", "'y z'"]),
]


@pytest.mark.parametrize(("value", "terms"), SPLITTING)
def test_search_value_splits_into_the_specified_terms(value: str, terms: list[str]) -> None:
    # given a raw `search` value / when it is split / then the terms are rest.md's
    assert split_search_terms(value) == terms


# rest.md's examples: what upper-casing gives, and so which search finds which name.
UPPER_CASED = [
    ("Yılmaz", "YILMAZ"),  # ı -> I, so `yil` finds it
    ("yil", "YIL"),
    ("Παπαδόπουλος", "ΠΑΠΑΔΌΠΟΥΛΟΣ"),  # final ς -> Σ, so `ΟΥΛΟΣ` finds it
    ("Ísland", "ÍSLAND"),
    ("ísland", "ÍSLAND"),
    ("İstanbul", "İSTANBUL"),  # İ has no other upper case …
    ("istanbul", "ISTANBUL"),  # … so `istanbul` does not find İstanbul
    ("straße", "STRAßE"),  # ß has no one-letter upper case …
    ("strasse", "STRASSE"),  # … so `strasse` does not find straße
]


@pytest.mark.parametrize(("value", "upper"), UPPER_CASED)
def test_sqlite_upper_maps_like_the_spec(value: str, upper: str) -> None:
    # given a name from rest.md / when SQLite's search function upper-cases it / then
    assert unicode_upper(value) == upper


def test_sqlite_upper_passes_null_and_numbers_through() -> None:
    # given SQL values that are not text / when upper-cased / then NULL stays, ids become text
    assert unicode_upper(None) is None
    assert unicode_upper(412) == "412"


# Letters whose upper case differs between the simple and the full mapping, `lower()`, or
# ILIKE's folding; titlecase digraphs; Greek with ypogegrammeni; ASCII for contrast.
TRICKY_LETTERS = "ıİiIςσΣßẞίΊΐΰﬀﬁŉǰǅǈǋǲǆſµÿͅᾳᾀᾈῳῼéöçşğüáaz%_\\'\""


async def test_database_upper_is_the_simple_mapping(session: AsyncSession) -> None:
    # given tricky letters
    letters = list(TRICKY_LETTERS)

    # when the backend's search upper-casing runs on each in SQL
    statement = select(*(folded_upper(literal(letter, Text)) for letter in letters))
    folded = (await session.execute(statement)).one()

    # then each is Unicode's simple uppercase mapping (the oracle's reading of the spec)
    assert dict(zip(letters, folded, strict=True)) == {c: simple_upper(c) for c in letters}


@POSTGRESQL_ONLY
async def test_postgresql_upper_agrees_with_sqlite_upper(session: AsyncSession) -> None:
    # given every tricky letter in one string
    # when PostgreSQL's own upper() and the SQLite function upper-case it
    server = (await session.execute(select(func.upper(literal(TRICKY_LETTERS, Text))))).scalar()

    # then they agree letter for letter
    assert server == unicode_upper(TRICKY_LETTERS)
    assert server == "IİIIΣΣΣßẞΊΊΐΰﬀﬁŉǰǄǇǊǱǄSΜŸΙᾼᾈᾈῼῼÉÖÇŞĞÜÁAZ%_\\'\""


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("mar", True),
        ("new york", True),
        ("Straße", True),
        ("İst", True),
        ("12345", True),
        ("ma", False),
        ("a b c", False),  # pg_trgm's words are runs of letters and digits
        ("a_bc", False),
        ("0%_o", False),
        ("", False),
    ],
)
def test_a_term_has_a_trigram_with_a_word_of_three_characters(term: str, expected: bool) -> None:
    assert has_trigram(term) is expected
