"""Automatic persisted queries across a deployment: the process's store (`persisted.py`) first,
then the documents every instance shares in Redis (`gateway.fleet.documents`).

A hash this process does not know is looked up in Redis; found, it is learned here too and
runs. A document sent with its hash is learned here and stored in Redis for the others. So a
client misses once per deployment, not once per instance. Allow-list mode only runs the
manifest's documents: Redis is not asked. Redis away: the lookup answers "not found" and
the client sends the full document, as the protocol expects.
"""

from __future__ import annotations

from typing import Any

from gateway.fleet.documents import SharedDocuments
from gateway.graphql.persisted import NOT_FOUND_CODE, PersistedQueries, PersistedQueryError


class SharedPersistedQueries:
    """`PersistedQueries` backed by the deployment's shared documents.

    Parameters:
        local: this process's store (registered and learned documents).
        shared: the documents in Redis (None: this process only).
    """

    def __init__(self, local: PersistedQueries, shared: SharedDocuments | None) -> None:
        self.local = local
        self.shared = shared

    async def resolve(
        self, query: str | None, extensions: dict[str, Any] | None, *args: Any
    ) -> str | None:
        """The document to run, as `PersistedQueries.resolve` finds it, with Redis behind
        this process's learned documents."""
        try:
            document = self.local.resolve(query, extensions, *args)
        except PersistedQueryError as error:
            digest = self._shareable(extensions)
            if error.code != NOT_FOUND_CODE or digest is None or query is not None:
                raise
            found = await self.shared.get(digest) if self.shared is not None else None
            if found is None:
                raise
            # Learned here as if the client had sent it (the hash is checked again).
            return self.local.resolve(found, extensions, *args)
        digest = self._shareable(extensions)
        learnable = (
            query is not None and len(query.encode("utf-8")) <= self.local.max_document_bytes
        )
        if query is not None and learnable and digest is not None and self.shared is not None:
            await self.shared.put(digest, query)
        return document

    def _shareable(self, extensions: dict[str, Any] | None) -> str | None:
        """The request's persisted-query hash, when the shared store may serve it."""
        if self.shared is None or self.local.only_registered:
            return None
        persisted = (extensions or {}).get("persistedQuery")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        return digest.lower() if isinstance(digest, str) else None
