"""No value of the value history in audit entries, logs or error bodies after corrections, reads and restores."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import get_cli
from compliance.audit.models import AuditEntry
from compliance.subjects import history
from tests.support.api_helpers import auth
from tests.support.pii_probe import found_needles, marker, phone_marker

M = {name: marker(f"history-pii-{name}") for name in ("old_city", "new_city", "old_tg", "new_tg", "custom", "email2")}
PHONE, PHONE_NEEDLE = phone_marker("history-pii")
NEEDLES = sorted({*M.values(), PHONE_NEEDLE})


def test_history_values_never_reach_audit_logs_or_errors(svc, settings, client, keys):
    steward, dpo = auth(keys["steward"]), auth(keys["dpo"])
    person = {"email": "vera.probe@example.org", "city": f"Самара {M['old_city']}", "phone": PHONE}
    person["channels"] = {"telegram": f"@{M['old_tg']}"}
    sid = client.post("/v1/subjects", headers=steward, json=person).get_json()["id"]
    change = {
        "city": f"Тольятти {M['new_city']}",
        "channels": {"telegram": f"@{M['new_tg']}"},
        "custom": {"note": M["custom"]},
        "emails": [f"{M['email2']}@example.org"],
        "phones": [],
    }
    assert client.patch(f"/v1/subjects/{sid}", headers=steward, json=change).status_code == 200
    shown = client.get(f"/v1/subjects/{sid}/history", headers=dpo)
    items = shown.get_json()["items"]
    # The history holds every marker (the scan below is not vacuous): old and new values alike.
    assert found_needles({"history": shown.get_data()}, NEEDLES) == {"history": NEEDLES}
    bodies = []
    for item in items:
        url = f"/v1/subjects/{sid}/history/{item['id']}/restore"
        assert client.post(url, headers=steward).status_code == 200
        bodies.append(client.post(url, headers=steward).get_data(as_text=True))  # 409: already current
        bodies.append(client.post(url, headers=auth(keys["analyst"])).get_data(as_text=True))  # 403
    other = client.post("/v1/subjects", headers=steward, json={"email": "other.probe@example.org"}).get_json()["id"]
    foreign = f"/v1/subjects/{other}/history/{items[0]['id']}/restore"
    bodies.append(client.post(foreign, headers=steward).get_data(as_text=True))  # 404
    bodies.append(client.get(f"/v1/subjects/{sid}/history", headers=auth(keys["analyst"])).get_data(as_text=True))
    # The CLI reads the same history; its output holds the values, its audit entry must not.
    cli_env = {"CONSENTRY_HOME": str(settings.home), "CONSENTRY_DATABASE_URL": settings.database_url}
    cli_env["CONSENTRY_MASTER_KEY"] = ""
    result = CliRunner().invoke(get_cli(), ["subjects", "history", sid], env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0 and M["old_city"] in result.stdout
    assert len(history.entries(sid)) == 2 * len(items)
    audit = json.dumps(
        [{f: getattr(r, f) for f in ("actor", "action", "target", "details")} for r in AuditEntry.select()],
        ensure_ascii=False,
    )
    restores = AuditEntry.select().where(AuditEntry.action == "subject.restore_value")
    assert sorted(json.loads(r.details)["entry"] for r in restores) == sorted(i["id"] for i in items)
    assert "subjects.history" in audit
    log = settings.log_file.read_text(encoding="utf-8") if settings.log_file.exists() else ""
    written = {"audit": audit, "log": log, "errors": "\n".join(bodies)}
    assert found_needles({where: text.encode() for where, text in written.items()}, NEEDLES) == {}
