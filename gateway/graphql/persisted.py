"""Automatic persisted queries (Apollo's protocol) and the optional allow-list.

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": H}`. Without a
`query`, the server runs the document it knows under H, or answers
`PERSISTED_QUERY_NOT_FOUND` so that the client retries with the full text; with a `query`,
the server checks that H is its SHA-256 and remembers it. Remembered documents live in a
bounded in-process LRU store (each process learns on its own: the protocol's retry makes
that invisible to clients).

Allow-list mode (`persisted_queries_only`) runs only documents registered ahead of time in
the manifest file (`gateway apq register FILE…`), whether sent by hash or in full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import GraphQLError

from gateway.lru import LruCache

NOT_FOUND = "PersistedQueryNotFound"
NOT_FOUND_CODE = "PERSISTED_QUERY_NOT_FOUND"


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class PersistedQueryError(Exception):
    """The request cannot run; `error` is what the client is told."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


def load_manifest(path: Path) -> dict[str, str]:
    """The registered documents, `{sha256: document}`; empty if the file does not exist."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: expected a JSON object of sha256 -> document")
    for digest, document in data.items():
        if document_hash(document) != digest:
            raise ValueError(f"{path}: the entry {digest} does not match its document")
    return data


def register_documents(path: Path, documents: list[str]) -> list[str]:
    """Add documents to the manifest (created if missing); returns their hashes."""
    manifest = load_manifest(path)
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
        registered: documents from the manifest.
        capacity: how many learned documents to keep.
        only_registered: allow-list mode.
        max_document_bytes: longer documents are not remembered.
    """

    registered: dict[str, str]
    capacity: int
    only_registered: bool = False
    max_document_bytes: int = 100_000
    _learned: LruCache[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._learned = LruCache(self.capacity)

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document to run for a request's `query` and `extensions`."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if self.only_registered and query is not None:
                self._require_registered(document_hash(query))
            return query
        digest = _requested_hash(persisted)
        if query is None:
            document = self.registered.get(digest) or self._recall(digest)
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
        if digest not in self.registered:
            raise PersistedQueryError(
                "This server only runs registered operations; this one is not registered",
                NOT_FOUND_CODE,
            )

    def _recall(self, digest: str) -> str | None:
        if self.only_registered:
            return None
        return self._learned.get(digest, None)

    def _remember(self, digest: str, document: str) -> None:
        if digest in self.registered or len(document.encode()) > self.max_document_bytes:
            return
        self._learned.put(digest, document)


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError("Unsupported persisted query version", "BAD_USER_INPUT")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64:
        raise PersistedQueryError("persistedQuery.sha256Hash must be a SHA-256", "BAD_USER_INPUT")
    return digest.lower()
