"""compose.yaml, read as the topology test runs it: each service's settings with the service
names (`primary:5432`, `host=replica port=5432`, `gateway-1:8000`) turned into 127.0.0.1 and
the port the test gave that service. So the test runs what the file declares."""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "compose.yaml"


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@dataclass(frozen=True, slots=True)
class Localizer:
    """Rewrites service addresses to this machine's: `ports` maps a service to its port."""

    ports: Mapping[str, int]

    def __call__(self, value: str) -> str:
        names = "|".join(re.escape(name) for name in sorted(self.ports, key=len, reverse=True))
        # host:port (URLs, HAProxy's server lines) and host=… port=… (PgBouncer's databases)
        value = re.sub(
            rf"(?<![\w-])({names}):\d+", lambda m: f"127.0.0.1:{self.ports[m[1]]}", value
        )
        return re.sub(
            rf"host=({names}) port=\d+",
            lambda m: f"host=127.0.0.1 port={self.ports[m[1]]}",
            value,
        )


def postgres_settings(compose: Mapping[str, Any], service: str) -> dict[str, str]:
    """The `-c name=value` settings of a PostgreSQL service's command."""
    command = compose["services"][service]["command"]
    pairs = [command[i + 1] for i, part in enumerate(command) if part == "-c"]
    return dict(pair.split("=", 1) for pair in pairs)


def gateway_environment(
    compose: Mapping[str, Any], service: str, local: Localizer
) -> dict[str, str]:
    environment = compose["services"][service]["environment"]
    return {name: local(str(value)) for name, value in environment.items()}


def gateway_arguments(compose: Mapping[str, Any], service: str, port: int) -> list[str]:
    """The service's command with its --host and --port made this machine's."""
    arguments = [str(part) for part in compose["services"][service]["command"]]
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        arguments[arguments.index(option) + 1] = value
    return arguments


def pgbouncer_config(
    compose: Mapping[str, Any], name: str, local: Localizer
) -> tuple[dict[str, str], dict[str, str]]:
    """A PgBouncer config's databases and settings (listen and auth parts are the test's)."""
    parser = configparser.ConfigParser()
    parser.read_string(compose["configs"][name]["content"])
    databases = {db: local(spec) for db, spec in parser["databases"].items()}
    return databases, dict(parser["pgbouncer"])


def haproxy_config(compose: Mapping[str, Any], local: Localizer, port: int, socket: Path) -> str:
    """HAProxy's config: listening on 127.0.0.1:`port`, its runtime API on `socket`."""
    config: str = compose["configs"]["haproxy"]["content"]
    config = re.sub(r"stats socket \S+", f"stats socket {socket}", config)
    config = re.sub(r"bind :\d+", f"bind 127.0.0.1:{port}", config)
    return local(config)
