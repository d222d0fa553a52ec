from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from gateway.observability import context
from gateway.observability.context import RequestContext
from gateway.observability.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    resolve_format,
)

# 2024-03-01T12:00:00.250Z
CREATED = 1709294400.25


def record(message: str, fields: dict[str, object] | None = None) -> logging.LogRecord:
    made = logging.LogRecord("gateway.access", logging.INFO, __file__, 1, message, None, None)
    made.created = CREATED
    if fields is not None:
        made.fields = fields
    return made


@pytest.fixture
def gateway_logger() -> Iterator[logging.Logger]:
    """The `gateway` logger, restored after the test changed its set-up."""
    logger = logging.getLogger("gateway")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


def test_json_line_holds_the_fields() -> None:
    line = JsonFormatter().format(record("GET /x 200", {"status": 200, "customer_id": None}))
    assert json.loads(line) == {
        "time": "2024-03-01T12:00:00.250Z",
        "level": "info",
        "logger": "gateway.access",
        "message": "GET /x 200",
        "status": 200,
        "customer_id": None,
    }
    assert "\n" not in line


def test_every_record_gets_the_current_request_id() -> None:
    token = context.open_context(RequestContext(request_id="rid-1"))
    try:
        line = JsonFormatter().format(record("boom"))
        text = TextFormatter().format(record("boom"))
    finally:
        context.close_context(token)
    assert json.loads(line)["request_id"] == "rid-1"
    assert text == "2024-03-01T12:00:00.250Z INFO gateway.access boom request_id=rid-1"


def test_text_line_skips_empty_fields() -> None:
    text = TextFormatter().format(record("GET /x 200", {"status": 200, "customer_id": None}))
    assert text == "2024-03-01T12:00:00.250Z INFO gateway.access GET /x 200 status=200"


def test_a_traceback_stays_inside_the_json_line() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        failed = record("unhandled error")
        failed.exc_info = sys.exc_info()
    line = JsonFormatter().format(failed)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["exception"].startswith("Traceback (most recent call last):")
    assert parsed["exception"].endswith("ValueError: bad")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("chosen", "stream", "expected"),
    [
        ("auto", Terminal(), "text"),
        ("auto", io.StringIO(), "json"),
        ("json", Terminal(), "json"),
        ("text", io.StringIO(), "text"),
    ],
)
def test_format_choice(chosen: str, stream: io.StringIO, expected: str) -> None:
    assert resolve_format(chosen, stream) == expected  # type: ignore[arg-type]


def test_configure_logging_twice_keeps_one_handler(gateway_logger: logging.Logger) -> None:
    # given logging configured twice (as a re-created app would)
    first, second = io.StringIO(), io.StringIO()
    configure_logging("json", "info", first)
    configure_logging("text", "warning", second)
    # when a warning and an info line are logged
    logging.getLogger("gateway.access").warning("once")
    logging.getLogger("gateway.access").info("filtered")
    # then only the second handler wrote, once, in text, at its level
    assert first.getvalue() == ""
    assert second.getvalue().splitlines() == [
        second.getvalue().split(" ", 1)[0] + " WARNING gateway.access once"
    ]
    assert gateway_logger.propagate is False
