"""A throwaway PostgreSQL server that a test starts and stops itself (never the shared one).

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres` user
(`runuser -u postgres`); the data directory lives in a temporary folder that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThrowawayPostgres:
    """A private PostgreSQL cluster on a free port: `start()`, `stop()`, `url`.

    Parameters:
        settings: server settings (`-c name=value`) for every start.
        standby_of: a running primary to copy (`pg_basebackup -R`): the cluster then starts
            as its streaming replica, until `promote()`.
    """

    def __init__(
        self,
        settings: dict[str, str] | None = None,
        *,
        standby_of: ThrowawayPostgres | None = None,
    ) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            pytest.skip("no initdb/pg_ctl found (PostgreSQL server binaries not installed)")
        self.bin_dir = bin_dir
        self.settings = settings or {}
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="gw-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, user="postgres", group="postgres")
        if standby_of is None:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "--locale=C.UTF-8", "-E", "UTF8")  # fmt: skip
        else:
            # initdb's trust rules cover replication connections from 127.0.0.1 too.
            self._run("pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1",
                      "-p", str(standby_of.port), "-U", "postgres", "-X", "stream", "-R",
                      "-c", "fast")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def promote(self) -> None:
        """A standby becomes a primary (returns once it accepts writes)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def running(
    settings: dict[str, str] | None = None, *, standby_of: ThrowawayPostgres | None = None
) -> Iterator[ThrowawayPostgres]:
    """A started throwaway server (or standby), destroyed on the way out."""
    server = ThrowawayPostgres(settings, standby_of=standby_of)
    try:
        server.start()
        yield server
    finally:
        server.destroy()
