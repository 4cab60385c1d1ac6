"""The erasure step "outbox": the mail the mailer still holds for a person is deleted (issue 13, point 5).

A message is the person's when it carries their subject id, or when it went to one of their addresses (compared in
the canonical form of hygiene.identifiers.email_key, so a message sent to the requester's address before the person
was in the base is found too). The mailer decides what it holds (mailer.OutboxMailer.forget); a mailer that hands
messages on at once holds none and reports 0.
"""

from __future__ import annotations

from typing import Any

from compliance.store.models import Subject
from compliance.subjects import history as value_history
from compliance.subjects.shape import profile_of


def addresses_of(person: Subject) -> list[str]:
    """Every email a person has or had: the profile's, and those replaced since (the encrypted value history)."""
    found = list(profile_of(person).get("emails") or [])
    for entry in value_history.entries(person.id):
        if entry["field"] == "emails":
            for value in (entry["old"], entry["new"]):
                found += [v for v in value or [] if isinstance(v, str)]
    return sorted(set(found))


def forget_mail(svc, subject_id: str, person: Subject | None) -> dict[str, Any]:
    """Delete the mail held for a person (by subject id, and by address when `person` is readable); counts only."""
    addresses = addresses_of(person) if person is not None else []
    details: dict[str, Any] = {"outbox_messages_deleted": int(svc.mailer.forget(subject_id, addresses))}
    if person is None:
        details["skipped"] = "addresses: key_destroyed"  # only messages carrying the subject id were found
    return details
