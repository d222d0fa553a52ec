"""The deployment's key for GraphQL cursors, provisioned once per process by the app's
lifespan: the configured secret, the demo database's stored one, or a random one."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from gateway.errors import ConfigurationError
from gateway.settings import Settings

logger = logging.getLogger(__name__)

SECRET_FILE_NAME = "cursor-secret"


def cursor_key(settings: Settings) -> bytes:
    """The HMAC key for cursors.

    `cursor_secret` when set (every process of a deployment must share it). Otherwise the
    embedded demo database keeps a random secret in `cursor-secret` beside its file, so
    cursors survive restarts and are shared by its workers. Anything else gets a random
    per-process key, with a warning: its cursors break on restart and across workers.
    """
    if settings.cursor_secret:
        return settings.cursor_secret.encode("utf-8")
    if settings.is_demo:
        return _stored_secret(settings.demo_path.parent / SECRET_FILE_NAME)
    logger.warning(
        "GATEWAY_CURSOR_SECRET is not set: using a random key for this process; GraphQL "
        "cursors will not survive a restart and are not shared between workers"
    )
    return secrets.token_bytes(32)


def _stored_secret(path: Path) -> bytes:
    """Read the secret at `path`, creating it (mode 0600) first if it does not exist.

    The secret is written to a private temporary file that is then hard-linked into place:
    the link is atomic and fails if the file exists, so workers starting together agree on
    one secret and none ever reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first; use its secret
        finally:
            temporary.unlink()
    secret = path.read_text(encoding="ascii").strip()
    if not secret:
        raise ConfigurationError(f"{path} is empty; delete it to generate a new cursor secret")
    return secret.encode("ascii")
