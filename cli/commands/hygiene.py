"""Hygiene commands: validate, dedupe, review, explain, merge, reject, unmerge, report, issues."""

from __future__ import annotations

from pathlib import Path

import click

from cli.output import emit, note, one_line
from cli.root import cli, json_option, pass_app


@cli.group()
def hygiene():
    """Validate records, find and merge duplicates, report data quality."""


@hygiene.command("validate")
@click.option("--fix", is_flag=True, help="Apply safe normalisations (each audited); nothing is deleted.")
@json_option
@pass_app
@click.pass_context
def hygiene_validate(ctx, app, fix, as_json):
    """Record validation issues per subject and field (codes and severities, never values)."""
    from compliance.stewardship import validation

    data = validation.run(app.services, app.actor, fix=fix)
    text = (
        f"{data['run']}: {data['records']} records, {data['issues']} issues on {data['subjects_with_issues']} "
        f"subjects" + (f", {data['fixed']} subjects fixed ({data['fixed_fields']} fields)" if fix else "")
    )
    emit(ctx, data, text)


@hygiene.command("dedupe")
@click.option("--dry-run", is_flag=True, help="Change nothing; show what a run would do.")
@click.option(
    "--pairs",
    "pairs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Write every scored pair as JSON lines {"a", "b", "score", "probability", "decision", "weights", ...}.',
)
@json_option
@pass_app
@click.pass_context
def hygiene_dedupe(ctx, app, dry_run, pairs_file, as_json):
    """Find duplicates; auto-merge the certain ones, queue the likely ones for review."""
    from compliance.stewardship import dedupe as dedupe_service

    data = dedupe_service.run(app.services, app.actor, dry_run=dry_run, pairs_file=pairs_file)
    out = {"candidates": data["candidates"], "auto_merged": data["auto_merged"], "review": data["review"], **data}
    prefix = "dry run: " if dry_run else f"{data['run']}: "
    text = (
        f"{prefix}{data['records']} records, {data['candidates']} pairs scored, "
        f"{data['auto_merged']} {'would be ' if dry_run else ''}merged automatically, {data['review']} for review"
    )
    if pairs_file is not None:
        text += f"; pairs written to {pairs_file}"
    emit(ctx, out, "\n".join([text, *_scoring_lines(data)]))


def _scoring_lines(data: dict) -> list[str]:
    """Which model scored the run, and the candidate pairs each blocking rule produced with their share."""
    model, blocking = data.get("model") or {}, data.get("blocking") or {}
    lines = []
    if model.get("source"):
        pairs = model.get("training_pairs") or 0
        how = (
            f"trained on this base ({pairs} candidate pairs)"
            if model["source"] == "trained"
            else f"the reference model (too few candidate pairs to train on: {pairs})"
        )
        prior = f", prior {model['prior']:.4g}" if model.get("prior") is not None else ""
        lines.append(f"model: {how}{prior}")
    rules = blocking.get("rules") or []
    if rules:
        lines.append(f"blocking: {blocking.get('candidates', 0)} candidate pairs (a pair may come from several rules)")
        width = max(len(r["keys"]) for r in rules)
        for r in rules:
            skipped = (
                f", {r['oversized_blocks_skipped']} oversized blocks skipped" if r["oversized_blocks_skipped"] else ""
            )
            lines.append(
                f"  {r['rule']:<4} {r['keys']:<{width}}  {r['pairs']:>9} pairs  {r['share'] * 100:5.1f}%"
                f"  ({r['blocks']} blocks{skipped})"
            )
    return lines


