"""The fast consent check answers exactly what the Flask route answers, and hands everything else to it."""

from __future__ import annotations

from datetime import datetime

import pytest

from api import create_app
from compliance.access.principals import revoke
from compliance.consent import counters, ledger, signals
from compliance.store.models import Subject
from compliance.subjects.profiles import upsert
from tests.support.api_helpers import auth, make_keys


@pytest.fixture
def apps(svc):
    """The same instance served with the fast path (as in production) and without it."""
    fast = create_app({"TESTING": True}, services=svc)
    slow = create_app({"TESTING": True, "CONSENTRY_FAST_CHECK": False}, services=svc)
    return fast, slow


def fast_path(app):
    """The FastCheck middleware of an app (inside the response-header middleware)."""
    return app.wsgi_app.wsgi_app


@pytest.fixture
def people(svc, admin):
    """Subjects in every state a single check can answer."""
    make = lambda email, **extra: upsert(svc, admin, {"email": email, **extra})[0]  # noqa: E731
    out = {
        "granted": make("granted@example.com"),
        "withdrawn": make("withdrawn@example.com"),
        "pending": make("pending@example.com"),
        "nothing": make("nothing@example.com"),
        "restricted": make("restricted@example.com"),
        "objected": make("objected@example.com"),
        "minor": make("minor@example.com", birth_date="2015-03-01"),
        "expired": make("expired@example.com"),
        "erased": make("erased@example.com"),
        "merged": make("merged@example.com"),
    }
    record = lambda who, purpose, action: ledger.record(  # noqa: E731
        svc, admin, subject=out[who], purpose=purpose, action=action, source="test"
    )
    record("granted", "sms_marketing", "grant")
    record("withdrawn", "sms_marketing", "grant")
    record("withdrawn", "sms_marketing", "withdraw")
    record("pending", "email_marketing", "grant")  # double opt-in: pending until confirmed
    record("restricted", "sms_marketing", "grant")
    record("objected", "sms_marketing", "grant")
    signals.object_to_marketing(svc, admin, out["objected"])
    svc.clock.advance(days=-800)
    record("expired", "sms_marketing", "grant")
    svc.clock.advance(days=800)
    Subject.update(restricted=True).where(Subject.id == out["restricted"]).execute()
    Subject.update(erased_at=datetime(2026, 1, 1)).where(Subject.id == out["erased"]).execute()
    Subject.update(merged_into=out["granted"]).where(Subject.id == out["merged"]).execute()
    return out


def answer(app, query: str, headers: dict):
    # A fixed request id: it appears in error bodies, and both answers must be identical byte for byte.
    response = app.test_client().get(f"/v1/consent/check?{query}", headers={**headers, "X-Request-Id": "req-1"})
    kept = sorted(response.headers.items())
    return response.status_code, response.get_data(), kept


PURPOSES = ["sms_marketing", "email_marketing", "sale_sharing", "service_messages", "profiling"]


def test_every_state_answers_the_same_on_both_paths(svc, apps, people):
    fast, slow = apps
    key = make_keys(svc)["app"]
    served = 0
    for who, sid in [*people.items(), ("unknown", "sub_aaaaaaaaaaaaaaaa")]:
        for purpose in PURPOSES:
            for channel in ("", "&channel=sms", "&channel=email", "&channel=pigeon"):
                query = f"subject={sid}&purpose={purpose}{channel}"
                before = fast_path(fast).served
                got, want = answer(fast, query, auth(key)), answer(slow, query, auth(key))
                assert got == want, (who, query)
                served += fast_path(fast).served - before
    assert served > 50  # the fast path answered most of them: the comparison was not vacuous
    assert fast_path(slow) is not None and not hasattr(fast_path(slow), "served")  # the slow app has no fast path
    states = {answer(fast, f"subject={sid}&purpose=sms_marketing", auth(key))[1] for sid in people.values()}
    for state in ("granted", "withdrawn", "none", "restricted", "suppressed", "expired"):
        assert any(f'"state":"{state}"'.encode() in body for body in states), state


@pytest.mark.parametrize(
    "query",
    [
        "purpose=sms_marketing",  # nobody named: 422
        "subject=sub_aaaaaaaaaaaaaaaa",  # no purpose: 422
        "subject=sub_aaaaaaaaaaaaaaaa&purpose=nope",  # unknown purpose: 422
        "subject=sub_aaaaaaaaaaaaaaaa&purpose=sms_marketing&colour=red",  # unknown parameter: 422
        "subject=sub_aaaaaaaaaaaaaaaa&purpose=sms_marketing&purpose=sms_marketing",
        "subject=sub_aaaaaaaaaaaaaaaa&purpose=",
        "subject=" + "x" * 50 + "&purpose=sms_marketing",  # too long: 422
        "subject=not-an-id&purpose=sms_marketing",
        "email=granted%40example.com&purpose=sms_marketing",  # needs decoding: the Flask path
        "phone=%2B79160000000&purpose=sms_marketing",
        "",
    ],
)
def test_unusual_requests_take_the_flask_path_with_the_same_answer(svc, apps, people, query):
    fast, slow = apps
    key = make_keys(svc)["app"]
    answer(fast, "subject=sub_aaaaaaaaaaaaaaaa&purpose=sms_marketing", auth(key))  # the key is now cached
    before = fast_path(fast).served
    assert answer(fast, query, auth(key)) == answer(slow, query, auth(key))
    # Only a plain, valid query may be served fast (and then it must equal the Flask answer, as above).
    if "%" in query or "colour" in query or query.count("purpose") != 1 or not query:
        assert fast_path(fast).served == before


def test_keys_failures_and_scopes_are_left_to_flask_and_audited(svc, apps, people):
    fast, slow = apps
    keys = make_keys(svc)
    query = f"subject={people['granted']}&purpose=sms_marketing"
    for headers in ({}, {"Authorization": "Bearer nonsense"}, auth(keys["analyst"]), auth(keys["steward"])):
        for app in (fast, slow):
            answer(app, query, headers)  # a second request after a first one would hit the key cache
        before = fast_path(fast).served
        got, want = answer(fast, query, headers), answer(slow, query, headers)
        assert got == want and got[0] in (401, 403)
        assert fast_path(fast).served == before
    denied = [e for e in svc.audit.entries() if e["action"] in ("auth.failed", "auth.denied")]
    assert len(denied) >= 16  # every refusal of both apps is in the audit log
    # A revoked key stops working on the fast path too (revocation clears this process's key cache).
    app_key = keys["app"]
    assert answer(fast, query, auth(app_key))[0] == 200
    principal = [p for p in svc.audit.entries() if p["action"] == "principal.create"][-1]["target"]
    revoke(svc, svc.system_actor("test"), principal)
    assert answer(fast, query, auth(app_key))[0] == 401


def test_checks_are_counted_alike(svc, apps, people):
    fast, slow = apps
    key = make_keys(svc)["app"]
    counter = counters.counter(svc)
    counter.flush()
    for app in (fast, slow):
        for _ in range(5):
            assert answer(app, f"subject={people['granted']}&purpose=sms_marketing", auth(key))[0] == 200
    assert sum(n for (_, purpose, _), n in counter.counts.items() if purpose == "sms_marketing") == 10
