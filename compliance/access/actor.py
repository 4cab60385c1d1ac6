"""Who is acting: a principal with a role and its scopes, plus the request id tying audit entries together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

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

    def through(self, channel: str, request_id: str | None = None) -> Actor:
        """The same principal and role acting through another channel, for another request."""
        # Positional construction, not dataclasses.replace: this runs on every authenticated request.
        return Actor(self.principal_id, self.name, self.role, self.scopes, channel, request_id or self.request_id)


class Grant(Protocol):
    """What an actor takes from a role of roles.yaml (compliance.policy.loader.Role): its name and scopes."""

    name: str
    scopes: frozenset[str]


def act_as(principal_id: str, name: str, role: Grant, *, channel: str, request_id: str | None = None) -> Actor:
    """The one way an Actor is built: who acts (public id and name), with which role, through which channel."""
    return Actor(
        principal_id,
        name,
        role.name,
        frozenset(role.scopes),
        channel=channel,
        request_id=request_id or uuid.uuid4().hex,
    )


ANONYMOUS = Actor("anonymous", "anonymous", "none", frozenset(), channel="api")
