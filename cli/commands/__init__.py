"""Every command group of the CLI, one module per domain noun; importing a module attaches its group."""

from cli.commands import (  # noqa: F401 - registration by import, listed explicitly
    audit,
    backup,
    consent,
    hygiene,
    instance,
    jobs,
    keys,
    principals,
    requests,
    subjects,
)
