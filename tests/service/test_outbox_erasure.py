"""The erasure step "outbox": the development outbox keeps no message to an erased person (found by subject id and by
canonical address, including mail sent before the person was in the base), and nobody else's mail is touched."""

from __future__ import annotations

import json
import re

import pytest

from compliance.consent import ledger as consent
from compliance.dsar import certificates, erasure, intake, records
from compliance.dsar import process as processing
from compliance.dsar.models import ErasureStep
from compliance.mailer import Message, OutboxMailer
from compliance.subjects.profiles import correct, upsert
from tests.service.test_erasure import _ready_erasure

ANN = {"email": "ann@x.org", "emails": ["ann.lee@work.example"], "first_name": "Annabel", "last_name": "Leeworth"}
ANN_SECRETS = ["ann@x.org", "ANN@X.ORG", "ann.lee@work.example", "ann.old@x.org", "Annabel", "Leeworth"]


def _outbox(settings) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(settings.outbox_dir.glob("*.json"))}


def _outbox_hits(settings, needles: list[str]) -> list[str]:
    """Needles in the outbox's raw bytes, each as a whole word: joann@x.org is not a trace of ann@x.org."""
    data = b"".join(p.read_bytes() for p in settings.outbox_dir.iterdir() if p.is_file())
    return sorted(n for n in needles if re.search(rb"(?<![\w.+-])" + re.escape(n.encode()), data))


def test_erasure_empties_the_outbox_of_the_person_and_only_of_them(svc, admin, settings):
    # Mail to the address before the person is in the base: the acknowledgement of a request that matched nobody.
    intake.submit(svc, admin, type="access", regime="gdpr", email="mailto:ANN@X.ORG")
    sid, _ = upsert(svc, admin, {**ANN, "emails": ["ann.old@x.org"]})
    correct(
        svc, admin, sid, {"emails": ["ann@x.org", *ANN["emails"]]}
    )  # the old address now lives only in the value history
    svc.mailer.send(Message(to="ann.old@x.org", subject="Your order", body="Dear Annabel Leeworth", kind="notice"))
    joann, _ = upsert(svc, admin, {"email": "joann@x.org", "first_name": "Joann"})
    consent.record(svc, admin, subject=joann, purpose="email_marketing", action="grant", source="web")  # opt-in mail
    svc.mailer.send(Message(to="joann@x.org", subject="Hello", body="for joann", kind="notice"))
    req = _ready_erasure(svc, admin, email="ann@x.org")  # acknowledgement and code, sent with the subject id
    before = _outbox(settings)
    theirs = {n for n, m in before.items() if m["to"].lower().endswith("ann@x.org") or m["to"] == "ann.old@x.org"}
    theirs -= {n for n, m in before.items() if m["to"] == "joann@x.org"}
    assert len(theirs) == 4 and {before[n]["subject_id"] for n in theirs} == {None, sid}
    assert _outbox_hits(settings, ANN_SECRETS) == ["ANN@X.ORG", "Annabel", "Leeworth", "ann.old@x.org", "ann@x.org"]

    processing.process(svc, admin, req)

    after = _outbox(settings)
    assert set(after) == set(before) - theirs  # joann's mail (opt-in code and notice) is all there
    assert sorted(m["to"] for m in after.values()) == ["joann@x.org", "joann@x.org"]
    assert _outbox_hits(settings, ANN_SECRETS) == []
    assert [m.to for m in svc.mailer.sent] == ["joann@x.org", "joann@x.org"]
    [entry] = certificates.certificate(svc, admin, req)["certificate"]["subjects"]
    assert entry["erased"]["outbox_messages_deleted"] == 4 and entry["steps"]["outbox"] is True
    # The outbox goes on numbering after its last file, though files in the middle were deleted.
    svc.mailer.send(Message(to="joann@x.org", subject="Again", body="x", kind="notice"))
    assert len(_outbox(settings)) == 3


def test_the_outbox_step_is_done_once_across_an_interrupted_erasure(svc, admin, settings):
    sid, _ = upsert(svc, admin, ANN)
    req = _ready_erasure(svc, admin, email="ann@x.org")
    assert len(_outbox(settings)) == 2  # the acknowledgement and the code

    def stop_after_outbox(subject, step):
        if step == "outbox":
            raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        processing.process(svc, admin, req, on_step=stop_after_outbox)
    assert _outbox(settings) == {}
    processing.process(svc, admin, req)  # resumes after the committed step

    [entry] = certificates.certificate(svc, admin, req)["certificate"]["subjects"]
    assert entry["erased"]["outbox_messages_deleted"] == 2  # the count of the step that did it, not of the resume
    # A finished erasure run again changes nothing, not even mail queued since.
    svc.mailer.send(Message(to="ann@x.org", subject="later", body="x", kind="notice"))
    steps = ErasureStep.select().count()
    erasure.run(svc, admin, records.load_request(req), [sid])
    assert ErasureStep.select().count() == steps and len(_outbox(settings)) == 1


def test_forget_matches_whole_canonical_addresses_never_substrings(tmp_path):
    mailer = OutboxMailer(tmp_path / "outbox")
    for to, sid in [
        ("joann@x.org", None),
        ("ann@x.org.evil", None),
        ("<Ann@X.org>", None),
        ("someone@else.org", "sub_ann"),
        ("ａｎｎ@x.org", None),  # full-width: a look-alike, refused by the canonical form
    ]:
        mailer.send(Message(to=to, subject="s", body="b", kind="notice", subject_id=sid))

    assert mailer.forget("sub_ann", ["ann@x.org"]) == 2

    assert sorted(m["to"] for m in _outbox_from(mailer)) == ["ann@x.org.evil", "joann@x.org", "ａｎｎ@x.org"]
    assert len(mailer.sent) == 3
    assert OutboxMailer(None).forget("sub_ann", ["ann@x.org"]) == 0


def _outbox_from(mailer: OutboxMailer) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(mailer.folder.glob("*.json"))]
