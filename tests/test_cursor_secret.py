"""`gateway/cursor_secret.py`: the cursor key's sources, read once, in the app's lifespan."""

import logging
import stat

from gateway.app import create_app
from gateway.cursor_secret import cursor_key
from gateway.settings import DEMO_DATABASE_URL, load_settings


def test_the_key_is_the_configured_secret(tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/s.sqlite3", cursor_secret="xyz")
    assert cursor_key(settings) == b"xyz"


def test_without_a_secret_another_database_gets_a_random_key_and_a_warning(tmp_path, caplog):
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/s.sqlite3")

    with caplog.at_level(logging.WARNING, logger="gateway.cursor_secret"):
        first, second = cursor_key(settings), cursor_key(settings)

    assert first != second
    assert len(first) == 32
    assert "GATEWAY_CURSOR_SECRET is not set" in caplog.text


def test_the_demo_database_keeps_its_secret_beside_its_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo database is a path relative to the project
    settings = load_settings(database_url=DEMO_DATABASE_URL)
    assert settings.is_demo

    first = cursor_key(settings)
    second = cursor_key(settings)

    secret_file = tmp_path / ".gateway" / "cursor-secret"
    assert first == second == secret_file.read_text().encode()
    assert len(first) == 64
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in secret_file.parent.iterdir()) == ["cursor-secret"]


async def test_the_app_reads_the_key_in_its_lifespan_not_when_it_is_built(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo database is a path relative to the project
    app = create_app(load_settings(database_url=DEMO_DATABASE_URL))
    secret_file = tmp_path / ".gateway" / "cursor-secret"

    # when the app is built, nothing is read or written; when it starts, the key is there
    assert not secret_file.exists()
    async with app.router.lifespan_context(app):
        assert app.state.cursor_key == secret_file.read_text().encode()
