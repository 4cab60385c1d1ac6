"""`consentry hygiene dedupe` reports its blocking rules and model; `hygiene explain` shows a real candidate's
per-field weights as a table and as JSON, without any value of the two records."""

from __future__ import annotations

import json

CONTACTS = """first_name,last_name,email,birth_date,city
Ольга,Смирнова,olga.smirnova@yandex.ru,1990-01-02,Казань
Olga,Smirnova,o.smirnova@mail.ru,1990-01-02,Kazan
Нина,Орлова,nina.orlova@example.ru,,Самара
"""
PERSONAL = ["Ольга", "Смирнова", "Olga", "Smirnova", "olga.smirnova", "o.smirnova", "1990-01-02", "Казань", "Kazan"]


def _clean(text: str) -> list[str]:
    return [v for v in PERSONAL if v.lower() in text.lower()]


def _candidate(run, tmp_path) -> tuple[str, dict]:
    """Import the contacts, run dedupe (with a pairs file) and return the review candidate and the run's --json."""
    assert run("init")[0] == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(CONTACTS, encoding="utf-8")
    assert run("import", str(contacts), "--source", "crm")[0] == 0
    code, out, _ = run("hygiene", "dedupe", "--pairs", str(tmp_path / "pairs.jsonl"), "--json")
    assert code == 0
    data = json.loads(out)
    code, out, _ = run("hygiene", "review", "--json")
    (item,) = json.loads(out)["items"]
    return item["id"], data


def test_dedupe_reports_blocking_and_model(run, tmp_path):
    _, data = _candidate(run, tmp_path)
    assert set(data["model"]) == {"source", "prior", "training_pairs"} and data["blocking"]["rules"]
    code, out, _ = run("hygiene", "dedupe", "--dry-run")
    assert code == 0
    assert "model: the reference model" in out
    for rule in data["blocking"]["rules"]:
        assert any(
            line.split()[:1] == [rule["rule"]] and f"{rule['share'] * 100:5.1f}%" in line for line in out.splitlines()
        )
    lines = [json.loads(x) for x in (tmp_path / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines and all(abs(x["prior_weight"] + sum(x["weights"].values()) - x["total"]) < 1e-9 for x in lines)
    assert _clean((tmp_path / "pairs.jsonl").read_text(encoding="utf-8")) == []


def test_explain_prints_a_table_and_json(run, tmp_path):
    cid, _ = _candidate(run, tmp_path)
    code, out, _ = run("hygiene", "explain", cid, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["candidate"] == cid and data["status"] == "open" and data["decision"] == "review"
    explanation = data["explanation"]
    assert (
        abs(explanation["prior_weight"] + sum(f["weight"] for f in explanation["fields"]) - explanation["total"]) < 1e-9
    )

    code, text, _ = run("hygiene", "explain", cid)
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith(cid)
    prior = next(line for line in lines if line.split()[:1] == ["prior"])
    assert f"{explanation['prior_weight']:+.2f}" in prior
    for f in explanation["fields"]:
        row = next(line for line in lines if line.split()[:1] == [f["field"]])
        assert f["level"] in row and f"{f['weight']:+.2f}" in row and "|" in row
        if f["weight"] > 0:
            assert "|+" in row
    assert any(line.split()[:1] == ["total"] and f"{explanation['total']:+.2f}" in line for line in lines)
    assert f"probability {explanation['probability']:.6f}" in text
    assert _clean(text) == [] and _clean(out) == []


def test_explain_says_when_there_is_no_explanation_and_refuses_unknown_ids(run, tmp_path):
    assert run("init")[0] == 0
    contacts = tmp_path / "family.csv"
    contacts.write_text(
        "first_name,last_name,phone\nАнна,Кузнецова,+79161112233\nБорис,Кузнецов,+79161112233\n", encoding="utf-8"
    )
    assert run("import", str(contacts), "--source", "crm")[0] == 0
    (item,) = json.loads(run("hygiene", "review", "--json")[1])["items"]
    code, text, _ = run("hygiene", "explain", item["id"])
    assert code == 0 and "no explanation" in text and "identity.shared_phone" in text
    assert json.loads(run("hygiene", "explain", item["id"], "--json")[1])["explanation"] is None
    code, _, err = run("hygiene", "explain", "cand_nosuchthing")
    assert code != 0 and "no such candidate" in err and "candidate.unknown" in err
