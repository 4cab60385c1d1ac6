"""Loading the synthetic demo base through the real import path, plus purchases, interactions and ground truth."""

from __future__ import annotations

import csv
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from compliance.access.actor import Actor
from compliance.clock import parse_iso
from compliance.crypto.blind_index import EXTERNAL
from compliance.ids import new_id
from compliance.store.models import BlindIndex, Interaction, Purchase
from compliance.subjects.importer import Importer
from compliance.subjects.segments import refresh_lifecycle


def resolve_external_ids(svc, external_ids: list[str]) -> dict[str, str]:
    """Map external ids to subject ids through the blind index, in batches."""
    by_digest: dict[bytes, str] = {}
    for ext in external_ids:
        digest = svc.indexer.digest(EXTERNAL, ext)
        if digest is not None:
            by_digest[digest] = ext
    out: dict[str, str] = {}
    digests = list(by_digest)
    for start in range(0, len(digests), 900):
        chunk = digests[start : start + 900]
        query = BlindIndex.select(BlindIndex.digest, BlindIndex.subject_id).where(
            (BlindIndex.kind == EXTERNAL) & BlindIndex.digest.in_(chunk)
        )
        for row in query:
            out[by_digest[bytes(row.digest)]] = row.subject_id
    return out


def load_demo(
    svc, actor: Actor, *, customers: int, seed: int, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Generate a demo base, import it, attach purchases and interactions, write the ground truth file."""
    from compliance.demo.generator import generate

    actor.require("subjects:import")
    base = generate(customers, seed=seed, now=svc.clock.now())
    report = Importer(svc, actor, source="demo", progress=progress).run(base.rows)
    mapping = resolve_external_ids(svc, [r["external_id"] for r in base.rows if r.get("external_id")])
    purchases = [
        {
            "id": new_id("pur"),
            "subject": mapping[p["external_id"]],
            "amount": Decimal(str(p["amount"])),
            "currency": p["currency"],
            "purchased_at": parse_iso(p["purchased_at"]),
            "category": p.get("category"),
            "status": p.get("status", "paid"),
        }
        for p in base.purchases
        if p["external_id"] in mapping
    ]
    interactions = []
    for item in base.interactions:
        subject_id = mapping.get(item["external_id"])
        if subject_id is None:
            continue
        row_id = new_id("int")
        interactions.append(
            {
                "id": row_id,
                "subject": subject_id,
                "channel": item["channel"],
                "kind": item["kind"],
                "occurred_at": parse_iso(item["occurred_at"]),
                "summary": Interaction.sealed(Interaction.summary, subject_id, row_id, item.get("summary")),
            }
        )
    with svc.transaction():
        for start in range(0, len(purchases), 500):
            Purchase.insert_many(purchases[start : start + 500]).execute()
        for start in range(0, len(interactions), 500):
            Interaction.insert_many(interactions[start : start + 500]).execute()
    refresh_lifecycle(svc)
    truth_file = Path(svc.settings.home) / "demo" / "truth.csv"
    truth_file.parent.mkdir(parents=True, exist_ok=True)
    with truth_file.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "person", "subject_id"])
        for ext, person in sorted(base.truth.items()):
            writer.writerow([ext, person, mapping.get(ext, "")])
    return {
        "import": report.as_dict() | {"errors": len(report.errors), "warnings": len(report.warnings)},
        "purchases": len(purchases),
        "interactions": len(interactions),
        "truth_file": str(truth_file),
    }
