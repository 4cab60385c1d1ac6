"""No personal data in audit entries, logs or error responses after creating, reading and mis-using subjects."""

from __future__ import annotations

import json

from compliance.audit.models import AuditEntry
from tests.support.api_helpers import auth

PEOPLE = [
    {
        "email": "Marina.Kuznetsova@example.org",
        "phone": "+79031112233",
        "first_name": "Марина",
        "last_name": "Кузнецова",
        "city": "Новосибирск",
        "birth_date": "1979-02-14",
    },
    {
        "email": "oleksii.bondarenko@example.ua",
        "phone": "+380671234567",
        "first_name": "Олексій",
        "last_name": "Бондаренко",
        "street": "вул. Хрещатик, 22",
    },
]
NEEDLES = [
    "Marina.Kuznetsova@example.org",
    "marina.kuznetsova@example.org",
    "79031112233",
    "Кузнецова",
    "Новосибирск",
    "1979-02-14",
    "oleksii.bondarenko@example.ua",
    "380671234567",
    "Бондаренко",
    "Хрещатик",
]


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
    client.post("/v1/subjects/lookup", headers=auth(keys["dpo"]), json={"email": PEOPLE[0]["email"]})
    client.get(f"/v1/subjects?phone={PEOPLE[1]['phone']}", headers=auth(keys["analyst"]))
    client.get(f"/v1/consent/check?email={PEOPLE[0]['email']}&purpose=sms_marketing", headers=auth(keys["app"]))
    # Error paths fed with personal data: every error body is kept for the scan.
    bad_calls = [
        client.post(
            "/v1/subjects", headers=auth(keys["steward"]), json={**PEOPLE[0], "unknown_field": PEOPLE[0]["email"]}
        ),
        client.post("/v1/subjects", headers=auth(keys["steward"]), json={"email": 12, "last_name": ["Кузнецова"]}),
        client.post("/v1/subjects", headers=auth(keys["steward"]), json={"city": "Новосибирск"}),
        client.patch(f"/v1/subjects/{ids[0]}", headers=auth(keys["steward"]), json={"channels": {"icq": "Кузнецова"}}),
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
    found = {where: [n for n in NEEDLES if n in text or n.lower() in text.lower()] for where, text in written.items()}
    assert found == {"audit": [], "log": [], "errors": []}
    assert AuditEntry.select().count() > 10
