"""`consentry subjects history` and `subjects restore-value` as a steward runs them: table, --json, clear errors."""

from __future__ import annotations

import json

from compliance.services import build_services
from compliance.settings import Settings
from compliance.subjects.profiles import correct


def _corrected_subject(run, tmp_path) -> str:
    """A subject imported from a file whose city and Telegram handle were then corrected."""
    run("init")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("first_name,email,city,telegram\nНина,nina@example.org,Самара,@nina_s\n", encoding="utf-8")
    assert run("import", str(contacts), "--source", "crm")[0] == 0
    code, out, _ = run("subjects", "show", "--email", "nina@example.org", "--json")
    sid = json.loads(out)["id"]
    services = build_services(Settings.load(env={}, home=run.home, database_url=run.database_url))
    try:
        correct(services, services.local_actor(), sid, {"city": "Тольятти", "channels": {"telegram": "@nina_t"}})
    finally:
        services.close()
    return sid


def test_history_table_and_json(run, tmp_path):
    sid = _corrected_subject(run, tmp_path)
    code, out, _ = run("subjects", "history", sid)
    assert code == 0
    header, *lines, hint = out.strip().splitlines()
    assert header.split()[:4] == ["entry", "at", "change", "field"]
    rows = sorted(line.split()[2:6] for line in lines)
    assert rows == [["replaced", "channels.telegram", "@nina_s", "@nina_t"], ["replaced", "city", "Самара", "Тольятти"]]
    assert hint == "put a value back: consentry subjects restore-value ENTRY"
    code, out, _ = run("subjects", "history", sid, "--json")
    items = json.loads(out)
    assert code == 0 and {(i["field"], i["old"], i["new"], i["restored_at"]) for i in items} == {
        ("city", "Самара", "Тольятти", None),
        ("channels.telegram", "@nina_s", "@nina_t", None),
    }


def test_restore_value_puts_it_back_once(run, tmp_path):
    sid = _corrected_subject(run, tmp_path)
    items = json.loads(run("subjects", "history", sid, "--json")[1])
    entry = next(i for i in items if i["field"] == "channels.telegram")
    code, out, err = run("subjects", "restore-value", entry["id"])
    assert code == 0 and out.strip().startswith(f"{sid}: channels.telegram restored from {entry['id']} (entry hst_")
    shown = json.loads(run("subjects", "show", sid, "--json")[1])
    assert shown["profile"]["channels"] == {"telegram": "@nina_s"} and shown["profile"]["city"] == "Тольятти"
    code, out, err = run("subjects", "restore-value", entry["id"], "--json")
    assert code == 1 and json.loads(out)["error"]["errors"] == [
        {"field": "channels.telegram", "code": "history.already_current"}
    ]
    assert err == "error: the field already holds that value\n"
    after = json.loads(run("subjects", "history", sid, "--json")[1])
    assert len(after) == 3 and [i["change"] for i in after].count("restored") == 1
    assert next(i for i in after if i["id"] == entry["id"])["restored_at"]


def test_unknown_ids_and_roles_without_the_scope(run, tmp_path):
    sid = _corrected_subject(run, tmp_path)
    code, _, err = run("subjects", "restore-value", "hst_nosuchentry0000")
    assert code == 1 and err == "error: no such history entry (entry:history.unknown_entry)\n"
    code, _, err = run("subjects", "history", "sub_nobodyhere")
    assert code == 1 and err == "error: no such subject\n"
    run("principals", "create", "analyst-anna", "--role", "analyst")
    code, _, err = run("--as", "analyst-anna", "subjects", "history", sid)
    assert code == 3 and "subjects:read_pii" in err
    entry = json.loads(run("subjects", "history", sid, "--json")[1])[0]["id"]
    code, _, err = run("--as", "analyst-anna", "subjects", "restore-value", entry)
    assert code == 3 and "subjects:write" in err
