"""Every action the audit trail records, with one line saying what each means (docs/audit.md lists them all).

The enum's values are the text stored in an entry's ``action`` field (see compliance.audit.chain); a value
never changes once entries carry it, because the hash of every later entry covers it.
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """Every action the audit trail records (value = text stored in the log). Meanings: DESCRIPTIONS."""

    SUBJECT_CREATE = "subject.create"
    SUBJECT_READ = "subject.read"
    SUBJECT_READ_PII = "subject.read_pii"
    SUBJECT_LOOKUP = "subject.lookup"
    SUBJECT_UPDATE = "subject.update"
    SUBJECT_IMPORT = "subject.import"
    SUBJECT_EXPORT = "subject.export"
    SUBJECT_SEGMENTS = "subject.segments"
    SUBJECT_ERASE = "subject.erase"
    SUBJECT_RESTORE_VALUE = "subject.restore_value"
    CONSENT_GRANT = "consent.grant"
    CONSENT_WITHDRAW = "consent.withdraw"
    CONSENT_CONFIRM = "consent.confirm"
    CONSENT_OBJECTION = "consent.objection"
    CONSENT_GPC = "consent.gpc"
    CONSENT_EXPIRE = "consent.expire"
    CONSENT_READ = "consent.read"
    REQUEST_SUBMIT = "request.submit"
    REQUEST_VERIFY = "request.verify"
    REQUEST_EXTEND = "request.extend"
    REQUEST_APPROVE = "request.approve"
    REQUEST_REJECT = "request.reject"
    REQUEST_PROCESS = "request.process"
    REQUEST_EXPORT = "request.export"
    HYGIENE_VALIDATE = "hygiene.validate"
    HYGIENE_FIX = "hygiene.fix"
    HYGIENE_MERGE = "hygiene.merge"
    HYGIENE_UNMERGE = "hygiene.unmerge"
    HYGIENE_REJECT = "hygiene.reject"
    HYGIENE_DEDUPE = "hygiene.dedupe"
    RETENTION_RUN = "retention.run"
    KEYS_ROTATE = "keys.rotate"
    KEYS_REINDEX = "keys.reindex"
    KEYS_RETIRE = "keys.retire"
    ERASURE_REAPPLY = "erasure.reapply"
    BACKUP_CREATE = "backup.create"
    BACKUP_RESTORE = "backup.restore"
    PRINCIPAL_CREATE = "principal.create"
    PRINCIPAL_REVOKE = "principal.revoke"
    AUTH_FAILED = "auth.failed"
    AUTH_DENIED = "auth.denied"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_CHECKPOINT = "audit.checkpoint"
    AUDIT_EXPORT = "audit.export"
    POLICY_RECORD = "policy.record"
    JOB_RUN = "job.run"

    @property
    def description(self) -> str:
        """One line saying what the action means."""
        return DESCRIPTIONS[self.value]


DESCRIPTIONS: dict[str, str] = {
    "consent.read": "A subject's consent history or a consent receipt was read.",
    "subject.create": "A data subject was created (API, CLI or import); target is the new subject id.",
    "subject.read": "A subject's record was read with personal data masked.",
    "subject.read_pii": "A subject's personal data was shown unmasked (Art. 32 / ASVS 8.3.5 audited access).",
    "subject.lookup": "Subjects were looked up by an identifier (blind index); details hold kind and count.",
    "subject.update": "A subject's fields were changed; details list the field names, never the values.",
    "subject.import": "A batch of an import was written; details count created, updated and read rows.",
    "subject.export": "Subjects were exported in bulk (CSV/JSON); details hold format, purpose and count.",
    "subject.segments": "Subjects were assigned to lifecycle segments; details hold the count.",
    "subject.erase": "A subject was erased: data key destroyed, indexes removed, identifiers suppressed.",
    "subject.restore_value": "A value kept in a subject's history was put back; details name the entry and field.",
    "consent.grant": "A subject granted consent for a purpose and channel.",
    "consent.withdraw": "A subject withdrew consent for a purpose and channel.",
    "consent.confirm": "A double opt-in grant was confirmed by the subject.",
    "consent.objection": "A subject objected to processing (Art. 21) and is suppressed for that use.",
    "consent.gpc": "A Global Privacy Control signal (Sec-GPC: 1) recorded an opt-out of sale/sharing.",
    "consent.expire": "A consent reached the expiry set by its purpose and lapsed.",
    "request.submit": "A data-subject request was received (type and regime in details).",
    "request.verify": "The requester's identity was verified.",
    "request.extend": "The request's due date was extended once, as its regime allows.",
    "request.approve": "The request was approved for processing.",
    "request.reject": "The request was rejected; details hold the reason code.",
    "request.process": "The request was carried out (access bundle built, erasure or rectification done).",
    "request.export": "A request's access/portability bundle or erasure certificate was downloaded.",
    "hygiene.validate": "Records were validated (format, deliverability); details count results.",
    "hygiene.fix": "Normalisation fixes were applied to subject records.",
    "hygiene.merge": "Duplicate subjects were merged (with undo data); target is the surviving subject.",
    "hygiene.unmerge": "A merge was undone from its undo data.",
    "hygiene.reject": "A duplicate candidate pair was marked as distinct people.",
    "hygiene.dedupe": "Duplicate detection ran over the base (or a dry run); details count pairs and merges.",
    "retention.run": "The retention policy ran; details count deleted/anonymised rows and legal holds.",
    "keys.rotate": "A new key-encryption key version was added and data keys rewrapped.",
    "keys.reindex": "Blind indexes were recomputed under a new index key.",
    "keys.retire": "An old key-encryption key version was retired.",
    "erasure.reapply": "Erasures of the erasure ledger missing from the database (a restored backup) were re-applied.",
    "backup.create": "A backup of the database was written (details: file digest, size, KEK version).",
    "backup.restore": "The database was restored from a backup and caught up with the erasure ledger.",
    "principal.create": "A principal (person or service) and its API key were created.",
    "principal.revoke": "A principal or its API key was revoked.",
    "auth.failed": "Authentication failed (missing, malformed, unknown, expired or revoked key).",
    "auth.denied": "An authenticated principal was denied an action its role does not allow.",
    "audit.verify": "The audit chain was verified; details hold the result.",
    "audit.checkpoint": "A signed checkpoint of the audit chain was produced.",
    "audit.export": "The audit log was exported; details hold the entry count.",
    "policy.record": "The record of processing activities (Art. 30) was generated or exported.",
    "job.run": "A scheduled job ran; details hold the job name and counts.",
}


__all__ = ["DESCRIPTIONS", "AuditAction"]
