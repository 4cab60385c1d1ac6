"""Consent commands: grant, withdraw, check, history, receipt, confirm, object."""

from __future__ import annotations

import click

from cli.output import emit
from cli.root import cli, json_option, pass_app


@cli.group()
def consent():
    """Record and check consent."""


def _record(ctx, app, action, subject, purpose, channel, source, notice_version, method):
    from compliance.consent import ledger as svc_consent

    event = svc_consent.record(
        app.services,
        app.actor,
        subject=subject,
        purpose=purpose,
        channel=channel,
        action=action,
        source=source,
        notice_version=notice_version,
        method=method,
    )
    emit(
        ctx,
        event,
        f"{event['id']}: {purpose}/{event['channel']} is now {event['state']}"
        + (" (confirmation sent)" if event.get("confirmation") else ""),
    )


for _action in ("grant", "withdraw"):

    def _make(action):
        @consent.command(action, help=f"Record a {action} of one purpose on one channel.")
        @click.argument("subject")
        @click.argument("purpose")
        @click.option("--channel", help="Default: the purpose's first channel.")
        @click.option("--source", default="cli", show_default=True, help="Where the decision was collected.")
        @click.option("--notice-version", help="Notice version (default: hash of the purpose's notice text).")
        @click.option("--method", help="Collection method (default: the source).")
        @json_option
        @pass_app
        @click.pass_context
        def command(ctx, app, subject, purpose, channel, source, notice_version, method, as_json):
            _record(ctx, app, action, subject, purpose, channel, source, notice_version, method)

        return command

    _make(_action)


@consent.command("check")
@click.argument("subject")
@click.argument("purpose")
@click.option("--channel")
@json_option
@pass_app
@click.pass_context
def consent_check(ctx, app, subject, purpose, channel, as_json):
    """May PURPOSE be used for SUBJECT now? (SUBJECT: sub_… id, or an email or phone.)"""
    from compliance.consent import ledger as svc_consent

    who = (
        {"subject": subject}
        if subject.startswith("sub_")
        else ({"email": subject} if "@" in subject else {"phone": subject})
    )
    result = svc_consent.check(app.services, app.actor, purpose=purpose, channel=channel, **who)
    svc_consent.counter(app.services).flush()
    data = {
        "allowed": result["allowed"],
        "state": result["state"],
        "purpose": result["purpose"],
        **{k: v for k, v in result.items() if k not in ("allowed", "state", "purpose")},
    }
    emit(ctx, data, f"{'allowed' if data['allowed'] else 'not allowed'}: {data['state']}")


@consent.command("history")
@click.argument("subject")
@json_option
@pass_app
@click.pass_context
def consent_history(ctx, app, subject, as_json):
    """Current states and every consent event of a subject."""
    from compliance.consent import ledger as svc_consent

    data = svc_consent.history(app.services, app.actor, subject)
    lines = [f"{s['purpose']}/{s['channel']}: {s['state']}" for s in data["states"]]
    lines += [
        f"  {e['occurred_at']} {e['id']} {e['action']} {e['purpose']}/{e['channel']} -> {e['state']} ({e['source']})"
        for e in data["events"]
    ]
    emit(ctx, data, "\n".join(lines) or "no consent recorded")


@consent.command("receipt")
@click.argument("event_id")
@json_option
@pass_app
@click.pass_context
def consent_receipt(ctx, app, event_id, as_json):
    """The Kantara v1.1 consent receipt of an event (JSON)."""
    from compliance.consent import ledger as svc_consent

    emit(ctx, svc_consent.receipt(app.services, app.actor, event_id))


@consent.command("confirm")
@click.argument("token")
@json_option
@pass_app
@click.pass_context
def consent_confirm(ctx, app, token, as_json):
    """Confirm a double opt-in with the code the person received."""
    from compliance.consent import ledger as svc_consent

    event = svc_consent.confirm(app.services, app.actor, token)
    emit(ctx, event, f"{event['purpose']}/{event['channel']} is now {event['state']}")


@consent.command("object")
@click.argument("subject")
@json_option
@pass_app
@click.pass_context
def consent_object(ctx, app, subject, as_json):
    """Objection to direct marketing: withdraw every marketing purpose and suppress the identifiers."""
    from compliance.consent import ledger as svc_consent

    data = svc_consent.object_to_marketing(app.services, app.actor, subject, source="cli")
    emit(
        ctx,
        data,
        f"{data['withdrawn']} marketing consents withdrawn, {data['suppressed_identifiers']} identifiers suppressed",
    )
