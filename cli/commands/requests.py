"""Data-subject request commands (`dsar`), `retention run` and `policies record`."""

from __future__ import annotations

from pathlib import Path

import click

from cli.commands.instance import policies
from cli.output import emit, wants_json
from cli.root import cli, json_option, pass_app
from compliance.dsar.states import INTAKE_CHANNELS, STATUSES, TYPES


@cli.group()
def dsar():
    """Data-subject requests: intake, verification, deadlines, processing, certificates."""


def _line(item: dict) -> str:
    flags = []
    if item.get("overdue"):
        flags.append("OVERDUE")
    if item.get("extended"):
        flags.append("extended")
    if item.get("duplicate_of"):
        flags.append(f"duplicate of {item['duplicate_of']}")
    return f"{item['id']}  {item['type']:<13} {item['regime']:<6} {item['status']:<11} due {item['due_at']}" + (
        f"  [{', '.join(flags)}]" if flags else ""
    )


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    from compliance.errors import Invalid

    out = {}
    for value in values:
        if "=" not in value:
            raise Invalid("use FIELD=VALUE", errors=[{"field": "match", "code": "match.format"}])
        key, _, val = value.partition("=")
        out[key.strip()] = val
    return out


@dsar.command("submit")
@click.option("--type", "type_", required=True, type=click.Choice(TYPES), help="Kind of request.")
@click.option("--regime", required=True, help="gdpr, ccpa, ru152, lgpd (policies/regimes.yaml).")
@click.option("--email", help="The requester's email (kept only as a blind index).")
@click.option("--phone", help="The requester's phone (kept only as a blind index).")
@click.option("--subject", help="A sub_… id when the person is already identified.")
@click.option("--received-at", help="When the request arrived (ISO-8601); deadlines count from it.")
@click.option(
    "--channel",
    type=click.Choice(INTAKE_CHANNELS),
    help="How the request arrived (default: cli).",
)
@click.option("--scope", type=click.Choice(("specific", "categories")), default="specific", show_default=True)
@click.option("--lookback", type=click.Choice(("default", "full")), default="default", show_default=True)
@click.option("--set", "changes", multiple=True, metavar="FIELD=VALUE", help="Rectification: a corrected value.")
@json_option
@pass_app
@click.pass_context
def submit(ctx, app, type_, regime, email, phone, subject, received_at, channel, scope, lookback, changes, as_json):
    """Record a request. Prints its id, due date and matched subjects."""
    from compliance.dsar import intake

    data = intake.submit(
        app.services,
        app.actor,
        type=type_,
        regime=regime,
        email=email,
        phone=phone,
        subject=subject,
        received_at=received_at,
        channel=channel,
        scope=scope,
        lookback=lookback,
        changes=_pairs(changes) if changes else None,
    )
    lines = [f"{data['id']}: {data['type']} ({data['regime']}) received, due {data['due_at']}"]
    if data.get("acknowledge_by"):
        lines.append(f"  acknowledge by {data['acknowledge_by']}")
    if data.get("duplicate_of"):
        lines.append(f"  DUPLICATE of open request {data['duplicate_of']}")
    for m in data["matched"]:
        score = f" score {m['score']}" if m.get("score") is not None else ""
        lines.append(f"  {m['match']}: {m['subject']}{score}{'' if m['included'] else ' (not included)'}")
    if not data["matched"]:
        lines.append("  no matching subject")
    emit(ctx, data, "\n".join(lines))


@dsar.command("list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--type", "type_", type=click.Choice(TYPES))
@click.option("--overdue", is_flag=True, help="Only open requests past their due date.")
@click.option("--format", "fmt", type=click.Choice(("text", "csv")), default="text", show_default=True)
@json_option
@pass_app
@click.pass_context
def list_cmd(ctx, app, status, type_, overdue, fmt, as_json):
    """List requests; --format csv prints the CCPA §7101 record."""
    from compliance.dsar import listing

    items = listing.list_requests(app.services, app.actor, status=status, overdue=overdue, type=type_)
    if fmt == "csv" and not wants_json(ctx):
        click.echo(listing.records_csv(items), nl=False)
        return
    emit(ctx, items, "\n".join(_line(i) for i in items) or "no requests")


