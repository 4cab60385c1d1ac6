"""Key commands: status, rotate, retire, reindex."""

from __future__ import annotations

import click

from cli.output import emit
from cli.root import cli, json_option, pass_app
from compliance.keys import rotation


@cli.group()
def keys():
    """Key-encryption keys and blind-index keys."""


@keys.command("status")
@json_option
@pass_app
@click.pass_context
def keys_status(ctx, app, as_json):
    """Key versions and how many rows use each."""
    data = rotation.status(app.services, app.actor)
    lines = [f"keys from {data['provider']}", f"KEK active v{data['kek']['active']}"]
    lines += [f"  v{v['version']} {v['state']}: {v['data_keys']} data keys" for v in data["kek"]["versions"]]
    lines.append(f"index key active v{data['index']['active']}")
    lines += [
        f"  v{v['version']}: {v['blind_indexes']} blind indexes, {v['tombstones']} tombstones"
        for v in data["index"]["versions"]
    ]
    emit(ctx, data, "\n".join(lines))


@keys.command("rotate")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000))
@json_option
@pass_app
@click.pass_context
def keys_rotate(ctx, app, batch, as_json):
    """Add a KEK version and rewrap every data key under it (resumes an unfinished rotation)."""
    data = rotation.rewrap(app.services, app.actor, batch=batch)
    emit(
        ctx,
        data,
        f"{'resumed: ' if data['resumed'] else ''}{data['rewrapped']} data keys now under KEK v{data['active']}",
    )


@keys.command("retire")
@click.argument("version", type=int)
@json_option
@pass_app
@click.pass_context
def keys_retire(ctx, app, version, as_json):
    """Retire a KEK version after a complete rotation."""
    emit(ctx, rotation.retire(app.services, app.actor, version), f"KEK v{version} retired")


@keys.command("reindex")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000))
@json_option
@pass_app
@click.pass_context
def keys_reindex(ctx, app, batch, as_json):
    """Add an index-key version and recompute every blind index under it (resumes an unfinished one)."""
    data = rotation.reindex(app.services, app.actor, batch=batch)
    emit(ctx, data, f"{data['subjects']} subjects reindexed under index key v{data['active']}")
