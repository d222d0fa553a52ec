"""The gateway's exception tree. Each transport maps these once (REST: status + DRF body;
GraphQL: `extensions.code`); anything else is an internal error and is masked.

    GatewayError
    ├── ConfigurationError      bad settings; start-up stops with the message
    ├── StartupError            the database lacks what the gateway reads; start-up stops
    ├── AuthenticationFailed    no/invalid credentials (401 / UNAUTHENTICATED)
    ├── BadUserInput            invalid arguments (400 / BAD_USER_INPUT)
    └── DatabaseUnavailable     the database cannot be reached or is overloaded (503)
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigurationError(GatewayError):
    """A setting is invalid; the message names the variable."""


class StartupError(GatewayError):
    """Something the service needs is missing (a table, a column); the message says what."""


class AuthenticationFailed(GatewayError):
    """The request carries no usable credentials; the message is safe to show."""


class BadUserInput(GatewayError):
    """An argument is invalid; the message is safe to show."""


class DatabaseUnavailable(GatewayError):
    """The database is down, timed out or the pool is exhausted."""
