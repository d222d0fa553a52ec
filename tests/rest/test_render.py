"""The wire format: DRF's JSONRenderer bytes, datetimes in UTC with `Z`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.rest.render import format_datetime, render_json


@pytest.mark.parametrize(
    ("data", "body"),
    [
        ({"a": [1, None, True]}, b'{"a":[1,null,true]}'),
        ("Ayşe Yılmaz", '"Ayşe Yılmaz"'.encode()),
        ("🙂", '"🙂"'.encode()),
        ("a\u2028b\u2029c", b'"a\\u2028b\\u2029c"'),
        ('q"b\\s/', b'"q\\"b\\\\s/"'),
        ("\x00\x1f\x7f\t\n", b'"\\u0000\\u001f\x7f\\t\\n"'),
        ([], b"[]"),
    ],
)
def test_compact_utf8_with_line_separators_escaped(data: object, body: bytes) -> None:
    assert render_json(data) == body


def test_indented_like_json_dumps() -> None:
    assert render_json({"a": [1, "\u2028"], "b": {}}, indent=2) == (
        b'{\n  "a": [\n    1,\n    "\\u2028"\n  ],\n  "b": {}\n}'
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2023, 1, 18, 4, 23, 4, tzinfo=UTC), "2023-01-18T04:23:04Z"),
        (datetime(2023, 1, 4, 13, 9, 51, 484601, tzinfo=UTC), "2023-01-04T13:09:51.484601Z"),
        (datetime(2023, 1, 4, 15, 0, tzinfo=timezone(timedelta(hours=2))), "2023-01-04T13:00:00Z"),
    ],
)
def test_datetimes_in_utc(value: datetime, text: str) -> None:
    assert format_datetime(value) == text


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_compact_body_is_byte_for_byte_the_json_module_s(data: object) -> None:
    # given any JSON-able value, with any text (control characters, U+2028, emoji, …)
    # when it is rendered compactly
    body = render_json(data)
    # then it is exactly what DRF's renderer (json.dumps + the two escapes) writes
    expected = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert body == expected.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()
