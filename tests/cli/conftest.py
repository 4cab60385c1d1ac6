"""The consentry command on a fresh instance of the backend under test."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import get_cli


@pytest.fixture
def run(tmp_path, database_url):
    """Invoke consentry on a fresh instance; returns (exit code, stdout, stderr)."""
    home = tmp_path / "instance"
    runner = CliRunner()
    env = {"CONSENTRY_HOME": str(home), "CONSENTRY_DATABASE_URL": database_url, "CONSENTRY_MASTER_KEY": ""}

    def invoke(*args: str):
        result = runner.invoke(get_cli(), list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    invoke.home = home
    invoke.database_url = database_url
    return invoke
