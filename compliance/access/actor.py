"""Who is acting: a principal with a role and its scopes, plus the request id tying audit entries together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from compliance.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """The caller of a service function (an API key holder, the local CLI user, or the scheduler)."""

    principal_id: str
    name: str
    role: str
    scopes: frozenset[str]
    channel: str = "cli"  # "cli", "api", "web", "system"
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def can(self, scope: str) -> bool:
        """True when the actor holds the scope."""
        return scope in self.scopes

    def require(self, scope: str) -> None:
        """Raise Forbidden unless the actor holds the scope."""
        if scope not in self.scopes:
            raise Forbidden(f"this action needs the scope {scope} (role {self.role} does not have it)")


ANONYMOUS = Actor("anonymous", "anonymous", "none", frozenset(), channel="api")