@dsar.command("show")
@click.argument("request_id")
@json_option
@pass_app
@click.pass_context
def show(ctx, app, request_id, as_json):
    """A request with matches, verification, notices and timeline."""
    from compliance.dsar import listing

    data = listing.show(app.services, app.actor, request_id)
    lines = [_line(data), f"  received {data['received_at']} via {data['channel']}"]
    if data["verification"]["method"]:
        v = data["verification"]
        lines.append(f"  verified by {v['method']} ({', '.join(v['points'])})")
    for m in data["matched"]:
        lines.append(f"  {m['match']}: {m['subject']}{'' if m['included'] else ' (not included)'}")
    for n in data["notices"]:
        lines.append(f"  notice {n['id']} {n['recipient']} {n['kind']}: {n['status']}")
    for e in data["timeline"]:
        lines.append(f"  {e['at']} {e['action']} {e['from'] or ''}->{e['to'] or ''} by {e['actor']}")
    emit(ctx, data, "\n".join(lines))


@dsar.command("verify")
@click.argument("request_id")
@click.option("--method", type=click.Choice(("code", "manual")), required=True)
@click.option("--code", help="The code the requester received (without it a code is emailed).")
@click.option("--note", help="Manual verification: what was checked.")
@click.option("--match", "match", multiple=True, metavar="FIELD=VALUE", help="A data point the requester gave.")
@json_option
@pass_app
@click.pass_context
def verify(ctx, app, request_id, method, code, note, match, as_json):
    """Verify the requester (CCPA: 2 matching data points for categories, 3 for specific pieces)."""
    from compliance.dsar import verification

    data = verification.verify(
        app.services, app.actor, request_id, method=method, code=code, note=note, match=_pairs(match)
    )
    if data.get("code_sent"):
        emit(ctx, data, f"{request_id}: a one-time code was emailed to the requester")
    else:
        emit(ctx, data, f"{request_id}: verified ({', '.join(data['verification']['points'])})")


@dsar.command("include")
@click.argument("request_id")
@click.argument("subject_id")
@click.option("--exclude", is_flag=True, help="Exclude instead of include.")
@json_option
@pass_app
@click.pass_context
def include(ctx, app, request_id, subject_id, exclude, as_json):
    """Include a likely duplicate in the request (or --exclude a match)."""
    from compliance.dsar import matching

    data = matching.set_match(app.services, app.actor, request_id, subject_id, include=not exclude)
    emit(ctx, data, f"{request_id}: {subject_id} {'excluded' if exclude else 'included'}")


def _simple(name: str, help_text: str):
    @dsar.command(name, help=help_text)
    @click.argument("request_id")
    @json_option
    @pass_app
    @click.pass_context
    def command(ctx, app, request_id, as_json):
        from compliance.dsar import decisions
        from compliance.dsar import process as processing

        data = {"approve": decisions.approve, "process": processing.process}[name](app.services, app.actor, request_id)
        emit(ctx, data, f"{request_id}: {data['status']}" + (f" ({data['response']})" if data.get("response") else ""))

    return command


_simple("approve", "DPO approval (required before an erasure runs).")
_simple("process", "Carry out the request; re-run to resume an interrupted erasure.")


@dsar.command("extend")
@click.argument("request_id")
@click.option("--reason", required=True, help="Why more time is needed (sent to the requester).")
@json_option
@pass_app
@click.pass_context
def extend(ctx, app, request_id, reason, as_json):
    """The one extension, before the original due date."""
    from compliance.dsar import decisions

    data = decisions.extend(app.services, app.actor, request_id, reason=reason)
    emit(ctx, data, f"{request_id}: extended, now due {data['due_at']}")


@dsar.command("reject")
@click.argument("request_id")
@click.option("--ground", required=True, help="The ground for refusing (sent with the right to complain).")
@json_option
@pass_app
@click.pass_context
def reject(ctx, app, request_id, ground, as_json):
    """Refuse a request (DPO)."""
    from compliance.dsar import decisions

    data = decisions.reject(app.services, app.actor, request_id, ground=ground)
    emit(ctx, data, f"{request_id}: rejected")


