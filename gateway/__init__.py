"""shop-gateway: GraphQL and the legacy REST endpoint over a shop's order database."""

from gateway.app import create_app
from gateway.settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
