"""Principal commands: create, list, revoke."""

from __future__ import annotations

import click

from cli.output import emit, note
from cli.root import cli, json_option, pass_app
from compliance.access import principals as access


@cli.group()
def principals():
    """People and applications that call Consentry, and their API keys."""


@principals.command("create")
@click.argument("name")
@click.option("--role", required=True, help="A role from roles.yaml (admin, dpo, steward, analyst, app …).")
@click.option("--kind", type=click.Choice(["person", "application"]), default="person", show_default=True)
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Key expiry (default: no expiry).")
@json_option
@pass_app
@click.pass_context
def principals_create(ctx, app, name, role, kind, expires_in_days, as_json):
    """Create a principal; its API key is printed once and stored only as a hash."""
    data = access.create(app.services, app.actor, name, role, kind=kind, expires_in_days=expires_in_days)
    note("The API key is shown once; store it now.")
    emit(ctx, data, f"{data['id']} {name} ({role}) API key: {data['api_key']}")


@principals.command("list")
@json_option
@pass_app
@click.pass_context
def principals_list(ctx, app, as_json):
    """Every principal and its keys (prefix and last four characters only)."""
    rows = access.list_principals(app.services, app.actor)
    lines = []
    for p in rows:
        state = "revoked" if p["revoked_at"] else "active"
        lines.append(f"{p['id']} {p['name']:<24} {p['role']:<8} {p['kind']:<11} {state}")
        for k in p["keys"]:
            lines.append(
                f"    {k['prefix']} last used {k['last_used_at'] or 'never'} expires {k['expires_at'] or 'never'}"
                f"{' revoked' if k['revoked_at'] else ''}"
            )
    emit(ctx, rows, "\n".join(lines) or "no principals")


@principals.command("revoke")
@click.argument("principal")
@json_option
@pass_app
@click.pass_context
def principals_revoke(ctx, app, principal, as_json):
    """Revoke a principal and every key it holds."""
    data = access.revoke(app.services, app.actor, principal)
    emit(ctx, data, f"{principal} revoked")
