"""Architecture: the core never imports the transports; hygiene stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "compliance": {"flask", "click", "werkzeug", "api", "cli", "jinja2", "gunicorn"},
    "hygiene": {"flask", "click", "werkzeug", "peewee", "compliance", "api", "cli", "psycopg"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported anywhere in a module (including inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_layers(package):
    offenders = {}
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    for path in files:
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_detector_catches_a_violation(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from flask import request\n")
    assert "flask" in imported_roots(sample)
