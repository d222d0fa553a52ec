"""One access-log line per request.

The path is logged without its query string: query strings carry search terms and filter
values a customer typed, which do not belong in logs. Tokens and bodies are never logged.
With tracing on, the line carries the request's trace id (the caller's, when it sent
`traceparent`), so a log search finds the trace and a trace finds its log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.observability.context import RequestContext

logger = logging.getLogger("gateway.access")

MAX_PATH_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """A served request as the log describes it."""

    context: RequestContext
    method: str
    path: str
    status: int
    duration_ms: float
    client: str | None
    trace_id: str | None = None

    def message(self) -> str:
        operation = f" ({self.context.operation_name})" if self.context.operation_name else ""
        return f"{self.method} {self.path}{operation} {self.status}"

    def fields(self) -> dict[str, object]:
        context = self.context
        return {
            "request_id": context.request_id,
            "method": self.method,
            "path": self.path,
            "operation": context.operation_name if context.graphql else None,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 2),
            "customer_id": context.customer_id,
            "error_code": context.error_code,
            "client": self.client,
            "trace_id": self.trace_id,
        }


def loggable_path(raw_path: bytes | None, path: str) -> str:
    """The path as the client sent it (still percent-encoded, so no control characters reach
    the log), without the query string, cut to 1024 characters."""
    raw = raw_path.split(b"?", 1)[0] if raw_path else path.encode("utf-8")
    text = "".join(chr(byte) if 0x20 < byte < 0x7F else f"%{byte:02X}" for byte in raw)
    return text[:MAX_PATH_LENGTH]


def log_access(record: AccessRecord, level: int = logging.INFO) -> None:
    logger.log(level, record.message(), extra={"fields": record.fields()})
