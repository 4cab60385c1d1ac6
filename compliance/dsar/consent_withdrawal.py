"""Withdrawal of consent to processing under 152-FZ (Art. 21(5)): processing stops and the data is destroyed."""

from __future__ import annotations

from compliance.access.actor import Actor
from compliance.consent import ledger as consent
from compliance.dsar import erasure
from compliance.dsar.models import DsarRequest
from compliance.dsar.records import live_subject
from compliance.dsar.states import StepHook
from compliance.policy.purposes import purposes_of


def fulfil(svc, actor: Actor, row: DsarRequest, people: list[str], *, on_step: StepHook | None = None) -> None:
    """152-FZ Art. 21(5): consent to processing withdrawn -> stop (every consent purpose withdrawn, recorded in
    the ledger as events of this request) and destroy within 30 days, evidenced by a destruction act."""
    with svc.transaction():
        for sid in people:
            if live_subject(sid) is None:
                continue  # resumed after the destruction already ran for this person
            for purpose in purposes_of(svc).values():
                if purpose.legal_basis != "consent" and purpose.model != "opt_out":
                    continue
                for channel in purpose.channels:
                    consent.record(
                        svc,
                        svc.system_actor("dsar"),
                        subject=sid,
                        purpose=purpose.id,
                        channel=channel,
                        action="withdraw",
                        source=row.id[:64],
                        method="consent_withdrawal_request",
                    )
    erasure.run(svc, actor, row, people, on_step=on_step)
