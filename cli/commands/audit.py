"""Audit commands: verify, tail, export, checkpoint."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit
from cli.root import cli, json_option, pass_app
from compliance.audit import service as audit_service


@cli.group()
def audit():
    """The tamper-evident audit trail."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Also check that a saved checkpoint is still a prefix of the log.",
)
@json_option
@pass_app
@click.pass_context
def audit_verify(ctx, app, checkpoint_file, as_json):
    """Recompute the hash chain and MACs; name the first bad entry."""
    result = audit_service.verify(
        app.services, app.actor, checkpoint=Path(checkpoint_file) if checkpoint_file else None
    )
    text = (
        f"ok: {result['entries']} entries verified"
        if result["ok"]
        else f"TAMPERED: first bad entry seq {result['first_bad_seq']} ({result.get('reason', '')})"
    )
    emit(ctx, result, text)
    if not result["ok"]:
        ctx.exit(4)


@audit.command("tail")
@click.option("-n", "count", default=20, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@pass_app
@click.pass_context
def audit_tail(ctx, app, count, as_json):
    """The latest entries."""
    entries = audit_service.tail(app.services, app.actor, count)
    emit(
        ctx,
        entries,
        "\n".join(
            f"{e['seq']:>7} {e['ts']} {e['actor']:<24} {e['action']:<22} {e['target']:<28} {e['outcome']}"
            for e in entries
        ),
    )


@audit.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@json_option
@pass_app
@click.pass_context
def audit_export(ctx, app, out, as_json):
    """Write every entry as JSON lines (with chain and MAC)."""
    data = audit_service.export(app.services, app.actor, Path(out))
    emit(ctx, data, f"wrote {data['entries']} entries to {out}")


@audit.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False), help="Default: <home>/checkpoints/<size>.txt")
@json_option
@pass_app
@click.pass_context
def audit_checkpoint(ctx, app, out, as_json):
    """Write an Ed25519-signed checkpoint (size and head) to keep somewhere else."""
    data = audit_service.checkpoint(app.services, app.actor, Path(out) if out else None)
    emit(ctx, data, f"checkpoint of {data['size']} entries written to {data['file']}")
