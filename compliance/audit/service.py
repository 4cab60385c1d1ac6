"""Audit use cases for people: list, verify, tail, export, signed checkpoints (permission-checked and audited).

Every adapter (API, admin pages, CLI, scheduler) reads the trail through these functions, never the table.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from compliance.audit import checkpoints
from compliance.audit.actions import AuditAction
from compliance.audit.log import Caller
from compliance.errors import Invalid

ORIGIN_PREFIX = "consentry"


def verify(svc, actor: Caller, checkpoint: Path | None = None) -> dict[str, Any]:
    """Verify the chain, and optionally that a saved checkpoint still matches the log."""
    actor.require("audit:read")
    result = svc.audit.verify()
    if checkpoint is not None:
        try:
            saved = checkpoints.verify_checkpoint(Path(checkpoint).read_text(), svc.keys.signing_key().public_key())
        except checkpoints.CheckpointError as exc:
            raise Invalid(
                f"checkpoint rejected: {exc}", errors=[{"field": "checkpoint", "code": "checkpoint.bad"}]
            ) from None
        consistent = checkpoints.check_consistent(saved, svc.audit.chain_at(saved.size) if saved.size else None)
        result["checkpoint"] = {"size": saved.size, "consistent": consistent}
        if not consistent:
            result["ok"] = False
            result["reason"] = "the log no longer contains the entries the checkpoint signed"
            if result.get("first_bad_seq") is None:
                result["first_bad_seq"] = min(saved.size, result["entries"] + 1)
    return result


def page(
    svc, actor: Caller, *, after: int = 0, limit: int, action: str | None = None, target: str | None = None
) -> dict[str, Any]:
    """Entries after a seq in order, filtered by action or target: {"items", "next_after"} (None on the last page)."""
    actor.require("audit:read")
    after = after if isinstance(after, int) and not isinstance(after, bool) and after > 0 else 0
    items = svc.audit.page(after, limit + 1, action=action, target=target)
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_after": items[-1]["seq"] if more and items else None}


def tail(svc, actor: Caller, count: int = 20) -> list[dict[str, Any]]:
    """The latest entries, oldest first."""
    actor.require("audit:read")
    return svc.audit.tail(count)


def overview(svc, actor: Caller, count: int = 50) -> dict[str, Any]:
    """What the audit page shows: the verification of the whole chain and the latest entries, newest first."""
    actor.require("audit:read")
    return {"result": verify(svc, actor), "entries": list(reversed(tail(svc, actor, count)))}


def export(svc, actor: Caller, out: Path) -> dict[str, Any]:
    """Write the whole log as JSON lines; the export itself is audited."""
    actor.require("audit:write")
    count = svc.audit.export(out)
    svc.audit.record(actor, AuditAction.AUDIT_EXPORT, "", details={"entries": count})
    return {"entries": count, "file": str(out)}


def checkpoint(svc, actor: Caller, out: Path | None = None) -> dict[str, Any]:
    """Sign the current size and head with the instance's Ed25519 key and write it to a file."""
    actor.require("audit:write")
    svc.audit.record(actor, AuditAction.AUDIT_CHECKPOINT, "")
    size, head = svc.audit.head()
    # Signed-note origins allow no spaces or '+': keep the instance folder name's safe characters only.
    name = re.sub(r"[^A-Za-z0-9._-]", "-", svc.settings.home.resolve().name) or "instance"
    origin = f"{ORIGIN_PREFIX}/{name}"
    text = checkpoints.make_checkpoint(origin, size, head, svc.keys.signing_key(), svc.clock.now())
    if out is None:
        out = svc.settings.home / "checkpoints" / f"{size:012d}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    public = base64.b64encode(svc.keys.signing_key().public_key().public_bytes_raw()).decode()
    return {"size": size, "head": head.hex(), "file": str(out), "public_key": public}
