"""The HTTP adapter: Flask app factory, blueprints, authentication, problem+json errors."""

from api.app import create_app

__all__ = ["create_app"]
