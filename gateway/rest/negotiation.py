"""Content negotiation exactly as DRF's `DefaultContentNegotiation` does it, ported with
Django's `parse_header_parameters`, so that `format`, `Accept` and `indent` answer alike.

The original offers two renderers: JSON and the HTML browsable API. The gateway answers JSON
for both (deliberate difference 1), but negotiates with both so that 404/406 and the chosen
media type (which carries `indent`) are the original's.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class Renderer:
    media_type: str
    format: str


JSON = Renderer("application/json", "json")
BROWSABLE_API = Renderer("text/html", "api")
RENDERERS = (JSON, BROWSABLE_API)


class UnknownFormat(Exception):
    """`?format=` names no renderer (the original's Http404)."""


class NotAcceptable(Exception):
    """The `Accept` header allows no renderer."""


def _parse_parameters(text: str) -> list[str]:
    """Django's `_parseparam`: `;`-separated parts, `;` inside quotes kept."""
    parts = []
    while text[:1] == ";":
        text = text[1:]
        end = text.find(";")
        while end > 0 and (text.count('"', 0, end) - text.count('\\"', 0, end)) % 2:
            end = text.find(";", end + 1)
        if end < 0:
            end = len(text)
        parts.append(text[:end].strip())
        text = text[end:]
    return parts


def parse_header_parameters(line: str) -> tuple[str, dict[str, str]]:
    """Django's `parse_header_parameters`: the lower-cased main value and its parameters.

    Unlike Django, an undecodable RFC 2231 value (`indent*=bad'x'%ff`) is kept as written
    instead of raising, so no Accept header can cause a 500.
    """
    if not line:
        return "", {}
    if ";" not in line:
        return line.strip().lower(), {}
    first, *rest = _parse_parameters(";" + line)
    params: dict[str, str] = {}
    for part in rest:
        i = part.find("=")
        if i < 0:
            continue
        has_encoding = False
        name = part[:i].strip().lower()
        if name.endswith("*"):
            name = name[:-1]
            has_encoding = part.count("'") == 2
        value = part[i + 1 :].strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        if has_encoding:
            pieces = value.split("'")
            if len(pieces) == 3:
                # Django raises on an unknown encoding (a 500); the raw value is lenient.
                with contextlib.suppress(LookupError):
                    value = unquote(pieces[2], encoding=pieces[0])
        params[name] = value
    return first.lower(), params


class MediaType:
    """DRF's `_MediaType`."""

    def __init__(self, text: str) -> None:
        self.full_type, self.params = parse_header_parameters(text)
        self.main_type, _, self.sub_type = self.full_type.partition("/")

    def match(self, other: MediaType) -> bool:
        """Whether this (a renderer's) media type satisfies `other` (a client's)."""
        for key in self.params:
            if key != "q" and other.params.get(key) != self.params.get(key):
                return False
        if self.sub_type != "*" and other.sub_type not in ("*", self.sub_type):
            return False
        return self.main_type == "*" or other.main_type in ("*", self.main_type)

    @property
    def precedence(self) -> int:
        """3: type/subtype with parameters, 2: type/subtype, 1: type/*, 0: */*."""
        if self.main_type == "*":
            return 0
        if self.sub_type == "*":
            return 1
        if not self.params or list(self.params) == ["q"]:
            return 2
        return 3


def order_by_precedence(media_types: list[str]) -> list[list[str]]:
    """DRF's `order_by_precedence`: groups, most specific first.

    DRF groups into sets, whose order varies with the process's hash seed; the header's
    order is used here, which is one of the orders the original may pick.
    """
    groups: list[dict[str, None]] = [{}, {}, {}, {}]
    for media_type in media_types:
        groups[3 - MediaType(media_type).precedence][media_type] = None
    return [list(group) for group in groups if group]


def select_media_type(format_param: str | None, accept: str | None) -> tuple[Renderer, str]:
    """The renderer and the accepted media type (whose parameters may carry `indent`).

    `format_param` is the last `format` value (empty means none); `accept` is the joined
    `Accept` header, None when absent (then `*/*`).
    """
    renderers = list(RENDERERS)
    if format_param:
        renderers = [renderer for renderer in RENDERERS if renderer.format == format_param]
        if not renderers:
            raise UnknownFormat(format_param)
    header = "*/*" if accept is None else accept
    accepted = [token.strip() for token in header.split(",")]
    for group in order_by_precedence(accepted):
        for renderer in renderers:
            own = MediaType(renderer.media_type)
            for media_type in group:
                client = MediaType(media_type)
                if not own.match(client):
                    continue
                if own.precedence > client.precedence:
                    # e.g. `*/*; indent=4`: the renderer's type with the client's parameters
                    extra = tuple(f"{key}={value}" for key, value in client.params.items())
                    return renderer, ";".join((renderer.media_type, *extra))
                return renderer, media_type
    raise NotAcceptable(header)


def indent_for(media_type: str) -> int | None:
    """DRF `JSONRenderer.get_indent`: `indent=N` clamped to 0..8; 0 or unusable: None."""
    _, params = parse_header_parameters(media_type)
    try:
        indent = max(min(int(params["indent"]), 8), 0)
    except (KeyError, ValueError):
        return None
    return indent or None
