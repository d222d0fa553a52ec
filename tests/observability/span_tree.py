"""Spans from the SDK's in-memory exporter, as a tree a test can compare and a reader can read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from opentelemetry.sdk.trace import ReadableSpan


def children(spans: Sequence[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    """The spans whose parent is `parent`, in the order they started."""
    span_id = parent.context.span_id if parent.context else None
    found = [s for s in spans if s.parent is not None and s.parent.span_id == span_id]
    return sorted(found, key=lambda s: s.start_time or 0)


def roots(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    """The spans whose parent is not among `spans` (the caller's span is not exported)."""
    ids = {s.context.span_id for s in spans if s.context}
    return [s for s in spans if s.parent is None or s.parent.span_id not in ids]


def render(
    spans: Sequence[ReadableSpan],
    *,
    label: Callable[[ReadableSpan], str] = lambda span: span.name,
    attributes: Sequence[str] = (),
) -> str:
    """One line per span, indented under its parent: its label (default: its name) and the
    chosen attributes, when it has them."""

    def lines(span: ReadableSpan, depth: int) -> Iterator[str]:
        shown = [
            f"{key}={(span.attributes or {})[key]}"
            for key in attributes
            if key in (span.attributes or {})
        ]
        suffix = f"  [{', '.join(shown)}]" if shown else ""
        yield "  " * depth + label(span) + suffix
        for child in children(spans, span):
            yield from lines(child, depth + 1)

    return "\n".join(line for root in roots(spans) for line in lines(root, 0))
