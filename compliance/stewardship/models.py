"""Tables of data hygiene: validation issues, dedupe runs, merge candidates, merges and their encrypted undo data.

Nothing here holds personal data in the clear: issues carry field names and codes, candidates carry subject
ids and scores, and the undo data of a merge is sealed per subject under that subject's own data key
(so erasing a subject also shreds its undo snapshot).
"""

from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField, TextField

from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel
from compliance.subjects.candidates import MergeCandidate

SEVERITIES = ("error", "warning", "info")
MERGE_STATUSES = ("applied", "undone")


class ValidationIssue(BaseModel):
    """One problem of one field of one subject (code and severity, never the value)."""

    id = AutoField()
    subject_id = CharField(max_length=40, index=True)
    field = CharField(max_length=64)
    code = CharField(max_length=64)
    severity = CharField(max_length=16)
    fixable = BooleanField(default=False)  # a safe normalisation exists
    run_id = CharField(max_length=40, null=True)
    created_at = DateTimeField()

    class Meta:
        indexes = ((("subject_id", "field", "code"), True), (("code",), False))


class HygieneRun(BaseModel):
    """One validation or dedupe run with its metrics (the trend of the quality report)."""

    id = CharField(primary_key=True, max_length=40)
    kind = CharField(max_length=16)  # validate | dedupe
    dry_run = BooleanField(default=False)
    actor = CharField(max_length=64)
    started_at = DateTimeField(index=True)
    finished_at = DateTimeField(null=True)
    status = CharField(max_length=16, default="running")  # running | done | failed
    records = IntegerField(default=0)
    scored_pairs = IntegerField(default=0)
    merge_pairs = IntegerField(default=0)
    review_pairs = IntegerField(default=0)
    candidates = IntegerField(default=0)
    auto_merged = IntegerField(default=0)
    clusters = IntegerField(default=0)
    duplicates = IntegerField(default=0)  # records that would disappear if every merge-or-review pair merged
    issues = IntegerField(default=0)
    fixed = IntegerField(default=0)
    metrics = TextField(default="{}")  # JSON of further counts (per field completeness, per code counts)


class Merge(BaseModel):
    """A merge of a loser subject into a survivor; plain ids of what moved, undo snapshots sealed separately."""

    id = CharField(primary_key=True, max_length=40)
    survivor_id = CharField(max_length=40, index=True)
    loser_id = CharField(max_length=40, index=True)
    candidate_id = CharField(max_length=40, null=True)
    automatic = BooleanField(default=False)
    status = CharField(max_length=16, default="applied", index=True)
    actor = CharField(max_length=64)
    created_at = DateTimeField()
    undone_at = DateTimeField(null=True)
    undone_by = CharField(max_length=64, null=True)
    moved = TextField(default="{}")  # JSON: purchase ids, interaction ids, consent event ids created, states before


class MergeSnapshot(EncryptedModel, BaseModel):
    """The exact state of one subject before a merge, sealed under that subject's data key."""

    id = CharField(primary_key=True, max_length=48)  # "<merge id>:<subject id>"
    merge_id = CharField(max_length=40, index=True)
    subject_id = CharField(max_length=40, index=True)
    data = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.subject_id


HYGIENE_MODELS = [ValidationIssue, HygieneRun, MergeCandidate, Merge, MergeSnapshot]
