"""Servers a test starts itself (PgBouncer, HAProxy, Redis, `gateway serve`), each in its own
process group on its own free port, and stopped by that group's id.

PgBouncer refuses to run as root: as root it runs as the `postgres` user, like the
throwaway PostgreSQL servers of `tests/pg_server.py`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.pg_server import free_port


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Server:
    """One process group: `start()` waits until `port` accepts connections; `stop()` sends
    `signal` to the group and waits; `kill()` ends it at once.

    Parameters:
        name: for messages and the log file's name.
        command: the program and its arguments.
        port: where it listens.
        folder: where its log (and whatever the caller writes) lives.
        env: its environment (default: this process's).
        user: run as this user (through `runuser`) when the tests run as root.
        home: a folder of its own (configuration), removed by `destroy()`.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        port: int,
        folder: Path,
        *,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        home: Path | None = None,
    ) -> None:
        self.name = name
        self.home = home
        self.command = list(command)
        if user is not None and os.geteuid() == 0:
            self.command = ["runuser", "-u", user, "--", *self.command]
        self.port = port
        self.log = folder / f"{name}.log"
        self.env = dict(env) if env is not None else None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, stdout=output, stderr=subprocess.STDOUT, env=self.env,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"{self.name} did not start:\n{self.tail()}")
            time.sleep(0.05)

    def tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if not self.running:
            return
        assert self.process is not None
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def destroy(self) -> None:
        """Stopped (killed if it will not stop) and its folder removed."""
        self.stop(timeout=10)
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)


def pgbouncer_ini(
    databases: Mapping[str, str], settings: Mapping[str, str], folder: Path, port: int
) -> str:
    """A pgbouncer.ini: `databases` (name -> connection string) and `settings`, plus where
    this one listens, logs and finds its (trust) users."""
    local = {
        "listen_addr": "127.0.0.1",
        "listen_port": str(port),
        "unix_socket_dir": "",
        "auth_type": "trust",
        "auth_file": str(folder / "userlist.txt"),
        "logfile": "",
        "pidfile": "",
    }
    lines = ["[databases]", *(f"{name} = {spec}" for name, spec in databases.items())]
    lines += ["", "[pgbouncer]", *(f"{k} = {v}" for k, v in ({**settings, **local}).items())]
    return "\n".join(lines) + "\n"


def pgbouncer(
    name: str, databases: Mapping[str, str], settings: Mapping[str, str], folder: Path
) -> Server:
    """A PgBouncer (Debian's) with this configuration, not yet started."""
    binary = shutil.which("pgbouncer")
    if binary is None:
        pytest.fail("pgbouncer is not installed (.ci/run installs Debian's package)")
    # Not under pytest's folders: those are private to root, and PgBouncer runs as postgres.
    home = Path(tempfile.mkdtemp(prefix=f"gw-{name}-"))
    port = free_port()
    (home / "userlist.txt").write_text('"postgres" ""\n')
    ini = home / "pgbouncer.ini"
    ini.write_text(pgbouncer_ini(databases, settings, home, port))
    if os.geteuid() == 0:
        for path in (home, home / "userlist.txt", ini):
            shutil.chown(path, user="postgres", group="postgres")
    return Server(name, [binary, str(ini)], port, folder, user="postgres", home=home)
