"""The documentation agrees with the code: the configuration reference is generated from the
settings object, the migration guide covers every REST filter, and links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.orders.filters import FILTERS
from gateway.settings import Settings
from gateway.settings_doc import (
    DOC_PATH,
    accepted_values,
    attribute_docs,
    render_configuration,
    serve_flags,
)

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = ROOT / "docs" / "migrating-from-rest.md"


def test_configuration_reference_is_current() -> None:
    committed = DOC_PATH.read_text(encoding="utf-8")
    assert committed == render_configuration(), (
        "docs/configuration.md is stale: run `python -m gateway.settings_doc`"
    )


def test_every_setting_has_a_section() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    headings = re.findall(r"^## (GATEWAY_\w+)$", text, flags=re.MULTILINE)
    assert headings == [f"GATEWAY_{name.upper()}" for name in Settings.model_fields]


def test_attribute_docs_reads_grouped_and_continued_entries() -> None:
    class Example:
        """Summary.

        Attributes:
            alpha, beta: shared text
                continued here.
            gamma: own text.
        """

    assert attribute_docs(Example) == {
        "alpha": "shared text continued here.",
        "beta": "shared text continued here.",
        "gamma": "own text.",
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("log_format", "`auto`, `json`, `text`"),
        ("trust_proxy", "`true` or `false`"),
        ("port", "integer ≥ 1, ≤ 65535"),
        ("db_pool_timeout", "number > 0"),
        ("database_schema", "text matching `^[A-Za-z_][A-Za-z0-9_$]*$|^$`"),
        ("cursor_secret", "text"),
    ],
)
def test_accepted_values(name: str, expected: str) -> None:
    assert accepted_values(Settings.model_fields[name]) == expected


def test_serve_flags_are_read_from_the_parser() -> None:
    flags = serve_flags()
    assert flags["workers"] == "--workers"
    assert flags["graceful_timeout"] == "--graceful-timeout"
    assert "cursor_secret" not in flags


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize("spec", FILTERS, ids=[spec.name for spec in FILTERS])
def test_migration_guide_maps_every_filter(spec: object) -> None:
    name = spec.name  # type: ignore[attr-defined]
    row = re.search(rf"^\| `{name}` \|(?P<rest>.*)$", MIGRATION.read_text(), re.MULTILINE)
    assert row is not None, f"no row for `{name}` in docs/migrating-from-rest.md"
    assert f"`filter.{camel(name)}`" in row["rest"]


@pytest.mark.parametrize("parameter", ["limit", "offset", "search", "ordering", "format"])
def test_migration_guide_maps_the_other_parameters(parameter: str) -> None:
    assert re.search(rf"^\| `{parameter}` \|", MIGRATION.read_text(), re.MULTILINE)


@pytest.mark.parametrize(
    "document", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_relative_links_resolve(document: Path) -> None:
    for target in re.findall(r"\]\((?!https?:|#|mailto:)([^)#\s]+)", document.read_text()):
        assert (document.parent / target).exists(), f"{document.name} links to {target}"
