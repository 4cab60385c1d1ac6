"""No personal data in audit entries, logs or error responses after creating, reading and mis-using subjects."""

from __future__ import annotations

import json

from compliance.audit.models import AuditEntry
from tests.support.api_helpers import auth
from tests.support.pii_probe import found_needles, marker, phone_marker

M = {name: marker(f"no-pii-{name}") for name in ("email0", "last0", "city0", "email1", "last1", "street1")}
PHONES = [phone_marker("no-pii", 0), phone_marker("no-pii", 1)]
PEOPLE = [
    {
        "email": f"Marina.{M['email0']}@example.org",
        "phone": PHONES[0][0],
        "first_name": "Марина",
        "last_name": f"Кузнецова-{M['last0']}",
        "city": f"Новосибирск {M['city0']}",
        "birth_date": "1979-02-14",
    },
    {
        "email": f"oleksii.{M['email1']}@example.ua",
        "phone": PHONES[1][0],
        "first_name": "Олексій",
        "last_name": f"Бондаренко-{M['last1']}",
        "street": f"вул. Хрещатик, 22, {M['street1']}",
    },
]
# Markers (tests/support/pii_probe.py) cannot arise from ids or other text by chance; the birth date's digits and
# dashes cannot either (ids are base32, timestamps here are of 2026).
NEEDLES = sorted({*M.values(), PHONES[0][1], PHONES[1][1], "1979-02-14"})


def test_nothing_written_carries_personal_data(svc, client, keys):
    bodies = []
    ids = []
    for person in PEOPLE:
        response = client.post("/v1/subjects", headers=auth(keys["steward"]), json=person)
        assert response.status_code == 201
        ids.append(response.get_json()["id"])
    for sid in ids:
        assert client.get(f"/v1/subjects/{sid}", headers=auth(keys["dpo"])).status_code == 200
        assert client.get(f"/v1/subjects/{sid}", headers=auth(keys["analyst"])).status_code == 200
    # The values were kept as given (markers included): an echo of them anywhere would be found below.
    shown = client.get(f"/v1/subjects/{ids[0]}", headers=auth(keys["dpo"])).get_data(as_text=True)
    kept = sorted([M["email0"], M["last0"], M["city0"], PHONES[0][1]])
    assert found_needles({"read": shown.encode()}, kept) == {"read": kept}
    client.post("/v1/subjects/lookup", headers=auth(keys["dpo"]), json={"email": PEOPLE[0]["email"]})
    client.get(f"/v1/subjects?phone={PEOPLE[1]['phone']}", headers=auth(keys["analyst"]))
    client.get(f"/v1/consent/check?email={PEOPLE[0]['email']}&purpose=sms_marketing", headers=auth(keys["app"]))
    # Error paths fed with personal data: every error body is kept for the scan.
    bad_calls = [
        client.post(
            "/v1/subjects", headers=auth(keys["steward"]), json={**PEOPLE[0], "unknown_field": PEOPLE[0]["email"]}
        ),
        client.post(
            "/v1/subjects", headers=auth(keys["steward"]), json={"email": 12, "last_name": [PEOPLE[0]["last_name"]]}
        ),
        client.post("/v1/subjects", headers=auth(keys["steward"]), json={"city": PEOPLE[0]["city"]}),
        client.patch(
            f"/v1/subjects/{ids[0]}", headers=auth(keys["steward"]), json={"channels": {"icq": PEOPLE[0]["last_name"]}}
        ),
        client.get(f"/v1/subjects?email={PEOPLE[0]['email']}&limit=100000", headers=auth(keys["analyst"])),
        client.post("/v1/subjects", headers=auth(keys["analyst"]), json=PEOPLE[1]),
        client.post("/v1/subjects", headers={"Authorization": f"Bearer {PEOPLE[0]['email']}"}, json=PEOPLE[1]),
        client.post(
            "/v1/consent/events",
            headers=auth(keys["app"]),
            json={
                "email": "nobody+" + PEOPLE[0]["email"],
                "purpose": "sms_marketing",
                "action": "grant",
                "source": "web",
            },
        ),
        client.post(
            "/v1/subjects/lookup",
            headers=auth(keys["dpo"]),
            json={"email": PEOPLE[0]["email"], "phone": PEOPLE[0]["phone"]},
        ),
    ]
    for response in bad_calls:
        assert response.status_code >= 400
        bodies.append(response.get_data(as_text=True))
    audit_dump = json.dumps(
        [
            {f: getattr(row, f) for f in ("ts", "actor", "action", "target", "outcome", "request_id", "details")}
            for row in AuditEntry.select()
        ],
        ensure_ascii=False,
    )
    log_text = svc.settings.log_file.read_text(encoding="utf-8") if svc.settings.log_file.exists() else ""
    written = {"audit": audit_dump, "log": log_text, "errors": "\n".join(bodies)}
    assert written["audit"] and written["errors"]  # the log may be empty in-process
    assert found_needles({where: text.encode() for where, text in written.items()}, NEEDLES) == {}
    assert AuditEntry.select().count() > 10


def test_the_scan_would_see_a_value_in_an_error_body(client, keys):
    # The scan above is not vacuous: an echo of the submitted value in any of the written texts is found.
    response = client.post("/v1/subjects", headers=auth(keys["steward"]), json={"email": 12})
    assert response.status_code >= 400
    echoed = response.get_data(as_text=True) + PEOPLE[0]["city"].upper()
    assert found_needles({"errors": echoed.encode()}, NEEDLES) == {"errors": [M["city0"]]}
