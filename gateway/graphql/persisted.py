"""Automatic persisted queries (Apollo's protocol), registered documents and the allow-list.

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": H}`. Without a
`query`, the server runs the document it knows under H, or answers
`PERSISTED_QUERY_NOT_FOUND` so that the client retries with the full text; with a `query`,
the server checks that H is its SHA-256 and remembers it. Remembered documents live in a
bounded in-process LRU store (each process learns on its own: the protocol's retry makes
that invisible to clients).

Registered documents come from a manifest file, in any of the formats clients' build tools
write (`load_manifest`): Apollo's persisted query manifest
(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id",
"body", …}]}`), or a JSON object `{id: document}`, which is what `gateway apq register`
writes, Relay's `persisted_queries.json` and graphql-codegen's `persisted-documents.json`.
A registered document is found by its id (Relay's `doc_id`, the `documentId` of
graphql-codegen and of the GraphQL-over-HTTP persisted documents, with or without a
`sha256:` prefix) and by its SHA-256 (Apollo's hash).

Allow-list mode (`persisted_queries_only`) runs only registered documents, whether sent by
id, by hash or in full.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.lru import LruCache

NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"
APOLLO_FORMAT = "apollo-persisted-query-manifest"
# Ids that are a digest of their document, by length: checked when a manifest is loaded.
_DIGESTS = {32: "md5", 40: "sha1", 64: "sha256"}
_HEX = re.compile(r"[0-9a-f]+")


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class PersistedQueryError(Exception):
    """The request cannot run; `message` and `code` are what the client is told."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ManifestError(ValueError):
    """The manifest file cannot be used; the message names the file and the problem."""


def _document_id(value: str) -> str:
    """An id as clients send it: a `sha256:` prefix (GraphQL over HTTP) is dropped."""
    return value.removeprefix("sha256:")


def _entries(data: object, path: Path) -> dict[str, str]:
    """`{id: document}` from either manifest format."""
    if isinstance(data, dict) and data.get("format") == APOLLO_FORMAT:
        if data.get("version") != 1 or not isinstance(data.get("operations"), list):
            raise ManifestError(f"{path}: expected version 1 with a list of operations")
        entries: dict[str, str] = {}
        for operation in data["operations"]:
            if not isinstance(operation, dict) or not all(
                isinstance(operation.get(key), str) for key in ("id", "body")
            ):
                raise ManifestError(f"{path}: each operation needs a string id and body")
            entries[operation["id"]] = operation["body"]
        return entries
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ManifestError(
            f"{path}: expected a JSON object of id -> document, or an Apollo persisted "
            "query manifest"
        )
    return data


def load_manifest(path: Path) -> dict[str, str]:
    """The registered documents by id, `{id: document}`: `ManifestError` if the file is
    missing, not JSON, of no known format, or an id that is a digest (MD5, SHA-1, SHA-256 in
    hex) is not its document's."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not a JSON file ({exc})") from None
    entries = _entries(data, path)
    for raw_id, document in entries.items():
        digest = _document_id(raw_id).lower()
        algorithm = _DIGESTS.get(len(digest))
        if algorithm is None or not _HEX.fullmatch(digest):
            continue  # an opaque id
        if hashlib.new(algorithm, document.encode("utf-8")).hexdigest() != digest:
            raise ManifestError(f"{path}: the entry {raw_id} does not match its document")
    return {_document_id(raw_id): document for raw_id, document in entries.items()}


def register_documents(path: Path, documents: list[str]) -> list[str]:
    """Add documents to the manifest (created if missing; an Apollo manifest is written
    back as a `{sha256: document}` object); returns their hashes."""
    manifest = load_manifest(path) if path.exists() else {}
    hashes = []
    for document in documents:
        digest = document_hash(document)
        manifest[digest] = document
        hashes.append(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return hashes


@dataclass(slots=True)
class PersistedQueries:
    """The store: registered documents (never evicted) and learned ones (LRU-bounded).

    Attributes:
        registered: documents from the manifest, by id.
        capacity: how many learned documents to keep.
        only_registered: allow-list mode.
        max_document_bytes: longer documents are not remembered.
    """

    registered: dict[str, str]
    capacity: int
    only_registered: bool = False
    max_document_bytes: int = 100_000
    _by_hash: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _learned: LruCache[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_hash = {document_hash(text): text for text in self.registered.values()}
        self._learned = LruCache(self.capacity)

    def resolve(
        self,
        query: str | None,
        extensions: dict[str, Any] | None,
        document_id: str | None = None,
    ) -> str | None:
        """The document to run for a request's `query`, `extensions` and document id."""
        if document_id is not None and query is None:
            document = self.registered.get(_document_id(document_id))
            if document is None:
                raise PersistedQueryError(NOT_FOUND, NOT_FOUND_CODE)
            return document
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.only_registered and query is not None:
                self._require_registered(document_hash(query))
            return query
        digest = _requested_hash(persisted)
        if query is None:
            document = self._by_hash.get(digest) or self._recall(digest)
            if document is None:
                raise PersistedQueryError(NOT_FOUND, NOT_FOUND_CODE)
            return document
        if document_hash(query) != digest:
            raise PersistedQueryError("provided sha does not match query", "BAD_USER_INPUT")
        if self.only_registered:
            self._require_registered(digest)
        self._remember(digest, query)
        return query

    def _require_registered(self, digest: str) -> None:
        if digest not in self._by_hash:
            raise PersistedQueryError(
                "This server only runs registered operations; this one is not registered",
                NOT_FOUND_CODE,
            )

    def _recall(self, digest: str) -> str | None:
        if self.only_registered:
            return None
        return self._learned.get(digest, None)

    def _remember(self, digest: str, document: str) -> None:
        if digest in self._by_hash or len(document.encode()) > self.max_document_bytes:
            return
        self._learned.put(digest, document)


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError("Unsupported persisted query version", "BAD_USER_INPUT")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise PersistedQueryError("persistedQuery.sha256Hash must be a SHA-256", "BAD_USER_INPUT")
    return digest.lower()
