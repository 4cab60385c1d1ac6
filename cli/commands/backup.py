"""Backup commands: create, restore, and the erasure ledger that keeps a restored copy from resurrecting anyone."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit
from cli.root import cli, json_option, pass_app
from compliance import instance
from compliance.backup import copies
from compliance.dsar import ledger, ledger_sync


@cli.group()
def backup():
    """Backup copies of the database and the erasure ledger."""


@backup.command("create")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The backup file to write.")
@json_option
@pass_app
@click.pass_context
def backup_create(ctx, app, out, as_json):
    """Write a consistent copy of the database (SQLite online backup; pg_dump on PostgreSQL)."""
    data = copies.create(app.services, app.actor, Path(out))
    emit(ctx, data, f"backup written to {data['file']} ({data['bytes']} bytes, sha256 {data['sha256'][:16]}…)")


@backup.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@json_option
@pass_app
@click.pass_context
def backup_restore(ctx, app, file, yes, as_json):
    """Replace the database with a backup copy, then erase again everyone the ledger says was erased since."""
    if not yes:
        click.confirm("This replaces the whole database with the backup. Continue?", abort=True, err=True)
    actor = app.actor
    data = instance.restore_backup(app.services, actor, Path(file))
    emit(
        ctx,
        data,
        f"restored from {data['file']}; {data['erasures_reapplied']} erasures from the ledger re-applied "
        f"({data['subjects_shredded']} people erased again)",
    )


@backup.command("ledger")
@json_option
@pass_app
@click.pass_context
def backup_ledger(ctx, app, as_json):
    """Verify the erasure ledger's hash chain and show how the database stands against it."""
    svc = app.services
    app.actor.require("keys:manage")
    data = {**ledger.ledger_of(svc).verify(), **ledger_sync.position(svc)}
    text = (
        f"erasure ledger {data['path']}: {data['entries']} entries, chain intact; {data['applied']} applied here"
        if data["exists"]
        else f"erasure ledger {data['path']}: no file yet (no erasure has been written to it)"
    )
    emit(ctx, data, text)
