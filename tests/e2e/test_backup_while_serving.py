"""Issue 13, point 2, as a DPO would try it: back up, erase a person, restore the backup, while a real server keeps
running; and a copy put back by hand, then a server started on it. Neither ever shows the erased person."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_e2e_server import call
from tests.support.server import cli_env, running_server

ERASED = {
    "email": "marfa.vasilyeva@example.ru",
    "first_name": "Марфа",
    "last_name": "Васильева",
    "phone": "+79161234567",
}
KEPT = {"email": "kept@example.org", "first_name": "Фёдор"}


def cli(env, *args, ok=True):
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    if ok:
        assert done.returncode == 0, (args, done.stdout[-400:], done.stderr[-800:])
    return done


def _erase(env, email: str) -> str:
    req = json.loads(
        cli(env, "dsar", "submit", "--type", "erasure", "--regime", "gdpr", "--email", email, "--json").stdout
    )["id"]
    cli(env, "dsar", "verify", req, "--method", "manual", "--note", "passport seen at the desk")
    cli(env, "dsar", "approve", req)
    assert json.loads(cli(env, "dsar", "process", req, "--json").stdout)["response"] == "erased"
    return req


def _found(base, key, email: str) -> list[str]:
    status, _, body = call(base, "GET", f"/v1/subjects?email={email}", key)
    assert status == 200, body
    return [i["id"] for i in body["items"]]


def test_restore_while_a_server_runs_never_shows_the_erased_person(tmp_path, database_url):
    if database_url.startswith("postgres") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump / pg_restore are not on PATH (install postgresql-client)")
    home = tmp_path / "instance"
    env = cli_env(home, database_url)
    key = json.loads(cli(env, "init", "--json").stdout)["admin_api_key"]
    with running_server(home, database_url, log=tmp_path / "server.log") as base:
        status, _, person = call(base, "POST", "/v1/subjects", key, ERASED)
        assert status == 201
        assert call(base, "POST", "/v1/subjects", key, KEPT)[0] == 201
        made = json.loads(cli(env, "backup", "create", "--out", str(tmp_path / "b.backup"), "--json").stdout)
        assert made["sha256"] and made["kek_version"] == 1
        _erase(env, ERASED["email"])
        assert _found(base, key, ERASED["email"]) == []
        # without --yes and without a terminal the restore asks and is refused: nothing replaced
        refused = cli(env, "backup", "restore", str(tmp_path / "b.backup"), ok=False)
        assert refused.returncode != 0

        restored = json.loads(cli(env, "backup", "restore", str(tmp_path / "b.backup"), "--yes", "--json").stdout)

        assert restored["erasures_reapplied"] == 1 and restored["subjects_shredded"] == 1
        # the running server reads the restored database: the person is still gone, the other one is back
        assert _found(base, key, ERASED["email"]) == []
        status, _, body = call(base, "GET", f"/v1/subjects/{person['id']}", key)
        assert status in (404, 410) or body.get("erased_at"), body
        assert len(_found(base, key, KEPT["email"])) == 1
        # and re-adding the address is refused: the tombstones came back with the ledger
        status, _, body = call(base, "POST", "/v1/subjects", key, {"email": ERASED["email"].upper()})
        assert status in (409, 422), body
    ledger = json.loads(cli(env, "backup", "ledger", "--json").stdout)
    assert ledger["entries"] == 1 and ledger["applied"] == 1
    shown = cli(env, "subjects", "show", "--email", ERASED["email"], ok=False)
    assert shown.returncode != 0 and "Марфа" not in shown.stdout + shown.stderr
    log = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and ERASED["email"] not in log


def test_a_copy_put_back_by_hand_is_erased_before_a_server_answers(tmp_path):
    home = tmp_path / "instance"
    env = cli_env(home)
    key = json.loads(cli(env, "init", "--json").stdout)["admin_api_key"]
    cli(env, "import", str(_csv(tmp_path)), "--json")
    db = home / "consentry.db"
    cli(env, "backup", "create", "--out", str(tmp_path / "copy.db"))
    _erase(env, ERASED["email"])
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "copy.db", db)  # by hand: no command, no ledger step
    # The server is the first process to open the copy: it must erase again before it answers.
    with running_server(home, log=tmp_path / "server.log") as base:
        assert _found(base, key, ERASED["email"]) == []
        assert len(_found(base, key, KEPT["email"])) == 1
    audit = cli(env, "audit", "tail", "--json").stdout
    assert '"system:erasure-ledger"' in audit or "erasure-ledger" in audit
    assert "erasure.reapply" in audit and ERASED["email"] not in audit


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(
        "email,first_name,last_name,phone\n"
        f"{ERASED['email']},{ERASED['first_name']},{ERASED['last_name']},{ERASED['phone']}\n"
        f"{KEPT['email']},{KEPT['first_name']},,\n",
        encoding="utf-8",
    )
    return path


def test_a_copy_put_back_under_a_running_server_is_caught_up_within_a_second(tmp_path):
    """Not what the README asks (stop the servers first), but what people do: cp the old file over the live one."""
    home = tmp_path / "instance"
    env = cli_env(home)
    key = json.loads(cli(env, "init", "--json").stdout)["admin_api_key"]
    cli(env, "import", str(_csv(tmp_path)), "--json")
    cli(env, "backup", "create", "--out", str(tmp_path / "copy.db"))
    with running_server(home, log=tmp_path / "server.log") as base:
        _erase(env, ERASED["email"])
        assert _found(base, key, ERASED["email"]) == []
        shutil.copyfile(tmp_path / "copy.db", home / "consentry.db")
        time.sleep(1.2)  # the server looks at the ledger at most once a second
        assert _found(base, key, ERASED["email"]) == []
        status, _, body = call(base, "GET", f"/v1/consent/check?email={ERASED['email']}&purpose=service_messages", key)
        assert status == 200 and body["state"] == "suppressed", body
        assert len(_found(base, key, KEPT["email"])) == 1
