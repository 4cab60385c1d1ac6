"""docs/dpo.md works exactly as written: every shell block is replayed in order on a fresh instance.

Supported lines (all the guide uses): `export VAR=value`, `cat > FILE <<'EOF'` heredocs, `consentry …`,
`VAR=$(consentry … | jq -r PATH)`, `curl …` (served by the Flask test client) and `VAR=$(curl … | jq -r PATH)`.
`CODE=…` takes the one-time code from the instance's mail outbox, as the requester would read it back.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

from click.testing import CliRunner

from cli.main import get_cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "dpo.md"


def blocks(text: str) -> list[list[str]]:
    """The ```sh blocks of a markdown text, as lists of lines."""
    return [b.strip("\n").splitlines() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


def jq(data, path: str):
    """A tiny subset of jq -r: .a.b[0].c"""
    value = data
    for part in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        value = value[part[0]] if part[0] else value[int(part[1])]
    return value


class Replay:
    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.vars: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.client = None
        self.ran: list[str] = []

    def sub(self, line: str) -> str:
        return re.sub(r"\$(\w+)", lambda m: self.vars.get(m.group(1), self.env.get(m.group(1), m.group(0))), line)

    def consentry(self, args: list[str]) -> str:
        env = {k: str(self.cwd / v) if k == "CONSENTRY_HOME" else v for k, v in self.env.items()}
        result = CliRunner().invoke(get_cli(), args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        self.ran.append("consentry " + " ".join(args))
        return result.stdout

    def curl(self, args: list[str]) -> bytes:
        # A fresh app per call: a consentry command in between rebinds (and closes) the database, as a server
        # process and a CLI run are separate processes in the guide.
        from api import create_app
        from compliance.services import build_services
        from compliance.settings import Settings

        if self.client is not None:
            self.client.application.extensions["consentry"].close()
        settings = Settings.load(env={}, home=self.cwd / self.env["CONSENTRY_HOME"])
        self.client = create_app({"TESTING": True}, services=build_services(settings)).test_client()
        method, headers, body, out, url = "GET", {}, None, None, None
        items = iter(args[1:])
        for arg in items:
            if arg == "-X":
                method = next(items)
            elif arg == "-H":
                name, _, value = next(items).partition(": ")
                headers[name] = value
            elif arg == "-d":
                body = next(items)
            elif arg == "-o":
                out = next(items)
            elif arg.startswith("http"):
                url = arg
        response = self.client.open(urlparse(url).path, method=method, headers=headers, data=body)
        assert response.status_code < 400, (args[:5], response.status_code, response.get_data(as_text=True))
        data = response.get_data()
        response.close()
        if out:
            (self.cwd / out).write_bytes(data)
        self.ran.append(f"curl {method} {urlparse(url).path}")
        return data

    def code(self) -> str:
        outbox = self.cwd / self.env["CONSENTRY_HOME"] / "outbox"
        latest = sorted(outbox.glob("*-verification_code.json"))[-1]
        body = json.loads(latest.read_text(encoding="utf-8"))["body"]
        return body.split("hours: ")[1].split()[0]

    def run(self, lines: list[str]) -> None:
        index = 0
        while index < len(lines):
            line = lines[index].strip()
            index += 1
            if not line or line.startswith("#"):
                continue
            heredoc = re.match(r"cat > (\S+) <<'EOF'$", line)
            if heredoc:
                end = lines.index("EOF", index)
                (self.cwd / heredoc.group(1)).write_text("\n".join(lines[index:end]) + "\n", encoding="utf-8")
                index = end + 1
                continue
            if line.startswith("export "):
                name, _, value = line[len("export ") :].partition("=")
                self.env[name] = value
                continue
            capture = re.match(r"(\w+)=\$\((.*) \| jq -r (\S+)\)$", line)
            if capture:
                name, command, path = capture.groups()
                args = shlex.split(self.sub(command), comments=True)
                raw = self.consentry(args[1:]) if args[0] == "consentry" else self.curl(args)
                self.vars[name] = str(jq(json.loads(raw), path))
                continue
            plain = re.match(r"(\w+)=(\S+)", line)
            if plain:
                self.vars[plain.group(1)] = self.code() if plain.group(1) == "CODE" else plain.group(2)
                continue
            args = shlex.split(self.sub(line), comments=True)
            if args[0] == "consentry":
                self.consentry(args[1:])
            elif args[0] == "curl":
                self.curl(args)
            else:
                raise AssertionError(f"the guide runs a command this replay does not know: {args[0]}")


def test_the_dpo_guide_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    replay = Replay(tmp_path)
    for block in blocks(GUIDE.read_text(encoding="utf-8")):
        replay.run(block)
    assert len(replay.ran) > 40
    # what the guide says happened, happened
    outputs = {}
    for name in ("REQ5",):
        outputs[name] = json.loads(replay.consentry(["--json", "dsar", "certificate", replay.vars[name]]))
    assert outputs["REQ5"]["valid"] is True
    check = json.loads(replay.consentry(["--json", "consent", "check", "ivan.sokolov@example.com", "service_messages"]))
    assert check["state"] == "suppressed"
    # the backup taken before Anna's erasure was restored: she is erased again, and nothing is behind the ledger
    check = json.loads(
        replay.consentry(["--json", "consent", "check", "anna.kovaleva@example.com", "service_messages"])
    )
    assert check["state"] == "suppressed"
    ledger = json.loads(replay.consentry(["--json", "backup", "ledger"]))
    assert ledger["entries"] == ledger["applied"] >= 2
    assert (tmp_path / "olga-access.zip").read_bytes()[:2] == b"PK"
    assert (tmp_path / "olga.zip").read_bytes()[:2] == b"PK"
    shown = json.loads(replay.consentry(["--json", "dsar", "show", replay.vars["REQ2"]]))
    assert shown["status"] == "completed" and shown["extended"] is True
    assert shown["notices"][0]["status"] == "acknowledged"
    if replay.client is not None:
        replay.client.application.extensions["consentry"].close()


def test_every_dsar_command_is_in_the_guide():
    text = GUIDE.read_text(encoding="utf-8")
    group = get_cli().commands["dsar"]
    missing = [name for name in group.commands if not re.search(rf"consentry (--json )?dsar {name}\b", text)]
    assert missing == []
    for command in ("consentry retention run", "consentry policies record"):
        assert command in text
