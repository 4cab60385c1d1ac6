"""The root `consentry` group and what every command shares: the App (services, actor), --json, error exits.

Command modules (cli/commands/) import from here; cli.main composes them, so nothing here imports a command.
"""

from __future__ import annotations

import json

import click

from compliance.errors import ConsentryError
from compliance.services import build_services
from compliance.settings import Settings, SettingsError


def _mark_json(ctx: click.Context, _param, value: bool) -> bool:
    if value:
        ctx.meta["consentry.json"] = True  # meta is shared by every context of one invocation
    return value


json_option = click.option(
    "--json", "as_json", is_flag=True, callback=_mark_json, help="Print one JSON document on stdout."
)


class App:
    """Lazily built services for one command invocation."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._services = None

    @property
    def services(self):
        """Services of the instance (opened on first use; clear error if the instance is not set up)."""
        if self._services is None:
            self._services = build_services(self.settings)
        return self._services

    @property
    def actor(self):
        """The local principal the CLI acts as."""
        return self.services.local_actor()

    def close(self) -> None:
        """Release the database."""
        if self._services is not None:
            self._services.close()


class ConsentryGroup(click.Group):
    """Turns domain errors into a one-line message and a non-zero exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConsentryError as exc:
            as_json = bool(ctx.meta.get("consentry.json"))
            if as_json:
                click.echo(
                    json.dumps(
                        {"error": {"code": exc.code, "message": exc.message, "errors": exc.errors}}, ensure_ascii=False
                    )
                )
            detail = ""
            if exc.errors and not as_json:
                detail = (
                    " ("
                    + "; ".join(":".join(str(e[k]) for k in ("row", "field", "code") if k in e) for e in exc.errors[:5])
                    + ")"
                )
            click.echo(f"error: {exc.message}{detail}", err=True)
            ctx.exit(1 if exc.status != 403 else 3)
        except SettingsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


def pass_app(f):
    """Decorator giving a command the App object."""
    return click.pass_obj(f)


@click.group(cls=ConsentryGroup)
@click.option("--home", envvar="CONSENTRY_HOME", type=click.Path(file_okay=False), help="Instance folder.")
@click.option("--database-url", envvar="CONSENTRY_DATABASE_URL", help="sqlite:///path or postgresql://…")
@click.option("--key-file", envvar="CONSENTRY_KEY_FILE", type=click.Path(dir_okay=False), help="Key file.")
@click.option(
    "--policies", "policies_dir", envvar="CONSENTRY_POLICIES", type=click.Path(file_okay=False), help="Policy folder."
)
@click.option(
    "--as", "local_principal", envvar="CONSENTRY_LOCAL_PRINCIPAL", help="Name of the local principal the CLI acts as."
)
@json_option
@click.version_option(package_name="consentry")
@click.pass_context
def cli(ctx: click.Context, home, database_url, key_file, policies_dir, local_principal, as_json):
    """Consentry: encrypted customer base, consent, data-subject requests, hygiene and audit."""
    try:
        settings = Settings.load(
            home=home,
            database_url=database_url,
            key_file=key_file,
            policies_dir=policies_dir,
            local_principal=local_principal,
        )
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    app = App(settings)
    ctx.obj = app
    ctx.call_on_close(app.close)
