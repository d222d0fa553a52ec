"""docs/configuration.md, generated from the `Settings` class so the two cannot disagree.

Names, types, defaults and constraints come from the fields; each meaning comes from the
class docstring's "Attributes:" section; flags come from `gateway serve`'s parser.
Regenerate with `python -m gateway.settings_doc` (tests/test_docs.py fails when it is stale).
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import typing
from dataclasses import dataclass
from pathlib import Path

import annotated_types
from pydantic.fields import FieldInfo

from gateway.cli import build_parser
from gateway.settings import Settings

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
_ENTRY = re.compile(r"(?P<names>\w+(?:, \w+)*): (?P<text>.*)")

HEADER = """\
# Configuration reference

<!-- Generated from gateway/settings.py by `python -m gateway.settings_doc`; do not edit. -->

Every setting is an environment variable `GATEWAY_<NAME>`; the flags of `gateway serve` listed
below override them. Values are validated once at start-up: an invalid one stops the process
with a message naming the variable, and so does a `GATEWAY_*` variable that names no setting
(with the closest setting's name: a misspelt variable is never ignored silently). Variables
starting `GATEWAY_TEST_` belong to the test suite and are not read. `gateway serve --workers
N` hands the effective settings to every worker process.
"""


@dataclass(frozen=True, slots=True)
class SettingDoc:
    """One setting as the reference shows it."""

    name: str
    default: str
    accepts: str
    flag: str | None
    meaning: str

    @property
    def variable(self) -> str:
        return f"GATEWAY_{self.name.upper()}"


def attribute_docs(cls: type) -> dict[str, str]:
    """The "Attributes:" section of a Google-style docstring: name -> text (an entry naming
    several attributes, `host, port: …`, gives each the same text)."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    start = lines.index("Attributes:") + 1
    docs: dict[str, str] = {}
    names: list[str] = []
    for line in lines[start:]:
        entry = _ENTRY.fullmatch(line.strip()) if not line.startswith(" " * 8) else None
        if entry is not None:
            names = entry["names"].split(", ")
            for name in names:
                docs[name] = entry["text"]
        elif line.strip() and names:
            for name in names:
                docs[name] += " " + line.strip()
    return docs


def default_text(value: object) -> str:
    """A default as the environment variable would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _code(text: str) -> str:
    return f"`{text}`" if text else "empty"


def accepted_values(field: FieldInfo) -> str:
    annotation = field.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(f"`{value}`" for value in typing.get_args(annotation))
    if annotation is bool:
        return "`true` or `false`"
    kinds: dict[object, str] = {int: "integer", float: "number", str: "text"}
    kind = kinds.get(annotation, str(annotation))
    bounds = []
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            bounds.append(f"≥ {item.ge}")
        elif isinstance(item, annotated_types.Gt):
            bounds.append(f"> {item.gt}")
        elif isinstance(item, annotated_types.Le):
            bounds.append(f"≤ {item.le}")
        elif getattr(item, "pattern", None):
            bounds.append(f"matching `{item.pattern}`")
    return " ".join([kind, ", ".join(bounds)]).strip()


def serve_flags() -> dict[str, str]:
    """Setting name -> the `gateway serve` flag that overrides it."""
    commands = next(
        action
        for action in build_parser()._actions  # argparse offers no public way to walk it
        if isinstance(action, argparse._SubParsersAction)
    )
    serve = commands.choices["serve"]
    return {
        action.dest: action.option_strings[-1]
        for action in serve._actions
        if action.option_strings and action.dest in Settings.model_fields
    }


def setting_docs() -> list[SettingDoc]:
    """Every field of `Settings`, in declaration order; fails on an undocumented one."""
    meanings = attribute_docs(Settings)
    flags = serve_flags()
    missing = [name for name in Settings.model_fields if name not in meanings]
    if missing:
        raise ValueError(f"Settings docstring does not describe: {', '.join(missing)}")
    return [
        SettingDoc(
            name=name,
            default=default_text(field.default),
            accepts=accepted_values(field),
            flag=flags.get(name),
            meaning=meanings[name],
        )
        for name, field in Settings.model_fields.items()
    ]


def render_configuration() -> str:
    """The whole of docs/configuration.md."""
    parts = [HEADER, "| variable | default | `serve` flag |", "|---|---|---|"]
    docs = setting_docs()
    for doc in docs:
        anchor = doc.variable.lower()
        flag = f"`{doc.flag}`" if doc.flag else ""
        parts.append(f"| [`{doc.variable}`](#{anchor}) | {_code(doc.default)} | {flag} |")
    for doc in docs:
        parts += [
            "",
            f"## {doc.variable}",
            "",
            doc.meaning[:1].upper() + doc.meaning[1:],
            "",
            f"- default: {_code(doc.default)}",
            f"- accepts: {doc.accepts}",
        ]
        if doc.flag:
            parts.append(f"- flag: `gateway serve {doc.flag}`")
    return "\n".join(parts) + "\n"


def main() -> int:
    DOC_PATH.write_text(render_configuration(), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
