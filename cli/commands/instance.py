"""Instance commands: init, migrate, serve, policies."""

from __future__ import annotations

import click

from cli.main import cli, json_option, pass_app
from cli.output import emit, note


@cli.command()
@json_option
@pass_app
@click.pass_context
def init(ctx, app, as_json):
    """Create the instance: folder, key file (0600), policies, schema. Safe to re-run."""
    from compliance.instance import initialise

    result = initialise(app.settings)
    data = {
        "home": result.home,
        "key_file_created": result.key_file_created,
        "policies_copied": result.policies_copied,
        "migrations_applied": result.migrations_applied,
    }
    try:
        from compliance.access.principals import bootstrap_admin
    except ImportError:
        bootstrap_admin = None
    if bootstrap_admin is not None:
        key = bootstrap_admin(app.services)
        if key:
            data["admin_principal"], data["admin_api_key"] = key
            note("The first admin API key is shown once; store it now (it is kept only as a hash).")
    lines = [f"instance ready at {result.home}"]
    if result.key_file_created:
        lines.append(f"key file created at {app.settings.key_file} (mode 0600); back it up separately from the data")
    if result.migrations_applied:
        lines.append("schema: " + ", ".join(result.migrations_applied))
    if "admin_api_key" in data:
        lines.append(f"admin principal {data['admin_principal']} API key: {data['admin_api_key']}")
    emit(ctx, data, "\n".join(lines))


@cli.command()
@json_option
@pass_app
@click.pass_context
def migrate(ctx, app, as_json):
    """Apply pending schema migrations."""
    from compliance.instance import migrate as run_migrations

    applied = run_migrations(app.settings)
    emit(ctx, {"applied": applied}, "\n".join(applied) or "schema is up to date")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@json_option
@pass_app
def serve(app, host, port, as_json):
    """Serve the HTTP API and admin pages (development server; use gunicorn in production)."""
    from api import create_app
    from api.serving import serve as run

    flask_app = create_app(services=app.services)
    note(f"serving on http://{host}:{port}")
    run(flask_app, host, port)


@cli.group()
def policies():
    """Policy files: validate them, print the record of processing."""


@policies.command("check")
@json_option
@pass_app
@click.pass_context
def policies_check(ctx, app, as_json):
    """Validate every policy file of the instance."""
    from compliance.errors import Invalid
    from compliance.policy.loader import PolicyError, load_policies

    try:
        loaded = load_policies(app.settings.policies_dir)
    except PolicyError as exc:
        raise Invalid(str(exc), errors=[{"field": "policies", "code": "policy.invalid"}]) from None
    files = sorted(loaded.raw)
    emit(ctx, {"ok": True, "files": files}, "policies ok: " + ", ".join(f"{f}.yaml" for f in files))
