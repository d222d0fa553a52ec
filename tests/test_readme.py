"""The README's configuration table lists exactly the fields of `Settings`, with their
defaults: whoever adds a setting must document it, and a changed default shows up here."""

from __future__ import annotations

import re
from pathlib import Path

from gateway.settings import Settings

README = Path(__file__).parent.parent / "README.md"
ROW = re.compile(r"^\|\s*`(GATEWAY_[A-Z0-9_]+)`\s*\|\s*(.*?)\s*\|")


def configuration_table() -> dict[str, str]:
    """`variable -> default cell` of the table in the README's Configuration section."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is listed twice"
            rows[match.group(1)] = match.group(2)
    return rows


def documented_default(value: object) -> str | None:
    """How the table writes a default: `false`/`true` for booleans, the value otherwise;
    None for an empty default, which the table describes in words, in parentheses."""
    if value == "":
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_the_table_lists_every_setting_and_nothing_else():
    documented = set(configuration_table())
    fields = {f"GATEWAY_{name.upper()}" for name in Settings.model_fields}

    assert sorted(fields - documented) == []  # settings missing from the README
    assert sorted(documented - fields) == []  # README rows without a setting


def test_the_table_gives_each_default():
    table = configuration_table()

    for name, field in Settings.model_fields.items():
        cell = table[f"GATEWAY_{name.upper()}"]
        expected = documented_default(field.default)
        if expected is None:
            assert re.fullmatch(r"\(.+\)", cell), f"GATEWAY_{name.upper()}: {cell!r}"
        else:
            assert (name, cell) == (name, f"`{expected}`")


def test_the_parser_reads_the_table():
    # A guard against a parser that silently finds nothing (or the wrong section).
    table = configuration_table()

    assert table["GATEWAY_PORT"] == "`8000`"
    assert table["GATEWAY_DATABASE_URL"] == "(none: required, or `serve --demo`)"
    assert table["GATEWAY_DATABASE_SCHEMA"] == "(server default)"
