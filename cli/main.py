"""The consentry console script: the root group with every command group of cli/commands registered."""

from __future__ import annotations

import click

# The registry is explicit (cli/commands/__init__.py): a missing module is an ImportError, never a command group
# that silently disappears. Importing it attaches every group to the root.
from cli import commands  # noqa: F401
from cli.root import cli


def get_cli() -> click.Group:
    """The root command group with every command registered (for the console script and tests)."""
    return cli


def main() -> None:
    """Entry point of the consentry console script."""
    cli(prog_name="consentry")
