"""Consent-aware audiences: who may be contacted for a purpose right now, and the export of that audience."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.consent.decisions import decide, load
from compliance.consent.ledger import channel_of, purpose_spec
from compliance.subjects.exporter import write_export


def audience_filter(svc, purpose: str, channel: str | None) -> Callable[[list[str]], set[str]]:
    """A function keeping only the subject ids whose consent for the purpose is allowed now (the same loader
    and decision as a check, so a merged-away id answers as its survivor)."""
    spec = purpose_spec(svc, purpose)
    chan = channel_of(spec, channel)

    def allowed(ids: list[str]) -> set[str]:
        loaded = load(spec, chan, ids)
        now = svc.clock.now()
        return {sid for sid in ids if decide(svc, spec, chan, *loaded[sid], now=now)["allowed"]}

    return allowed


def export_subjects(
    svc,
    actor: Actor,
    out: Path,
    *,
    fmt: str | None = None,
    purpose: str | None = None,
    segment: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Export live, unrestricted subjects to CSV or JSON; with a purpose, only those allowed right now."""
    actor.require("subjects:export")
    keep = audience_filter(svc, purpose, channel) if purpose is not None else None
    return write_export(svc, actor, out, fmt=fmt, segment=segment, keep=keep, purpose=purpose)
