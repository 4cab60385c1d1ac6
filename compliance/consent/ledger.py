"""Consent: an immutable event ledger, current state per subject x purpose x channel, and fast checks.

Every change is a ConsentEvent (never updated; deleted only by erasure). The ConsentState row of the same
subject, purpose and channel is updated in the same transaction, so a check is one indexed read (plus the
subject row for restriction and suppression flags). `fold` is the pure definition the state must equal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import Counter, namedtuple
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from peewee import AutoField, CharField, DateTimeField, IntegerField, fn

from compliance.access.actor import Actor
from compliance.audit.actions import AuditAction
from compliance.clock import iso
from compliance.crypto.blind_index import EMAIL, PHONE
from compliance.errors import Conflict, Invalid, NotFound
from compliance.ids import has_prefix, new_id
from compliance.mailer import Message
from compliance.policy.purposes import Purpose, purposes_of
from compliance.store.bulk import reader, select_in
from compliance.store.fields import EncryptedField, EncryptedModel
from compliance.store.models import BaseModel, Subject, Suppression
from compliance.subjects.profiles import find_subjects, identifiers, profile_of, suppressed_scope

ACTIONS = ("grant", "withdraw", "pending", "confirm")
STATES = ("granted", "withdrawn", "pending", "none", "expired", "suppressed", "restricted")
TOKEN_HOURS = 72


class ConsentEvent(EncryptedModel, BaseModel):
    """One immutable consent event. Evidence (hashed IP, user agent) is encrypted under the subject's key."""

    seq = AutoField()  # insertion order: events of one instant stay in the order they were recorded
    id = CharField(max_length=40, unique=True)
    subject_id = CharField(max_length=40, index=True)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    action = CharField(max_length=16)
    state_after = CharField(max_length=16)
    source = CharField(max_length=64)
    method = CharField(max_length=64)
    notice_version = CharField(max_length=64)
    legal_basis = CharField(max_length=32)
    occurred_at = DateTimeField(index=True)
    actor = CharField(max_length=64)
    receipt_id = CharField(max_length=40, unique=True)
    expires_at = DateTimeField(null=True)
    evidence = EncryptedField(null=True)

    def key_subject_id(self) -> str:
        return self.subject_id

    def row_key(self) -> str:
        return self.id


class ConsentState(BaseModel):
    """Current state per subject x purpose x channel (the fold of that key's events)."""

    subject_id = CharField(max_length=40)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    state = CharField(max_length=16)
    updated_at = DateTimeField()
    expires_at = DateTimeField(null=True)
    event_id = CharField(max_length=40)

    class Meta:
        primary_key = False
        indexes = ((("subject_id", "purpose", "channel"), True), (("purpose", "channel", "state"), False))


class ConsentToken(BaseModel):
    """A double opt-in token, stored as a SHA-256 hash; single use, expiring."""

    token_hash = CharField(primary_key=True, max_length=64)
    event_id = CharField(max_length=40)
    subject_id = CharField(max_length=40, index=True)
    purpose = CharField(max_length=64)
    channel = CharField(max_length=16)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


class ConsentCheckCount(BaseModel):
    """How many checks a principal made per purpose per day (checks are counted, not audited one by one)."""

    principal = CharField(max_length=64)
    purpose = CharField(max_length=64)
    day = CharField(max_length=10)
    count = IntegerField(default=0)

    class Meta:
        primary_key = False
        indexes = ((("principal", "purpose", "day"), True),)


CONSENT_MODELS = [ConsentEvent, ConsentState, ConsentToken, ConsentCheckCount]


# ---------------------------------------------------------------------------------------------------------
# The pure definition of state


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's end."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


def step(state: str, action: str) -> str:
    """The stored state after one event."""
    if action == "grant":
        return "granted"
    if action == "withdraw":
        return "withdrawn"
    if action == "pending":
        return "pending" if state != "granted" else "granted"  # a repeated sign-up never downgrades a grant
    if action == "confirm":
        return "granted" if state == "pending" else state
    raise ValueError(f"unknown consent action {action!r}")


