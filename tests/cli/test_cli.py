"""The consentry command as a user runs it: set-up, clear errors, --json shapes, keys, principals, audit."""

from __future__ import annotations

import json
import stat

import pytest

from compliance.policy.loader import SHIPPED
from compliance.services import POLICY_CHECKS


def test_init_creates_instance_and_is_rerunnable(run):
    code, out, _ = run("init", "--json")
    assert code == 0
    data = json.loads(out)
    key_file = run.home / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and data["key_file_created"]
    assert data["admin_api_key"].startswith("csk_") and "roles.yaml" in data["policies_copied"]
    before = key_file.read_bytes()
    code, out, _ = run("init", "--json")
    again = json.loads(out)
    assert code == 0 and not again["key_file_created"] and "admin_api_key" not in again
    assert key_file.read_bytes() == before and again["migrations_applied"] == []


def test_missing_or_unreadable_keys_stop_every_command(run):
    run("init")
    key_file = run.home / "keys.json"
    key_file.chmod(0o644)
    code, _, err = run("subjects", "segments")
    assert code != 0 and "chmod 600" in err and err.count("\n") == 1
    key_file.unlink()
    for args in (["keys", "status"], ["audit", "verify"], ["import", "x.csv"]):
        code, _, err = run(*args)
        assert code != 0 and "consentry init" in err, args


def test_unknown_role_or_scope_in_policy_stops_start_up(run):
    run("init")
    roles = run.home / "policies" / "roles.yaml"
    roles.write_text(roles.read_text().replace('"subjects:segments", "policies:read"]', '"subjects:teleport"]'))
    code, _, err = run("subjects", "segments")
    assert code != 0 and "roles.yaml" in err and "subjects:teleport" in err
    code, out, _ = run("policies", "check", "--json")
    assert code != 0


def test_every_shipped_policy_file_has_a_validator():
    shipped = {path.stem for path in SHIPPED.glob("*.yaml")}
    assert shipped == set(POLICY_CHECKS) | {"roles"}  # roles.yaml is read by the loader itself
    assert all(callable(check) for check in POLICY_CHECKS.values())


# One broken file per domain whose validator lives above the policy package: each must be refused.
BROKEN_POLICIES = [
    ("schedule.yaml", "validate:", "nosuchjob:", "schedule.yaml: jobs.nosuchjob"),
    ("retention.yaml", "action: anonymise", "action: shred", "retention.yaml: rules."),
    ("regimes.yaml", "regimes:", "regimes:\n  Bad Name: {}", "regimes.yaml"),
    ("hygiene.yaml", "merge: 0.99", "merge: 1.5", "hygiene.yaml: thresholds.merge"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BROKEN_POLICIES)
def test_policies_check_runs_every_domain_validator(run, name, old, new, message):
    run("init")
    code, out, _ = run("policies", "check", "--json")
    assert code == 0 and name[: -len(".yaml")] in json.loads(out)["files"]
    path = run.home / "policies" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    code, out, _ = run("policies", "check", "--json")
    error = json.loads(out)["error"]
    assert code == 1 and error["code"] == "invalid" and message in error["message"]


def test_json_errors_and_exit_codes(run, tmp_path):
    run("init")
    code, out, err = run("subjects", "show", "sub_nobody", "--json")
    assert code == 1 and json.loads(out)["error"]["code"] == "not_found" and err.startswith("error:")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("x")
    code, _, err = run("import", str(bad))
    assert code == 1 and "--format csv" in err
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("colour,size\nred,10\n")
    code, out, err = run("import", str(unknown), "--json")
    assert code == 1 and json.loads(out)["error"]["errors"] == [{"field": "header", "code": "file.no_known_columns"}]


def test_import_show_segments_keys_principals_and_audit(run, tmp_path):
    run("init")
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("ФИО,Телефон,Email\nИванов Иван Иванович,89161234567,ivan@example.ru\n,,\n", encoding="utf-8")
    code, out, _ = run("import", str(csv_path), "--json")
    report = json.loads(out)
    assert code == 0 and report["imported"] == 1 and report["rejected"] == 1
    assert set(report) >= {"imported", "updated", "rejected", "suppressed", "errors"}
    code, out, _ = run("subjects", "show", "--phone", "+7 916 123 45 67", "--json")
    assert json.loads(out)["profile"]["last_name"] == "Иванов"
    code, out, _ = run("subjects", "segments", "--json")
    assert json.loads(out)["lifecycle"]["lead"]["count"] == 1
    code, out, _ = run("keys", "rotate", "--json")
    assert code == 0 and json.loads(out)["active"] == 2
    code, out, _ = run("keys", "status", "--json")
    assert json.loads(out)["kek"]["rewrap_pending"] == 0
    code, out, _ = run("keys", "retire", "1", "--json")
    assert code == 0
    code, out, _ = run("principals", "create", "mailer", "--role", "app", "--json")
    created = json.loads(out)
    code, out, _ = run("principals", "list", "--json")
    listed = json.loads(out)
    assert created["api_key"] not in out and any(p["id"] == created["id"] for p in listed)
    code, out, _ = run("principals", "revoke", created["id"], "--json")
    assert code == 0
    code, out, _ = run("audit", "verify", "--json")
    assert json.loads(out) == {"ok": True, "entries": json.loads(out)["entries"], "first_bad_seq": None}
    code, out, _ = run("audit", "checkpoint", "--json")
    checkpoint = json.loads(out)["file"]
    code, out, _ = run("audit", "verify", "--checkpoint", checkpoint, "--json")
    assert json.loads(out)["checkpoint"]["consistent"] is True
    code, out, _ = run("audit", "tail", "-n", "3", "--json")
    assert len(json.loads(out)) == 3
    code, out, _ = run("export", "--out", str(tmp_path / "all.csv"), "--json")
    assert code == 0 and json.loads(out)["written"] == 1


def test_cli_acts_as_a_named_principal_with_its_role(run, tmp_path):
    run("init")
    run("principals", "create", "analyst-anna", "--role", "analyst")
    code, _, err = run("--as", "analyst-anna", "export", "--out", str(tmp_path / "x.csv"))
    assert code == 3 and "subjects:export" in err
    code, out, _ = run("audit", "tail", "-n", "1", "--json")
    assert json.loads(out)[0]["action"] in ("audit.export", "subject.export", "principal.create")
