"""The command line: help everywhere, `db init`, `seed`, `token …`, and start-up errors."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import gateway
from gateway.cli import build_parser, main, prepare_demo_database
from gateway.db.seed import seed_database
from gateway.settings import Settings, load_settings

KEY = re.compile(r"[0-9a-f]{40}")
GATEWAY_SCRIPT = Path(sys.executable).parent / "gateway"
ENTRY_POINTS = {
    "gateway": [str(GATEWAY_SCRIPT)],
    "python -m gateway": [sys.executable, "-m", "gateway"],
}


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command and subcommand the parser knows, as argument tuples (`()` is the top)."""
    yield prefix
    for action in parser._actions:  # argparse offers no public walk over subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from command_paths(child, (*prefix, name))


COMMANDS = list(command_paths(build_parser()))


def clean_environment() -> dict[str, str]:
    """This process' environment without any `GATEWAY_*` variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}


def run(entry: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run(
        [*ENTRY_POINTS[entry], *args],
        capture_output=True,
        text=True,
        env=env or clean_environment(),
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def database_url(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty test database (SQLite file or PostgreSQL schema) for in-process commands;
    the schema travels as `GATEWAY_DATABASE_SCHEMA`, as in production."""
    if settings.database_schema:
        monkeypatch.setenv("GATEWAY_DATABASE_SCHEMA", settings.database_schema)
    return settings.database_url


def test_the_walk_finds_every_command():
    assert {
        (),
        ("serve",),
        ("db",),
        ("db", "init"),
        ("seed",),
        ("token",),
        ("token", "create"),
        ("token", "list"),
        ("token", "revoke"),
    } <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "(top)")
def test_help_in_process(command, capsys):
    # When --help is asked of the command, then it prints usage naming it and exits 0
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])

    assert exited.value.code == 0
    output = capsys.readouterr().out
    assert output.startswith(f"usage: gateway {' '.join(command)}".rstrip())


def test_both_entry_points_run_the_same_main():
    # The in-process tests call `main`; both ways of starting the program lead to it.
    (script,) = entry_points(group="console_scripts", name="gateway")
    assert script.value == "gateway.cli:main"
    assert "sys.exit(main())" in (Path(gateway.__file__).parent / "__main__.py").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("command", [(), ("token", "create")], ids=["top", "token create"])
