"""GraphQL over HTTP (the specification's current draft): reading a request and choosing the
response's media type, strictly.

A request that is not a well-formed GraphQL-over-HTTP request raises `TransportError`: the
view answers it with the error's status (whatever media type the client accepts) and a
GraphQL error body without `data`, coded as below:

BAD_REQUEST             the body is not JSON, not one JSON object (a batch), a parameter has
                        the wrong type, or there is no query: 400
METHOD_NOT_ALLOWED      a method other than GET, HEAD, POST, or a mutation over GET: 405
                        with `Allow`
NOT_ACCEPTABLE          `Accept` allows neither `application/graphql-response+json` nor
                        `application/json`: 406
UNSUPPORTED_MEDIA_TYPE  a POST whose `Content-Type` is not `application/json` (UTF-8): 415

Choices where the specification leaves room: without `Accept` (and for `*/*`) the answer is
`application/json`, as clients written before the specification expect (and as the
`graphql-http` audit asks); empty GET parameters count as absent; Relay's `doc_id` and the
persisted-documents `documentId` name a registered document in place of `query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ALLOW = "GET, HEAD, POST"
_SUPPORTED = (JSON, GRAPHQL_RESPONSE)  # JSON first: a wildcard alone picks it


class TransportError(Exception):
    """The request cannot be read as a GraphQL request: answered with `status`, one error
    coded `code` and `headers`."""

    def __init__(
        self, status: int, message: str, code: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def method_not_allowed(message: str) -> TransportError:
    return TransportError(405, message, "METHOD_NOT_ALLOWED", {"Allow": ALLOW})


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """The parameters of one GraphQL-over-HTTP request (None: absent)."""

    query: str | None = None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    document_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Range:
    kind: str
    subtype: str
    quality: float
    position: int

    def matches(self, media_type: str) -> bool:
        kind, subtype = media_type.split("/")
        return self.kind in ("*", kind) and self.subtype in ("*", subtype)

    @property
    def specificity(self) -> int:
        return (self.kind != "*") + (self.subtype != "*")


def _ranges(accept: str) -> list[_Range]:
    """The media ranges of an `Accept` header (RFC 9110 12.5.1); malformed ones are skipped."""
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *parameters = (part.strip() for part in item.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(_Range(kind, subtype, quality, position))
    return ranges


def response_media_type(accept: str | None) -> str:
    """The media type of the answer: the supported type the client prefers (its most
    specific matching range decides its weight); `TransportError` 406 if none is allowed."""
    if accept is None or not accept.strip():
        return JSON
    ranges = _ranges(accept)
    best: tuple[tuple[float, int, int], str] | None = None
    for media_type in _SUPPORTED:
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        chosen = max(matching, key=lambda r: (r.specificity, -r.position))
        key = (chosen.quality, chosen.specificity, -chosen.position)
        if chosen.quality > 0 and (best is None or key > best[0]):
            best = (key, media_type)
    if best is None:
        raise TransportError(
            406,
            f"Accept allows neither {GRAPHQL_RESPONSE} nor {JSON}.",
            "NOT_ACCEPTABLE",
        )
    return best[1]


def _bad_request(message: str) -> TransportError:
    return TransportError(400, message, "BAD_REQUEST")


def _string(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad_request(f"{name} must be a string.")


def _mapping(value: object, name: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise _bad_request(f"{name} must be a JSON object.")


def _parameters(
    values: Mapping[str, object], document_id: object, from_json: bool
) -> GraphQLRequest:
    """Checks each parameter's type; in a GET, `variables`/`extensions` are JSON text."""

    def decoded(name: str) -> object:
        value = values.get(name)
        if from_json or value is None:
            return value
        try:
            return orjson.loads(str(value))
        except orjson.JSONDecodeError:
            raise _bad_request(f"{name} is not valid JSON.") from None

    return GraphQLRequest(
        query=_string(values.get("query"), "query"),
        operation_name=_string(values.get("operationName"), "operationName"),
        variables=_mapping(decoded("variables"), "variables"),
        extensions=_mapping(decoded("extensions"), "extensions"),
        document_id=_string(document_id, "documentId"),
    )


def read_get(params: Mapping[str, str]) -> GraphQLRequest:
    """A GET's parameters from its query string; an empty one is absent (the
    specification's rule for `operationName`, applied to each)."""
    present = {name: value for name, value in params.items() if value != ""}
    document_id = present.get("documentId", present.get("doc_id"))
    return _parameters(present, document_id, from_json=False)


def _is_json(content_type: str | None) -> bool:
    """`application/json`, with no charset or UTF-8 (the only encoding offered)."""
    if content_type is None:
        return False
    media, *parameters = (part.strip() for part in content_type.split(";"))
    if media.lower() != JSON:
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return False
    return True


def read_post(content_type: str | None, body: bytes) -> GraphQLRequest:
    """A POST's parameters from its JSON body."""
    if not _is_json(content_type):
        raise TransportError(
            415,
            f"Content-Type must be {JSON} (UTF-8).",
            "UNSUPPORTED_MEDIA_TYPE",
        )
    if not body.strip():
        raise _bad_request("The request body is empty.")
    try:
        values = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _bad_request("The request body is not valid JSON.") from None
    if isinstance(values, list):
        raise _bad_request("Batched requests (a JSON array) are not supported.")
    if not isinstance(values, dict):
        raise _bad_request("The request body must be a JSON object.")
    document_id = values.get("documentId", values.get("doc_id"))
    return _parameters(values, document_id, from_json=True)
