"""Issue 13, point 1: rotating and retiring keys while a server runs never destroys data. The server takes in
the new key file before it wraps another data key, retirement proves under the keys lock that nothing still
needs the version, and a data key whose version is gone is a clear error, not a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.test_e2e_server import call
from tests.support.server import cli_env, running_server


def cli(env, *args, ok=True):
    done = subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=180)
    if ok:
        assert done.returncode == 0, (args, done.stdout[-400:], done.stderr[-800:])
    return done


def test_rotate_retire_and_reindex_while_a_server_writes(tmp_path, database_url):
    home = tmp_path / "instance"
    env = cli_env(home, database_url)
    admin_key = json.loads(cli(env, "init", "--json").stdout)["admin_api_key"]
    with running_server(home, database_url, log=tmp_path / "server.log") as base:
        status, _, first = call(base, "POST", "/v1/subjects", admin_key, {"email": "first@example.org"})
        assert status == 201
        assert json.loads(cli(env, "keys", "rotate", "--json").stdout)["active"] == 2
        assert json.loads(cli(env, "keys", "retire", "1", "--json").stdout) == {"retired": 1}
        # The sequence of the issue: the server wrote under v1 before; now v1's material is gone from the file.
        status, _, second = call(base, "POST", "/v1/subjects", admin_key,
                                 {"email": "second@example.org", "first_name": "Вера"})
        assert status == 201, second
        keys = json.loads(cli(env, "keys", "status", "--json").stdout)
        by_version = {v["version"]: v for v in keys["kek"]["versions"]}
        assert by_version[1]["state"] == "retired" and by_version[1]["data_keys"] == 0
        assert by_version[2]["data_keys"] == 2 and keys["kek"]["rewrap_pending"] == 0
        # Reindex while serving: the server's lookups and writes follow the new index key.
        reindex = json.loads(cli(env, "keys", "reindex", "--json").stdout)
        assert reindex["active"] == 2 and reindex["retired_versions"] == [1]
        status, _, third = call(base, "POST", "/v1/subjects", admin_key, {"email": "third@example.org"})
        assert status == 201
        for email, written in (("first@example.org", first), ("second@example.org", second),
                               ("third@example.org", third)):
            status, _, found = call(base, "GET", f"/v1/subjects?email={email}", admin_key)
            assert status == 200 and [i["id"] for i in found["items"]] == [written["id"]], email
        # Everything reads back, in the server and in new CLI processes.
        status, _, body = call(base, "GET", f"/v1/subjects/{second['id']}", admin_key)
        assert status == 200 and body["profile"]["first_name"] == "Вера"
    shown = json.loads(cli(env, "subjects", "show", "--email", "second@example.org", "--json").stdout)
    assert shown["profile"]["emails"] == ["second@example.org"]
    cli(env, "hygiene", "validate", "--json")
    cli(env, "export", "--out", str(tmp_path / "all.csv"), "--json")
    assert "third@example.org" in (tmp_path / "all.csv").read_text(encoding="utf-8")
    again = json.loads(cli(env, "keys", "rotate", "--json").stdout)
    assert again["active"] == 3 and again["rewrapped"] == 3
    assert json.loads(cli(env, "keys", "reindex", "--json").stdout)["subjects"] == 3
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")


def test_retire_refuses_while_a_data_key_still_needs_the_version(tmp_path, database_url):
    """A process that read the keys before the rotation: its writes go under the active version once the file
    changed, and retirement counts what is wrapped under the old one in the same locked transaction."""
    home = tmp_path / "instance"
    env = cli_env(home, database_url)
    cli(env, "init", "--json")
    from compliance.services import build_services
    from compliance.settings import Settings
    from compliance.subjects.profiles import upsert

    settings = Settings.load(env={}, home=home, database_url=database_url)
    stale = build_services(settings)  # reads keys.json now: v1 active
    try:
        cli(env, "keys", "rotate", "--json")
        upsert(stale, stale.local_actor(), {"email": "late@example.org"})  # after the rotation: wrapped under v2
        assert json.loads(cli(env, "keys", "retire", "1", "--json").stdout) == {"retired": 1}
        assert json.loads(cli(env, "keys", "status", "--json").stdout)["kek"]["versions"][1]["data_keys"] == 1
        from compliance.store.models import DataKey

        under_v2 = DataKey.get()
        cli(env, "keys", "rotate", "--json")  # v3 active, every data key rewrapped under it
        # As if a writer had wrapped a data key under v2 just before the rotation finished:
        DataKey.update(kek_version=2, wrapped=bytes(under_v2.wrapped)).execute()
        refused = cli(env, "keys", "retire", "2", "--json", ok=False)
        assert refused.returncode != 0 and "1 data keys are still wrapped under KEK version 2" in refused.stdout
        cli(env, "subjects", "show", "--email", "late@example.org")  # v2 kept: still readable
        assert json.loads(cli(env, "keys", "rotate", "--json").stdout)["resumed"] is True
        assert json.loads(cli(env, "keys", "retire", "2", "--json").stdout) == {"retired": 2}
        # A data key whose version is gone (a key file edited by hand): a clear error naming version and fix.
        DataKey.update(kek_version=1).execute()
        shown = cli(env, "subjects", "show", "--email", "late@example.org", ok=False)
        assert shown.returncode != 0 and "Traceback" not in shown.stderr + shown.stdout
        message = shown.stderr + shown.stdout
        assert "KEK version 1" in message and "key file" in message and "late@" not in message
    finally:
        stale.close()


def test_a_write_in_flight_during_rotate_and_retire_loses_nothing(tmp_path, database_url):
    """A process wraps a data key under v1 in a transaction that is still open while `keys rotate` and `keys
    retire 1` run: whatever order the locks give, no data key ends up under a retired version."""
    import threading
    import time

    home = tmp_path / "instance"
    env = cli_env(home, database_url)
    cli(env, "init", "--json")
    from compliance.services import build_services
    from compliance.settings import Settings
    from compliance.store.models import DataKey
    from compliance.subjects.profiles import save

    svc = build_services(Settings.load(env={}, home=home, database_url=database_url))
    opened, release, done = threading.Event(), threading.Event(), {}

    def writer():
        try:
            with svc.transaction():  # the keys are read here: v1 is active
                done["id"] = save(svc, svc.local_actor(), {"email": "inflight@example.org"}).subject_id
                opened.set()
                release.wait(30)
        finally:
            svc.db.close()  # this thread's connection

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert opened.wait(30)
        rotate = subprocess.Popen([sys.executable, "-m", "cli", "keys", "rotate", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        retire = subprocess.Popen([sys.executable, "-m", "cli", "keys", "retire", "1", "--json"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
    finally:
        release.set()
        thread.join(30)
    rotated, retired = rotate.communicate(timeout=60), retire.communicate(timeout=60)
    assert rotate.returncode == 0, rotated
    versions = {int(v["version"]): v for v in
                json.loads(cli(env, "keys", "status", "--json").stdout)["kek"]["versions"]}
    if versions[1]["state"] == "retired":
        assert versions[1]["data_keys"] == 0
    else:  # refused: the in-flight key was counted; a resumed rotation then lets the retirement through
        assert retire.returncode != 0 and "still wrapped under KEK version 1" in retired[0]
        cli(env, "keys", "rotate", "--json")
        cli(env, "keys", "retire", "1", "--json")
    assert DataKey.select().where(DataKey.kek_version == 1).count() == 0
    shown = json.loads(cli(env, "subjects", "show", done["id"], "--json").stdout)
    assert shown["profile"]["emails"] == ["inflight@example.org"]
    svc.close()
