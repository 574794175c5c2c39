"""The REST server: a FastAPI app over the services, under /api/v1."""

from predhub.server.app import API_PREFIX, create_app
from predhub.server.run import prepare, serve
from predhub.server.settings import Settings

__all__ = ["API_PREFIX", "Settings", "create_app", "prepare", "serve"]