def fold(events: Iterable[tuple[str, datetime]], expiry_months: int | None) -> tuple[str, datetime | None]:
    """Stored state and expiry after a sequence of (action, time) events, oldest first."""
    state, expires = "none", None
    for action, at in events:
        before = state
        state = step(state, action)
        if state == "granted" and before != "granted" or action == "grant":
            expires = add_months(at, expiry_months) if expiry_months else None
        elif state != "granted":
            expires = None
    return state, expires


def effective(stored: str, expires_at: datetime | None, now: datetime) -> str:
    """The state a check reports: a grant past its expiry reads as expired."""
    if stored == "granted" and expires_at is not None and expires_at <= now:
        return "expired"
    return stored


# ---------------------------------------------------------------------------------------------------------
# Writing events


def _purpose(svc, purpose_id: str) -> Purpose:
    purposes = purposes_of(svc)
    if purpose_id not in purposes:
        raise Invalid("unknown purpose", errors=[{"field": "purpose", "code": "purpose.unknown"}])
    return purposes[purpose_id]


def _channel(purpose: Purpose, channel: str | None) -> str:
    if channel is None:
        return purpose.channels[0]
    if channel not in purpose.channels:
        raise Invalid(
            f"purpose {purpose.id} does not use channel {channel}",
            errors=[{"field": "channel", "code": "channel.not_in_purpose"}],
        )
    return channel


def resolve(svc, subject: str | None = None, email: str | None = None, phone: str | None = None) -> Subject | None:
    """The live subject named by id or identified by email/phone; None when nobody matches."""
    given = [v for v in (subject, email, phone) if v]
    if len(given) != 1:
        raise Invalid(
            "identify the person by exactly one of subject, email or phone",
            errors=[{"field": "subject|email|phone", "code": "identify.one"}],
        )
    if subject:
        if not has_prefix(subject, "sub"):
            raise Invalid("subject must be a sub_… id", errors=[{"field": "subject", "code": "subject.format"}])
        row = Subject.get_or_none(Subject.id == subject)
    else:
        ids = find_subjects(svc, EMAIL if email else PHONE, email or phone)
        rows = list(
            Subject.select().where(
                Subject.id.in_(list(ids)) & Subject.erased_at.is_null() & Subject.merged_into.is_null()
            )
        )
        if len(rows) > 1:
            raise Conflict(
                "that identifier belongs to several subjects; use the subject id",
                errors=[{"field": "email" if email else "phone", "code": "identify.ambiguous"}],
            )
        row = rows[0] if rows else None
    if row is not None and row.merged_into:
        row = Subject.get_or_none(Subject.id == row.merged_into)
    return row