@hygiene.command("review")
@click.option(
    "--status", default="open", show_default=True, type=click.Choice(["open", "merged", "rejected", "superseded"])
)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--after", help="Continue after this candidate id (the previous page's next_cursor).")
@json_option
@pass_app
@click.pass_context
def hygiene_review(ctx, app, status, limit, after, as_json):
    """Candidate pairs with both records side by side (masked without subjects:read_pii)."""
    from compliance.stewardship import review

    items, cursor = review.candidates_page(app.services, app.actor, status=status, after=after, limit=limit)
    lines = []
    for item in items:
        lines.append(
            f"{item['id']}  score {item['score']:.3f}  {item['decision']}  {item['a']} <-> {item['b']}"
            f"  [{', '.join(item['reasons'])}]"
        )
        for row in item["fields"]:
            if row["a"] in (None, [], {}) and row["b"] in (None, [], {}):
                continue
            lines.append(f"    {row['field']:<13} {one_line(row['a']):<40} | {one_line(row['b'])}")
    if cursor:
        lines.append(f"more: consentry hygiene review --after {cursor}")
    emit(ctx, {"items": items, "next_cursor": cursor}, "\n".join(lines) or f"no {status} candidates")


@hygiene.command("explain")
@click.argument("candidate")
@json_option
@pass_app
@click.pass_context
def hygiene_explain(ctx, app, candidate, as_json):
    """Why CANDIDATE (cand_…) was proposed: the model's weight of each field (log2 Bayes factors, never values)."""
    from compliance.stewardship import review

    data = review.explain(app.services, app.actor, candidate)
    emit(ctx, data, _explanation_text(data))


BAR = 20  # characters of the longest bar


def _explanation_text(data: dict) -> str:
    """The explanation as a table: prior, one line per field with a signed weight and a bar, total, probability."""
    head = f"{data['candidate']}  {data['a']} <-> {data['b']}  {data['decision']}, {data['status']}"
    explanation = data["explanation"]
    if explanation is None:
        reasons = ", ".join(data["reasons"]) or "none"
        if any(r.startswith("identity.") for r in data["reasons"]):
            why = f"this pair was queued by an import or API write (reasons: {reasons}), not scored by the matcher"
        else:
            why = f"none was recorded for this pair (reasons: {reasons}; scored before explanations were kept)"
        return f"{head}\nno explanation: {why};\na `consentry hygiene dedupe` run that scores the pair adds one"
    rows = [("prior", "", explanation["prior_weight"])]
    rows += [
        (f["field"], f["level"] + (" (tf)" if f["tf_adjusted"] else ""), f["weight"]) for f in explanation["fields"]
    ]
    top = max((abs(w) for _, _, w in rows), default=0.0) or 1.0
    name_w = max(len(n) for n, _, _ in rows)
    level_w = max(len(lv) for _, lv, _ in rows)

    def line(name: str, level: str, weight: float) -> str:
        length = round(abs(weight) / top * BAR)
        # Negative weights grow left of the zero axis, positive ones right of it.
        bar = f"{'-' * length if weight < 0 else '':>{BAR}}|{'+' * length if weight > 0 else ''}"
        return f"  {name:<{name_w}}  {level:<{level_w}}  {weight:+8.2f}  {bar}"

    lines = [head, f"  {'field':<{name_w}}  {'level':<{level_w}}  {'weight':>8}"]
    lines += [line(*row) for row in rows]
    lines.append(f"  {'total':<{name_w}}  {'':<{level_w}}  {explanation['total']:+8.2f}")
    lines.append(f"  probability {explanation['probability']:.6f} (score {data['score']:.6f})")
    if explanation.get("veto"):
        lines.append(f"  vetoed by the {explanation['veto']} rule: kept apart whatever the weights say")
    if explanation.get("conflicts"):
        lines.append(f"  contradictions: {', '.join(explanation['conflicts'])}")
    return "\n".join(lines)


@hygiene.command("merge")
@click.argument("candidate")
@click.option("--survivor", help="The subject id to keep (default: the older record).")
@json_option
@pass_app
@click.pass_context
def hygiene_merge(ctx, app, candidate, survivor, as_json):
    """Merge the pair of CANDIDATE (cand_…)."""
    from compliance.stewardship import merges

    data = merges.merge_candidate(app.services, app.actor, candidate, survivor=survivor)
    emit(
        ctx, data, f"{data['id']}: {data['loser']} merged into {data['survivor']} (undo: hygiene unmerge {data['id']})"
    )


@hygiene.command("reject")
@click.argument("candidate")
@json_option
@pass_app
@click.pass_context
def hygiene_reject(ctx, app, candidate, as_json):
    """Mark the pair of CANDIDATE as two different people."""
    from compliance.stewardship import merges

    data = merges.reject(app.services, app.actor, candidate)
    emit(ctx, data, f"{data['id']}: rejected; {data['a']} and {data['b']} stay separate")


@hygiene.command("unmerge")
@click.argument("merge")
@json_option
@pass_app
@click.pass_context
def hygiene_unmerge(ctx, app, merge, as_json):
    """Undo MERGE (mrg_…): both records restored exactly."""
    from compliance.stewardship import merges

    data = merges.unmerge(app.services, app.actor, merge)
    emit(ctx, data, f"{data['id']}: undone; {data['survivor']} and {data['loser']} restored")


@hygiene.command("report")
@json_option
@pass_app
@click.pass_context
def hygiene_report(ctx, app, as_json):
    """Completeness per field, invalid counts, duplicate rate and their trend across runs."""
    from compliance.stewardship import quality as quality_report

    data = quality_report.report(app.services, app.actor)
    emit(ctx, data, quality_report.render(data))


@hygiene.command("issues")
@click.option("--subject", help="Only this subject's issues.")
@click.option("--code", help="Only issues with this code (e.g. email.syntax).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@json_option
@pass_app
@click.pass_context
def hygiene_issues(ctx, app, subject, code, limit, as_json):
    """Recorded validation issues (subject, field, code, severity)."""
    from compliance.stewardship import validation

    items, cursor = validation.issues(app.services, app.actor, subject=subject, code=code, limit=limit)
    lines = [f"{i['subject']} {i['field']:<14} {i['code']:<26} {i['severity']}" for i in items]
    if cursor:
        note("more issues exist; narrow with --subject or --code, or raise --limit")
    emit(ctx, {"items": items, "next_cursor": cursor}, "\n".join(lines) or "no issues recorded")
