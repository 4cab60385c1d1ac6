"""Issue 13, point 3: one canonical form for identifiers on every path. Spellings of an erased person's
address (case, brackets, mailto:, full-width, punycode) are refused by import, POST, PATCH and restore, and
answer "suppressed" to a consent check; a look-alike (a Kelvin sign for K, full-width letters in the local
part) is refused everywhere and never answers another person's consent."""

from __future__ import annotations

import pytest

from compliance.consent import decisions as consent_decisions
from compliance.consent import ledger as consent
from compliance.dsar import process as processing
from compliance.errors import Invalid, Suppressed
from compliance.stewardship import validation
from compliance.subjects.importer import Importer
from compliance.subjects.profiles import correct, save
from hygiene.identifiers import email_confusable, email_key
from tests.service.test_erasure import _ready_erasure

ERASED = "x@example.org"
VARIANTS = [
    "X@Example.ORG",
    " <x@example.org> ",
    "mailto:x@example.org",
    "MAILTO:<x@example.org>;",
    '"x@example.org"',
    "x@ｅｘａｍｐｌｅ.org",
    "x＠example.org",
    # what mail programs and copy-paste leave (found by a red-team session: imported as new people before)
    "Икс Иксов <x@example.org>",
    '"Iks, X" <x@example.org>',
    "x@example.org (Икс)",
    "x@example.org.",
    "x\u200b@example.org",
    "\u200cx@exam\u00adple.org",
]
LOOKALIKES = ["\u212aate@example.org", "ｋate@example.org", "\ufb01ona@example.org"]  # Kelvin, full-width, ligature


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_spelling_has_the_canonical_key(variant):
    assert email_key(variant) == ERASED and not email_confusable(variant)


def test_punycode_and_unicode_domains_are_one_key_and_real_letters_stay():
    assert email_key("иван@xn--80a1acny.xn--p1ai") == email_key("Иван@почта.рф") == "иван@почта.рф"
    assert email_key("straße@example.de") == "straße@example.de"  # not folded into another mailbox, "strasse"
    assert [email_confusable(v) for v in LOOKALIKES] == [True, True, True]
    assert all(email_key(v) is None for v in LOOKALIKES)


@pytest.fixture
def erased(svc, admin):
    """A person with the address ERASED, erased; and Kate, live, who consented to email marketing."""
    save(svc, admin, {"email": ERASED, "first_name": "Икс"})
    processing.process(svc, admin, _ready_erasure(svc, admin, email=ERASED))
    kate = save(svc, admin, {"email": "kate@example.org", "first_name": "Kate"}).subject_id
    consent.record(svc, admin, subject=kate, purpose="email_marketing", action="grant", source="web")
    return kate


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_erased_address_in_any_spelling_stays_out(svc, admin, erased, variant):
    report = Importer(svc, admin).run([{"email": variant, "first_name": "Икс"}])
    assert report.suppressed == 1 and report.imported == 0
    # POST and PATCH refuse it: as erased (409), or first as not an address (422) when the spelling is one a
    # single caller must fix ("mailto:", quotes); either way it never lands.
    with pytest.raises((Suppressed, Invalid)):
        save(svc, admin, {"email": variant})
    with pytest.raises((Suppressed, Invalid)) as refused:
        correct(svc, admin, erased, {"email": variant})  # PATCH adds it to a live subject
    if isinstance(refused.value, Suppressed):
        assert refused.value.errors == [{"field": "emails", "code": "identifier.erased"}]
    else:
        assert refused.value.errors == [{"field": "email", "code": "email.syntax"}]
    decision = consent_decisions.check(svc, admin, purpose="email_marketing", email=variant)
    assert decision["state"] == "suppressed"


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_lookalike_address_is_refused_and_answers_no_ones_consent(svc, admin, erased, lookalike):
    with pytest.raises(Invalid) as refused:
        save(svc, admin, {"email": lookalike})
    assert refused.value.errors == [{"field": "email", "code": "email.confusable"}]
    with pytest.raises(Invalid):
        correct(svc, admin, erased, {"email": lookalike})
    report = Importer(svc, admin).run([{"email": lookalike, "first_name": "Kate"}])
    assert report.rejected == 1 and report.errors == [{"row": 1, "field": "email", "code": "email.confusable"}]

    def state(email):
        return consent_decisions.check(svc, admin, purpose="email_marketing", email=email)["state"]

    # Kate's consent is not answered for a look-alike of her address: it answers as for no one at all.
    assert state(lookalike) == state("nobody@example.org") != state("kate@example.org")


def test_validate_fix_never_turns_a_stored_spelling_into_an_erased_address(svc, admin, erased):
    """A variant stored before the canonical form existed (written straight to the store here) is not fixed
    into the erased address: the field keeps its value and its issue stays reported."""
    from compliance.store.models import Subject
    from compliance.subjects.shape import profile_of
    from compliance.subjects.writer import write_subject

    subject = Subject.get_by_id(erased)
    with svc.transaction():
        write_subject(svc, subject, {**profile_of(subject), "emails": ["kate@example.org", "X@EXAMPLE.ORG "]})
    validation.run(svc, admin, fix=True)
    assert profile_of(Subject.get_by_id(erased))["emails"] == ["kate@example.org", "X@EXAMPLE.ORG "]


def test_migration_13_recomputes_email_digests_of_an_older_store(svc, admin, settings):
    """A store whose email digests were computed from another form of the address (before the canonical form):
    lookups miss it until migration 13 recomputes them from the decrypted profiles."""
    import os as _os

    from compliance import instance
    from compliance.store.models import BlindIndex, SchemaMigration
    from compliance.subjects.lookup import find_subjects
    from compliance.subjects.profiles import upsert

    sid, _ = upsert(svc, admin, {"email": "Ann.Lee@Example.org", "phone": "+79161112233"})
    assert find_subjects(svc, "email", "ann.lee@example.org") == {sid}
    BlindIndex.update(digest=_os.urandom(32)).where(
        (BlindIndex.subject_id == sid) & (BlindIndex.kind == "email")
    ).execute()
    SchemaMigration.delete().where(SchemaMigration.version == 13).execute()
    assert find_subjects(svc, "email", "ann.lee@example.org") == set()
    svc.close()

    assert instance.migrate(settings) == ["0013 email blind indexes from the canonical address"]

    from compliance.services import build_services

    fresh = build_services(settings)
    try:
        assert find_subjects(fresh, "email", "mailto:ANN.LEE@example.org") == {sid}
        assert find_subjects(fresh, "phone", "+79161112233") == {sid}
    finally:
        fresh.close()
