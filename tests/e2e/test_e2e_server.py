"""End to end against a real `consentry serve` process: init, keys, subjects, audit; nothing leaks."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

from tests.support.pii_probe import found_needles, marker
from tests.support.server import cli_env, running_server


def call(base, method, path, key=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read() or b"null")


def test_real_server_round_trip(tmp_path, database_url):
    home = tmp_path / "instance"
    env = cli_env(home, database_url)
    init = subprocess.run(
        [sys.executable, "-m", "cli", "init", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert init.returncode == 0, init.stderr
    admin_key = json.loads(init.stdout)["admin_api_key"]
    second = subprocess.run(
        [sys.executable, "-m", "cli", "init", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0 and "admin_api_key" not in json.loads(second.stdout), "key printed only once"
    app = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "principals",
            "create",
            "shop",
            "--role",
            "app",
            "--kind",
            "application",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    app_key = json.loads(app.stdout)["api_key"]
    # Markers (tests/support/pii_probe.py): a hit in the logs below is a leak, never an id or a word that looks alike.
    email, surname = f"e2e.{marker('e2e-email')}@example.org", f"Зайцева-{marker('e2e-surname')}"
    with running_server(home, database_url, log=tmp_path / "server.log") as base:
        status, headers, body = call(base, "POST", "/v1/subjects", app_key, {"email": email, "last_name": surname})
        assert status == 201 and headers["Content-Type"].startswith("application/json")
        sid = body["id"]
        status, _, body = call(base, "GET", f"/v1/subjects/{sid}", app_key)
        assert status == 403
        status, _, body = call(base, "GET", f"/v1/subjects/{sid}", admin_key)
        assert status == 200 and body["profile"]["emails"] == [email]
        status, _, body = call(base, "GET", f"/v1/subjects?email={email}", admin_key)
        assert [i["id"] for i in body["items"]] == [sid]
        status, _, body = call(base, "GET", "/v1/audit/verify", admin_key)
        assert status == 200 and body["ok"] is True and body["entries"] >= 4
        status, headers, body = call(base, "GET", "/v1/subjects", "csk_notavalidkey")
        assert status == 401 and headers["Content-Type"] == "application/problem+json"
    written = {
        "server.log": (tmp_path / "server.log").read_bytes(),
        "consentry.log": (home / "consentry.log").read_bytes(),
    }
    assert written["server.log"] and written["consentry.log"]
    assert found_needles(written, [marker("e2e-email"), marker("e2e-surname"), admin_key, app_key]) == {}
