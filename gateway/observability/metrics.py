"""Prometheus metrics: what is measured and how label values are kept bounded.

Every label takes a bounded set of values, so a client cannot grow the series count:
methods outside the standard ones are `OTHER`, paths are route templates (`unmatched` when no
route matched), GraphQL operation names are kept for the first `MAX_OPERATION_NAMES` distinct
well-formed names a process sees and collapse to `other` after that (`anonymous` when the
operation has no name), and error codes that are not upper-case identifiers are `OTHER`.

One `Metrics` per app, each with its own registry (no import-time globals). With
`PROMETHEUS_MULTIPROC_DIR` set before the process starts, prometheus-client writes every
value to per-process files in that folder and `/metrics` adds them up across processes.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CollectorRegistry, Counter, Histogram

from gateway.observability.database import PoolCollector

MAX_OPERATION_NAMES = 100
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")

# Seconds. HTTP: a cached page is milliseconds, a cold deep page on a big shop seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


def multiprocess_dir() -> str | None:
    """The folder of prometheus-client's multiprocess mode, if this process uses it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class OperationNames:
    """Turns client-chosen operation names into a bounded set of label values."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if _OPERATION_NAME.fullmatch(name) is None:
            return "other"
        if name in self._seen:
            return name
        if len(self._seen) >= self.limit:
            return "other"
        self._seen.add(name)
        return name


def method_label(method: str) -> str:
    return method if method in METHODS else "OTHER"


def error_code_label(code: str | None) -> str:
    if code is None:
        return "none"
    return code if _ERROR_CODE.fullmatch(code) else "OTHER"


class Metrics:
    """The service's metrics, registered in `registry`.

    `pool` reports the watched engine's pool; in multiprocess mode it is left out of
    `registry` because the scrape builds its own registry from the shared files.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.operation_names = OperationNames()
        self.pool = PoolCollector()
        if multiprocess_dir() is None:
            self.registry.register(self.pool)
        self.requests = Counter(
            "gateway_http_requests",
            "HTTP requests served, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "gateway_http_request_duration_seconds",
            "Time to serve an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.operations = Counter(
            "gateway_graphql_operations",
            "GraphQL operations run, by operation name and error code (none: no error).",
            ["operation", "error_code"],
            registry=self.registry,
        )
        self.operation_duration = Histogram(
            "gateway_graphql_operation_duration_seconds",
            "Time to serve a GraphQL operation, by operation name.",
            ["operation"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.compiled_fallbacks = Counter(
            "gateway_graphql_compiled_fallbacks",
            "myOrders operations the compiled path left to graphql-core, by reason "
            "(gateway.graphql.fallbacks).",
            ["reason"],
            registry=self.registry,
        )
        self.statement_duration = Histogram(
            "gateway_db_statement_duration_seconds",
            "Time from sending an SQL statement to the database to its result.",
            buckets=STATEMENT_BUCKETS,
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method_label(method)
        self.requests.labels(method, route, str(status)).inc()
        self.request_duration.labels(method, route).observe(seconds)

    def count_fallback(self, reason: str) -> None:
        self.compiled_fallbacks.labels(reason).inc()

    def observe_operation(self, name: str | None, error_code: str | None, seconds: float) -> None:
        operation = self.operation_names.label(name)
        self.operations.labels(operation, error_code_label(error_code)).inc()
        self.operation_duration.labels(operation).observe(seconds)