def _hash_evidence(svc, evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    if not evidence:
        return None
    out = {}
    for key, value in evidence.items():
        if key == "ip" and value:
            # Keyed hash: proves which address was used without storing it.
            out["ip_hmac"] = hmac.new(svc.keys.audit_key(), str(value).encode(), hashlib.sha256).hexdigest()
        elif key in ("user_agent", "form", "page", "campaign", "locale", "ip_hmac"):
            out[key] = str(value)[:512]
        else:
            raise Invalid("unknown evidence field", errors=[{"field": f"evidence.{key}", "code": "evidence.unknown"}])
    return out


def _write_event(
    svc,
    actor: Actor,
    subject: Subject,
    purpose: Purpose,
    channel: str,
    action: str,
    *,
    source: str,
    method: str,
    notice_version: str | None,
    evidence: dict | None,
) -> ConsentEvent:
    """Append an event and update the state row (caller holds the transaction)."""
    now = svc.clock.now()
    state_row = ConsentState.get_or_none(
        (ConsentState.subject_id == subject.id)
        & (ConsentState.purpose == purpose.id)
        & (ConsentState.channel == channel)
    )
    before = state_row.state if state_row else "none"
    after = step(before, action)
    if after == "granted" and (before != "granted" or action == "grant"):
        expires = add_months(now, purpose.expiry_months) if purpose.expiry_months else None
    elif after == "granted" and state_row is not None:
        expires = state_row.expires_at
    else:
        expires = None
    event = ConsentEvent(
        id=new_id("cev"),
        subject_id=subject.id,
        purpose=purpose.id,
        channel=channel,
        action=action,
        state_after=after,
        source=source[:64],
        method=method[:64],
        notice_version=(notice_version or purpose.notice_version)[:64],
        legal_basis=purpose.legal_basis,
        occurred_at=now,
        actor=actor.principal_id,
        receipt_id=new_id("cev").replace("cev_", "rcp_"),
        expires_at=expires,
    )
    event.evidence = _hash_evidence(svc, evidence)
    event.save()
    if state_row is None:
        ConsentState.insert(
            subject_id=subject.id,
            purpose=purpose.id,
            channel=channel,
            state=after,
            updated_at=now,
            expires_at=expires,
            event_id=event.id,
        ).execute()
    else:
        ConsentState.update(state=after, updated_at=now, expires_at=expires, event_id=event.id).where(
            (ConsentState.subject_id == subject.id)
            & (ConsentState.purpose == purpose.id)
            & (ConsentState.channel == channel)
        ).execute()
    audit_action = {
        "grant": AuditAction.CONSENT_GRANT,
        "withdraw": AuditAction.CONSENT_WITHDRAW,
        "pending": AuditAction.CONSENT_GRANT,
        "confirm": AuditAction.CONSENT_CONFIRM,
    }[action]
    if source == "gpc":
        audit_action = AuditAction.CONSENT_GPC
    svc.audit.record(
        actor,
        audit_action,
        event.id,
        details={"subject": subject.id, "purpose": purpose.id, "channel": channel, "state": after},
    )
    return event


def event_view(event: ConsentEvent) -> dict[str, Any]:
    """A consent event as output (evidence omitted: it stays encrypted)."""
    return {
        "id": event.id,
        "subject": event.subject_id,
        "purpose": event.purpose,
        "channel": event.channel,
        "action": event.action,
        "state": event.state_after,
        "source": event.source,
        "method": event.method,
        "notice_version": event.notice_version,
        "legal_basis": event.legal_basis,
        "occurred_at": iso(event.occurred_at),
        "actor": event.actor,
        "receipt_id": event.receipt_id,
        "expires_at": iso(event.expires_at),
    }


def record(
    svc,
    actor: Actor,
    *,
    purpose: str,
    action: str,
    subject: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    channel: str | None = None,
    source: str = "api",
    method: str | None = None,
    notice_version: str | None = None,
    evidence: dict | None = None,
) -> dict[str, Any]:
    """Record a grant or withdrawal of one purpose on one channel; a double opt-in grant becomes pending."""
    actor.require("consent:write")
    if action not in ("grant", "withdraw"):
        raise Invalid("action must be grant or withdraw", errors=[{"field": "action", "code": "action.unknown"}])
    if isinstance(purpose, list | tuple):
        raise Invalid("one event names one purpose", errors=[{"field": "purpose", "code": "purpose.bundled"}])
    spec = _purpose(svc, purpose)
    chan = _channel(spec, channel)
    method = method or ("web_form" if source == "web" else source)
    with svc.transaction():
        person = resolve(svc, subject, email, phone)
        if person is None or person.erased_at is not None:
            raise NotFound("no such subject")
        token = None
        if action == "grant" and spec.double_opt_in:
            event = _write_event(
                svc,
                actor,
                person,
                spec,
                chan,
                "pending",
                source=source,
                method=method,
                notice_version=notice_version,
                evidence=evidence,
            )
            if event.state_after == "pending":
                token = _issue_token(svc, person, spec, chan, event)
        else:
            if action == "withdraw":
                _void_tokens(svc, person.id, spec.id, chan)
            event = _write_event(
                svc,
                actor,
                person,
                spec,
                chan,
                action,
                source=source,
                method=method,
                notice_version=notice_version,
                evidence=evidence,
            )
    out = event_view(event)
    if token is not None:
        out["confirmation"] = "sent"
    return out


def _issue_token(svc, person: Subject, purpose: Purpose, channel: str, event: ConsentEvent) -> str:
    emails = profile_of(person).get("emails") or []
    if not emails:
        raise Invalid(
            "double opt-in needs an email address to confirm",
            errors=[{"field": "email", "code": "double_opt_in.no_email"}],
        )
    token = secrets.token_urlsafe(32)
    ConsentToken.insert(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        event_id=event.id,
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
        )
    )
    return token


