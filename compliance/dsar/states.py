"""The vocabulary and state machine of a data-subject request: types, statuses, actions and who may take them.

States: received -> verified -> in_progress -> completed | rejected, plus extended (the one extension).
Pure: no database, so the API, the admin pages and the services all read the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from compliance.access.actor import Actor
from compliance.errors import ConsentryError, IllegalTransition, Invalid

TYPES = (
    "access",
    "portability",
    "erasure",
    "rectification",
    "restriction",
    "objection",
    "opt_out",
    "consent_withdrawal",
)
# Types that destroy data: they need a DPO's approval and end with a signed certificate (152-FZ: a destruction act).
DESTRUCTIVE = ("erasure", "consent_withdrawal")
STATUSES = ("received", "verified", "extended", "in_progress", "completed", "rejected")
OPEN = ("received", "verified", "extended", "in_progress")
ACTIONS = ("verify", "extend", "approve", "reject", "process")
INTAKE_CHANNELS = ("api", "cli", "web", "email", "letter", "phone", "in_person")
NO_VERIFICATION = ("opt_out", "objection")  # CCPA §7026: opt-out needs no verification; Art. 21(3) is absolute
# The statuses each action may start from. Anything else is an illegal transition.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "verify": ("received", "extended"),
    "extend": ("received", "verified", "in_progress"),
    "approve": ("verified", "extended"),
    "reject": ("received", "verified", "extended"),
    "process": ("received", "verified", "extended", "in_progress"),
}
# The scope each action needs; carrying out a destructive type also needs APPROVE (see required_scopes).
MANAGE, APPROVE = "requests:manage", "requests:approve"
ACTION_SCOPES: dict[str, str] = {
    "verify": MANAGE,
    "extend": MANAGE,
    "approve": APPROVE,
    "reject": APPROVE,
    "process": MANAGE,
}
# The steps of an erasure, in order: identifiers are tombstoned (which needs them decrypted) before the data key
# is destroyed; the certificate lists each step as done or not. "ledger" writes the erasure to the ledger outside the
# database (compliance.dsar.ledger) before the key is destroyed: from the moment nothing can be undone, a restored
# backup erases the person again; a ledger that cannot be written stops the erasure before "shred". "outbox"
# deletes the mail the mailer still holds for the person (compliance.dsar.outbox).
ERASURE_STEPS = (
    "holds",
    "suppress",
    "exports",
    "outbox",
    "consent",
    "interactions",
    "requests",
    "notices",
    "ledger",
    "shred",
)


def needs_verification(request_type: str) -> bool:
    """Opt-out and objection run without verification; everything else needs it."""
    return request_type not in NO_VERIFICATION


def required_scopes(action: str, request_type: str) -> tuple[str, ...]:
    """Every scope an actor needs to take an action on a request of this type (an erasure needs a DPO)."""
    if action not in ACTION_SCOPES:
        raise Invalid("unknown action", errors=[{"field": "action", "code": "action.unknown"}])
    if action == "process" and request_type in DESTRUCTIVE:
        return (ACTION_SCOPES[action], APPROVE)
    return (ACTION_SCOPES[action],)


def check_transition(action: str, status: str, *, verified: bool, request_type: str, approved: bool) -> str:
    """The status after an action, or IllegalTransition saying why not (pure: the whole state machine)."""
    if action not in ACTIONS:
        raise Invalid("unknown action", errors=[{"field": "action", "code": "action.unknown"}])
    if status not in TRANSITIONS[action]:
        raise IllegalTransition(
            f"cannot {action} a request that is {status}",
            errors=[{"field": "status", "code": f"transition.{status}.{action}"}],
        )
    if action == "verify":
        if verified:
            raise IllegalTransition(
                "the request is already verified", errors=[{"field": "status", "code": "request.already_verified"}]
            )
        return "verified"
    if action == "extend":
        return "extended"
    if action == "approve":
        if not verified:
            raise IllegalTransition(
                "verify the requester before approving", errors=[{"field": "status", "code": "request.not_verified"}]
            )
        if approved:
            raise IllegalTransition(
                "the request is already approved", errors=[{"field": "status", "code": "request.already_approved"}]
            )
        return status
    if action == "reject":
        return "rejected"
    # process
    if needs_verification(request_type) and not verified:
        raise IllegalTransition(
            f"a {request_type} request cannot run before the requester is verified",
            errors=[{"field": "status", "code": "request.not_verified"}],
        )
    if request_type in DESTRUCTIVE and not approved:
        raise IllegalTransition(
            f"a {request_type} request needs the approval of a DPO (dsar approve) before it runs",
            errors=[{"field": "status", "code": "request.not_approved"}],
        )
    return "in_progress"


def transition(row: Any, action: str) -> str:
    """The status a stored request moves to under an action, or IllegalTransition."""
    return check_transition(
        action,
        row.status,
        verified=row.verified_at is not None,
        request_type=row.type,
        approved=row.approved_at is not None,
    )


def allowed_actions(actor: Actor, item: Mapping[str, Any]) -> list[str]:
    """The actions a request (as `view` shows it) allows in its state and the actor holds every scope for."""
    out = []
    for action in ACTIONS:
        if not all(actor.can(scope) for scope in required_scopes(action, item["type"])):
            continue
        try:
            check_transition(
                action,
                item["status"],
                verified=item["verified"],
                request_type=item["type"],
                approved=item["approved"],
            )
        except ConsentryError:
            continue
        out.append(action)
    return out


# Called with (subject id, step) after each committed step of a resumable fulfilment (an erasure): a progress seam,
# also how a test stops a process at a known point. Fulfilments that run in one transaction never call it.
StepHook = Callable[[str, str], None]
