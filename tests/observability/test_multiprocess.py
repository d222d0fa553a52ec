"""The folder `gateway serve` shares between its workers for metrics."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gateway import cli
from gateway.observability.multiprocess import VARIABLE, shared_metrics_folder
from gateway.settings import Settings


def test_one_worker_needs_no_shared_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with shared_metrics_folder(1) as folder:
        assert folder is None
        assert VARIABLE not in os.environ


def test_several_workers_get_a_temporary_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    # given no folder set; when two workers are served
    monkeypatch.delenv(VARIABLE, raising=False)
    with shared_metrics_folder(2) as folder:
        # then a fresh folder is shared with them through the variable
        assert folder is not None
        assert os.environ[VARIABLE] == folder
        assert list(Path(folder).iterdir()) == []
    # and removed with the variable when the server stops
    assert not Path(folder).exists()
    assert VARIABLE not in os.environ


def test_a_folder_the_operator_set_is_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    with shared_metrics_folder(4) as folder:
        assert folder == str(tmp_path)
    assert os.environ[VARIABLE] == str(tmp_path)
    assert tmp_path.is_dir()


def test_serve_hands_workers_a_folder_and_the_shutdown_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a database with the shop's tables and uvicorn replaced by a recorder
    database = tmp_path / "shop.sqlite3"
    assert cli.main(["db", "init", "--database-url", f"sqlite:///{database}"]) == 0
    monkeypatch.delenv(VARIABLE, raising=False)
    for name in Settings.model_fields:
        # serve exports every setting for its workers: have monkeypatch undo that
        monkeypatch.setenv(f"GATEWAY_{name.upper()}", "")
        monkeypatch.delenv(f"GATEWAY_{name.upper()}")
    seen: dict[str, Any] = {}

    def run(app: str, **options: Any) -> None:
        seen.update(options, app=app, folder=os.environ.get(VARIABLE))

    monkeypatch.setattr(cli.uvicorn, "run", run)
    # when serve starts two workers
    argv = ["serve", "--workers", "2", "--graceful-timeout", "7", "--log-format", "text"]
    code = cli.main([*argv, "--database-url", f"sqlite:///{database}"])
    # then uvicorn runs them with the graceful timeout and without its own access log,
    # and the workers found a metrics folder, removed afterwards
    assert code == 0
    assert seen["app"] == "gateway.app:create_app_from_environment"
    assert (seen["workers"], seen["timeout_graceful_shutdown"]) == (2, 7)
    assert seen["access_log"] is False
    assert seen["timeout_worker_healthcheck"] == 30
    assert seen["folder"] is not None
    assert not Path(seen["folder"]).exists()
    assert os.environ["GATEWAY_LOG_FORMAT"] == "text"