def _void_tokens(svc, subject_id: str, purpose: str, channel: str) -> None:
    ConsentToken.update(used_at=svc.clock.now()).where(
        (ConsentToken.subject_id == subject_id)
        & (ConsentToken.purpose == purpose)
        & (ConsentToken.channel == channel)
        & ConsentToken.used_at.is_null()
    ).execute()


def confirm(svc, actor: Actor, token: str) -> dict[str, Any]:
    """Confirm a double opt-in with its token (single use, expiring)."""
    digest = hashlib.sha256((token or "").encode()).hexdigest()
    with svc.transaction():
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
        person = Subject.get_or_none(Subject.id == row.subject_id)
        if person is None or person.erased_at is not None:
            raise NotFound("unknown confirmation code")
        event = _write_event(
            svc,
            actor,
            person,
            _purpose(svc, row.purpose),
            row.channel,
            "confirm",
            source="double_opt_in",
            method="email_confirmation",
            notice_version=None,
            evidence=None,
        )
    return event_view(event)


def gpc_opt_out(svc, actor: Actor, person: Subject) -> dict[str, Any] | None:
    """Honour a Global Privacy Control signal: opt the person out of sale/sharing, asking nothing more."""
    purposes = purposes_of(svc)
    if "sale_sharing" not in purposes:
        return None
    spec = purposes["sale_sharing"]
    current = ConsentState.get_or_none(
        (ConsentState.subject_id == person.id)
        & (ConsentState.purpose == spec.id)
        & (ConsentState.channel == spec.channels[0])
    )
    if current is not None and current.state == "withdrawn":
        return None
    with svc.transaction():
        event = _write_event(
            svc,
            actor,
            person,
            spec,
            spec.channels[0],
            "withdraw",
            source="gpc",
            method="gpc_header",
            notice_version=None,
            evidence=None,
        )
    return event_view(event)


def object_to_marketing(svc, actor: Actor, subject_id: str, *, source: str = "api") -> dict[str, Any]:
    """Art. 21(2): withdraw every marketing purpose on every channel and suppress the identifiers for marketing."""
    actor.require("consent:write")
    purposes = [p for p in purposes_of(svc).values() if p.marketing]
    with svc.transaction():
        person = resolve(svc, subject_id)
        if person is None or person.erased_at is not None:
            raise NotFound("no such subject")
        events = []
        for purpose in purposes:
            for channel in purpose.channels:
                _void_tokens(svc, person.id, purpose.id, channel)
                events.append(
                    _write_event(
                        svc,
                        actor,
                        person,
                        purpose,
                        channel,
                        "withdraw",
                        source=source,
                        method="objection",
                        notice_version=None,
                        evidence=None,
                    ).id
                )
        added = suppress_identifiers(svc, person, scope="marketing", reason="objection")
        Subject.update(marketing_suppressed=True).where(Subject.id == person.id).execute()
        svc.audit.record(
            actor, AuditAction.CONSENT_OBJECTION, person.id, details={"events": len(events), "tombstones": added}
        )
    return {"subject": person.id, "withdrawn": len(events), "suppressed_identifiers": added}


