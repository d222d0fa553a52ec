"""Fields whose value one of the request's DataLoaders loads, each declared once.

A `Loaded` says which loader, which key of the parent object, and how the loaded record
becomes the field's value. `Loaded.field` makes it a Strawberry field (graphql-core calls
`resolve`); the compiled path (`plans.py`) finds the same declaration behind the field's
resolver and batches the loads of a whole page. The differential tests
(`tests/graphql/test_compiled.py`) hold both paths to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from gateway.graphql.context import Info
from gateway.graphql.dataloaders import Loaders


@dataclass(frozen=True, slots=True)
class Loaded:
    """One loaded field.

    Attributes:
        loader: the request's loader (`Loaders.…`).
        key: the key, read from the parent object.
        build: the field's value from the loaded record (or records).
    """

    loader: Callable[[Loaders], DataLoader[int, Any]]
    key: Callable[[Any], int]
    build: Callable[[Any], Any]

    async def resolve(self, root: Any, info: Info) -> Any:
        """The resolver: the parent's record, loaded through the request's loader."""
        return self.build(await self.loader(info.context.loaders).load(self.key(root)))

    def field(self, description: str) -> Any:
        """The Strawberry field: `name: Type = Loaded(...).field("…")` (the annotation gives
        the field's type)."""
        return strawberry.field(resolver=self.resolve, description=description)


def loaded_by(function: object) -> Loaded | None:
    """The declaration behind a field's resolver function, if it is a loaded field."""
    owner = getattr(function, "__self__", None)
    return owner if isinstance(owner, Loaded) else None
