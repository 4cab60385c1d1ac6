"""Documentation stays true: every audit action, setting and CLI command is documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import click

from cli.main import get_cli
from compliance.audit.actions import AuditAction
from compliance.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_every_audit_action_is_documented():
    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    missing = [a.value for a in AuditAction if f"`{a.value}`" not in text]
    assert missing == []


def test_every_environment_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    source = (ROOT / "compliance" / "settings.py").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'"(CONSENTRY_[A-Z_]+)"', source)))
    assert len(names) >= 8 and [n for n in names if n not in readme] == []
    assert {f.name for f in fields(Settings)} >= {"home", "database_url", "key_file", "master_key", "policies_dir"}


def _commands(group: click.Group, prefix: str = "consentry") -> list[str]:
    out = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out += _commands(command, path)
        else:
            out.append(path)
    return out


def test_every_cli_command_is_documented():
    text = all_docs()
    missing = [c for c in _commands(get_cli()) if c not in text]
    assert missing == [], f"document these commands in README.md or docs/: {missing}"
