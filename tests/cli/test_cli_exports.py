"""`consentry export --out`, `dsar export --out` and `dsar certificate --out` register the files they write, so an
erasure can find them; the erasure then rewrites the export and deletes the bundle."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from compliance.services import build_services
from compliance.settings import Settings
from compliance.subjects import files
from compliance.subjects.files import WrittenFile


def _registry(run) -> dict[str, dict]:
    services = build_services(Settings.load(env={}, home=run.home, database_url=run.database_url))
    try:
        return {r.path: {**files.view(r), "subjects": files.subjects_of(r.id)} for r in WrittenFile.select()}
    finally:
        services.close()


def _id_of(run, email: str) -> str:
    return json.loads(run("subjects", "show", "--email", email, "--json")[1])["id"]


def test_files_written_by_the_cli_are_registered_and_cleaned(run, tmp_path):
    run("init")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "first_name,last_name,email,birth_date,street\n"
        'Нина,Орлова,nina@example.org,1990-01-02,"ул. Садовая, 3\nкв. 7"\n'
        "Пётр,Лесков,petr@example.org,1985-05-05,пр. Мира 1\n",
        encoding="utf-8",
    )
    assert run("import", str(contacts), "--source", "crm")[0] == 0
    nina, petr = _id_of(run, "nina@example.org"), _id_of(run, "petr@example.org")
    audience = tmp_path / "out" / "audience.csv"
    code, out, _ = run("export", "--out", str(audience), "--json")
    assert code == 0
    registered = _registry(run)[str(audience.absolute())]
    assert registered["id"] == json.loads(out)["file"]
    assert (registered["kind"], registered["format"], registered["subjects"]) == ("export", "csv", sorted([nina, petr]))
    assert registered["sha256"] == files.digest_of(audience)[0]

    code, out, _ = run(
        "--json", "dsar", "submit", "--type", "access", "--regime", "gdpr", "--email", "nina@example.org"
    )
    access_id = json.loads(out)["id"]
    verified = ("--method", "manual", "--note", "ID checked", "--match", "birth_date=1990-01-02")
    assert run("dsar", "verify", access_id, *verified)[0] == 0
    assert run("dsar", "process", access_id)[0] == 0
    bundle = tmp_path / "nina.zip"
    code, out, _ = run("dsar", "export", access_id, "--out", str(bundle), "--json")
    assert code == 0 and bundle.read_bytes()[:2] == b"PK"
    registered = _registry(run)[str(bundle.absolute())]
    assert (registered["kind"], registered["request"], registered["subjects"]) == ("bundle", access_id, [nina])
    assert json.loads(out)["registered"] == registered["id"]

    code, out, _ = run(
        "--json", "dsar", "submit", "--type", "erasure", "--regime", "gdpr", "--email", "nina@example.org"
    )
    erasure_id = json.loads(out)["id"]
    assert run("dsar", "verify", erasure_id, *verified)[0] == 0
    assert run("dsar", "approve", erasure_id)[0] == 0
    assert run("dsar", "process", erasure_id)[0] == 0
    certificate = tmp_path / "certificate.json"
    code, out, _ = run("dsar", "certificate", erasure_id, "--out", str(certificate), "--json")
    assert code == 0 and json.loads(certificate.read_text(encoding="utf-8"))["valid"] is True
    registry = _registry(run)
    registered = registry[str(certificate.absolute())]
    assert (registered["kind"], registered["request"], registered["subjects"]) == ("certificate", erasure_id, [nina])

    # the erasure found both files through the registry
    with audience.open(encoding="utf-8", newline="") as fh:
        assert [r["id"] for r in csv.DictReader(fh)] == [petr]
    assert "Садовая" not in audience.read_text(encoding="utf-8") and not Path(bundle).exists()
    assert registry[str(bundle.absolute())]["removed_at"] is not None
    outcomes = {f["path"]: f["outcome"] for f in json.loads(out)["certificate"]["subjects"][0]["exports"]["files"]}
    assert outcomes[str(audience.absolute())] == "rewritten" and outcomes[str(bundle.absolute())] == "deleted"
