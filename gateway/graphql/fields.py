"""A typed spelling of `@strawberry.field(description=...)` for resolver methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

F = TypeVar("F", bound=Callable[..., Any])


def resolver(description: str) -> Callable[[F], F]:
    """Mark a method as a field resolver with a description.

    Strawberry types `strawberry.field(description=...)` as `Any`, which strict mypy
    rejects as an untyped decorator; this keeps the method's own signature visible.
    """
    return cast(Callable[[F], F], strawberry.field(description=description))