def test_help_from_each_entry_point(entry, command):
    # A real process per entry point (each start costs a second of CPU: the top level and
    # one nested subcommand; every command's help is covered in process above)
    result = run(entry, *command, "--help")

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"usage: gateway {' '.join(command)}".rstrip())


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GATEWAY_PORT", "eighty", "error: invalid configuration: GATEWAY_PORT: "),
        ("GATEWAY_DATABASE_URL", "mysql://u@h/db", "error: invalid configuration: "
         "GATEWAY_DATABASE_URL: unsupported database 'mysql'"),
        ("GATEWAY_TIMEZONE", "Mars/Olympus", "error: invalid configuration: GATEWAY_TIMEZONE: "
         "unknown time zone 'Mars/Olympus'"),
    ],
)  # fmt: skip
def test_invalid_settings_exit_2_with_one_line(
    variable, value, message, tmp_path, monkeypatch, capsys
):
    # Given an invalid variable, in a folder where the default database would be created
    monkeypatch.setenv(variable, value)
    monkeypatch.chdir(tmp_path)

    # When a command starts, then it stops with code 2 and one line, creating nothing
    assert main(["db", "init"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_invalid_settings_exit_code_of_the_process(tmp_path):
    env = clean_environment() | {"GATEWAY_PORT": "eighty"}

    result = run("python -m gateway", "db", "init", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        "error: invalid configuration: GATEWAY_PORT: Input should be a valid integer, unable "
        "to parse string as an integer\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command", [("db", "init"), ("seed",), ("token", "list"), ("db", "indexes")]
)
def test_a_command_without_a_database_says_how_to_configure_one(
    command, tmp_path, monkeypatch, capsys
):
    # Given no GATEWAY_DATABASE_URL and no --database-url
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)

    # When a command that needs a database runs, then one line says how, and nothing is made
    assert main(list(command)) == 2
    assert capsys.readouterr().err == (
        "error: no database configured: set GATEWAY_DATABASE_URL or pass --database-url "
        "(postgresql://user@host/db or sqlite:///path/file.sqlite3)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_is_one_line_too(capsys, tmp_path):
    # Given a SQLite file without the shop's tables
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"

    # When tokens are listed, then the error is one line, not a traceback
    assert main(["token", "list", "--database-url", url]) == 1
    assert capsys.readouterr().err == (
        "error: database: (sqlite3.OperationalError) no such table: shop_apitoken\n"
    )


def test_db_init_creates_the_tables_once(database_url, capsys):
    # When `db init` runs twice
    first = main(["db", "init", "--database-url", database_url])
    first_output = capsys.readouterr().out
    second = main(["db", "init", "--database-url", database_url])

    # Then the first creates the ten tables and the second finds them
    assert (first, first_output) == (0, "created 10 tables\n")
    assert (second, capsys.readouterr().out) == (0, "all tables already exist\n")


def test_db_init_creates_the_sqlite_folder(tmp_path, capsys):
    path = tmp_path / "new" / "shop.sqlite3"

    assert main(["db", "init", "--database-url", f"sqlite:///{path}"]) == 0

    with closing(sqlite3.connect(path)) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert "shop_order" in names


# --- seed --------------------------------------------------------------------------------------


def seed(url: str, *options: str) -> int:
    return main(["seed", "--orders", "120", "--customers", "6", *options, "--database-url", url])


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in id order; token keys left out (they are random)."""
    tables = {}
    with closing(sqlite3.connect(path)) as connection:
        tables_query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'shop_%'"
        names = [row[0] for row in connection.execute(tables_query)]
        for name in names:
            if name == "shop_apitoken":
                query = "SELECT customer_id, created_at FROM shop_apitoken ORDER BY customer_id"
            else:
                query = f'SELECT * FROM "{name}" ORDER BY id'
            tables[name] = connection.execute(query).fetchall()
    return tables


def test_seed_is_deterministic(tmp_path, capsys):
    # Given two empty files seeded with the same seed, and a third with another seed
    for name, seed_value in [("a", "5"), ("b", "5"), ("c", "6")]:
        assert seed(f"sqlite:///{tmp_path / name}.sqlite3", "--seed", seed_value) == 0
    capsys.readouterr()

    # When their rows are compared
    a, b, c = (dump(tmp_path / f"{name}.sqlite3") for name in "abc")

    # Then the same seed gave identical rows (token keys aside), another seed other rows
    assert len(a["shop_order"]) == 120
    assert len(a["shop_customer"]) == 6
    assert a == b
    assert a["shop_order"] != c["shop_order"]


def test_seed_prints_the_demo_tokens(database_url, capsys):
    # When an empty database is seeded
    assert seed(database_url) == 0
    output = capsys.readouterr().out

    # Then it reports what it made and prints working keys, the demo customer's first
    lines = output.splitlines()
    assert lines[0].startswith("seeded 6 customers, 120 orders, ")
    assert lines[1] == "demo tokens:"
    tokens = [line.split() for line in lines[2:]]
    assert [t[1:] for t in tokens] == [
        ["customer", "1", "<demo@example.com>"],
        ["customer", "2", "<customer2@example.com>"],
        ["customer", "3", "<customer3@example.com>"],
    ]
    assert all(KEY.fullmatch(t[0]) for t in tokens)
    assert main(["token", "list", "1", "--database-url", database_url]) == 0
    assert capsys.readouterr().out.split()[0] == tokens[0][0]


def test_seed_refuses_a_database_with_customers(database_url, capsys):
    # Given a seeded database
    assert seed(database_url) == 0
    capsys.readouterr()

    # When it is seeded again, then it refuses and changes nothing
    assert seed(database_url, "--seed", "2") == 2
    captured = capsys.readouterr()
    assert captured.err == "error: the database already has customers; seed only an empty one\n"
    assert captured.out == ""
    assert main(["token", "list", "--database-url", database_url]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6


# --- tokens ------------------------------------------------------------------------------------


@pytest.fixture
def seeded(database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert seed(database_url) == 0
    capsys.readouterr()
    return database_url


def token_lines(url: str, capsys: pytest.CaptureFixture[str], *customer: str) -> list[str]:
    assert main(["token", "list", *customer, "--database-url", url]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("customer", ["3", "customer3@example.com"])
def test_token_create_for_a_customer_by_id_or_email(seeded, capsys, customer):
    # When a token is created for customer 3, named by id or by email
    assert main(["token", "create", customer, "--database-url", seeded]) == 0
    key = capsys.readouterr().out

    # Then one new 40-hex key is printed, and listed for that customer
    assert KEY.fullmatch(key.strip())
    assert key == key.strip() + "\n"
    listed = token_lines(seeded, capsys, customer)
    assert len(listed) == 2
    assert key.strip() in [line.split()[0] for line in listed]
    assert all(" customer 3  customer3@example.com  " in line for line in listed)


def test_token_list_all_and_by_customer(seeded, capsys):
    everything = token_lines(seeded, capsys)
    by_id = token_lines(seeded, capsys, "2")
    by_email = token_lines(seeded, capsys, "customer2@example.com")

    assert len(everything) == 6
    assert by_id == by_email == [everything[1]]
    key, word, number, email, created = by_id[0].split()
    assert (KEY.fullmatch(key) is not None, word, number, email) == (
        True,
        "customer",
        "2",
        "customer2@example.com",
    )
    assert created.endswith("+00:00")


def test_token_revoke(seeded, capsys):
    # Given customer 4's key
    key = token_lines(seeded, capsys, "4")[0].split()[0]

    # When it is revoked, then it is gone; revoking it again says so
    assert main(["token", "revoke", key, "--database-url", seeded]) == 0
    assert capsys.readouterr().out == "revoked\n"
    assert token_lines(seeded, capsys, "4") == []
    assert main(["token", "revoke", key, "--database-url", seeded]) == 1
    assert capsys.readouterr().err == "no such token\n"


@pytest.mark.parametrize("customer", ["99", "nobody@example.com", "99999999999999999999", "²"])
def test_token_commands_refuse_an_unknown_customer(seeded, capsys, customer):
    assert main(["token", "create", customer, "--database-url", seeded]) == 2
    assert capsys.readouterr().err == f"error: no customer with id or email {customer!r}\n"
    assert main(["token", "list", customer, "--database-url", seeded]) == 2
    assert capsys.readouterr().err == f"error: no customer with id or email {customer!r}\n"


# --- the embedded demo database --------------------------------------------------------------


def test_the_demo_database_is_made_once(tmp_path, monkeypatch, capsys):
    # Given an empty working folder and the default settings
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url="sqlite:///.gateway/demo.sqlite3")

    # When the embedded database is prepared twice
    first = asyncio.run(prepare_demo_database(settings))
    made = sorted(p.name for p in (tmp_path / ".gateway").iterdir())
    second = asyncio.run(prepare_demo_database(settings))

    # Then the first made exactly the demo file, the second left it alone
    assert (first, second) == (True, False)
    assert made == ["demo.sqlite3"]
    assert capsys.readouterr().out == "creating the demo database .gateway/demo.sqlite3 ...\n"


def test_an_interrupted_first_start_leaves_no_demo_database(tmp_path, monkeypatch, capsys):
    # Given a first start whose seeding is interrupted
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url="sqlite:///.gateway/demo.sqlite3")

    async def interrupted(*args: object, **kwargs: object) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr("gateway.cli.seed_database", interrupted)
    with pytest.raises(RuntimeError, match="interrupted"):
        asyncio.run(prepare_demo_database(settings))
    monkeypatch.setattr("gateway.cli.seed_database", seed_database)

    # Then no demo database exists, and the next start makes a complete one
    assert not (tmp_path / ".gateway" / "demo.sqlite3").exists()
    assert asyncio.run(prepare_demo_database(settings)) is True
    assert sorted(p.name for p in (tmp_path / ".gateway").iterdir()) == ["demo.sqlite3"]
    with closing(sqlite3.connect(tmp_path / ".gateway" / "demo.sqlite3")) as connection:
        assert connection.execute("SELECT count(*) FROM shop_order").fetchone() == (5000,)
