"""docs/steward.md works as written: its shell blocks (the value-history and explanation walkthroughs) replay on a
fresh instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.meta.test_requests_docs import Replay, blocks

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "steward.md"


def test_the_value_history_walkthrough_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    replay = Replay(tmp_path)
    for block in blocks(GUIDE.read_text(encoding="utf-8")):
        replay.run(block)
    assert "consentry subjects restore-value " + replay.vars["ENTRY"] in replay.ran
    # what the guide says happened, happened
    shown = json.loads(replay.consentry(["--json", "subjects", "show", replay.vars["SUB"]]))
    assert shown["profile"]["position"] == "Главный бухгалтер"
    entries = json.loads(replay.consentry(["--json", "subjects", "history", replay.vars["SUB"]]))
    assert [(e["change"], e["field"]) for e in entries] == [("replaced", "position"), ("restored", "position")]
    assert entries[0]["id"] == replay.vars["ENTRY"] and entries[0]["restored_at"]
    with pytest.raises(AssertionError, match="history.already_current"):  # a second restore, as the guide says
        replay.consentry(["--json", "subjects", "restore-value", replay.vars["ENTRY"]])
    # the explanation walkthrough: the candidate it explained came from the dedupe run, with per-field weights
    assert f"consentry hygiene explain {replay.vars['CAND']}" in replay.ran
    assert f"curl GET /v1/hygiene/candidates/{replay.vars['CAND']}/explanation" in replay.ran
    explained = json.loads(replay.consentry(["--json", "hygiene", "explain", replay.vars["CAND"]]))
    assert explained["explanation"]["fields"] and explained["status"] == "open"
    if replay.client is not None:
        replay.client.application.extensions["consentry"].close()
