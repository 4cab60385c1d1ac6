"""Domain errors. The core raises these; api/ maps them to HTTP and cli/ to exit codes and messages.

Messages name fields, rows and ids, never the personal data that was given.
"""

from __future__ import annotations


class ConsentryError(Exception):
    """Base of every error a user can act on."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class NotFound(ConsentryError):
    code, status = "not_found", 404


class Forbidden(ConsentryError):
    code, status = "forbidden", 403


class Unauthenticated(ConsentryError):
    code, status = "unauthenticated", 401


class Invalid(ConsentryError):
    """Input failed validation; `errors` lists {field, code} (and row for files)."""

    code, status = "invalid", 422


class Conflict(ConsentryError):
    code, status = "conflict", 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class Suppressed(ConsentryError):
    code, status = "suppressed", 409


class SetupError(ConsentryError):
    """The instance is not set up (no keys, no schema, bad policies)."""

    code, status = "setup", 500


class KeyMissing(ConsentryError):
    """A data key is wrapped under a KEK version the key provider no longer holds; the message names the fix."""

    code, status = "key_unavailable", 503
