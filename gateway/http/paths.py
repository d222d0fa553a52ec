"""The service's path prefixes, and what being under one means."""

from __future__ import annotations

from collections.abc import Sequence

GRAPHQL_PATH = "/graphql"
LEGACY_PREFIX = "/api"  # the legacy REST endpoint: headers exactly as the original's
CUSTOMER_DATA_PREFIXES = (LEGACY_PREFIX, GRAPHQL_PATH)


def under(path: str, prefixes: Sequence[str]) -> bool:
    """`path` is one of `prefixes` or below one (`/graphql`, `/graphql/…`; not `/graphqlx`)."""
    return any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)
