"""Identity: does an incoming record update a subject it meets through its identifiers, or is it someone else?

A shared identifier (a family landline, an office switchboard, a role mailbox such as info@) proves nothing
about who a person is; a unique one (an external id within its source, a personal mailbox) does, unless the
records contradict each other on what a person cannot change (first name, patronymic, birth date, gender,
compared across scripts, diminutives and initials by the pair scorer). Everything that is not a clean
update lands as its own subject and becomes a merge candidate with a reason code for a steward to decide.

Pure: plain records in, a decision out. The store gathers which subjects a record meets and through which
identifier kinds; this module never sees a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hygiene.features import Features, features
from hygiene.names import is_initial
from hygiene.score import score_features
from hygiene.translit import skeleton

# Identifier kinds as the store names them (blind-index kinds).
KINDS = ("external", "email", "phone", "channel")
# What a person cannot change; a conflict on any of these means two people, whatever identifier they share.
COMPARABLE = ("first_name", "middle_name", "birth_date", "gender")
REASONS = {
    "first_name": "identity.name_conflict",
    "middle_name": "identity.patronymic_conflict",
    "birth_date": "identity.birth_date_conflict",
    "gender": "identity.gender_conflict",
}
SHARED_REASONS = {
    "phone": "identity.shared_phone",
    "email": "identity.shared_email",
    "channel": "identity.shared_channel",
    "external": "identity.shared_external_id",
}
SEVERAL = "identity.several_subjects"
WIDELY_SHARED = "identity.widely_shared"  # warning: a shared identifier past review_limit proposed nothing
# When a record could update several subjects, the strongest kind of link decides which one.
STRENGTH = {"external": 3, "email": 2, "channel": 1, "phone": 0}


@dataclass(frozen=True)
class IdentityRules:
    """Which identifier kinds name one person, and which mailboxes are shared whatever the kinds say."""

    unique: frozenset[str] = frozenset({"external", "email"})
    compare: tuple[str, ...] = COMPARABLE
    # Local parts of role and family mailboxes (info@, office@, sales@, ...): shared even when email is unique.
    shared_local_parts: frozenset[str] = frozenset()
    default_region: str = "RU"
    # Survivorship between values of equal quality: sources listed first win (policies/identity.yaml).
    source_priority: tuple[str, ...] = ()
    # A shared identifier held by this many subjects already is a switchboard, not a household: a row meeting
    # others only through it queues no more candidates (an office of 600 would queue 179,700 pairs).
    review_limit: int = 10

    def shared(self, kind: str) -> bool:
        """True when a match on this identifier kind proves nothing about identity."""
        return kind not in self.unique


@dataclass(frozen=True)
class Link:
    """A subject the record meets: its id, its current profile and the kinds of identifier they share."""

    subject_id: str
    profile: Mapping[str, Any]
    kinds: frozenset[str]
    features: Features | None = None  # the profile's scorer features, when the caller keeps them (bulk writes)


@dataclass(frozen=True)
class Decision:
    """Update `target` (None: a new subject), and queue a candidate per (subject id, reason code)."""

    target: str | None
    candidates: tuple[tuple[str, str], ...]

    @property
    def review(self) -> bool:
        """True when the record landed with at least one queued candidate."""
        return bool(self.candidates)


def is_role_mailbox(email: str | None, rules: IdentityRules) -> bool:
    """True for a role or family mailbox (by its local part) that several people read."""
    if not email or "@" not in email:
        return False
    local = email.rsplit("@", 1)[0].strip().lower()
    return local in rules.shared_local_parts or local.split("+", 1)[0] in rules.shared_local_parts


def unique_kinds(link_kinds: Iterable[str], shared_emails: bool, rules: IdentityRules) -> frozenset[str]:
    """The kinds of a link that prove identity: unique kinds, less email when every shared mailbox is a role one."""
    kinds = {k for k in link_kinds if not rules.shared(k)}
    if shared_emails:
        kinds.discard("email")
    return frozenset(kinds)


def conflicts(record: Mapping[str, Any], profile: Mapping[str, Any], rules: IdentityRules,
              record_features: Features | None = None, profile_features: Features | None = None) -> tuple[str, ...]:
    """The comparable fields on which two records contradict each other (the pair scorer's contradiction rules)."""
    fa = record_features or features(record, rules.default_region)
    fb = profile_features or features(profile, rules.default_region)
    found = set(score_features(fa, fb).conflicts)
    for name in ("first_name", "middle_name"):
        # The scorer compares whole words; "И." or "И.И." abbreviates "Иван" (and "Иванович"), it is not another.
        if name in found and _initial_of(record.get(name), profile.get(name)):
            found.discard(name)
    return tuple(f for f in rules.compare if f in found)


def _initial_of(a: Any, b: Any) -> bool:
    """True when one of two names is an initial (or initials, "И.И.") of the other (in either script)."""
    for short, full in ((a, b), (b, a)):
        tokens = str(short or "").replace(".", ". ").split()
        if tokens and full and all(is_initial(t) for t in tokens):
            letter = skeleton(tokens[0])[:1]
            if letter and skeleton(str(full)).startswith(letter):
                return True
    return False


def decide(record: Mapping[str, Any], links: Sequence[Link], rules: IdentityRules,
           role_mailbox_links: frozenset[str] = frozenset(), record_features: Features | None = None) -> Decision:
    """Decide whether `record` updates one of the subjects it meets, and which pairs a steward must see.

    `role_mailbox_links` names the linked subjects whose only shared email is a role mailbox. The result
    does not depend on the order of `links`: ties go to the strongest link, then to the smallest id.
    """
    eligible: list[tuple[int, int, str]] = []
    reasons: dict[str, str] = {}
    for link in links:
        proving = unique_kinds(link.kinds, link.subject_id in role_mailbox_links, rules)
        if not proving:
            kind = max(link.kinds, key=lambda k: STRENGTH.get(k, 0), default="phone")
            reasons[link.subject_id] = SHARED_REASONS.get(kind, SHARED_REASONS["phone"])
            continue
        if record_features is None:
            record_features = features(record, rules.default_region)
        found = conflicts(record, link.profile, rules, record_features, link.features)
        if found:
            reasons[link.subject_id] = REASONS[found[0]]
            continue
        strength = max(STRENGTH.get(k, 0) for k in proving)
        eligible.append((-strength, -len(proving), link.subject_id))
    target = None
    if eligible:
        eligible.sort()
        target = eligible[0][2]
        for _, _, other in eligible[1:]:
            reasons[other] = SEVERAL
    return Decision(target, tuple(sorted(reasons.items())))
