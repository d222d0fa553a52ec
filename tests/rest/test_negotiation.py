"""Content negotiation as DRF does it: `format` first, then `Accept`; the chosen media type
carries `indent`."""

from __future__ import annotations

import pytest

from gateway.rest.negotiation import (
    BROWSABLE_API,
    JSON,
    NotAcceptable,
    UnknownFormat,
    indent_for,
    parse_header_parameters,
    select_media_type,
)


@pytest.mark.parametrize(
    ("format_param", "accept", "renderer", "media_type"),
    [
        (None, None, JSON, "application/json"),
        (None, "*/*", JSON, "application/json"),
        (None, "application/json", JSON, "application/json"),
        (None, "APPLICATION/JSON", JSON, "APPLICATION/JSON"),
        (None, "application/json; indent=4", JSON, "application/json; indent=4"),
        (None, "*/*; indent=4", JSON, "application/json;indent=4"),
        (None, "application/*", JSON, "application/json"),
        (None, "text/html", BROWSABLE_API, "text/html"),
        (None, "text/*", BROWSABLE_API, "text/html"),
        (None, "text/html, application/json", JSON, "application/json"),
        (None, "application/json;q=0", JSON, "application/json;q=0"),  # q is ignored
        ("json", None, JSON, "application/json"),
        ("", "text/html", BROWSABLE_API, "text/html"),
        ("api", None, BROWSABLE_API, "text/html"),
    ],
)
def test_selected(format_param: str | None, accept: str | None, renderer: object,
                  media_type: str) -> None:  # fmt: skip
    assert select_media_type(format_param, accept) == (renderer, media_type)


@pytest.mark.parametrize(
    ("format_param", "accept"),
    [
        (None, "application/xml"),
        (None, ""),  # an empty header is not `*/*`
        (None, "*"),  # no subtype: matches nothing
        (None, "image/*"),
        ("json", "text/html"),
        ("api", "application/json"),
    ],
)
def test_not_acceptable(format_param: str | None, accept: str) -> None:
    with pytest.raises(NotAcceptable):
        select_media_type(format_param, accept)


@pytest.mark.parametrize("format_param", ["xml", "JSON", "yaml"])
def test_unknown_format(format_param: str) -> None:
    with pytest.raises(UnknownFormat):
        select_media_type(format_param, "application/xml")  # format is checked first


@pytest.mark.parametrize(
    ("media_type", "indent"),
    [
        ("application/json", None),
        ("application/json; indent=4", 4),
        ("application/json; indent=0", None),
        ("application/json; indent=9", 8),
        ("application/json; indent=-2", None),
        ("application/json; indent=abc", None),
        ('application/json; indent=" 2"', 2),
        ("application/json;indent=+3", 3),
    ],
)
def test_indent(media_type: str, indent: int | None) -> None:
    assert indent_for(media_type) == indent


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", ("", {})),
        (" Text/HTML ", ("text/html", {})),
        ('a/b; X="1;2"; y=\\"', ("a/b", {"x": "1;2", "y": '\\"'})),
        ("a/b; indent*=utf-8''%34", ("a/b", {"indent": "4"})),
        ("a/b; indent*=nope''%34", ("a/b", {"indent": "nope''%34"})),  # Django raises
        ("a/b; flag; n=1", ("a/b", {"n": "1"})),
    ],
)
def test_header_parameters(line: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_header_parameters(line) == expected
