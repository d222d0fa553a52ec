"""The import rules of docs/architecture.md ("What each package may import"), enforced: every
`import` in `gateway/`, at module level or inside a function, against its package's row."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "gateway"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
NAME = re.compile(r"`([\w.]+)`")


@dataclass(frozen=True, slots=True)
class Rule:
    allowed: tuple[str, ...]  # gateway modules or packages it may import
    forbidden: frozenset[str]  # top-level libraries it must not import


def rules() -> dict[str, Rule]:
    """The table's rows: package -> rule."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## What each package may import")[1]
    table: dict[str, Rule] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`gateway"):
            continue
        package = NAME.findall(cells[0])[0]
        allowed = tuple(n for n in NAME.findall(cells[1]) if n.startswith("gateway"))
        table[package] = Rule(allowed, frozenset(NAME.findall(cells[2])))
    return table


def unit(module: str) -> str:
    """The row a module belongs to: its package under gateway/, or its own name."""
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return ".".join(parts[:2])
    return "gateway" if parts[-1] in ("__init__", "__main__") and len(parts) == 2 else module


def imports(path: Path) -> list[str]:
    """Every module `path` imports, wherever the statement stands."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def modules() -> list[tuple[str, Path]]:
    return sorted(
        (".".join(path.relative_to(ROOT).with_suffix("").parts), path)
        for path in PACKAGE.rglob("*.py")
    )


def test_the_table_is_read() -> None:
    # a guard against a parser that silently finds nothing
    table = rules()
    assert table["gateway.orders"].allowed == ("gateway.errors", "gateway.db")
    assert "starlette" in table["gateway.orders"].forbidden
    assert table["gateway.settings"].allowed == ("gateway.errors", "gateway.db.urls")


def violations(module: str, path: Path, rule: Rule) -> list[str]:
    found = []
    for imported in imports(path):
        if imported.startswith("gateway"):
            allowed = unit(imported) == unit(module) or any(
                imported == a or imported.startswith(a + ".") for a in rule.allowed
            )
            if not allowed:
                found.append(f"{module} imports {imported}: not in the row of {unit(module)}")
        elif imported.split(".")[0] in rule.forbidden:
            found.append(f"{module} imports {imported}: forbidden for {unit(module)}")
    return found


def test_each_module_imports_only_what_its_package_may() -> None:
    table = rules()
    problems = []
    for module, path in modules():
        rule = table.get(unit(module))
        if rule is None:
            problems.append(f"{unit(module)} has no row in docs/architecture.md")
        else:
            problems += violations(module, path, rule)
    assert problems == []
