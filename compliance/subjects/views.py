"""A subject as API and CLI output: state, flags and the profile, masked unless the reader may see PII."""

from __future__ import annotations

import json
from typing import Any

from compliance.store.models import Subject
from compliance.subjects.masking import mask_profile
from compliance.subjects.shape import profile_of


def view(subject: Subject, reveal: bool) -> dict[str, Any]:
    """A subject as API/CLI output; personal data masked unless reveal is true."""
    profile = profile_of(subject)
    return {
        "id": subject.id,
        "kind": subject.kind,
        "lifecycle": subject.lifecycle,
        "source": subject.source,
        "restricted": subject.restricted,
        "created_at": subject.created_at.isoformat() + "Z",
        "updated_at": subject.updated_at.isoformat() + "Z",
        "flags": json.loads(subject.flags or "[]"),
        "masked": not reveal,
        "profile": profile if reveal else mask_profile(profile),
    }
