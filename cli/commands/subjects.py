"""Customer-base commands: import, export, demo, subjects show/segments/history/restore-value."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit, one_line, stderr_is_tty, wants_json
from cli.root import cli, json_option, pass_app


def _progress_bar(label: str):
    """A rich progress bar on a terminal, nothing otherwise; returns (advance callback, stop)."""
    if not stderr_is_tty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    progress.start()
    task = progress.add_task(label, total=None)
    return (lambda n: progress.advance(task, n)), progress.stop


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from the file extension.")
@click.option("--source", help="Where these contacts come from (default: the file name).")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@json_option
@pass_app
@click.pass_context
def import_(ctx, app, file, fmt, source, dry_run, as_json):
    """Import contacts from CSV or JSON; a row updates a subject only through a unique identifier (identity.yaml)."""
    from compliance.subjects.importer import import_file

    advance, stop = _progress_bar("importing")
    try:
        report = import_file(
            app.services, app.actor, Path(file), fmt=fmt, source=source, dry_run=dry_run, progress=advance
        )
    finally:
        stop()
    data = report.as_dict()
    text = (
        f"{'dry run: ' if dry_run else ''}imported {report.imported} ({report.review} queued for review), "
        f"updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {report.rejected}, suppressed {report.suppressed}, "
        f"flagged {report.flagged}"
    )
    if report.errors and not wants_json(ctx):
        text += "\n" + "\n".join(f"row {e['row']}: {e['field']}: {e['code']}" for e in report.errors[:50])
        if len(report.errors) > 50:
            text += f"\n… {len(report.errors) - 50} more (use --json for all)"
    emit(ctx, data, text)


@cli.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--purpose", help="Only subjects whose consent for this purpose is allowed now.")
@click.option("--segment", help="Only subjects in this lifecycle segment.")
@click.option("--channel", help="Channel for the purpose check (default: the purpose's first channel).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default=None)
@json_option
@pass_app
@click.pass_context
def export(ctx, app, out, purpose, segment, channel, fmt, as_json):
    """Export contacts (needs subjects:export); with --purpose, a consent-aware audience file."""
    from compliance.consent.audience import export_subjects

    result = export_subjects(
        app.services, app.actor, Path(out), fmt=fmt, purpose=purpose, segment=segment, channel=channel
    )
    emit(ctx, result, f"wrote {result['written']} subjects to {out}")


@cli.command()
@click.option("--customers", default=2000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", default=0, show_default=True, type=int)
@json_option
@pass_app
@click.pass_context
def demo(ctx, app, customers, seed, as_json):
    """Load a synthetic ru/uk/en customer base (with duplicates and bad contacts) and its ground truth."""
    from compliance.demo.load import load_demo

    advance, stop = _progress_bar("demo")
    try:
        result = load_demo(app.services, app.actor, customers=customers, seed=seed, progress=advance)
    finally:
        stop()
    emit(
        ctx,
        result,
        f"demo: {result['import']['imported']} subjects, {result['purchases']} purchases, "
        f"{result['interactions']} interactions; ground truth in {result['truth_file']}",
    )


@cli.group()
def subjects():
    """Look at subjects, segments and value history."""


@subjects.command("show")
@click.argument("subject", required=False)
@click.option("--email")
@click.option("--phone")
@click.option("--external-id")
@click.option("--masked", is_flag=True, help="Mask personal data even if you may see it.")
@json_option
@pass_app
@click.pass_context
def subjects_show(ctx, app, subject, email, phone, external_id, masked, as_json):
    """Show one subject by id, email, phone or external id."""
    from compliance.errors import Invalid, NotFound
    from compliance.subjects import profiles as svc_subjects

    services, actor = app.services, app.actor
    if subject:
        ids = [subject]
    elif email or phone or external_id:
        ids = svc_subjects.lookup(services, actor, email=email, phone=phone, external_id=external_id)
        if not ids:
            raise NotFound("no subject matches")
    else:
        raise Invalid(
            "give SUBJECT, --email, --phone or --external-id", errors=[{"field": "SUBJECT", "code": "argument.missing"}]
        )
    views = [svc_subjects.read(services, actor, sid, reveal=not masked) for sid in ids]
    emit(ctx, views[0] if len(views) == 1 else views)


@subjects.command("segments")
@json_option
@pass_app
@click.pass_context
def subjects_segments(ctx, app, as_json):
    """Count, average check, repeat-purchase rate and lifetime value per lifecycle segment and RFM score."""
    from compliance.subjects.segments import segment_report

    report = segment_report(app.services, app.actor)
    lines = [f"{'segment':<10} {'count':>7} {'avg check':>12} {'repeat':>7} {'LTV':>12}  ({report['currency']})"]
    for name, row in report["lifecycle"].items():
        lines.append(
            f"{name:<10} {row['count']:>7} {row['average_check']:>12.2f} "
            f"{row['repeat_purchase_rate']:>7.1%} {row['lifetime_value']:>12.2f}"
        )
    lines.append("")
    lines.append("RFM (recency-frequency-monetary score, top 10 by count):")
    for cell in report["rfm"][:10]:
        lines.append(f"  {cell['score']}: {cell['count']}")
    emit(ctx, report, "\n".join(lines))


@subjects.command("history")
@click.argument("subject")
@json_option
@pass_app
@click.pass_context
def subjects_history(ctx, app, subject, as_json):
    """Values of SUBJECT that writes replaced or declined, and restores (needs subjects:read_pii)."""
    from compliance.subjects import values

    items = values.history(app.services, app.actor, subject)
    lines = [f"{'entry':<28} {'at':<20} {'change':<9} {'field':<18} {'old':<28} {'new':<28} source"]
    for e in items:
        restored = f"  (restored {e['restored_at']})" if e["restored_at"] else ""
        lines.append(
            f"{e['id']:<28} {e['at']:<20} {e['change']:<9} {e['field']:<18} {one_line(e['old']) or '-':<28} "
            f"{one_line(e['new']) or '-':<28} {e['source'] or '-'}{restored}"
        )
    if items:
        lines.append("put a value back: consentry subjects restore-value ENTRY")
    emit(ctx, items, "\n".join(lines) if items else f"{subject}: no replaced or declined values")


@subjects.command("restore-value")
@click.argument("entry")
@json_option
@pass_app
@click.pass_context
def subjects_restore_value(ctx, app, entry, as_json):
    """Put the value kept in history ENTRY (hst_…) back into its field."""
    from compliance.subjects import values

    data = values.restore_value(app.services, app.actor, entry)
    restored = data["restored"]
    emit(
        ctx,
        data,
        f"{data['subject']['id']}: {restored['field']} restored from {data['entry']['id']} (entry {restored['id']})",
    )
