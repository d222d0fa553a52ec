"""Log output: JSON lines for collectors, plain text for people at a terminal.

Every record under the `gateway` logger gets the current request id. Structured fields are
passed as `extra={"fields": {...}}`; the formatters put them in the JSON object or append
them as `key=value` pairs.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

import orjson

from gateway.observability import context
from gateway.settings import LogFormat

LOGGER = "gateway"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = dict(getattr(record, "fields", {}))
    request_id = context.request_id()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    return fields


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the fields, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value …`, the traceback on the following lines."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.name, record.getMessage()]
        parts += [f"{key}={value}" for key, value in _fields(record).items() if value is not None]
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def resolve_format(log_format: LogFormat, stream: TextIO) -> Literal["json", "text"]:
    """`auto`: text when the stream is a terminal, JSON lines otherwise."""
    if log_format != "auto":
        return log_format
    return "text" if stream.isatty() else "json"


def uvicorn_log_config(log_format: LogFormat, level: str) -> dict[str, Any]:
    """uvicorn's `log_config`: its own loggers (start-up, shutdown, server errors) write
    through the same formatter as the gateway's, to stdout. Applied by uvicorn in every
    worker process."""
    chosen = resolve_format(log_format, sys.stdout)
    formatter = JsonFormatter if chosen == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"gateway": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "gateway": {
                "class": "logging.StreamHandler",
                "formatter": "gateway",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            name: {"handlers": ["gateway"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


class _GatewayHandler(logging.StreamHandler[TextIO]):
    """Marks the handler `configure_logging` installed, so calling it again replaces it."""


def configure_logging(log_format: LogFormat, level: str, stream: TextIO | None = None) -> None:
    """Send the `gateway` loggers to `stream` (stdout) in the chosen format at `level`.

    Called once per process by the app factory; idempotent.
    """
    target = stream if stream is not None else sys.stdout
    handler = _GatewayHandler(target)
    chosen = resolve_format(log_format, target)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if isinstance(h, _GatewayHandler)]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    # Our handler writes every line once; the root logger (often unconfigured) must not.
    logger.propagate = False