@dsar.command("lift")
@click.argument("request_id")
@click.option("--reason", required=True, help="Why the restriction ends (sent to the person first).")
@json_option
@pass_app
@click.pass_context
def lift(ctx, app, request_id, reason, as_json):
    """Lift a restriction (the person is told first)."""
    from compliance.dsar import restriction

    restriction.lift_restriction(app.services, app.actor, request_id, reason=reason)
    emit(ctx, {"id": request_id, "lifted": True}, f"{request_id}: restriction lifted")


@dsar.command("certificate")
@click.argument("request_id")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the certificate JSON to a file.")
@json_option
@pass_app
@click.pass_context
def certificate(ctx, app, request_id, out, as_json):
    """The signed erasure certificate (JSON) and whether its signature verifies."""
    from compliance.dsar import certificates

    if out:
        data = certificates.save_certificate(app.services, app.actor, request_id, Path(out))
    else:
        data = certificates.certificate(app.services, app.actor, request_id)
    emit(ctx, data)


@dsar.command("export")
@click.argument("request_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the zip.")
@json_option
@pass_app
@click.pass_context
def export(ctx, app, request_id, out, as_json):
    """Write the access/portability bundle of a processed request."""
    from compliance.dsar import access

    data = access.save_bundle(app.services, app.actor, request_id, Path(out))
    emit(ctx, data, f"{request_id}: bundle written to {out}")


@dsar.command("remind")
@json_option
@pass_app
@click.pass_context
def remind(ctx, app, as_json):
    """Email the DPO about requests at a reminder offset today or overdue (once a day each)."""
    from compliance.dsar import reminders

    items = reminders.send_reminders(app.services, app.actor)
    emit(
        ctx,
        items,
        "\n".join(f"{i['id']}: due {i['due_at']}{' OVERDUE' if i['overdue'] else ''}" for i in items) or "no reminders",
    )


@dsar.command("notice")
@click.argument("notice_id", type=int)
@click.option("--status", type=click.Choice(("pending", "sent", "acknowledged", "failed")), required=True)
@json_option
@pass_app
@click.pass_context
def notice(ctx, app, notice_id, status, as_json):
    """Record what a downstream recipient did with a notice."""
    from compliance.dsar import notices

    data = notices.set_notice_status(app.services, app.actor, notice_id, status)
    emit(ctx, data, f"notice {notice_id} ({data['recipient']}): {status}")


@cli.group()
def retention():
    """Retention policy (policies/retention.yaml)."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Report what would be deleted or anonymised, change nothing.")
@json_option
@pass_app
@click.pass_context
def retention_run(ctx, app, dry_run, as_json):
    """Apply the retention rules (restricted subjects are skipped)."""
    from compliance.retention import rules as svc_retention

    data = svc_retention.run(app.services, app.actor, dry_run=dry_run)
    verb = "would" if dry_run else "did"
    lines = [
        f"{r['rule']}: {r['action']} {r['matched']} {r['applies_to']} ({verb})"
        + (f", {r['skipped_restricted']} restricted skipped" if r.get("skipped_restricted") else "")
        for r in data["rules"]
    ]
    emit(ctx, data, "\n".join(lines))


@policies.command("record")
@json_option
@pass_app
@click.pass_context
def policies_record(ctx, app, as_json):
    """Print the Art. 30 record of processing built from the policy files."""
    from compliance.policy import record as record_of_processing

    data = record_of_processing.record(app.services, app.actor)
    lines = [f"Record of processing — {data['controller']['name']}", "", "Purposes:"]
    lines += [
        f"  {p['id']}: {p['title']} [{p['legal_basis']}] -> {', '.join(p['recipients']) or '-'}"
        for p in data["purposes"]
    ]
    lines += ["", "Recipients:"]
    lines += [f"  {r['id']}: {r['title']} ({r['role']}, {r['country']})" for r in data["recipients"]]
    lines += ["", "Transfers:"] + [f"  {t['recipient']} -> {t['country']}: {t['safeguard']}" for t in data["transfers"]]
    lines += ["", "Retention:"]
    lines += [f"  {r['id']}: {r['action']} ({r.get('description', '')})" for r in data["retention"]["rules"]]
    lines += [f"  hold {h['category']}: {h['ground']}" for h in data["retention"]["legal_holds"]]
    lines += ["", "Security measures:"] + [f"  - {m}" for m in data["security_measures"]]
    lines += [f"WARNING: {w}" for w in data["warnings"]]
    emit(ctx, data, "\n".join(lines))
