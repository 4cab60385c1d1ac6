"""Instance commands: init, migrate, serve, policies."""

from __future__ import annotations

import click

from cli.output import emit, note
from cli.root import cli, json_option, pass_app
from compliance import instance


@cli.command()
@json_option
@pass_app
@click.pass_context
def init(ctx, app, as_json):
    """Create the instance: folder, key file (0600), policies, schema. Safe to re-run."""
    data = instance.set_up(app.settings)
    if "admin_api_key" in data:
        note("The first admin API key is shown once; store it now (it is kept only as a hash).")
    lines = [f"instance ready at {data['home']}"]
    if data["key_file_created"]:
        lines.append(f"key file created at {app.settings.key_file} (mode 0600); back it up separately from the data")
    if data["migrations_applied"]:
        lines.append("schema: " + ", ".join(data["migrations_applied"]))
    if "admin_api_key" in data:
        lines.append(f"admin principal {data['admin_principal']} API key: {data['admin_api_key']}")
    emit(ctx, data, "\n".join(lines))


@cli.command()
@json_option
@pass_app
@click.pass_context
def migrate(ctx, app, as_json):
    """Apply pending schema migrations."""
    applied = instance.migrate(app.settings)
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
    data = instance.check_policies(app.settings)
    emit(ctx, data, "policies ok: " + ", ".join(f"{f}.yaml" for f in data["files"]))
