"""Double opt-in tokens: issued with a pending grant, mailed, redeemed once before they expire."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from compliance.consent.models import ConsentToken
from compliance.errors import Conflict, Invalid, NotFound
from compliance.mailer import Message
from compliance.policy.purposes import Purpose
from compliance.store.models import Subject
from compliance.subjects.shape import profile_of

TOKEN_HOURS = 72


def _digest(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def issue_token(svc, person: Subject, purpose: Purpose, channel: str, event_id: str) -> str:
    """Store a new token for a pending grant (as a hash) and mail it to the person's first email."""
    emails = profile_of(person).get("emails") or []
    if not emails:
        raise Invalid(
            "double opt-in needs an email address to confirm",
            errors=[{"field": "email", "code": "double_opt_in.no_email"}],
        )
    token = secrets.token_urlsafe(32)
    ConsentToken.insert(
        token_hash=_digest(token),
        event_id=event_id,
        subject_id=person.id,
        purpose=purpose.id,
        channel=channel,
        expires_at=svc.clock.now() + timedelta(hours=TOKEN_HOURS),
    ).execute()
    # No advertising content in a confirmation request (PECR, 38-FZ): only what is asked and how to confirm.
    svc.mailer.send(
        Message(
            to=emails[0],
            subject=f"Please confirm: {purpose.title}",
            body=(
                f"You asked to receive: {purpose.title}.\n"
                f"To confirm, use this code within {TOKEN_HOURS} hours: {token}\n"
                "If you did not ask for this, ignore this message and nothing will be sent to you."
            ),
            kind="double_opt_in",
            subject_id=person.id,
        )
    )
    return token


def void_tokens(svc, subject_id: str, purpose: str, channel: str) -> None:
    """Mark every open token of one subject, purpose and channel used (a withdrawal makes them worthless)."""
    ConsentToken.update(used_at=svc.clock.now()).where(
        (ConsentToken.subject_id == subject_id)
        & (ConsentToken.purpose == purpose)
        & (ConsentToken.channel == channel)
        & ConsentToken.used_at.is_null()
    ).execute()


def redeem(svc, token: str) -> ConsentToken:
    """Use a token once (caller holds the transaction): its row, or an error when unknown, used or expired."""
    digest = _digest(token)
    row = ConsentToken.get_or_none(ConsentToken.token_hash == digest)
    if row is None:
        raise NotFound("unknown confirmation code")
    if row.used_at is not None:
        raise Conflict("this confirmation code was already used", errors=[{"field": "token", "code": "token.used"}])
    if row.expires_at <= svc.clock.now():
        raise Conflict(
            "this confirmation code has expired; sign up again",
            errors=[{"field": "token", "code": "token.expired"}],
        )
    ConsentToken.update(used_at=svc.clock.now()).where(ConsentToken.token_hash == digest).execute()
    return row