def suppress_identifiers(svc, person: Subject, *, scope: str, reason: str) -> int:
    """Add keyed-HMAC tombstones of every identifier of a person to the suppression list."""
    rows = []
    for kind, value in identifiers(profile_of(person)):
        digest = svc.indexer.digest(kind, value)
        if digest is not None:
            rows.append(
                {
                    "kind": kind,
                    "digest": digest,
                    "key_version": svc.indexer.active,
                    "scope": scope,
                    "reason": reason,
                    "created_at": svc.clock.now(),
                }
            )
    if rows:
        Suppression.insert_many(rows).execute()
    return len(rows)


# ---------------------------------------------------------------------------------------------------------
# Checks


class CheckCounter:
    """Per-process counts of checks by principal and purpose, flushed to the database in batches."""

    def __init__(self, flush_every: int = 500, flush_seconds: float = 30.0):
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._last = time.monotonic()
        self._pending = 0
        self._lock = threading.Lock()

    def add(self, svc, principal: str, purpose: str, n: int = 1, at: datetime | None = None) -> None:
        """Count n checks (made at `at`, now by default); flush when enough have accumulated."""
        day = (at or svc.clock.now()).date().isoformat()
        with self._lock:
            self.counts[(principal, purpose, day)] += n
            self._pending += n
            due = self._pending >= self.flush_every or time.monotonic() - self._last > self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the counts (upsert-and-add) and reset."""
        with self._lock:
            counts, self.counts = self.counts, Counter()
            self._pending, self._last = 0, time.monotonic()
        for (principal, purpose, day), n in counts.items():
            ConsentCheckCount.insert(principal=principal, purpose=purpose, day=day, count=n).on_conflict(
                conflict_target=[ConsentCheckCount.principal, ConsentCheckCount.purpose, ConsentCheckCount.day],
                update={ConsentCheckCount.count: ConsentCheckCount.count + n},
            ).execute()


def counter(svc) -> CheckCounter:
    """The per-instance check counter."""
    found = svc.extras.get("check_counter")
    if found is None:
        found = svc.extras["check_counter"] = CheckCounter()
    return found


# Hot-path reads. A check reads one subject row and one state row by key; peewee rebuilds the same SQL and a
# full model instance on every call, which was most of a check's cost. These reads (here and select_in)
# build their SQL once per shape from the model definitions and return only the columns a decision reads,
# converted by the fields' own python_value (so values are what the models would give).
_SQL_BY_SHAPE: dict[tuple, str] = {}
_SUBJECT_COLUMNS = (
    Subject.id,
    Subject.restricted,
    Subject.erased_at,
    Subject.marketing_suppressed,
    Subject.merged_into,
)
_STATE_COLUMNS = (ConsentState.subject_id, ConsentState.state, ConsentState.expires_at)
_State = namedtuple("_State", "state expires_at")
_PERSON_AND_STATE_CONVERT = tuple(reader(c) for c in (*_SUBJECT_COLUMNS, ConsentState.state, ConsentState.expires_at))


class _Person:
    """The subject columns a decision reads; the whole row (birth date) is loaded only if a decision needs it."""

    __slots__ = ("id", "restricted", "erased_at", "marketing_suppressed", "merged_into", "_full")

    def __init__(self, row: tuple):
        self.id, self.restricted, self.erased_at, self.marketing_suppressed, self.merged_into = row
        self._full: Subject | None = None

    def _row(self) -> Subject:
        if self._full is None:
            self._full = Subject.get(Subject.id == self.id)
        return self._full

    @property
    def pii(self) -> Any:
        return self._row().pii

    @property
    def extra(self) -> Any:
        return self._row().extra


def _person_and_state(subject_id: str, purpose: str, channel: str) -> tuple[_Person | None, _State | None]:
    """What resolve() answers for a well-formed subject id (following a merge) and that subject's state row,
    one query each (a LEFT JOIN on the state's unique key), with SQL built once per database."""
    db = Subject._meta.database
    mark = db.param
    sql = _SQL_BY_SHAPE.get(("person_and_state", mark))
    convert = _PERSON_AND_STATE_CONVERT
    if sql is None:
        names = ", ".join(f's."{c.column_name}"' for c in _SUBJECT_COLUMNS)
        # Table and column names come from the model definitions, never from input; values are parameters.
        sql = (
            f'SELECT {names}, c."{ConsentState.state.column_name}", c."{ConsentState.expires_at.column_name}" '  # noqa: S608
            f'FROM "{Subject._meta.table_name}" AS s LEFT JOIN "{ConsentState._meta.table_name}" AS c '
            f'ON c."{ConsentState.subject_id.column_name}" = s."{Subject.id.column_name}" '
            f'AND c."{ConsentState.purpose.column_name}" = {mark} AND c."{ConsentState.channel.column_name}" = {mark} '
            f'WHERE s."{Subject.id.column_name}" = {mark}'
        )
        _SQL_BY_SHAPE[("person_and_state", mark)] = sql

    bound = getattr(db, "obj", None) or db  # the database behind the proxy: one attribute hop less per call

    def fetch(sid: str) -> tuple[_Person | None, _State | None]:
        cursor = bound.execute_sql(sql, (purpose, channel, sid))
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None, None
        # python_value maps None to None for every one of these fields: convert only the values present.
        row = tuple(v if v is None else f(v) for f, v in zip(convert, row, strict=True))
        return _Person(row[:5]), (_State(row[5], row[6]) if row[5] is not None else None)  # state is NOT NULL

    person, state = fetch(subject_id)
    if person is not None and person.merged_into:
        person, state = fetch(person.merged_into)
    return person, state


def _age_on(birth: str | None, today: date) -> int | None:
    if not birth:
        return None
    try:
        born = date.fromisoformat(str(birth)[:10])
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def decide(
    svc,
    purpose: Purpose,
    channel: str,
    person: Subject | _Person | None,
    state_row: ConsentState | _State | None,
    identifier_scope: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The decision for one subject (pure apart from reading the birth date for minimum-age purposes)."""
    out = {"purpose": purpose.id, "channel": channel}
    if identifier_scope == "all" or (identifier_scope == "marketing" and purpose.marketing):
        return {**out, "allowed": False, "state": "suppressed"}
    if person is None:
        return {**out, "allowed": False, "state": "none"}
    if person.erased_at is not None:
        return {**out, "allowed": False, "state": "suppressed", "subject": person.id}
    out["subject"] = person.id
    if person.restricted:
        return {**out, "allowed": False, "state": "restricted"}
    if person.marketing_suppressed and purpose.marketing:
        return {**out, "allowed": False, "state": "suppressed"}
    if now is None:
        now = svc.clock.now()
    if state_row is not None:
        state = effective(state_row.state, state_row.expires_at, now)
        return {**out, "allowed": state == "granted", "state": state}
    if purpose.default == "granted":
        if purpose.minimum_age:
            age = _age_on(profile_of(person).get("birth_date"), now.date())
            if age is not None and age < purpose.minimum_age:
                return {**out, "allowed": False, "state": "none", "reason": "minor"}
        return {**out, "allowed": True, "state": "none", "basis": purpose.legal_basis}
    return {**out, "allowed": False, "state": "none"}


def check(
    svc,
    actor: Actor,
    *,
    purpose: str,
    channel: str | None = None,
    subject: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    """May this purpose be used for this person on this channel right now? Unknown people answer none."""
    actor.require("consent:check")
    spec = _purpose(svc, purpose)
    chan = _channel(spec, channel)
    scope = None
    if email or phone:
        scope = suppressed_scope(svc, [(EMAIL if email else PHONE, email or phone)])
    if subject and not email and not phone and has_prefix(subject, "sub"):
        person, state_row = _person_and_state(subject, spec.id, chan)  # the common case, in one query
    else:
        person, state_row = resolve(svc, subject, email, phone), None
        if person is not None:
            found = select_in(
                ConsentState,
                _STATE_COLUMNS,
                ((ConsentState.purpose, spec.id), (ConsentState.channel, chan)),
                ConsentState.subject_id,
                [person.id],
            )
            state_row = _State(found[0][1], found[0][2]) if found else None
    now = svc.clock.now()  # one instant for the count and the decision
    counter(svc).add(svc, actor.principal_id, spec.id, at=now)
    return decide(svc, spec, chan, person, state_row, scope, now=now)


def check_many(svc, actor: Actor, *, purpose: str, subjects: list[str], channel: str | None = None) -> list[dict]:
    """Decisions for many subject ids in three queries."""
    actor.require("consent:check")
    if len(subjects) > svc.settings.max_bulk_checks:
        raise Invalid(
            f"at most {svc.settings.max_bulk_checks} subjects per call",
            errors=[{"field": "subjects", "code": "subjects.too_many"}],
        )
    spec = _purpose(svc, purpose)
    chan = _channel(spec, channel)
    bad = [i for i, s in enumerate(subjects) if not has_prefix(s, "sub")]
    if bad:
        raise Invalid(
            "subjects must be sub_… ids",
            errors=[{"field": f"subjects.{i}", "code": "subject.format"} for i in bad[:20]],
        )
    people: dict[str, Subject | _Person] = {}
    states: dict[str, _State] = {}
    unique = list(dict.fromkeys(subjects))
    needs_birth_date = spec.default == "granted" and bool(spec.minimum_age)
    for start in range(0, len(unique), 900):
        chunk = unique[start : start + 900]
        if needs_birth_date:  # the decision may read the birth date: whole rows, decrypted lazily
            for row in Subject.select(
                Subject.id,
                Subject.restricted,
                Subject.erased_at,
                Subject.marketing_suppressed,
                Subject.merged_into,
                Subject.pii,
            ).where(Subject.id.in_(chunk)):
                people[row.id] = row
        else:
            for found in select_in(Subject, _SUBJECT_COLUMNS, (), Subject.id, chunk):
                people[found[0]] = _Person(found)
        for found in select_in(
            ConsentState,
            _STATE_COLUMNS,
            ((ConsentState.purpose, spec.id), (ConsentState.channel, chan)),
            ConsentState.subject_id,
            chunk,
        ):
            states[found[0]] = _State(found[1], found[2])
    now = svc.clock.now()  # one instant for the whole batch
    counter(svc).add(svc, actor.principal_id, spec.id, len(subjects), at=now)
    results = []
    for sid in subjects:
        person = people.get(sid)
        result = decide(svc, spec, chan, person, states.get(sid), now=now)
        result["subject"] = sid
        results.append(result)
    return results


# ---------------------------------------------------------------------------------------------------------
# Reading


def history(svc, actor: Actor, subject_id: str) -> dict[str, Any]:
    """Current states and every event of one subject, oldest first."""
    actor.require("consent:read")
    person = resolve(svc, subject_id)
    if person is None or person.erased_at is not None:
        raise NotFound("no such subject")
    now = svc.clock.now()
    states = [
        {
            "purpose": s.purpose,
            "channel": s.channel,
            "state": effective(s.state, s.expires_at, now),
            "expires_at": iso(s.expires_at),
            "updated_at": iso(s.updated_at),
        }
        for s in ConsentState.select()
        .where(ConsentState.subject_id == person.id)
        .order_by(ConsentState.purpose, ConsentState.channel)
    ]
    events = [
        event_view(e)
        for e in ConsentEvent.select().where(ConsentEvent.subject_id == person.id).order_by(ConsentEvent.seq)
    ]
    svc.audit.record(actor, AuditAction.CONSENT_READ, person.id, details={"events": len(events)})
    return {"subject": person.id, "states": states, "events": events}


def receipt(svc, actor: Actor, event_id: str) -> dict[str, Any]:
    """A Kantara Consent Receipt v1.1 compatible JSON receipt for one event."""
    actor.require("consent:read")
    if not has_prefix(event_id, "cev"):
        raise NotFound("no such consent event")
    event = ConsentEvent.get_or_none(ConsentEvent.id == event_id)
    if event is None:
        raise NotFound("no such consent event")
    spec = _purpose(svc, event.purpose)
    controller = svc.policies.controller
    termination = (
        f"Consent expires {iso(event.expires_at)} unless renewed; withdraw any time via the same channel"
        if event.expires_at
        else "Until withdrawn; withdraw any time via the same channel"
    )
    svc.audit.record(actor, AuditAction.CONSENT_READ, event.id, details={"receipt": True})
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": controller.get("jurisdiction", "RU"),
        "consentTimestamp": int(event.occurred_at.timestamp())
        if event.occurred_at.tzinfo
        else int((event.occurred_at - datetime(1970, 1, 1)).total_seconds()),
        "collectionMethod": event.method,
        "consentReceiptID": event.receipt_id,
        "publicKey": None,
        "language": "en",
        # Pseudonymous: the subject id, never a name or contact.
        "piiPrincipalId": event.subject_id,
        "piiControllers": [
            {
                "piiController": controller.get("name"),
                "contact": controller.get("contact"),
                "address": controller.get("address"),
                "email": controller.get("contact"),
                "phone": None,
                "onBehalf": False,
            }
        ],
        "policyUrl": controller.get("policy_url"),
        "services": [
            {
                "service": spec.title,
                "purposes": [
                    {
                        "purpose": spec.id,
                        "purposeCategory": ["marketing" if spec.marketing else "core function"],
                        "consentType": "EXPLICIT" if spec.legal_basis == "consent" else "IMPLICIT",
                        "piiCategory": ["contact details", spec.channels[0]],
                        "primaryPurpose": not spec.marketing,
                        "termination": termination,
                        "thirdPartyDisclosure": bool(spec.recipients),
                        "thirdPartyName": ", ".join(spec.recipients) or None,
                    }
                ],
            }
        ],
        "purposes": [spec.id],
        "termination": termination,
        "thirdPartyDisclosure": bool(spec.recipients),
        "sensitive": False,
        "spiCat": [],
        "x-consentry": {
            "event": event.id,
            "action": event.action,
            "state": event.state_after,
            "channel": event.channel,
            "notice_version": event.notice_version,
            "legal_basis": event.legal_basis,
            "source": event.source,
        },
    }


def audience_filter(svc, purpose: str, channel: str | None) -> Callable[[list[str]], set[str]]:
    """For exports: a function keeping only subject ids whose consent for the purpose is allowed now."""
    spec = _purpose(svc, purpose)
    chan = _channel(spec, channel)

    def allowed(ids: list[str]) -> set[str]:
        people = {s.id: s for s in Subject.select().where(Subject.id.in_(ids))}
        states = {
            s.subject_id: s
            for s in ConsentState.select().where(
                ConsentState.subject_id.in_(ids) & (ConsentState.purpose == spec.id) & (ConsentState.channel == chan)
            )
        }
        keep = set()
        for sid in ids:
            person = people.get(sid)
            if person is None:
                continue
            scope = suppressed_scope(svc, identifiers(profile_of(person))) if spec.marketing else None
            if decide(svc, spec, chan, person, states.get(sid), scope)["allowed"]:
                keep.add(sid)
        return keep

    return allowed


def consent_counts(svc) -> dict[str, int]:
    """Checks counted so far per purpose (flushing this process's counter first)."""
    counter(svc).flush()
    return {
        p: int(n)
        for p, n in ConsentCheckCount.select(ConsentCheckCount.purpose, fn.SUM(ConsentCheckCount.count))
        .group_by(ConsentCheckCount.purpose)
        .tuples()
    }
