"""`python -m cli` runs the consentry command (used by tests that need a real process)."""

from cli.main import main

main()
