"""The order in which an import writes its rows, so that its decisions depend on neither row order nor batch size.

Rows that share an identifier (with each other, directly or through a chain) form a group. A group is
always written in one batch, and within the group rows go in a canonical order (by their content), so a
shuffled file or another batch size makes the same decisions and the same subjects, up to ids. Groups are
packed into batches of about `batch_size` rows; a group larger than that is a batch of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Sequence
from typing import Any


def content_key(profile: dict[str, Any]) -> bytes:
    """A stable digest of a row's content: the canonical order of rows within a group."""
    return hashlib.blake2b(
        json.dumps(profile, sort_keys=True, ensure_ascii=False, default=str).encode(), digest_size=16
    ).digest()


def groups(keys: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Indexes of rows grouped by shared keys (union-find over every key a row has)."""
    parent = list(range(len(keys)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_with: dict[Hashable, int] = {}
    for row, row_keys in enumerate(keys):
        for key in row_keys:
            other = first_with.setdefault(key, row)
            if other != row:
                a, b = find(row), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    out: dict[int, list[int]] = {}
    for row in range(len(keys)):
        out.setdefault(find(row), []).append(row)
    return list(out.values())


def plan(keys: Sequence[Sequence[Hashable]], content: Sequence[bytes], batch_size: int) -> list[list[int]]:
    """Batches of row indexes: whole groups, each in canonical order, groups ordered canonically too."""
    ordered = []
    for group in groups(keys):
        group.sort(key=lambda i: (content[i], i))
        ordered.append(group)
    # Groups by their first row's content: the batch boundaries then fall the same way for any row order.
    ordered.sort(key=lambda g: (content[g[0]], g[0]))
    batches: list[list[int]] = []
    current: list[int] = []
    for group in ordered:
        if current and len(current) + len(group) > batch_size:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    return batches
